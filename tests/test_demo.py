"""`plantvoice demo` (what `make demo` runs): recorded samples through the whole loop, answers spoken to WAVs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")
SAMPLES = ("058_sensor_reading_hibari-heart.wav", "059_asset_status_piper-joe.wav", "043_plant_overview_en-us.wav")


def test_the_demo_answers_each_sample_aloud(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    manifest = [json.loads(line) for line in (ROOT / "audio_samples" / "manifest.jsonl").read_text().splitlines()]
    chosen = [item for item in manifest if item["file"] in SAMPLES]
    for item in chosen:
        shutil.copy(ROOT / "audio_samples" / item["file"], samples / item["file"])
    (samples / "manifest.jsonl").write_text("".join(json.dumps(item) + "\n" for item in chosen))
    config = tmp_path / "plantvoice.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    done = subprocess.run([PLANTVOICE, "--config", str(config), "demo", "--json", "--samples", str(samples)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    turns = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [t["audio"] for t in turns] == [item["file"] for item in chosen]
    for turn, item in zip(turns, chosen):
        assert turn["intent"]["name"] == item["intent"], turn
        if item["entities"].get("asset"):
            assert turn["data"].get("asset") == item["entities"]["asset"], turn
        with wave.open(turn["spoken_answer"]) as spoken:
            assert spoken.getnframes() / spoken.getframerate() > 1.0  # the answer, spoken
    assert f"{len(chosen)}/{len(chosen)} intents as expected" in done.stderr
