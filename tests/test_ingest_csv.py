"""CSV import of history: every row checked first, then one transaction; bad rows as file:line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import DataError
from assistant.plant.historian import Historian, Point
from assistant.plant.historian_sqlite import SqliteHistorian
from assistant.plant.ingest_csv import import_csv
from assistant.plant.model import AssetModel, load_model

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
GOOD = """time,asset,signal,value,quality
2026-11-29T12:58:00+01:00,P-102,bearing_temperature,71.5,good
2026-11-29T11:59:00Z,P-102,bearing_temperature,72.0,
2026-11-29T11:59:30+00:00,F3,voltage,401.2,uncertain
"""


@pytest.fixture(scope="module")
def model() -> AssetModel:
    return load_model(ROOT / "plant" / "demo_plant.yaml")


@pytest.fixture()
def historian(tmp_path: Path) -> Iterator[Historian]:
    made = SqliteHistorian(tmp_path / "h.sqlite", stale_after_s=60, clock=lambda: NOW)
    yield made
    made.close()


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_writes_every_row_with_quality_and_source_time(tmp_path: Path, historian: Historian,
                                                              model: AssetModel) -> None:
    result = import_csv(_csv(tmp_path, GOOD), historian, model)
    assert (result.rows, result.signals) == (3, ("F3.voltage", "P-102.bearing_temperature"))
    assert result.start == dt.datetime(2026, 11, 29, 11, 58, tzinfo=dt.timezone.utc)
    latest = historian.latest("P-102.bearing_temperature")
    assert latest is not None and (latest.value, latest.quality, latest.age_s) == (72.0, "good", 60.0)
    voltage = historian.latest("F3.voltage")
    assert voltage is not None and voltage.quality == "uncertain" and not voltage.current


def test_bad_rows_are_listed_with_file_line_and_fix_and_nothing_is_imported(
        tmp_path: Path, historian: Historian, model: AssetModel) -> None:
    bad = GOOD + "\n".join([
        "2026-11-29T12:00:00,P-102,vibration,2.0,good",  # line 5: no UTC offset
        "2026-11-29T12:00:00Z,P-999,vibration,2.0,good",  # 6: unknown asset
        "2026-11-29T12:00:00Z,P-102,colour,2.0,good",  # 7: unknown signal
        "2026-11-29T12:00:00Z,P-102,vibration,two,good",  # 8: not a number
        "2026-11-29T12:00:00Z,P-102,vibration,2.0,fine",  # 9: bad quality
        "2026-11-29T11:59:00Z,P-102,bearing_temperature,73.0,good",  # 10: same time as line 3
        "2026-11-29T12:00:00Z,P-102,vibration,2.0,good,extra",  # 11: extra field
    ]) + "\n"
    path = _csv(tmp_path, bad)
    with pytest.raises(DataError) as error:
        import_csv(path, historian, model)
    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}: 7 bad row(s), nothing imported; fix them and import again:"
    expected = [(5, "has no UTC offset; write ISO 8601"), (6, "unknown asset 'P-999'"),
                (7, "asset P-102 has no signal 'colour'; use one of"), (8, "value 'two' is not a number"),
                (9, "quality 'fine' is not one of good, uncertain, bad"), (10, "is also on line 3; keep one"),
                (11, "more fields than columns")]
    for text, (line, what) in zip(lines[1:], expected, strict=True):
        assert text.startswith(f"{path}:{line}: ") and what in text, text
    assert historian.latest("P-102.bearing_temperature") is None  # nothing half-imported


def test_unit_column_is_checked_and_header_must_name_the_columns(tmp_path: Path, historian: Historian,
                                                                 model: AssetModel) -> None:
    path = _csv(tmp_path, "time,asset,signal,value,unit\n2026-11-29T12:00:00Z,P-102,bearing_temperature,160,°F\n")
    with pytest.raises(DataError, match=r"export.csv:2: P-102.bearing_temperature: unit '°F' is not the model's "
                                        r"'°C'; convert the values to °C"):
        import_csv(path, historian, model)
    with pytest.raises(DataError, match=r"export.csv:1: missing column\(s\) value; unknown column\(s\) reading; "
                                        r"the header must name"):
        import_csv(_csv(tmp_path, "time,asset,signal,reading\n"), historian, model)


def test_the_file_goes_in_with_one_write_one_transaction(tmp_path: Path, historian: Historian,
                                                          model: AssetModel) -> None:
    calls: list[int] = []

    class Counting:
        def write(self, points: list[Point]) -> int:
            calls.append(len(points))
            return historian.write(points)

    rows = "".join(f"2026-11-29T11:{m:02d}:00Z,P-102,vibration,{2 + m / 100}\n" for m in range(60))
    result = import_csv(_csv(tmp_path, "time,asset,signal,value\n" + rows), Counting(), model)  # type: ignore[arg-type]
    assert calls == [60] and result.rows == 60
