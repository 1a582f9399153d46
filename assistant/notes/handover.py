"""The shift handover document: a shift's notes, reports and alarms and the top fault risks, for paper.

    handover = collect(config, "night", dt.date(2026, 5, 1))   # the night shift 22:00 May 1 to 06:00 May 2
    render(handover, "pdf")                                     # bytes: md, html (one file, inline CSS) or pdf
    render(dataclasses.replace(handover, language="de"), "md")  # the same in German (``wording.py``)

``collect`` reads the data layer: the notes and reports taken in the shift (latest versions,
withdrawn ones left out) from the note store, the alarms raised in the shift or still active
at its end from the plant, and the fault predictions now with a probability of 0.5 or more
from the fault engine. Without a date it takes the latest such shift that has started.
``sections`` turns that into titled tables and records, the same for every format, so each
format shows the same values; the renderers only lay them out. Nothing is computed there but
rounding for the unit (``answer.round_value``). The headings, times, numbers and units are in the
handover's ``language`` ("en", "de"); notes and reports as they were written.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from ..errors import InputError, PlantvoiceError
from .shifts import Shift, ShiftSchedule
from .store import Note, NoteStore
from .wording import LANGUAGES, Words, wording

if TYPE_CHECKING:
    from ..config import Config
    from ..faults.prediction import FaultPrediction
    from ..plant import Alarm, Plant

__all__ = ["FORMATS", "LANGUAGES", "Handover", "Record", "Section", "Table", "collect", "handover_command", "latest_day",
           "render", "sections", "to_html", "to_markdown", "to_pdf"]

FORMATS = ("md", "html", "pdf")
RISK_FLOOR = 0.5  # fault predictions from this probability up are listed (FaultPrediction.flagged)
_PRIORITY = {"high": 0, "medium": 1, "low": 2}
_NONE = "—"


# -- the data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Handover:
    """What the document shows, as read from the data layer."""

    site: str
    shift: Shift
    day: dt.date  # the date the shift started
    start: dt.datetime
    end: dt.datetime
    generated: dt.datetime
    version: str | None
    notes: tuple[Note, ...]
    reports: tuple[Note, ...]
    alarms: tuple[Alarm, ...]
    signals: dict[tuple[str, str], str]  # (asset, measurement) -> signal name
    risks: tuple[FaultPrediction, ...]  # probability >= RISK_FLOOR, highest first
    assessed: int  # assets the fault engine was asked about
    risks_missing: str | None = None  # why there are no fault predictions at all
    acknowledgers: dict[int, str] = field(default_factory=dict)  # alarm id -> who acknowledged it, from the audit log
    language: str = "en"  # of the document's own words (``wording.LANGUAGES``)

    @property
    def words(self) -> Words:
        return wording(self.language)

    @property
    def title(self) -> str:
        return self.words.title.format(shift=self.words.shift(self.shift.name), day=self.words.day(self.day))


def latest_day(schedule: ShiftSchedule, name: str, now: dt.datetime) -> dt.date:
    """The date of the latest shift ``name`` that has started by ``now`` (site time)."""
    today = now.date()
    started, _ = schedule.window(name, today, now.tzinfo or dt.timezone.utc)
    return today if started <= now else today - dt.timedelta(days=1)


def shift_of(schedule: ShiftSchedule, name: str, where: str = "--shift") -> Shift:
    try:
        return schedule.shift(name)
    except InputError:
        raise InputError(f"{where} {name!r} is not a shift of notes -> shifts; use one of: "
                         f"{', '.join(schedule.names)}") from None


def collect(config: Config, shift: str, day: dt.date | None = None, *, now: dt.datetime | None = None,
            plant: Plant | None = None, store: NoteStore | None = None, language: str = "en") -> Handover:
    """The handover of shift ``shift`` that started on ``day`` (default: the latest that has started),
    worded in ``language``."""
    from ..plant import create_plant, load_model
    from .commands import open_store

    wording(language)  # an unknown language fails before anything is read
    schedule = ShiftSchedule.parse(config.notes.shifts)
    found = shift_of(schedule, shift)
    model = plant.model if plant is not None else load_model(config.plant.asset_model)
    tz = model.site.tz
    now = (now or dt.datetime.now(tz)).astimezone(tz)
    day = day or latest_day(schedule, found.name, now)
    start, end = schedule.window(found.name, day, tz)
    if start > now:
        raise InputError(f"--date {day.isoformat()}: the {found.name} shift of that day has not started yet (it "
                         f"starts {start:%Y-%m-%d %H:%M}); give a date up to {latest_day(schedule, found.name, now)}")
    own_store, own_plant = store is None, plant is None
    store = store or open_store(config)
    try:
        notes = store.list(kind="note", shift=found.name, day=day)
        reports = store.list(kind="report", shift=found.name, day=day)
        plant = plant or create_plant(config.plant, config.data_path)
        alarms = _alarms(plant.alarms(active_only=False), start, end)
        acknowledgers = _acknowledgers(store, tz, alarms)
        risks, assessed, missing = _risks(plant, config, now)
    finally:
        if own_store:
            store.close()
        if own_plant and plant is not None:
            getattr(plant, "close", lambda: None)()
    names = {(a.id, s.key): s.name for a in model.assets for s in a.signals}
    return Handover(model.site.name, found, day, start, end, now, _version(), tuple(notes), tuple(reports),
                    alarms, names, risks, assessed, missing, acknowledgers, language.strip().lower())


def _acknowledgers(store: NoteStore, tz: dt.tzinfo, alarms: Sequence[Alarm]) -> dict[int, str]:
    """Alarm id -> "name (role, station)" of who acknowledged it, as the audit log holds it."""
    from ..audit import AuditLog, alarm_key

    log = AuditLog(store.path, tz)
    try:
        logged = log.acknowledgements()
    finally:
        log.close()
    out = {}
    for alarm in alarms:
        record = logged.get(alarm_key(alarm))
        if record is not None:
            about = ", ".join(x for x in (record.get("role"), record.get("station")) if x)
            out[alarm.id] = f"{record.get('name') or record.get('user')}{f' ({about})' if about else ''}"
    return out


def _alarms(alarms: Sequence[Alarm], start: dt.datetime, end: dt.datetime) -> tuple[Alarm, ...]:
    """Raised in [start, end), or raised before and not cleared by the end; by priority, then time."""
    kept = [a for a in alarms
            if start <= a.raised < end or (a.raised < start and (a.cleared is None or a.cleared >= end))]
    return tuple(sorted(kept, key=lambda a: (_PRIORITY.get(a.priority, 9), a.raised, a.id)))


def _risks(plant: Plant, config: Config, now: dt.datetime) -> tuple[tuple[FaultPrediction, ...], int, str | None]:
    from ..faults.engine import faults_dir, ready

    try:
        engine = ready(plant, faults_dir(config))
        predictions = [engine.predict(a.id, now) for a in plant.model.assets]
    except PlantvoiceError as exc:
        return (), 0, str(exc)
    top = sorted((p for p in predictions if p.probability >= RISK_FLOOR), key=lambda p: (-p.probability, p.asset))
    return tuple(top), len(predictions), None


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("plantvoice")
    except PackageNotFoundError:
        from .. import __version__

        return __version__ or None


# -- the document, the same for every format -------------------------------------------------
@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # a cell's lines are separated by "\n"
    widths: tuple[float, ...]  # shares of the page width


@dataclass(frozen=True)
class Record:
    """One report: a title line and labelled fields."""

    title: str
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Section:
    title: str
    caption: str = ""
    table: Table | None = None
    records: tuple[Record, ...] = ()
    empty: str = ""  # said instead when there is nothing to show


def header(h: Handover) -> tuple[tuple[str, str], ...]:
    w = h.words
    running = w.running if h.end > h.generated else ""
    shift = w.shift_line.format(shift=h.shift.name if w.language == "en" else w.shift(h.shift.name),
                                start=f"{h.shift.start:%H:%M}", end=f"{h.shift.end:%H:%M}", day=w.day(h.day))
    return ((w.site, h.site), (w.shift_label, shift),
            (w.start, w.time(h.start, zone=True)), (w.end, w.time(h.end, zone=True) + running),
            (w.generated, w.time(h.generated, zone=True)),
            (w.software, f"plantvoice {h.version}" if h.version else w.unknown_version))


def sections(h: Handover) -> tuple[Section, ...]:
    return (_notes_section(h), _reports_section(h), _alarms_section(h), _risks_section(h))


def _notes_section(h: Handover) -> Section:
    w = h.words
    rows = tuple((str(n.id), w.time(n.created), _author(n), ", ".join(n.assets) or _NONE,
                  n.text + (f"\n({_corrected(n, w)})" if n.version > 1 else "")) for n in h.notes)
    table = Table(w.notes_columns, rows, (0.05, 0.16, 0.13, 0.11, 0.55))
    return Section(w.notes.format(count=len(rows)), "", table if rows else None, empty=w.no_notes)


def _reports_section(h: Handover) -> Section:
    w = h.words
    records = []
    for n in h.reports:
        title = w.report_title.format(id=n.id, time=w.time(n.created), author=_author(n),
                                      assets=", ".join(n.assets) or _NONE)
        fields = tuple((label, n.fields.get(key) or _NONE) for key, label in w.fields)
        if not n.fields:
            fields = ((w.text, n.text), *fields)
        if n.version > 1:
            fields += ((w.status, _corrected(n, w)),)
        records.append(Record(title, fields))
    return Section(w.reports.format(count=len(records)), records=tuple(records), empty=w.no_reports)


def _alarms_section(h: Handover) -> Section:
    w = h.words
    rows = tuple((w.priority(a.priority), a.asset, h.signals.get((a.asset, a.measurement), a.measurement),
                  w.quantity(a.value, a.unit), f"{w.quantity(a.limit, a.unit)}\n{w.limit(a.kind)}",
                  w.time(a.raised), w.time(a.cleared) if a.cleared else w.still_active,
                  w.acknowledged_by.format(time=w.time(a.acknowledged),
                                           who=h.acknowledgers.get(a.id) or a.acknowledged_by or w.nobody)
                  if a.acknowledged else w.not_acknowledged)
                 for a in h.alarms)
    table = Table(w.alarms_columns, rows, (0.09, 0.08, 0.16, 0.10, 0.10, 0.15, 0.15, 0.17))
    return Section(w.alarms.format(count=len(rows)), w.alarms_caption, table if rows else None, empty=w.no_alarms)


def _risks_section(h: Handover) -> Section:
    w = h.words
    if h.risks_missing is not None:
        return Section(w.risks, empty=w.risks_missing.format(why=h.risks_missing))
    rows = tuple((p.asset, p.name, w.percent(p.probability), _rul(p, h), _top(p, h),
                  p.recommendation.actions[0] if p.recommendation.actions else _NONE,
                  f"{p.model_version}\n{w.time(p.data_time)}") for p in h.risks)
    table = Table(w.risks_columns, rows, (0.07, 0.12, 0.115, 0.15, 0.14, 0.22, 0.185))
    return Section(f"{w.risks} ({len(rows)})",
                   w.risks_caption.format(time=w.time(h.generated), floor=f"{RISK_FLOOR * 100:.0f}",
                                          assessed=h.assessed), table if rows else None, empty=w.no_risks)


def _rul(p: FaultPrediction, h: Handover) -> str:
    w, rul = h.words, p.rul
    if rul is None:
        return w.no_trend
    signal = f"{h.signals.get((p.asset, rul.signal), rul.signal)} {w.quantity(rul.limit, rul.unit)}"
    if rul.days <= 0:
        return w.limit_reached.format(signal=signal)
    interval = (w.at_least.format(low=w.quantity(rul.low, "d")) if rul.high is None
                else f"{w.number(rul.low, 'd')}–{w.quantity(rul.high, 'd')}")
    return w.interval.format(days=w.quantity(rul.days, "d"), interval=interval, signal=signal)


def _top(p: FaultPrediction, h: Handover) -> str:
    c = p.top
    if c is None:
        return _NONE
    state = f" ({c.state})" if c.state else ""
    return f"{h.signals.get((p.asset, c.signal), c.signal)}\n{h.words.signed(c.deviation)} {c.unit}{state}"


def _author(note: Note) -> str:
    return f"{note.author} ({note.role})" if note.role else note.author


def _corrected(note: Note, w: Words) -> str:
    return w.corrected.format(time=w.time(note.changed), by=note.by or note.author)


# -- formats --------------------------------------------------------------------------------
def render(h: Handover, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r} is unknown; use one of: {', '.join(FORMATS)}")
    if fmt == "pdf":
        return to_pdf(h)
    return (to_markdown(h) if fmt == "md" else to_html(h)).encode("utf-8")


def to_markdown(h: Handover) -> str:
    w = h.words
    lines = [f"# {h.title}", ""] + [f"- **{k}:** {v}" for k, v in header(h)]
    for number, s in enumerate(sections(h), 1):
        lines += ["", f"## {number}. {s.title}", ""] + ([s.caption, ""] if s.caption else [])
        if s.table is not None:
            lines += [_md_row(s.table.columns), "|" + "---|" * len(s.table.columns)]
            lines += [_md_row(row) for row in s.table.rows]
        for r in s.records:
            lines += [f"### {_md(r.title)}", ""] + [f"- **{k}:** {_md(v)}" for k, v in r.fields] + [""]
        if s.table is None and not s.records:
            lines.append(s.empty)
    lines += ["", f"## {w.handover}", ""] + [f"- {who}: ____________________ ({w.sign_note})" for who in w.sign]
    return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").split())


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_md(c) for c in cells) + " |"


_CSS = """
@page { size: A4 portrait; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 9.5pt; line-height: 1.3; color: #000;
       background: #fff; max-width: 186mm; margin: 8mm auto; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
h2 { font-size: 12pt; margin: 14pt 0 3pt; padding-bottom: 1pt; border-bottom: 1pt solid #000;
     break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10pt; margin: 0 0 2pt; }
p.caption { margin: 0 0 4pt; font-size: 8.5pt; color: #333; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 2pt 0 6pt; }
th, td { border: 0.5pt solid #666; padding: 2pt 3pt; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; word-wrap: break-word; }
th { background: #e8e8e8; font-weight: bold; }
thead { display: table-header-group; }
tr, th, td, .record, .sign { break-inside: avoid; page-break-inside: avoid; }
table.meta { width: auto; margin-bottom: 8pt; }
table.meta th, table.meta td { border: none; background: none; padding: 0 10pt 1pt 0; }
.record { margin: 0 0 8pt; }
.record th { width: 18%; }
.sign td { height: 16mm; width: 50%; }
@media print { body { margin: 0; max-width: none; } }
"""


def to_html(h: Handover) -> str:
    """One self-contained page (inline CSS, no scripts, no outside files) that prints on A4."""
    e, w = html.escape, h.words
    out = ["<!DOCTYPE html>", f'<html lang="{w.language}">', "<head>", '<meta charset="utf-8">', f"<title>{e(h.title)}</title>",
           f"<style>{_CSS}</style>", "</head>", "<body>", f"<h1>{e(h.title)}</h1>", '<table class="meta">']
    out += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in header(h)] + ["</table>"]
    for number, s in enumerate(sections(h), 1):
        out.append(f"<h2>{number}. {e(s.title)}</h2>")
        if s.caption:
            out.append(f'<p class="caption">{e(s.caption)}</p>')
        if s.table is not None:
            out += ["<table>", "<colgroup>" + "".join(f'<col style="width:{w * 100:.1f}%">' for w in s.table.widths)
                    + "</colgroup>", "<thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in s.table.columns)
                    + "</tr></thead>", "<tbody>"]
            out += ["<tr>" + "".join(f"<td>{_html_lines(c)}</td>" for c in row) + "</tr>" for row in s.table.rows]
            out += ["</tbody>", "</table>"]
        for r in s.records:
            out += ['<div class="record">', f"<h3>{e(r.title)}</h3>", "<table>"]
            out += [f"<tr><th>{e(k)}</th><td>{_html_lines(v)}</td></tr>" for k, v in r.fields] + ["</table>", "</div>"]
        if s.table is None and not s.records:
            out.append(f"<p>{e(s.empty)}</p>")
    out += [f"<h2>{e(w.handover)}</h2>", '<table class="sign"><tr>' + "".join(f"<th>{e(who)}</th>" for who in w.sign)
            + "</tr><tr>" + "<td></td>" * len(w.sign) + "</tr></table>", f'<p class="caption">{e(w.sign_note)}</p>',
            "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def _fonts() -> tuple[str, str]:
    """Bitstream Vera (shipped with reportlab): Unicode text (°, ³, umlauts), embedded, extractable."""
    from reportlab import __file__ as reportlab_file
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = ("PlantvoiceSans", "PlantvoiceSans-Bold")
    if names[0] not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(reportlab_file).parent / "fonts"
        pdfmetrics.registerFont(TTFont(names[0], str(fonts / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(names[1], str(fonts / "VeraBd.ttf")))
        pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[0],
                                      boldItalic=names[1])
    return names


def to_pdf(h: Handover) -> bytes:
    """A4 portrait, built with reportlab: tables repeat their header row on a new page and never
    break inside a row; each report is kept on one page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    regular, bold = _fonts()
    w = h.words
    base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=10.5)
    cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=9.6)
    head = ParagraphStyle("head", parent=cell, fontName=bold)
    caption = ParagraphStyle("caption", parent=base, fontSize=7.5, leading=9, textColor=colors.HexColor("#333333"),
                             spaceAfter=3)
    h1 = ParagraphStyle("h1", parent=base, fontName=bold, fontSize=15, leading=18, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontName=bold, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=3,
                        keepWithNext=1)
    h3 = ParagraphStyle("h3", parent=base, fontName=bold, fontSize=9, leading=11, spaceAfter=2, keepWithNext=1)
    width, height = A4[0] - 30 * mm - 12, A4[1] - 30 * mm - 12  # the frame, less its padding
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#666666")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                       ("RIGHTPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, -1), 2),
                       ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
    shaded = TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))])

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph("<br/>".join(escape(line) for line in text.split("\n")), style)

    def table(rows: list[list[Any]], widths: Sequence[float], header_row: bool) -> PdfTable:
        widths = [w * width for w in widths]
        # a row is split only when it is taller than a page (a long dictated note): else it could not be printed
        tall = any(c.wrap(w - 6, height)[1] > 0.8 * height for row in rows for c, w in zip(row, widths))
        t = PdfTable(rows, colWidths=widths, repeatRows=1 if header_row else 0, hAlign="LEFT",
                     splitInRow=1 if tall else 0)
        t.setStyle(grid)
        if header_row:
            t.setStyle(shaded)
        return t

    story: list[Any] = [para(h.title, h1)]
    meta = [[para(k, head), para(v)] for k, v in header(h)]
    meta_table = PdfTable(meta, colWidths=[0.14 * width, 0.86 * width], hAlign="LEFT")
    meta_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    story.append(meta_table)
    for number, s in enumerate(sections(h), 1):
        story.append(para(f"{number}. {s.title}", h2))
        if s.caption:
            story.append(para(s.caption, caption))
        if s.table is not None:
            rows = [[para(c, head) for c in s.table.columns]] + [[para(c) for c in row] for row in s.table.rows]
            story.append(table(rows, s.table.widths, header_row=True))
        for r in s.records:
            rows = [[para(k, head), para(v)] for k, v in r.fields]
            story.append(KeepTogether([para(r.title, h3), table(rows, (0.18, 0.82), header_row=False),
                                       Spacer(1, 6)]))
        if s.table is None and not s.records:
            story.append(para(s.empty, base))
    sign = table([[para(who, head) for who in w.sign], [Spacer(1, 14 * mm)] * len(w.sign)], (0.5, 0.5), True)
    story.append(KeepTogether([para(w.handover, h2), sign, para(w.sign_note, caption)]))

    footer = w.footer.format(site=h.site, shift=w.shift(h.shift.name), day=w.day(h.day), time=w.time(h.generated))

    def page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(15 * mm, 9 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, w.page.format(page=doc.page))
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=16 * mm, title=h.title, author=h.site,
                            creator=f"plantvoice {h.version}" if h.version else "plantvoice")
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


# -- the command ----------------------------------------------------------------------------
def handover_command(config: Config, shift: str, date: str | None, fmt: str, out: str | None,
                     language: str = "en") -> Handover:
    """``plantvoice report handover``: the document to ``out`` (written whole, then renamed) or standard output,
    worded in ``language`` (``--language``: en, de)."""
    from .commands import parse_day

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r} is unknown; use one of: {', '.join(FORMATS)}")
    wording(language)
    shift_of(ShiftSchedule.parse(config.notes.shifts), shift)  # a bad name fails before the plant is opened
    day = parse_day(date) if date else None
    handover = collect(config, shift, day, language=language)
    data = render(handover, fmt)
    if out is None or out == "-":
        if fmt == "pdf":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    else:
        _write(Path(out), data)
        print(f"plantvoice: handover of the {handover.shift.name} shift {handover.day} written to {out}",
              file=sys.stderr)
    return handover


def _write(path: Path, data: bytes) -> None:
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
            file.write(data)
        os.replace(file.name, path)
    except OSError as exc:
        raise InputError(f"cannot write the handover to {path} ({exc.strerror}); "
                         "pass a writable path to --out") from None
