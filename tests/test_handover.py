"""`plantvoice report handover`: a night shift's notes, reports, alarms and the top fault risks, as md, html and pdf.

Real data throughout: the simulated plant in a temporary data directory (a fixed clock, as in
test_dialogue.py), its alarms and trained fault engine, and notes taken through ``NoteStore`` in the
night shift, one of them corrected and one withdrawn. The PDF is checked by rendering it with
poppler (``pdftoppm``, ``pdftotext``): pages, ink on the page, and the text a reader sees.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from assistant.answer import round_value
from assistant.audit import AuditLog, Speaker
from assistant.cli import main
from assistant.config import Config, NotesConfig, PlantConfig
from assistant.errors import InputError
from assistant.faults.engine import ready
from assistant.notes import Note, NoteStore, ShiftSchedule
from assistant.notes.handover import Handover, collect, latest_day, render, to_html, to_markdown
from assistant.plant import Alarm, Plant, create_plant, load_model

NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)  # 14:30 at the site (Europe/Berlin)
TZ = load_model(PlantConfig().asset_model).site.tz
NIGHT = dt.date(2025, 3, 11)  # the latest night shift by NOW: 2025-03-11 22:00 to 2025-03-12 06:00
SCHEDULE = ShiftSchedule.parse(NotesConfig.shifts)

TEXTS = {
    "late": "late shift: both feed pumps on line, nothing to hand over",
    "gland": "the cooling water valve is dripping at the gland",
    "oil": "transformer one oil temperature high",
    "oil_corrected": "transformer one oil temperature high, second cooling stage off, fans & pumps <checked>",
    "mistake": "fire alarm in the switch room",
}


def _clock() -> dt.datetime:
    return NOW


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def take_notes(path: Path, night: dt.date) -> dict[str, Note]:
    """A late-shift note before ``night``'s night shift, then notes and a report in it; one corrected, one withdrawn."""
    nxt = night + dt.timedelta(days=1)
    times = iter([_at(night, 21, 50), _at(night, 22, 40), _at(nxt, 1, 5), _at(nxt, 2, 30), _at(nxt, 3, 0),
                  _at(nxt, 3, 10), _at(nxt, 3, 20)])
    store = NoteStore(path / "notes.sqlite", SCHEDULE, TZ, clock=lambda: next(times))
    made = {
        "late": store.add(TEXTS["late"], author="eve"),
        "gland": store.add(TEXTS["gland"], author="bob", assets=["V-301"]),
        "report": store.add("feed pump two drive end runs hot", author="bob", role="mechanic", assets=["P-102"],
                            kind="report", fields={"finding": "drive end bearing at 93 degrees",
                                                   "cause": "worn bearing", "action": "switched to the standby pump",
                                                   "parts": "none", "time_spent": "45 minutes",
                                                   "follow_up": "replace the bearing this week"}),
        "oil": store.add(TEXTS["oil"], author="ann", assets=["T1"]),
        "mistake": store.add(TEXTS["mistake"], author="cem"),
    }
    made["oil"] = store.correct(made["oil"].id, TEXTS["oil_corrected"], by="dan")
    made["mistake"] = store.withdraw(made["mistake"].id, by="cem")
    store.close()
    return made


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the plant's history, alarms (one acknowledged), fault engine and the notes."""
    directory = tmp_path_factory.mktemp("site")
    plant = create_plant(PlantConfig(), directory, clock=_clock)
    first_active = next(a for a in plant.alarms() if a.raised < _at(NIGHT, 22, 0))
    log = AuditLog(directory / "notes.sqlite", TZ, clock=_clock)
    with log.turn(Speaker("CR-1", "ann", "Ann Novak", "operator")):  # the log names her; the plant keeps the name
        log.acknowledge(plant, first_active.id, "Ann Novak")
    log.close()
    ready(plant, directory / "faults")
    plant.close()  # type: ignore[attr-defined]
    take_notes(directory, NIGHT)
    return directory


@pytest.fixture(scope="module")
def plant(site: Path) -> Plant:
    return create_plant(PlantConfig(), site, clock=_clock)


@pytest.fixture(scope="module")
def notes(site: Path) -> dict[str, Note]:
    store = NoteStore(site / "notes.sqlite", SCHEDULE, TZ)
    by_text = {n.text: n for n in store.list(withdrawn=True)}
    store.close()
    return {key: by_text[text] for key, text in
            [("late", TEXTS["late"]), ("gland", TEXTS["gland"]), ("oil", TEXTS["oil_corrected"]),
             ("mistake", TEXTS["mistake"]), ("report", "feed pump two drive end runs hot")]}


def handover_of(site: Path, plant: Plant, shift: str = "night", day: dt.date | None = None) -> Handover:
    store = NoteStore(site / "notes.sqlite", SCHEDULE, TZ)
    try:
        return collect(Config(data_dir=str(site)), shift, day, now=NOW, plant=plant, store=store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def night(site: Path, plant: Plant) -> Handover:
    return handover_of(site, plant)


def in_window(alarm: Alarm, start: dt.datetime, end: dt.datetime) -> bool:
    return start <= alarm.raised < end or (alarm.raised < start and (alarm.cleared is None or alarm.cleared >= end))


def one_line(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------- what is collected


def test_the_latest_night_shift_by_default(night: Handover) -> None:
    assert (night.shift.name, night.day) == ("night", NIGHT)
    assert (night.start, night.end) == (_at(NIGHT, 22, 0), _at(NIGHT + dt.timedelta(days=1), 6, 0))
    assert night.generated == NOW and night.site == "demo energy site" and night.version


@pytest.mark.parametrize(("shift", "local", "day"), [
    ("night", (2025, 3, 12, 14, 30), (2025, 3, 11)),
    ("night", (2025, 3, 12, 22, 0), (2025, 3, 12)),
    ("night", (2025, 3, 13, 5, 59), (2025, 3, 12)),
    ("early", (2025, 3, 12, 14, 30), (2025, 3, 12)),
    ("early", (2025, 3, 12, 5, 0), (2025, 3, 11)),
])
def test_latest_day_is_the_date_the_shift_started(shift: str, local: tuple[int, ...], day: tuple[int, ...]) -> None:
    assert latest_day(SCHEDULE, shift, dt.datetime(*local, tzinfo=TZ)) == dt.date(*day)


def test_notes_and_reports_of_the_shift_only(night: Handover, notes: dict[str, Note]) -> None:
    assert [n.id for n in night.notes] == [notes["gland"].id, notes["oil"].id]
    assert [n.id for n in night.reports] == [notes["report"].id]
    assert night.notes[1].version == 2 and night.notes[1].text == TEXTS["oil_corrected"]


def test_alarms_raised_in_the_shift_or_active_at_its_end(night: Handover, plant: Plant) -> None:
    every = plant.alarms(active_only=False)
    expected = {a.id for a in every if in_window(a, night.start, night.end)}
    assert expected and {a.id for a in night.alarms} == expected
    assert any(a.raised >= night.end for a in every) and any(a.cleared and a.cleared < night.start for a in every)
    assert [a.priority for a in night.alarms] == sorted((a.priority for a in night.alarms),
                                                         key=["high", "medium", "low"].index)


def test_alarms_raised_and_cleared_within_a_shift(site: Path, plant: Plant) -> None:
    early = handover_of(site, plant, "early", dt.date(2025, 3, 12))
    inside = [a for a in early.alarms if early.start <= a.raised < early.end and a.cleared is not None]
    assert inside, "the simulated battery raises and clears alarms in the early shift of March 12"
    assert all(in_window(a, early.start, early.end) for a in early.alarms)


def test_top_risks_are_the_predictions_from_one_half_up(night: Handover, site: Path, plant: Plant) -> None:
    engine = ready(plant, site / "faults")
    predictions = [engine.predict(a.id, NOW) for a in plant.model.assets]
    flagged = sorted((p for p in predictions if p.probability >= 0.5), key=lambda p: -p.probability)
    assert flagged and [p.asset for p in night.risks] == [p.asset for p in flagged]
    assert [p.probability for p in night.risks] == [p.probability for p in flagged]
    assert night.assessed == len(plant.model.assets) and night.risks_missing is None


# ----------------------------------------------------------------------------- md and html


def expected_strings(h: Handover, notes: dict[str, Note]) -> list[str]:
    """What a reader must find: the notes, the report's fields, each alarm and each risk with its numbers."""
    out = [TEXTS["gland"], "corrected", "by dan", "drive end bearing at 93 degrees", "worn bearing",
           "switched to the standby pump", "45 minutes", "replace the bearing this week", "demo energy site",
           "2025-03-11 22:00", "2025-03-12 06:00", "2025-03-12 14:30", f"plantvoice {h.version}",
           "by Ann Novak (operator, CR-1)"]
    for a in h.alarms:
        out += [a.asset, f"{a.raised:%Y-%m-%d %H:%M}", f"{round_value(a.value, a.unit):g} {a.unit}",
                f"{a.limit:g} {a.unit}"]
    for p in h.risks:
        out += [p.asset, p.name, f"{p.probability * 100:.1f} %", p.recommendation.actions[0], p.model_version]
        if p.rul is not None and p.rul.days > 0:
            out.append(f"{p.rul.days:g} d")
    return out


def test_markdown_holds_the_shift_and_not_the_withdrawn_note(night: Handover, notes: dict[str, Note]) -> None:
    md = to_markdown(night)
    assert md.startswith("# Shift handover: night shift 2025-03-11\n")
    for needle in expected_strings(night, notes) + [TEXTS["oil_corrected"]]:
        assert needle in md, needle
    assert TEXTS["mistake"] not in md and TEXTS["late"] not in md
    table_rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == table_rows[0].count(" | ") for line in table_rows[:3])
    assert render(night, "md") == md.encode("utf-8")


def test_html_is_one_printable_file_with_the_same_contents(night: Handover, notes: dict[str, Note]) -> None:
    page = to_html(night)
    text = html.unescape(page)
    for needle in expected_strings(night, notes) + [TEXTS["oil_corrected"]]:
        assert needle in text, needle
    assert "fans &amp; pumps &lt;checked&gt;" in page  # escaped, not markup
    assert TEXTS["mistake"] not in text and TEXTS["late"] not in text
    assert "size: A4" in page and "page-break-inside: avoid" in page and "break-inside: avoid" in page
    for outside in ("<script", "<link", "src=", "http://", "https://", "@import"):
        assert outside not in page


def test_no_fault_model_says_why(tmp_path: Path) -> None:
    """A historian with no history: the engine cannot learn normal operation, the document says so."""
    config = Config(data_dir=str(tmp_path)).replace("plant", backend="historian")
    plant = create_plant(config.plant, tmp_path, clock=_clock)
    try:
        h = collect(config, "night", now=NOW, plant=plant)
    finally:
        plant.close()  # type: ignore[attr-defined]
    assert h.risks == () and h.risks_missing and "no history" in h.risks_missing
    md = to_markdown(h)
    assert f"Fault predictions are not available: {h.risks_missing}" in md
    assert "No shift notes were written in this shift." in md and "No alarm was raised" in md


def test_a_shift_not_started_yet_is_refused(site: Path, plant: Plant) -> None:
    with pytest.raises(InputError, match=r"--date 2025-03-12: the night shift of that day has not started yet"):
        handover_of(site, plant, "night", dt.date(2025, 3, 12))


# ----------------------------------------------------------------------------- pdf, rendered


def rendered(pdf: Path) -> tuple[list[Path], str]:
    """The pages as PNG (pdftoppm) and the text (pdftotext)."""
    for tool in ("pdftoppm", "pdftotext"):
        assert shutil.which(tool), f"{tool} missing: scripts/setup.sh installs poppler-utils"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True, timeout=60)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    return sorted(pdf.parent.glob(f"{pdf.stem}*.png")), text


def assert_inked(png: Path) -> None:
    low, high = Image.open(png).convert("L").getextrema()
    assert low < high, f"{png.name} is one colour"


def test_pdf_renders_with_the_notes_alarms_and_risks(night: Handover, notes: dict[str, Note],
                                                      tmp_path: Path) -> None:
    pdf = tmp_path / "handover.pdf"
    pdf.write_bytes(render(night, "pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages, text = rendered(pdf)
    assert len(pages) >= 1
    for page in pages:
        assert_inked(page)
        assert Image.open(page).size[0] < Image.open(page).size[1]  # portrait
    flat = one_line(text)
    for needle in [TEXTS["gland"], TEXTS["oil_corrected"], "corrected 2025-03-12 03:10 by dan",
                   "drive end bearing at 93 degrees", "replace the bearing this week"]:
        assert needle in flat, needle
    alarm = night.alarms[0]
    assert "bearing temperature" in flat and f"{round_value(alarm.value, alarm.unit):g} {alarm.unit}" in flat
    risk = night.risks[0]
    assert risk.name in flat and f"{risk.probability * 100:.1f} %" in flat and risk.model_version in flat
    assert TEXTS["mistake"] not in flat and TEXTS["late"] not in flat


def test_a_note_longer_than_a_page_still_prints(night: Handover, tmp_path: Path) -> None:
    """A long dictated note is the one row allowed to continue on the next page."""
    words = [f"w{i}" for i in range(2500)]
    long = dataclasses.replace(night.notes[0], text=" ".join(words))
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render(dataclasses.replace(night, notes=(long, *night.notes[1:])), "pdf"))
    pages, text = rendered(pdf)
    assert len(pages) >= 3
    assert re.findall(r"\bw\d+\b", text) == words  # every word, in order, none lost at a page break


# ----------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dt.date]:
    """A data directory at the real time (the command's clock) with notes in the night shift two days ago."""
    directory = tmp_path_factory.mktemp("live")
    plant = create_plant(PlantConfig(), directory)
    ready(plant, directory / "faults")
    plant.close()  # type: ignore[attr-defined]
    day = dt.datetime.now(TZ).date() - dt.timedelta(days=2)
    take_notes(directory, day)
    return directory, day


@pytest.fixture
def data_dir(live: tuple[Path, dt.date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANTVOICE_CONFIG", raising=False)
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(live[0]))
    return live[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_command_writes_each_format(fmt: str, capsys: pytest.CaptureFixture[str], data_dir: Path,
                                    live: tuple[Path, dt.date], tmp_path: Path) -> None:
    day = live[1].isoformat()
    out = tmp_path / f"handover.{fmt}"
    code, stdout, err = run(capsys, "report", "handover", "--shift", "night", "--date", day, "--format", fmt,
                            "--out", str(out))
    assert (code, stdout) == (0, "")
    assert err == [f"plantvoice: handover of the night shift {day} written to {out}"]
    if fmt == "pdf":
        pages, text = rendered(out)
        assert pages and out.read_bytes().startswith(b"%PDF-")
        assert_inked(pages[0])
    else:
        text = html.unescape(out.read_text(encoding="utf-8"))
    flat = one_line(text)
    assert f"night shift {day}" in flat and TEXTS["gland"] in flat and TEXTS["oil_corrected"] in flat
    assert "drive end bearing at 93 degrees" in flat and "Top fault risks" in flat
    assert TEXTS["mistake"] not in flat and TEXTS["late"] not in flat


def test_command_prints_markdown_by_default(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                            live: tuple[Path, dt.date]) -> None:
    code, stdout, err = run(capsys, "report", "handover", "--shift", "Night", "--date", live[1].isoformat())
    assert code == 0 and err == []
    assert stdout.startswith(f"# Shift handover: night shift {live[1].isoformat()}\n") and TEXTS["gland"] in stdout


@pytest.mark.parametrize(("args", "needles"), [
    (["--shift", "nite"], ["--shift 'nite' is not a shift of notes -> shifts", "use one of: early, late, night"]),
    (["--shift", "night", "--date", "2025-13-01"], ["--date '2025-13-01' is not a date", "YYYY-MM-DD"]),
    (["--shift", "night", "--date", "2999-01-01"], ["has not started yet", "give a date up to"]),
    (["--shift", "night", "--format", "docx"], ["argument --format: invalid choice: 'docx'",
                                                "see 'plantvoice report handover --help'"]),
    (["--date", "2025-03-11"], ["the following arguments are required: --shift"]),
    (["--shift", "night", "--out", "/nonexistent/dir/handover.md"], ["cannot write the handover to",
                                                                     "pass a writable path to --out"]),
])
def test_bad_arguments_in_one_line(args: list[str], needles: list[str], capsys: pytest.CaptureFixture[str],
                                   data_dir: Path) -> None:
    code, stdout, err = run(capsys, "report", "handover", *args)
    assert code == 2 and stdout == "" and len(err) == 1, err
    assert err[0].startswith("plantvoice: error: ")
    for needle in needles:
        assert needle in err[0], err[0]


def test_every_number_comes_from_the_data(night: Handover) -> None:
    """Each number in the Markdown is one of the data's values (as printed) or part of a date, time or id."""
    allowed = set()
    for value in _values(night):
        allowed.update(re.findall(r"\d+(?:\.\d+)?", value))
    found = set(re.findall(r"\d+(?:\.\d+)?", to_markdown(night)))
    assert found <= allowed | {"1", "2", "3", "4", "50", "90"}, sorted(found - allowed)  # section numbers, captions


def _values(h: Handover) -> list[str]:
    """Every value of the handover as text, numbers rounded for their unit as the document prints them."""
    out = [h.site, str(h.version), h.day.isoformat(), f"{h.start:%Y-%m-%d %H:%M}", f"{h.end:%Y-%m-%d %H:%M}",
           f"{h.generated:%Y-%m-%d %H:%M}", str(h.shift), str(h.assessed), str(len(h.notes)), str(len(h.reports)),
           str(len(h.alarms)), str(len(h.risks))]
    for n in (*h.notes, *h.reports):
        out += [str(n.id), f"{n.created:%Y-%m-%d %H:%M}", f"{n.changed:%Y-%m-%d %H:%M}", n.text, *n.assets,
                *n.fields.values()]
    for a in h.alarms:
        out += [a.asset, f"{round_value(a.value, a.unit):g}", f"{round_value(a.limit, a.unit):g}",
                f"{a.raised:%Y-%m-%d %H:%M}", f"{a.cleared:%Y-%m-%d %H:%M}" if a.cleared else "",
                f"{a.acknowledged:%Y-%m-%d %H:%M}" if a.acknowledged else "", a.unit]
    for p in h.risks:
        out += [p.asset, p.name, f"{p.probability * 100:.1f}", p.model_version, f"{p.data_time:%Y-%m-%d %H:%M}",
                *p.recommendation.actions[:1]]
        if p.top:
            out += [f"{p.top.deviation:+g}", p.top.unit]
        if p.rul:
            out += [f"{round_value(x, 'd'):g}" for x in (p.rul.days, p.rul.low, p.rul.high or 0)]
            out += [f"{round_value(p.rul.limit, p.rul.unit):g}", p.rul.unit]
    out += [s for s in h.signals.values()]
    return out

