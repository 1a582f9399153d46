"""Remaining useful life on NASA C-MAPSS FD001: RMSE, PHM08 score, 90 % interval coverage.

    .venv/bin/python benchmarks/cmapss.py                       # data in ../shared/datasets/cmapss
    .venv/bin/python benchmarks/cmapss.py --data DIR --json out.json --save models/rul-fd001.pkl

Fits on the 100 training engines (target capped at 125, interval calibrated on held-out
training engines), scores each test engine after its last cycle against RUL_FD001.txt,
and times loading the saved model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.faults.cmapss import DATA_DIR, CmapssResult, run  # noqa: E402
from assistant.faults.rul import RulModel  # noqa: E402

GOALS = {"rmse": 11.0, "coverage": 0.88}


def _load_time(path: Path) -> float:
    start = time.perf_counter()
    RulModel.load(path)
    return time.perf_counter() - start


def table(result: CmapssResult, load_s: float) -> str:
    rows = [
        ("engines (test / train)", f"{result.n_engines} / {result.n_train}"),
        ("RMSE", f"{result.rmse:.2f} (goal <= {GOALS['rmse']})"),
        ("PHM08 score", f"{result.score:.1f}"),
        ("90 % interval coverage", f"{result.coverage:.2f} (goal >= {GOALS['coverage']})"),
        ("mean interval width", f"{result.width:.1f} cycles"),
        ("fit + calibrate + predict", f"{result.runtime_s:.1f} s"),
        ("load saved model", f"{load_s * 1000:.0f} ms"),
    ]
    return "\n".join(["| what | result |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA_DIR, help="folder holding cmapss/ (or the files)")
    ap.add_argument("--json", type=Path, help="also write the numbers to this file")
    ap.add_argument("--save", type=Path, help="keep the fitted model here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.save or Path(tmp) / "rul-fd001.pkl"
        result = run(args.data, model_path=path)
        load_s = _load_time(path)
    print(table(result, load_s))
    if args.json:
        args.json.write_text(json.dumps(asdict(result) | {"load_s": load_s}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
