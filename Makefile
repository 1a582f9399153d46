.PHONY: demo test setup

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/plantvoice demo

test: setup
	scripts/test.sh
