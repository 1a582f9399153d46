"""The ``plantvoice audit`` commands over the audit log in data_dir/notes.sqlite: list, export.

    entries(config, since="2026-05-01T22:00", user="anna")   # rows oldest first
    export(config, "csv", "audit.csv")                       # every row; the number written

Times given and shown are the site's (the asset model's time zone).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

from .audit import FIELDS, AuditLog, Entry, flat
from .config import Config
from .errors import InputError
from .notes.commands import DB_NAME, _write

__all__ = ["FORMATS", "entries", "export", "parse_since", "to_csv", "to_jsonl"]

FORMATS = ("jsonl", "csv")


def _open(config: Config) -> AuditLog:
    from .plant import load_model

    return AuditLog(config.data_path / DB_NAME, load_model(config.plant.asset_model).site.tz)


def parse_since(text: str, tz: dt.tzinfo) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--since {text!r} is not a date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM, "
                         "site time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def entries(config: Config, since: str | None = None, user: str | None = None) -> list[Entry]:
    log = _open(config)
    try:
        return log.entries(since=parse_since(since, log.tz) if since else None, user=user)
    finally:
        log.close()


def to_jsonl(rows: list[Entry]) -> str:
    return "".join(json.dumps(e.data(), ensure_ascii=False, sort_keys=True) + "\n" for e in rows)


def to_csv(rows: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat(e) for e in rows)
    return out.getvalue()


def export(config: Config, fmt: str, out: str | None = None) -> int:
    """Every row to ``out`` (written whole, then renamed) or standard output; the number of rows."""
    if fmt not in FORMATS:
        raise InputError(f"export format {fmt!r} is unknown; use one of: {', '.join(FORMATS)}")
    rows = entries(config)
    text = to_jsonl(rows) if fmt == "jsonl" else to_csv(rows)
    if out is None or out == "-":
        sys.stdout.write(text)
    else:
        _write(Path(out), text)
    return len(rows)
