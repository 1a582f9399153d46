"""plantvoice and Rasa 3.6.21 (DIET) side by side, trained and tested on the same data, both as servers.

Both answer ``POST /model/parse`` on 127.0.0.1 and get the same test sentences.

    .venv/bin/python benchmarks/rasa_side_by_side.py                  # both data sets, DIET 100 epochs
    .venv/bin/python benchmarks/rasa_side_by_side.py --data financial --epochs 50
    .venv/bin/python benchmarks/rasa_side_by_side.py --quick          # DIET 20 epochs, a smoke run

Data sets:
  * ``en``: trained on ``intents/en``; scored on its test files (``intents/en/tests``) and the development
    set (``benchmarks/dev``), and apart on the held-out paraphrases (``benchmarks/paraphrases``);
  * ``financial``: RasaHQ's financial-demo split 80/20 per intent with seed 13 (``entities_crf.split``);
    trained on the 80 (a sentence written under two intents kept under the first, as plantvoice loads it),
    scored on the 20.

Each system trains as its command does, timed: plantvoice by ``plantvoice parse`` on an empty models
directory (trains, stores the model, parses one sentence), Rasa by ``rasa train nlu`` on the project
``plantvoice rasa export`` writes (DIET, ``random_seed`` 1, FallbackClassifier at ``nlu.threshold``) in
``.venv-rasa`` (``tests/rasa_venv.py``, made on first use). Then each runs as a server (``plantvoice
serve``, the whole console; ``rasa run --enable-api``), timed from launch to ready, and gets every test
sentence once, one after another, after one warm-up request.

Scores (``assistant.nlu.evaluate.score``, as ``plantvoice intents test`` reports): intent accuracy over all
sentences; macro F1, the mean F1 of the intents the sentences expect (``out_of_scope`` among them);
out-of-scope rejected, the share of the sets' own ``out_of_scope`` sentences answered ``out_of_scope``
(Rasa's ``nlu_fallback`` counts as that); entity F1, micro over all entities (overlapping span, same entity
and value); parse p50 / p95 over HTTP; peak RSS, the sum of VmHWM over the server's process tree.
Prints a markdown table; writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from assistant.config import NluConfig  # noqa: E402
from assistant.events import OUT_OF_SCOPE, Entity, Intent  # noqa: E402
from assistant.nlu.data import Example, Intents, load_intent_tests, load_intents, scan_intents  # noqa: E402
from assistant.nlu.evaluate import Evaluation, run_cases, score  # noqa: E402
from assistant.rasa.project import export_project, nlu_yaml  # noqa: E402
from entities_crf import FINANCIAL, INTENTS_DIR, split  # noqa: E402
from nlu import SETS, percentile  # noqa: E402
from rasa_venv import rasa_bin, rasa_env, rasa_server  # noqa: E402
from serve_server import serving  # noqa: E402

PLANTVOICE = Path(sys.executable).with_name("plantvoice")
QUICK_EPOCHS = 20
RASA_FALLBACK = "nlu_fallback"
WARM_UP = "hello"


@dataclass(frozen=True)
class DataSet:
    name: str
    intents_dir: Path  # what both systems train on
    sets: dict[str, Sequence[Example]]  # scored sentences by set; "test" is the table's


@dataclass(frozen=True)
class Row:
    data: str
    system: str
    train_s: float
    ready_s: float
    peak_mb: float
    scores: dict[str, dict[str, float]]  # set -> figure -> value


def data_sets(which: str, work: Path) -> list[DataSet]:
    out = []
    if which in ("en", "both"):
        intents = load_intents(INTENTS_DIR)
        tests = [*load_intent_tests(INTENTS_DIR, intents), *load_intents(SETS["dev"]).examples]
        out.append(DataSet("en", INTENTS_DIR, {"test": tests, "paraphrases": load_intents(SETS["held_out"]).examples}))
    if which in ("financial", "both"):
        train, test = split(scan_intents(FINANCIAL)[0])
        directory = work / "financial-intents"
        directory.mkdir()
        (directory / "nlu.yml").write_text(nlu_yaml(first_of_each(train)), encoding="utf-8")
        out.append(DataSet("financial", directory, {"test": test}))
    return out


def first_of_each(intents: Intents) -> Intents:
    """``intents`` with a sentence written under more than one intent kept under the first only."""
    first: dict[str, Example] = {}
    for e in intents.examples:
        first.setdefault(e.text.lower(), e)
    return replace(intents, examples=tuple(first.values()))


def timed(command: Sequence[str], **kwargs: Any) -> float:
    """Seconds ``command`` ran; its output is shown when it fails."""
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command[:3]))} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - t


def plantvoice(data: DataSet, work: Path) -> tuple[float, AbstractContextManager[tuple[str, Path]]]:
    """Training seconds and the server: a config of its own (the demo plant, one day of history)."""
    work.mkdir()
    config = (f'data_dir = "{work / "data"}"\n[plant]\nhistory_days = 1\n'
              f'[nlu]\nintents_dir = "{data.intents_dir}"\nmodels_dir = "{work / "models"}"\n')
    (work / "train.toml").write_text(config)
    seconds = timed([str(PLANTVOICE), "--config", str(work / "train.toml"), "parse", WARM_UP], cwd=ROOT)
    return seconds, serving(work, config)


def rasa(data: DataSet, work: Path, epochs: int) -> tuple[float, AbstractContextManager[str]]:
    """Training seconds and the server of DIET on the exported project."""
    export_project(data.intents_dir, work, NluConfig().threshold, epochs)
    seconds = timed([str(rasa_bin()), "train", "nlu", "--config", "config.yml", "--nlu", "data", "--out", "models",
                     "--num-threads", "2"], cwd=work, env=rasa_env())
    return seconds, rasa_server(work / "models", work / "server.log")


def parser_of(client: httpx.Client, url: str, latencies: list[float]) -> Callable[[str], Intent]:
    """``POST /model/parse`` as a parse function, timed; Rasa's fallback read as out of scope."""
    def parse(text: str) -> Intent:
        t = time.perf_counter()
        body = client.post(f"{url}/model/parse", json={"text": text}).raise_for_status().json()
        latencies.append((time.perf_counter() - t) * 1000)
        name = body["intent"]["name"]
        entities = tuple(Entity(e["entity"], str(e["value"]), e["start"], e["end"], text[e["start"]:e["end"]],
                                role=e.get("role"), group=e.get("group")) for e in body.get("entities") or ())
        return Intent(text, OUT_OF_SCOPE if name == RASA_FALLBACK else name, body["intent"]["confidence"], entities)
    return parse


def figures(evaluation: Evaluation) -> dict[str, float]:
    expected = [s.f1 for s in evaluation.intents.values() if s.support]
    return {"accuracy": evaluation.summary.accuracy or 0.0, "macro_f1": statistics.mean(expected),
            "oos_rejected": evaluation.summary.oos_rejection or 0.0, "entity_f1": evaluation.entities.f1,
            "sentences": evaluation.count,
            "oos": sum(o.expected == OUT_OF_SCOPE for o in evaluation.outcomes)}


def measure(data: DataSet, system: str, train_s: float, server: AbstractContextManager[Any]) -> Row:
    """Start the server, parse every set, read its peak memory, stop it."""
    t = time.perf_counter()
    with server as started, httpx.Client(timeout=120) as client:
        ready_s = time.perf_counter() - t
        url = started[0] if isinstance(started, tuple) else started
        latencies: list[float] = []
        parse = parser_of(client, url, latencies)
        parse(WARM_UP)
        latencies.clear()
        scores = {name: figures(score(run_cases(parse, examples))) for name, examples in data.sets.items()}
        scores["test"] |= {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95)}
        peak_mb = sum(peak_kb(pid) for pid in descendants(os.getpid())) / 1024
    return Row(data.name, system, train_s, ready_s, peak_mb, scores)


def descendants(pid: int) -> Iterator[int]:
    """The processes below ``pid`` (the server this script started and its children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except OSError:
                pass  # ended meanwhile
    below = [pid]
    while below:
        children = [p for p, parent in parents.items() if parent == below[-1]]
        below.pop()
        below += children
        yield from children


def peak_kb(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("VmHWM:")), 0)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def table(rows: Sequence[Row]) -> str:
    lines = ["| data | system | intent acc. | macro F1 | out-of-scope rejected | entity F1 | parse p50 / p95 "
             "| peak RSS | train | ready |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        s = row.scores["test"]
        data = f"{row.data} ({s['sentences']} sentences, {s['oos']} out of scope)"
        lines.append(f"| {data} | {row.system} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | {s['oos_rejected']:.2f} "
                     f"| {s['entity_f1']:.3f} | {s['p50']:.0f} / {s['p95']:.0f} ms | {row.peak_mb:,.0f} MB "
                     f"| {row.train_s:.0f} s | {row.ready_s:.0f} s |")
    extra = [(row, name, s) for row in rows for name, s in row.scores.items() if name != "test"]
    for row, name, s in extra:
        lines.append(f"\n{row.data} {name} ({s['sentences']} sentences, {s['oos']} out of scope), {row.system}: "
                     f"intent acc. {s['accuracy']:.3f}, macro F1 {s['macro_f1']:.3f}, "
                     f"out-of-scope rejected {s['oos_rejected']:.2f}, entity F1 {s['entity_f1']:.3f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("en", "financial", "both"), default="both")
    parser.add_argument("--epochs", type=int, help="DIET epochs (default 100; 20 with --quick)")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: DIET {QUICK_EPOCHS} epochs")
    args = parser.parse_args()
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else 100)
    print(f"load average at the start: {load()}", file=sys.stderr, flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="plantvoice-rasa-") as tmp:
        work = Path(tmp)
        for data in data_sets(args.data, work):
            print(f"{data.name}: plantvoice ...", file=sys.stderr, flush=True)
            rows.append(measure(data, "plantvoice", *plantvoice(data, work / f"{data.name}-plantvoice")))
            print(f"{data.name}: Rasa DIET, {epochs} epochs ...", file=sys.stderr, flush=True)
            rows.append(measure(data, f"Rasa DIET ({epochs} epochs)", *rasa(data, work / f"{data.name}-rasa", epochs)))
    print(f"DIET {epochs} epochs; nproc {os.cpu_count()}; load average at the end: {load()}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
