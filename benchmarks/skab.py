"""SKAB benchmark of the fault detectors: point-wise F1 / FAR / MAR and NAB scores.

    .venv/bin/python benchmarks/skab.py                         # every registered detector
    .venv/bin/python benchmarks/skab.py --detector knn --json out.json
    .venv/bin/python benchmarks/skab.py --data-dir /path/to/datasets

Protocol and metrics: assistant/faults/skab.py and assistant/faults/metrics.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.errors import PlantvoiceError  # noqa: E402
from assistant.faults.anomaly import detectors  # noqa: E402
from assistant.faults.skab import DATASETS, SkabResult, run  # noqa: E402

HEADER = "| detector | F1 | FAR % | MAR % | NAB standard | NAB low FP | NAB low FN | missed CPs | FPs | runtime s |"


def row(r: SkabResult) -> str:
    return (f"| {r.detector} | {r.f1:.3f} | {100 * r.far:.2f} | {100 * r.mar:.2f} | {r.nab_standard:.2f} | "
            f"{r.nab_low_fp:.2f} | {r.nab_low_fn:.2f} | {r.missed_changepoints}/{r.changepoints} | "
            f"{r.false_positives} | {r.runtime_s:.2f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATASETS, help=f"datasets folder (default {DATASETS})")
    parser.add_argument("--detector", action="append", choices=detectors.names(), help="repeatable; default all")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    try:
        results = [run(args.data_dir, name) for name in args.detector or detectors.names()]
    except PlantvoiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"SKAB: {results[0].files} files, {results[0].scored_rows} scored rows, columns {', '.join(results[0].columns)}")
    print(HEADER)
    print("|" + "---|" * 10)
    for r in results:
        print(row(r))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
