"""The ``plantvoice notes`` commands over data_dir/notes.sqlite: list, search, export.

    notes = list_notes(config, shift="night", day=dt.date(2026, 5, 1))   # latest versions, oldest first
    note_line(notes[0])     # "#12 2026-05-01 23:40 night 2026-05-01 A. Novak [V-301]: the valve drips ..."
    note_line(notes[1])     # "#13 ... J. Weber [P-102] (de): Lager der Speisewasserpumpe zwei heiß" (not English)
    results = search(config, "anything about leaks?")                   # [(Note, score, how)]
    export(config, "md", out)                                            # every version of every note

Times are the site's (the asset model's time zone), shifts those of ``notes.shifts``. Formatting is
pure: a function of the notes only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import InputError
from .shifts import ShiftSchedule
from .store import Note, NoteStore

__all__ = ["FORMATS", "export", "list_notes", "note_line", "notes_encoder", "open_store", "parse_day", "result_json", "result_line",
           "search", "to_markdown"]

FORMATS = ("md", "jsonl")
DB_NAME = "notes.sqlite"


def open_store(config: Config, semantic: bool = False) -> NoteStore:
    """The store of the data directory; ``semantic``: with the sentence embeddings of ``nlu.encoder`` for
    search (notes embedded by another encoder are embedded again). ``notes.search_threshold`` is MiniLM's;
    another encoder has its own measured floor (``search.search_threshold``)."""
    from ..plant import load_model

    schedule = ShiftSchedule.parse(config.notes.shifts)
    embed, encoder = None, notes_encoder(config)
    if semantic:
        from ..nlu.embeddings import sentence_encoder

        embed = sentence_encoder(encoder, config.nlu.models_dir).encode
    return NoteStore(config.data_path / DB_NAME, schedule, load_model(config.plant.asset_model).site.tz,
                     embed=embed, encoder=encoder,
                     threshold=config.notes.search_threshold if encoder == "minilm" else None)


def notes_encoder(config: Config) -> str:
    """The one encoder that embeds every note: ``nlu.encoder`` where only English is spoken, else that of
    the first other language spoken (a multilingual one), so that a note in one language is found by a
    question in another."""
    spoken = [code for code in (config.language, config.station.language) if code]
    others = list(config.languages) if "auto" in spoken else spoken
    for code in others:
        if code != "en" and code in config.languages and config.languages[code].encoder:
            return config.languages[code].encoder
    return config.nlu.encoder


def parse_day(text: str, option: str = "--date") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-05-01") from None


def list_notes(config: Config, *, shift: str | None = None, day: dt.date | None = None, asset: str | None = None,
               withdrawn: bool = False) -> list[Note]:
    store = open_store(config)
    try:
        return store.list(shift=shift, day=day, asset=asset, withdrawn=withdrawn)
    finally:
        store.close()


def search(config: Config, query: str, limit: int = 5) -> list[tuple[Note, float, str]]:
    store = open_store(config, semantic=True)
    try:
        return store.search(query, limit=limit)
    finally:
        store.close()


def export(config: Config, fmt: str, out: str | None = None) -> int:
    """Every version of every note to ``out`` (written whole, then renamed) or standard output;
    the number of versions written."""
    if fmt not in FORMATS:
        raise InputError(f"export format {fmt!r} is unknown; use one of: {', '.join(FORMATS)}")
    store = open_store(config)
    try:
        versions = list(store.history())
    finally:
        store.close()
    text = to_markdown(versions) if fmt == "md" else "".join(json.dumps(v.data(), ensure_ascii=False) + "\n"
                                                              for v in versions)
    if out is None or out == "-":
        sys.stdout.write(text)
    else:
        _write(Path(out), text)
    return len(versions)


def _write(path: Path, text: str) -> None:
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                         delete=False) as file:
            file.write(text)
        os.replace(file.name, path)
    except OSError as exc:
        raise InputError(f"cannot write the export to {path} ({exc.strerror}); pass a writable path to --out") from None


# -- formatting -----------------------------------------------------------------------------
def note_line(note: Note) -> str:
    assets = f" [{', '.join(note.assets)}]" if note.assets else ""
    marks = "".join([f" ({note.language})" if note.language != "en" else "",
                     f" (v{note.version})" if note.version > 1 else "", " WITHDRAWN" if note.withdrawn else "",
                     " report" if note.kind == "report" else ""])
    fields = "".join(f"; {k}: {v}" for k, v in note.fields.items())
    return (f"#{note.id} {note.created:%Y-%m-%d %H:%M} {note.shift} {note.shift_date} {note.author}{assets}{marks}: "
            f"{_one_line(note.text)}{_one_line(fields)}")


def result_line(result: tuple[Note, float, str]) -> str:
    note, score, how = result
    return f"{score:.2f} {how:8s} {note_line(note)}"


def result_json(result: tuple[Note, float, str]) -> dict[str, Any]:
    note, score, how = result
    return {"score": round(score, 4), "match": how, "note": note.data()}


def to_markdown(versions: Iterable[Note]) -> str:
    """Every version, grouped by note (oldest first): a shift log that keeps its history."""
    lines = ["# Shift notes and maintenance reports"]
    current = None
    for v in versions:
        if v.id != current:
            current = v.id
            assets = f", {', '.join(v.assets)}" if v.assets else ""
            lines += ["", f"## {v.kind.capitalize()} {v.id}: {v.shift} shift {v.shift_date}{assets}", "",
                      f"Taken {v.created:%Y-%m-%d %H:%M %Z} by {v.author}{f' ({v.role})' if v.role else ''}"
                      f"{f'; audio {v.audio}' if v.audio else ''}; language {v.language}", ""]
        state = "withdrawn" if v.withdrawn else ("taken" if v.version == 1 else "corrected")
        lines.append(f"- version {v.version}, {state} {v.changed:%Y-%m-%d %H:%M} by {v.by}: {_one_line(v.text)}")
        lines += [f"  - {k}: {_one_line(value)}" for k, value in v.fields.items()]
    return "\n".join(lines).strip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
