"""One historian test suite, run against every backend: embedded SQLite and a real PostgreSQL.

The PostgreSQL server is started for this module (tests/postgres_server.py) and each test gets
a fresh database. No PostgreSQL on the machine is a failure: scripts/setup.sh installs it.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import PlantConfig
from assistant.errors import BackendError, ConfigError, DataError
from assistant.plant.historian import AlarmRecord, Event, Historian, Point
from assistant.plant.historians import create_historian, historians
from postgres_server import PostgresServer, postgres_server

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
T0 = NOW - dt.timedelta(hours=2)
SIG = "P-102.bearing_temperature"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    try:
        with postgres_server() as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(f"PostgreSQL test server: {exc}", pytrace=False)


@pytest.fixture(params=["sqlite", "postgres"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> PlantConfig:
    if request.param == "sqlite":
        return PlantConfig(historian="sqlite")
    server: PostgresServer = request.getfixturevalue("pg")
    return PlantConfig(historian="postgres", historian_dsn=server.create_database(f"h_{abs(hash(tmp_path))}"))


@pytest.fixture()
def historian(config: PlantConfig, tmp_path: Path) -> Iterator[Historian]:
    made = create_historian(config, tmp_path, clock=lambda: NOW)
    yield made
    made.close()


def ramp(signal: str, seconds: int, slope: float = 0.5, offset: float = 10.0) -> list[Point]:
    return [Point(signal, at(s), offset + slope * s) for s in range(seconds)]


def test_is_a_historian(historian: Historian) -> None:
    assert isinstance(historian, Historian)


def test_latest_value_carries_quality_and_source_time(historian: Historian) -> None:
    historian.write([Point(SIG, NOW - dt.timedelta(seconds=30), 71.0),
                     Point(SIG, NOW - dt.timedelta(seconds=10), 72.5, "uncertain")])
    latest = historian.latest(SIG)
    assert latest is not None
    assert (latest.value, latest.quality, latest.time, latest.age_s) == (72.5, "uncertain", NOW - dt.timedelta(
        seconds=10), 10.0)
    assert not latest.stale and not latest.current  # fresh but uncertain: not to be spoken as the value now
    earlier = historian.latest(SIG, at=NOW - dt.timedelta(seconds=20))
    assert earlier is not None and earlier.value == 71.0 and earlier.quality == "good" and earlier.current


def test_stale_value_is_flagged_never_current(historian: Historian) -> None:
    historian.write([Point(SIG, NOW - dt.timedelta(minutes=5), 70.0)])
    latest = historian.latest(SIG)
    assert latest is not None and latest.stale and not latest.current and latest.age_s == 300.0
    relaxed = historian.latest(SIG, max_age_s=600)
    assert relaxed is not None and relaxed.current


def test_unknown_signal_and_empty_window_are_values(historian: Historian) -> None:
    assert historian.latest("X-1.nothing") is None
    assert historian.exceedances("X-1.nothing", T0, NOW, 1.0) == []
    [empty] = historian.aggregate("X-1.nothing", T0, NOW)
    assert (empty.count, empty.min, empty.last, empty.slope, empty.quality) == (0, None, None, None, "bad")
    assert historian.aggregate(SIG, NOW, T0) == []


def test_rewriting_a_sample_keeps_the_last(historian: Historian) -> None:
    historian.write([Point(SIG, at(0), 1.0), Point(SIG, at(0), 2.0, "bad")])
    historian.write([Point(SIG, at(0), 3.0)])
    [agg] = historian.aggregate(SIG, T0, NOW)
    assert (agg.count, agg.last, agg.quality) == (1, 3.0, "good")


def test_raw_samples_in_a_window_bad_ones_included(historian: Historian) -> None:
    historian.write([Point(SIG, at(2), 3.0, "uncertain"), Point(SIG, at(0), 1.0), Point(SIG, at(1), 1000.0, "bad"),
                     Point("other.signal", at(1), 7.0), Point(SIG, at(5), 4.0)])
    assert historian.samples(SIG, at(0), at(5)) == [
        Point(SIG, at(0), 1.0), Point(SIG, at(1), 1000.0, "bad"), Point(SIG, at(2), 3.0, "uncertain")]
    assert historian.samples("no.such", T0, NOW) == [] and historian.samples(SIG, at(3), at(5)) == []


def test_window_aggregate(historian: Historian) -> None:
    assert historian.write(ramp(SIG, 600) + ramp("other.signal", 600, slope=-1.0)) == 1200
    [agg] = historian.aggregate(SIG, at(100), at(200))
    assert (agg.start, agg.end, agg.count, agg.min, agg.max, agg.last) == (at(100), at(200), 100, 60.0, 109.5, 109.5)
    assert agg.mean == pytest.approx(84.75) and agg.slope == pytest.approx(0.5)
    assert agg.last_time == at(199) and agg.quality == "good"
    [other] = historian.aggregate("other.signal", T0, NOW)
    assert other.slope == pytest.approx(-1.0) and other.count == 600


def test_bad_samples_are_left_out_of_aggregates(historian: Historian) -> None:
    historian.write([Point(SIG, at(0), 1.0), Point(SIG, at(1), 1000.0, "bad"), Point(SIG, at(2), 3.0, "uncertain")])
    [agg] = historian.aggregate(SIG, T0, NOW)
    assert (agg.count, agg.max, agg.last, agg.quality) == (2, 3.0, 3.0, "uncertain")
    historian.write([Point("x.y", at(0), 5.0, "bad")])
    [bad] = historian.aggregate("x.y", T0, NOW)
    assert (bad.count, bad.mean, bad.quality) == (0, None, "bad")


def test_bucketed_aggregate(historian: Historian) -> None:
    historian.write(ramp(SIG, 1800))  # half an hour, then nothing
    buckets = historian.aggregate(SIG, T0, at(3900), bucket_s=600)
    assert [b.count for b in buckets] == [600, 600, 600, 0, 0, 0, 0]
    assert [b.last for b in buckets[:3]] == [10.0 + 0.5 * 599, 10.0 + 0.5 * 1199, 10.0 + 0.5 * 1799]
    assert all(b.slope == pytest.approx(0.5) for b in buckets[:3])
    assert buckets[3].quality == "bad" and buckets[3].mean is None
    assert (buckets[-1].start, buckets[-1].end) == (at(3600), at(3900))  # the last bucket ends with the window
    fine = historian.aggregate(SIG, at(5), at(1805), bucket_s=10)  # many buckets: last values by one query
    assert len(fine) == 180 and all(b.count == 10 for b in fine[:-1])  # the data ends at 1799 s
    assert [b.last for b in fine[:2]] == [10.0 + 0.5 * 14, 10.0 + 0.5 * 24] and fine[-1].last_time == at(1799)
    assert fine[-1].count == 5 and fine[-1].slope == pytest.approx(0.5)


def test_limit_exceedances(historian: Historian) -> None:
    values = [50.0] * 10 + [85.0, 90.0, 82.0] + [50.0] * 10 + [81.0, 95.0]  # two excursions, the last still on
    historian.write([Point(SIG, at(s), v) for s, v in enumerate(values)])
    first, second = historian.exceedances(SIG, T0, NOW, limit=80.0)
    assert (first.start, first.end, first.peak, first.duration_s, first.above) == (at(10), at(13), 90.0, 3.0, True)
    assert (second.start, second.end, second.peak) == (at(23), None, 95.0)
    [inside] = historian.exceedances(SIG, at(11), at(15), limit=80.0)
    assert (inside.start, inside.end) == (at(11), at(13))
    lows = historian.exceedances(SIG, T0, NOW, limit=60.0, above=False)
    assert [(x.start, x.end, x.peak, x.above) for x in lows] == [(at(0), at(10), 50.0, False),
                                                               (at(13), at(23), 50.0, False)]


def _alarm(state: str, changed: float, priority: str = "high", asset: str = "P-102", id: str = "A1") -> AlarmRecord:
    return AlarmRecord(id, asset, SIG, priority, state, raised=at(0), changed=at(changed), message="bearing hot")


def test_alarms_with_state_priority_and_time(historian: Historian) -> None:
    historian.write_alarms([_alarm("active", 0), _alarm("active", 5, "low", "K-201", "B7")])
    historian.write_alarms([_alarm("acknowledged", 60)])
    historian.write_alarms([_alarm("active", 30)])  # older than what is stored: ignored
    a1, b7 = historian.alarms()
    assert (a1.id, a1.state, a1.priority, a1.raised, a1.changed, a1.message) == (
        "A1", "acknowledged", "high", at(0), at(60), "bearing hot")
    assert (b7.asset, b7.state, b7.priority) == ("K-201", "active", "low")
    historian.write_alarms([_alarm("cleared", 120)])
    assert [a.id for a in historian.alarms(states=("active", "acknowledged"))] == ["B7"]
    assert [a.id for a in historian.alarms(asset="P-102")] == ["A1"]
    assert [a.id for a in historian.alarms(start=at(200))] == ["B7"]  # A1 cleared before the window
    assert historian.alarms(end=at(0)) == []


def test_bad_alarm_and_point_are_refused_with_the_fix(historian: Historian) -> None:
    with pytest.raises(DataError, match="state 'open' is not one of active, acknowledged, cleared"):
        historian.write_alarms([_alarm("open", 0)])
    with pytest.raises(DataError, match=r"point P-102.bearing_temperature at .*: quality 'ok' is not one of"):
        historian.write([Point(SIG, at(0), 1.0, "ok")])
    assert historian.latest(SIG) is None  # nothing of the refused batch was written


def test_events_on_an_asset(historian: Historian) -> None:
    historian.write_events([Event("P-102", "start", at(10)), Event("P-102", "trip", at(50), "high vibration"),
                            Event("K-201", "note", at(20), "seal checked"), Event("P-102", "note", at(60), "restart ok")])
    assert [(e.kind, e.time, e.text) for e in historian.events("P-102")] == [
        ("start", at(10), ""), ("trip", at(50), "high vibration"), ("note", at(60), "restart ok")]
    assert [e.kind for e in historian.events("P-102", start=at(20), end=at(60))] == ["trip"]
    assert [e.text for e in historian.events("P-102", kinds=("trip", "note"))] == ["high vibration", "restart ok"]
    assert historian.events("nobody") == []


def test_data_survives_reopening(config: PlantConfig, tmp_path: Path) -> None:
    first = create_historian(config, tmp_path, clock=lambda: NOW)
    first.write([Point(SIG, NOW - dt.timedelta(seconds=1), 7.0)])
    first.close()
    second = create_historian(config, tmp_path, clock=lambda: NOW)
    try:
        latest = second.latest(SIG)
        assert latest is not None and latest.value == 7.0
    finally:
        second.close()


def test_backends_are_chosen_by_name(tmp_path: Path) -> None:
    assert historians.names() == ["postgres", "sqlite"]
    with pytest.raises(ConfigError, match="unknown historian backend 'influx' at plant -> historian; choose one of"):
        create_historian(PlantConfig(historian="influx"), tmp_path)
    with pytest.raises(ConfigError, match="plant -> historian_dsn is empty"):
        create_historian(PlantConfig(historian="postgres"), tmp_path)


@pytest.mark.parametrize("dsn", ["postgresql://plantvoice:hunter2@127.0.0.1:{port}/plant",
                                 "host=127.0.0.1 port={port} user=plantvoice password = 'hunter2'",
                                 "host=127.0.0.1 port={port} password=hunter2 user=plantvoice"])
def test_a_refused_connection_never_prints_the_password(dsn: str, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(BackendError) as caught:
        create_historian(PlantConfig(historian="postgres", historian_dsn=dsn.format(port=port)), tmp_path)
    message = str(caught.value)
    assert "hunter2" not in message and f"port={port}" in message and "refused the connection" in message


def test_a_damaged_historian_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "historian.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataError, match="historian.sqlite is not a database or is damaged .*move it away"):
        create_historian(PlantConfig(), tmp_path)


def test_a_new_historian_file_is_private(tmp_path: Path) -> None:
    create_historian(PlantConfig(), tmp_path).close()
    assert (tmp_path / "historian.sqlite").stat().st_mode & 0o777 == 0o600
