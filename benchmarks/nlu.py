"""Benchmark of the understanding stage: accuracy, rejection, latency, training and start-up time.

    .venv/bin/python benchmarks/nlu.py                 # all feature kinds
    .venv/bin/python benchmarks/nlu.py --features tfidf --folds 5 --json out.json

For each feature kind (tfidf, minilm, both):
  * cross-validation on the intents data: folds over the written examples, the
    training part expanded, the held-out examples parsed (templates + classifier);
  * the intent test files (intents/en/tests): intent accuracy, entity recall;
  * out-of-scope rejection (out_of_scope test sentences and extra chatter rejected)
    and false rejection (in-domain test sentences called out_of_scope);
  * latency p50/p95 of ``parse`` per utterance, training time, and start-up time of
    a fresh process that loads the stored model;
  * the development set (``benchmarks/dev``, where the threshold and features are
    chosen) and the held-out paraphrases (``benchmarks/paraphrases``, never used to
    choose anything): intent accuracy, asset and measurement F1 and correctness of
    every request's asset and measurement, out-of-scope rejection, false rejection;
  * a threshold sweep on the development set and cross-validation, to choose
    ``nlu.threshold``.

Entities come from the demo plant's asset model (``plant/demo_plant.yaml``), as at run time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import ROOT, NluConfig  # noqa: E402
from assistant.events import OUT_OF_SCOPE  # noqa: E402
from assistant.nlu import load_intent_tests, load_intents  # noqa: E402
from assistant.nlu.evaluate import decide, entity_found, folds, run_cases, score, summary  # noqa: E402
from assistant.dialogue import CLARIFY_FLOOR  # noqa: E402
from assistant.plant.model import load_model  # noqa: E402
from assistant.nlu.understand import ClassifierUnderstander  # noqa: E402

INTENTS_DIR = ROOT / "intents" / "en"
PLANT = ROOT / "plant" / "demo_plant.yaml"
SETS = {"dev": ROOT / "benchmarks" / "dev", "held_out": ROOT / "benchmarks" / "paraphrases"}
PLANT_ENTITIES = ("asset", "measurement")
NOW = datetime(2026, 3, 11, 9, 30)
CHATTER = [
    "what's the forecast for saturday", "did arsenal score", "i fancy a sandwich", "pete can you grab the door",
    "my phone battery is dead", "where did i park", "that film was great", "so basically what happened was",
    "is the kettle on", "what's the time in tokyo", "lovely day isn't it", "can someone open a window",
    "i'll be back in five minutes", "who's making the tea", "did you watch the news", "my back hurts",
    "the car park is full", "have you seen my pen", "what's the wifi password", "let's get pizza tonight",
]
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def scores(pairs: list[tuple[str, tuple]], threshold: float) -> dict[str, float]:
    """pairs: (expected intent, ranking); shares with nothing to count are 0."""
    shares = asdict(summary([(want, decide(r, threshold)) for want, r in pairs]))
    return {name: 0.0 if share is None else share for name, share in shares.items()}


def startup(models_dir: str, features: str) -> tuple[float, float]:
    """(seconds to a first parse, peak resident memory in MB) of a fresh process with the stored model."""
    code = (
        "import time; t=time.perf_counter();"
        "from assistant.config import NluConfig;"
        "from assistant.nlu import create_understander;"
        "from assistant.plant.model import load_model;"
        f"u=create_understander(NluConfig(models_dir={models_dir!r}, features={features!r}), "
        f"load_model({str(PLANT)!r}).lookups());"
        "u.parse('what is the bearing temperature of feed pump two');"
        # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's size at fork
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
        "print(time.perf_counter()-t, int(hwm) / 1024, u.trained)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, memory, trained = out.stdout.split()
    assert trained == "False", "start-up measurement retrained the model"
    return float(seconds), float(memory)


def evaluate_set(u: ClassifierUnderstander, examples, threshold: float) -> tuple[dict, list]:
    """Scores of one written set, and its (expected, ranking) pairs for the sweep."""
    parsed = {e.text: u.parse(e.text) for e in examples}  # each sentence parsed once
    evaluation = score(run_cases(parsed.__getitem__, examples))
    in_domain = [o for o in evaluation.outcomes if o.expected != OUT_OF_SCOPE]
    plant_right = [not any(a.entity in PLANT_ENTITIES for a in o.missing) for o in in_domain]
    result = {
        **asdict(evaluation.summary),
        "sentences": evaluation.count,
        "entity_f1": {k: evaluation.entity_types[k].f1 for k in PLANT_ENTITIES if k in evaluation.entity_types},
        "asset_and_measurement_right": sum(plant_right) / max(1, len(plant_right)),
        "errors": [f"{o.expected} -> {o.got} ({o.confidence:.2f}): {o.text}" for o in evaluation.failures],
    }
    pairs = [(o.expected, parsed[o.text].ranking or ((OUT_OF_SCOPE, 0.0),)) for o in evaluation.outcomes]
    rejected = [(want, ranking) for want, ranking in pairs
                if want != OUT_OF_SCOPE and decide(ranking, threshold) == OUT_OF_SCOPE]
    # a rejected request whose best guess is right and scores CLARIFY_FLOOR or more is asked back, not refused
    result["rejected_asked_back_right"] = sum(
        next((n for n, c in ranking if n != OUT_OF_SCOPE and c >= CLARIFY_FLOOR), None) == want
        for want, ranking in rejected)
    result["rejected"] = len(rejected)
    return result, pairs


def run(features: str, k: int, lookups, intents, tests, threshold: float) -> dict:
    result: dict = {"features": features}
    # cross-validation
    cv_pairs = []
    for train, held in folds(intents, k):
        with tempfile.TemporaryDirectory() as tmp:
            u = ClassifierUnderstander(NluConfig(models_dir=tmp, features=features, threshold=threshold), lookups,
                                       now=lambda: NOW, intents=train)
            cv_pairs += [(e.intent, u.parse(e.text).ranking) for e in held]
    result["cv"] = scores(cv_pairs, threshold)
    # the full model
    with tempfile.TemporaryDirectory() as tmp:
        config = NluConfig(models_dir=tmp, features=features, threshold=threshold)
        t = time.perf_counter()
        u = ClassifierUnderstander(config, lookups, INTENTS_DIR, now=lambda: NOW)
        result["build_and_train_s"] = time.perf_counter() - t
        result["train_s"] = u.model.train_seconds
        result["training_sentences"] = u.model.sentences
        result["startup_s"], result["memory_mb"] = startup(tmp, features)
        sweeps = {}
        for name, folder in SETS.items():
            result[name], sweeps[name] = evaluate_set(u, load_intents(folder).examples, threshold)
        pairs, entity_hits, entity_total = [], 0, 0
        for case in tests:
            parsed = u.parse(case.text)
            pairs.append((case.intent, parsed.ranking if parsed.ranking else ((OUT_OF_SCOPE, 0.0),)))
            for a in case.entities:
                entity_total += 1
                entity_hits += entity_found(a, parsed.entities)
        chatter = [(OUT_OF_SCOPE, u.parse(text).ranking) for text in CHATTER]
        result["tests"] = scores(pairs, threshold)
        result["entity_recall"] = entity_hits / max(1, entity_total)
        result["chatter_rejection"] = scores(chatter, threshold)["oos_rejection"]
        result["sweep"] = {str(th): {"tests": scores(pairs + chatter, th), "cv": scores(cv_pairs, th),
                                     "dev": scores(sweeps["dev"], th)} for th in THRESHOLDS}
        texts = [c.text for c in tests] + CHATTER + [e.text for e in load_intents(SETS["dev"]).examples]
        latencies = []
        for _ in range(3):
            for text in texts:
                t = time.perf_counter()
                u.parse(text)
                latencies.append((time.perf_counter() - t) * 1000)
        result["latency_ms"] = {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
                                "max": max(latencies)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", nargs="*", default=["tfidf", "minilm", "both"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=NluConfig().threshold)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    lookups = load_model(PLANT).lookups()
    intents = load_intents(INTENTS_DIR)
    tests = load_intent_tests(INTENTS_DIR, intents)
    print(f"{len(intents.examples)} examples, {len(intents.names)} intents, {len(tests)} test sentences, "
          f"{len(CHATTER)} chatter, threshold {args.threshold}")
    results = []
    for features in args.features:
        r = run(features, args.folds, lookups, intents, tests, args.threshold)
        results.append(r)
        print(f"\n== {features}")
        print(f"  cv {args.folds}-fold   acc {r['cv']['accuracy']:.3f}  in-domain {r['cv']['in_domain_accuracy']:.3f}"
              f"  oos rejected {r['cv']['oos_rejection']:.3f}  false rejection {r['cv']['false_rejection']:.3f}")
        print(f"  test files  acc {r['tests']['accuracy']:.3f}  in-domain {r['tests']['in_domain_accuracy']:.3f}"
              f"  oos rejected {r['tests']['oos_rejection']:.3f}  false rejection {r['tests']['false_rejection']:.3f}"
              f"  entity recall {r['entity_recall']:.3f}  chatter rejected {r['chatter_rejection']:.3f}")
        for name in SETS:
            d = r[name]
            print(f"  {name:10s}  acc {d['accuracy']:.3f}  in-domain {d['in_domain_accuracy']:.3f}"
                  f"  oos rejected {d['oos_rejection']:.3f}  false rejection {d['false_rejection']:.3f}"
                  f"  asset+measurement right {d['asset_and_measurement_right']:.3f}"
                  f"  F1 {' '.join(f'{k} {v:.3f}' for k, v in d['entity_f1'].items())}  ({d['sentences']})"
                  f"  rejected {d['rejected']}, asked back with the right guess {d['rejected_asked_back_right']}")
        print(f"  latency p50 {r['latency_ms']['p50']:.1f} ms  p95 {r['latency_ms']['p95']:.1f} ms"
              f"  max {r['latency_ms']['max']:.1f} ms")
        print(f"  training {r['train_s']:.1f} s ({r['training_sentences']} sentences)"
              f"  build+train {r['build_and_train_s']:.1f} s  start-up with stored model {r['startup_s']:.1f} s"
              f"  memory {r['memory_mb']:.0f} MB")
        print("  threshold  dev: acc  oos-rej  false-rej | cv: acc  oos-rej  false-rej")
        for th, s in r["sweep"].items():
            t, c = s["dev"], s["cv"]
            print(f"  {th:>9}  {t['accuracy']:.3f}  {t['oos_rejection']:.3f}  {t['false_rejection']:.3f}"
                  f"      | {c['accuracy']:.3f}  {c['oos_rejection']:.3f}  {c['false_rejection']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
