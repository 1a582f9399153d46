"""`plantvoice notes list | search | export` over a notes store in a temporary data directory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from assistant.cli import main
from assistant.config import NotesConfig
from assistant.nlu.embeddings import MiniLM
from assistant.notes import Note, NoteStore, ShiftSchedule

ROOT = Path(__file__).resolve().parent.parent
SITE = ZoneInfo("Europe/Berlin")  # the demo plant's time zone, which the commands use


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANTVOICE_CONFIG", raising=False)
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="module")
def encode() -> Callable[[list[str]], np.ndarray]:
    return MiniLM.shared(ROOT / "models").encode


@pytest.fixture()
def notes(data_dir: Path, encode: Callable[[list[str]], np.ndarray]) -> dict[str, Note]:
    """Four notes over an early and a night shift; one corrected, one withdrawn."""
    times = iter(dt.datetime(2026, 5, 1, h, m, tzinfo=SITE) + dt.timedelta(days=d)
                 for d, h, m in [(0, 7, 10), (0, 23, 40), (1, 2, 5), (1, 3, 0), (1, 3, 30), (1, 4, 0)])
    store = NoteStore(data_dir / "notes.sqlite", ShiftSchedule.parse(NotesConfig.shifts), SITE,
                      clock=lambda: next(times), embed=encode)
    made = {
        "handover": store.add("handover: unit one at full load, unit two on standby", author="ann"),
        "gland": store.add("the cooling water valve is dripping at the gland", author="bob", assets=["V-301"]),
        "hot": store.add("feed pump two drive end runs hot", author="bob", assets=["P-102"], kind="report",
                         fields={"finding": "drive end 85 degrees", "action": "switched to the standby pump"}),
        "mistake": store.add("fire alarm in the switch room", author="cem"),
    }
    made["hot"] = store.correct(made["hot"].id, "feed pump two drive end runs hot, 85 degrees", by="dan")
    made["mistake"] = store.withdraw(made["mistake"].id, by="cem")
    store.close()
    return made


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_list_prints_the_latest_versions_oldest_first(capsys: pytest.CaptureFixture[str],
                                                      notes: dict[str, Note]) -> None:
    code, lines, err = run(capsys, "notes", "list")
    assert code == 0 and err == []
    assert lines == [
        "#1 2026-05-01 07:10 early 2026-05-01 ann: handover: unit one at full load, unit two on standby",
        "#2 2026-05-01 23:40 night 2026-05-01 bob [V-301]: the cooling water valve is dripping at the gland",
        "#3 2026-05-02 02:05 night 2026-05-01 bob [P-102] (v2) report: feed pump two drive end runs hot, 85 degrees; "
        "finding: drive end 85 degrees; action: switched to the standby pump",
    ]
    code, lines, _ = run(capsys, "notes", "list", "--all")
    assert code == 0 and len(lines) == 4 and lines[3].startswith("#4 ") and "(v2) WITHDRAWN" in lines[3]


@pytest.mark.parametrize(("args", "ids"), [
    (["--shift", "night"], [2, 3]),
    (["--shift", "Night", "--date", "2026-05-01"], [2, 3]),
    (["--date", "2026-05-02"], []),
    (["--date", "2026-05-01"], [1, 2, 3]),
    (["--asset", "p-102"], [3]),
    (["--asset", "P-999"], []),
    (["--shift", "night", "--all"], [2, 3, 4]),
])
def test_list_filters_as_json(capsys: pytest.CaptureFixture[str], notes: dict[str, Note], args: list[str],
                              ids: list[int]) -> None:
    code, lines, _ = run(capsys, "notes", "list", "--json", *args)
    assert code == 0 and len(lines) == 1
    listed = json.loads(lines[0])
    assert [n["id"] for n in listed["notes"]] == ids and listed["count"] == len(ids)
    if 3 in ids:
        hot = next(n for n in listed["notes"] if n["id"] == 3)
        assert hot == notes["hot"].data() and hot["version"] == 2 and hot["created"] == "2026-05-02T02:05:00+02:00"


def test_list_of_an_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "notes", "list") == (0, ["no notes"], [])


def test_search_by_meaning_and_by_words(capsys: pytest.CaptureFixture[str], notes: dict[str, Note]) -> None:
    code, lines, _ = run(capsys, "notes", "search", "anything", "about", "leaks?", "--json")
    found = json.loads(lines[0])
    assert code == 0 and found["query"] == "anything about leaks?"
    assert [(r["note"]["id"], r["match"]) for r in found["results"]] == [(2, "semantic")]
    assert found["results"][0]["score"] >= NotesConfig.search_threshold
    code, lines, _ = run(capsys, "notes", "search", "any bearing trouble")
    assert code == 0 and len(lines) == 1 and " semantic #3 " in lines[0]
    code, lines, _ = run(capsys, "notes", "search", "standby")
    assert code == 0 and [line.split()[:2] for line in lines] == [["1.00", "keyword"], ["1.00", "keyword"]]
    assert "#3 " in lines[0] and "#1 " in lines[1]  # equal scores: the newer note first
    assert run(capsys, "notes", "search", "fire alarm") == (0, ["no notes about 'fire alarm'"], [])  # withdrawn
    assert run(capsys, "notes", "search", "who won the football match") == (
        0, ["no notes about 'who won the football match'"], [])


def test_export_keeps_every_version(capsys: pytest.CaptureFixture[str], notes: dict[str, Note],
                                    tmp_path: Path) -> None:
    code, lines, _ = run(capsys, "notes", "export", "--format", "jsonl")
    assert code == 0
    versions = [json.loads(line) for line in lines]
    assert [(v["id"], v["version"]) for v in versions] == [(1, 1), (2, 1), (3, 1), (3, 2), (4, 1), (4, 2)]
    assert versions[2]["text"] == "feed pump two drive end runs hot" and versions[3]["by"] == "dan"
    assert versions[5]["withdrawn"] and not versions[4]["withdrawn"]
    code, lines, err = run(capsys, "notes", "export", "--out", "log.md")
    assert code == 0 and lines == [] and err == ["plantvoice: 6 note versions written to log.md"]
    text = (tmp_path / "log.md").read_text()
    assert "## Report 3: night shift 2026-05-01, P-102" in text
    assert "- version 1, taken 2026-05-02 02:05 by bob: feed pump two drive end runs hot\n" in text
    assert "- version 2, corrected 2026-05-02 03:30 by dan: feed pump two drive end runs hot, 85 degrees\n" in text
    assert "  - finding: drive end 85 degrees\n" in text
    assert "- version 2, withdrawn 2026-05-02 04:00 by cem: fire alarm in the switch room" in text
    assert text.index("## Note 1") < text.index("## Note 2") < text.index("## Report 3") < text.index("## Note 4")


@pytest.mark.parametrize(("argv", "needle"), [
    (["notes"], "the following arguments are required: ACTION"),
    (["notes", "erase"], "invalid choice: 'erase'"),
    (["notes", "list", "--bogus"], "unrecognized arguments: --bogus"),
    (["notes", "list", "--date", "2026-02-30"], "--date '2026-02-30' is not a date; write it as YYYY-MM-DD"),
    (["notes", "list", "--shift", "evening"], "unknown shift 'evening'"),
    (["notes", "search"], "the following arguments are required: QUERY"),
    (["notes", "search", "  "], "search query is empty"),
    (["notes", "export", "--format", "pdf"], "invalid choice: 'pdf'"),
    (["notes", "export", "--out", "missing/dir/log.md"], "cannot write the export to missing/dir/log.md"),
])
def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str],
                                            needle: str) -> None:
    code, lines, err = run(capsys, *argv)
    assert code == 2 and lines == [] and len(err) == 1 and needle in err[0], err
    assert err[0].startswith("plantvoice: error: ")


def test_shift_pattern_from_the_config(capsys: pytest.CaptureFixture[str], notes: dict[str, Note],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANTVOICE_NOTES_SHIFTS", "day 06:00-18:00")
    code, _, err = run(capsys, "notes", "list")
    assert code == 2 and len(err) == 1 and "notes -> shifts: no shift covers 18:00-06:00" in err[0]
    monkeypatch.setenv("PLANTVOICE_NOTES_SHIFTS", "A 06:00-18:00, B 18:00-06:00")
    code, lines, _ = run(capsys, "notes", "list", "--shift", "b", "--json")
    assert code == 0 and json.loads(lines[0])["count"] == 0  # notes keep the shift they were taken in
    code, _, err = run(capsys, "notes", "list", "--shift", "night")
    assert code == 2 and err == ["plantvoice: error: unknown shift 'night'; the shifts (notes -> shifts) are: A, B"]
