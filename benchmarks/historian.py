"""Historian benchmark: ingest rate, latest-value and 8-hour aggregate latency.

    .venv/bin/python benchmarks/historian.py --backend sqlite --days 3      # 200 signals, 1 Hz
    .venv/bin/python benchmarks/historian.py --backend sqlite --days 30 --dir /tmp   # the goal's size, ~15 GB
    .venv/bin/python benchmarks/historian.py --backend postgres --hours 6   # a throwaway server

Points are written an hour at a time (200 signals x 3600 s = 720 000 points per write
call), as a collector flushing its buffer would. Ingest rate counts the ``write`` call
alone (building the Point objects is reported apart). Latencies are taken after the
ingest with a warm page cache: ``latest`` on random signals, ``aggregate`` over random
8-hour windows (whole window, and in 15-minute buckets), ``exceedances`` over 8 hours.
Goals: ingest >= 100 000 points/s, latest <= 1 ms, 8-hour aggregate <= 20 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from assistant.config import PlantConfig  # noqa: E402
from assistant.plant.historian import Historian, Point  # noqa: E402
from assistant.plant.historians import create_historian  # noqa: E402

START = dt.datetime(2026, 10, 30, tzinfo=dt.timezone.utc)
EIGHT_HOURS = dt.timedelta(hours=8)


def hour_of_points(names: list[str], hour: int) -> list[Point]:
    """One hour of 1 Hz samples: a slow sine per signal plus a fast ripple; 0.1 % uncertain."""
    times = [START + dt.timedelta(seconds=hour * 3600 + s) for s in range(3600)]
    points = []
    for i, name in enumerate(names):
        period, base = 3600.0 * (1 + i % 7), 50.0 + i
        for s, time_ in enumerate(times):
            x = hour * 3600 + s
            value = base + 10 * math.sin(x / period) + 0.3 * math.sin(x * 1.7 + i)
            points.append(Point(name, time_, value, "uncertain" if (x + i) % 1000 == 0 else "good"))
    return points


def ingest(historian: Historian, names: list[str], hours: int) -> tuple[float, float]:
    built = written = day_start = 0.0
    for hour in range(hours):
        t0 = time.perf_counter()
        points = hour_of_points(names, hour)
        t1 = time.perf_counter()
        historian.write(points)
        built, written = built + t1 - t0, written + time.perf_counter() - t1
        if hour % 24 == 23:
            day = len(names) * 3600 * 24 / (written - day_start)
            print(f"  day {hour // 24 + 1}: {day:,.0f} points/s this day, "
                  f"{len(names) * 3600 * (hour + 1) / written:,.0f} so far", flush=True)
            day_start = written
    total = len(names) * 3600 * hours
    print(f"  write calls {written:,.0f} s, building points {built:,.0f} s", flush=True)
    return total / written, total / built


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def latencies(historian: Historian, names: list[str], hours: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(1)
    span = hours * 3600 - 8 * 3600

    def window() -> tuple[str, dt.datetime, dt.datetime]:
        start = START + dt.timedelta(seconds=rng.randrange(max(1, span)))
        return rng.choice(names), start, start + EIGHT_HOURS

    def aggregate(bucket_s: float | None) -> Callable[[], object]:
        return lambda: historian.aggregate(*window(), bucket_s=bucket_s)

    return {
        "latest value": timed(lambda: historian.latest(rng.choice(names)), 2000),
        "8-hour aggregate (min/max/mean/last/slope)": timed(aggregate(None), 200),
        "8-hour aggregate in 15-minute buckets (32)": timed(aggregate(900), 100),
        "8-hour limit exceedances": timed(lambda: historian.exceedances(*window(), limit=55.0), 50),
    }


@contextmanager
def opened(backend: str, data_dir: Path, now: dt.datetime) -> Iterator[tuple[Historian, str]]:
    if backend == "sqlite":
        historian = create_historian(PlantConfig(historian="sqlite"), data_dir, clock=lambda: now)
        yield historian, str(data_dir / "historian.sqlite")
        historian.close()
        return
    from postgres_server import postgres_server

    with postgres_server() as server:
        config = PlantConfig(historian="postgres", historian_dsn=server.create_database("bench"))
        historian = create_historian(config, data_dir, clock=lambda: now)
        yield historian, str(server.root / "data")
        historian.close()


def size_of(path: str) -> int:
    target = Path(path)
    files = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--signals", type=int, default=200)
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--hours", type=int, default=0, help="overrides --days")
    parser.add_argument("--dir", default="", help="where the SQLite file goes (default: a temporary directory)")
    args = parser.parse_args()
    hours = args.hours or round(args.days * 24)
    names = [f"U{i // 10:02d}-{i % 10}.value" for i in range(args.signals)]
    now = START + dt.timedelta(hours=hours)
    with tempfile.TemporaryDirectory(dir=args.dir or None) as tmp, opened(args.backend, Path(tmp), now) as (h, path):
        print(f"{args.backend}: {args.signals} signals x {hours} h at 1 Hz = {args.signals * 3600 * hours:,} points")
        rate, build_rate = ingest(h, names, hours)
        print(f"| ingest (write calls) | {rate:,.0f} points/s |")
        print(f"| building Point objects (not in the ingest rate) | {build_rate:,.0f} points/s |")
        size = size_of(path)
        print(f"| on disk | {size / 1e9:.2f} GB, {size / (args.signals * 3600 * hours):.1f} bytes/point |")
        for name, (median, p95) in latencies(h, names, hours).items():
            print(f"| {name} | median {median:.3f} ms, p95 {p95:.3f} ms |")


if __name__ == "__main__":
    main()
