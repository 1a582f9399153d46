"""History from a CSV file into the historian, all or nothing.

    result = import_csv("export.csv", historian, model)   # ImportResult, or DataError

Columns (a header row names them, in any order): ``time, asset, signal, value`` and the
optional ``quality`` (good | uncertain | bad; empty is good) and ``unit`` (checked against
the asset model). ``time`` is ISO 8601 with its UTC offset (``2026-11-29T12:00:00+01:00`` or
``...Z``); a time without one is refused rather than guessed.

Every row is checked before anything is written; any bad row raises one DataError that
lists the bad rows as ``file:line: what; how to fix`` and nothing is imported. The good
file goes in with one ``historian.write`` call: one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .historian import Historian, Point
from .ingest import signal_name
from .model import QUALITIES, AssetModel

__all__ = ["ImportResult", "import_csv", "parse_csv"]

REQUIRED = ("time", "asset", "signal", "value")
OPTIONAL = ("quality", "unit")
SHOWN = 20  # bad rows listed in the error; the rest are counted


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: str
    rows: int  # points written
    signals: tuple[str, ...]  # historian names, sorted
    start: dt.datetime | None  # earliest and latest source time imported
    end: dt.datetime | None


def import_csv(path: str | Path, historian: Historian, model: AssetModel) -> ImportResult:
    """Check every row of ``path``, then write them all in one transaction."""
    points = parse_csv(path, model)
    historian.write(points)
    times = [p.time for p in points]
    return ImportResult(str(path), len(points), tuple(sorted({p.signal for p in points})),
                        min(times, default=None), max(times, default=None))


def parse_csv(path: str | Path, model: AssetModel) -> list[Point]:
    """The file's points; DataError listing every bad row (file:line, what, fix)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found; check the path of the CSV file")
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        _check_header(path, reader.fieldnames)
        points, problems = _rows(path, reader, model)
    if problems:
        more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise DataError(f"{path}: {len(problems)} bad row(s), nothing imported; fix them and import again:\n"
                        + "\n".join(problems[:SHOWN]) + more)
    return points


def _check_header(path: Path, header: Iterable[str] | None) -> None:
    names = [h.strip() for h in header or ()]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        what = "; ".join(x for x in (missing and f"missing column(s) {', '.join(missing)}",
                                     unknown and f"unknown column(s) {', '.join(unknown)}") if x)
        raise DataError(f"{path}:1: {what or 'no header'}; the header must name the columns "
                        f"{', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)}")


def _rows(path: Path, reader: csv.DictReader[str], model: AssetModel) -> tuple[list[Point], list[str]]:
    points: list[Point] = []
    problems: list[str] = []
    seen: dict[tuple[str, dt.datetime], int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(f"{path}:{line}: more fields than columns; quote values that contain commas")
            continue
        try:
            point = _point({(k or "").strip(): (v or "").strip() for k, v in row.items()}, model)
        except ValueError as exc:
            problems.append(f"{path}:{line}: {exc}")
            continue
        first = seen.setdefault((point.signal, point.time), line)
        if first != line:
            problems.append(f"{path}:{line}: {point.signal} at {point.time.isoformat()} is also on line {first}; "
                            "keep one of the two rows")
            continue
        points.append(point)
    return points, problems


def _point(row: dict[str, str], model: AssetModel) -> Point:
    asset, key = row["asset"], row["signal"]
    if model.asset(asset) is None:
        raise ValueError(f"unknown asset {asset!r}; use an asset id of {model.path}")
    signal = model.signal(asset, key)
    if signal is None:
        raise ValueError(f"asset {asset} has no signal {key!r}; use one of "
                         f"{', '.join(model.asset(asset).measurements)}")  # type: ignore[union-attr]
    unit = row.get("unit", "")
    if unit and unit != signal.unit:
        raise ValueError(f"{asset}.{key}: unit {unit!r} is not the model's {signal.unit!r}; "
                         f"convert the values to {signal.unit}")
    quality = row.get("quality", "") or "good"
    if quality not in QUALITIES:
        raise ValueError(f"quality {quality!r} is not one of {', '.join(QUALITIES)}; fix the quality")
    return Point(signal_name(asset, key), _time(row["time"]), _value(row["value"]), quality)


def _time(text: str) -> dt.datetime:
    fix = "write ISO 8601 with the UTC offset, e.g. 2026-11-29T12:00:00+01:00"
    try:
        time = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"time {text!r} is not a date and time; {fix}") from None
    if time.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset; {fix}")
    return time


def _value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"value {text!r} is not a number; write a decimal number with a point") from None
    if not math.isfinite(value):
        raise ValueError(f"value {text!r} is not finite; leave the row out or give the value")
    return value
