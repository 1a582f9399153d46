"""Never the wrong asset, on text: a spread of benchmarks/wrong_asset.py's requests.

Each request names an asset the plant does not have ("tank seven", "gas turbine five") or a real
one misheard ("transparent one"), after a context turn about another asset. No answer may be
about an asset the request did not name or mean, and no alarm may be acknowledged without a yes.
"""

from __future__ import annotations

import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import wrong_asset  # noqa: E402

EVERY = 5  # 264 requests -> 53, of both kinds and every intent


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> wrong_asset.Runner:
    return wrong_asset.Runner(tmp_path_factory.mktemp("wrong-asset"))


@pytest.fixture(scope="module")
def rows(runner: wrong_asset.Runner) -> list[wrong_asset.Row]:
    return [runner.text(case) for case in wrong_asset.cases(runner.model)[::EVERY]]


def _said(rows: list[wrong_asset.Row]) -> str:
    return "\n".join(f"{r.case.context!r} then {r.case.text!r}: about {r.about}, meant {list(r.case.meant)}: {r.answer}"
                     for r in rows)


def test_the_requests_are_many_and_of_both_kinds(rows: list[wrong_asset.Row]) -> None:
    assert len(rows) >= 40
    assert {r.case.kind for r in rows} == {"unknown", "misheard"}


def test_no_alarm_is_acknowledged_without_a_yes(rows: list[wrong_asset.Row]) -> None:
    assert sum(r.acknowledged for r in rows) == 0


def test_no_answer_is_about_an_asset_not_meant(rows: list[wrong_asset.Row]) -> None:
    wrong = [r for r in rows if r.outcome == "wrong"]
    assert not wrong, _said(wrong)
