"""Hostile and unlucky input, counted: text lines, WAV files and broken data files (fixed seed).

    .venv/bin/python benchmarks/fuzz.py [--seed 7] [--lines 5000] [--wavs 1000] [--files 240] [--out DIR]

What is tried, and how each outcome is classed:

- **text**: generated request lines (plant requests with odd times and numbers, unicode digits, huge
  counts, control characters, invalid UTF-8, bare CR, very long lines, injection-looking strings) go as
  one stdin batch to ``plantvoice ask --json`` and again to ``plantvoice chat``. Every line must get its
  own JSON object (an answer or an error), the batch must run to its end, and nothing may print a
  traceback or "internal error".
- **wav**: mutations of the spoken samples in audio_samples/ (header fields, truncation, flipped
  bytes, declared rates from 0 to 4 GHz, channel counts, data sizes, chunk order, plus /dev/zero and a
  FIFO) go to ``plantvoice understand --json`` in batches; every file must get its own result or error.
- **files**: mutated intents files (``intents validate``), asset models (``plant latest``), fault
  knowledge (loaded as ``faults train`` loads it) and config files (``notes list``), each in its own
  process forked from one that has imported plantvoice, with a memory limit and a time limit.

Outcomes: ``ok`` (exit 0), ``refused`` (exit 2 with one line), ``traceback`` (a Python traceback, an
"internal error" or exit 1), ``hang`` (the time limit), ``oom`` (MemoryError or killed by the memory
limit), ``other`` (any other exit). The summary goes to stdout as JSON and, with --out, to files.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PLANTVOICE = [str(ROOT / ".venv" / "bin" / "plantvoice")]
MEMORY_LIMIT = 6 << 30  # address space of one forked case
CASE_TIMEOUT_S = 60.0
BATCH_TIMEOUT_S = 1800.0

# ---------------------------------------------------------------- text lines

ASSETS = ["feed pump two", "P-102", "pee one oh two", "gas turbine one", "the main transformer", "tank seven",
          "cooling water pump ①", "pump 2²", "battery storage", "the digester", "G1", "feeder nine", "",
          "gas turbine " + "one " * 40]
MEASURES = ["bearing temperature", "vibration", "load", "level", "state of charge", "methane", "flow", ""]
TIMES = ["", "today", "yesterday", "last night", "the last 3000000 weeks", "the last 0 hours", "the last -5 days",
         "the last ² hours", "since ① o'clock", "at 25:61", "at 14:00", "on the 31st of february", "since 1e309",
         "the last 99999999999999999999 minutes", "from 10 to 6", "on monday", "since the start of the shift",
         "in the year 99999", "the last ½ hour", "at ٣ pm", "last 三 days", "since nan", "the last inf hours"]
TEMPLATES = ["what is the {m} of {a} {t}", "how did the {m} of {a} change {t}", "any predicted faults on {a}",
             "compare the {m} of {a} and {a2} {t}", "acknowledge the alarm on {a}", "take a note {junk}",
             "what alarms were active {t}", "how long will {a} last", "why", "and {a}?", "what about {t}?",
             "correct note {n} to {junk}", "withdraw note {n}", "read note {n}", "yes", "cancel", "{junk}"]
JUNK = ["'; DROP TABLE notes;--", "{{7*7}}", "%s%s%n", "../../../etc/passwd", "$(reboot)", "`id`", "<script>",
        "\u202eevil", "a\u0301\u0301\u0301", "\u200b\u200b", "🔥" * 50, "null", "None", "-0", "9" * 400, "1e309",
        "nan", "\\x00", "ﷺ", "Ǆ", "İ", "ß" * 30, "\t\t", "\x0b\x0c", "\x1b[31mred\x1b[0m"]


def text_lines(rng: random.Random, count: int) -> list[bytes]:
    """``count`` lines (without their line end) of hostile or unlucky text."""
    lines: list[bytes] = []
    while len(lines) < count:
        kind = rng.random()
        if kind < 0.7:
            text = rng.choice(TEMPLATES).format(m=rng.choice(MEASURES), a=rng.choice(ASSETS), a2=rng.choice(ASSETS),
                                                t=rng.choice(TIMES), junk=rng.choice(JUNK), n=rng.choice(
                                                    ["one", "0", "-1", "99999999999999", "two point five", "①"]))
            raw = text.encode("utf-8")
        elif kind < 0.8:
            raw = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x2FFF),
                                          rng.randrange(0x1F300, 0x1FAFF)])) for _ in range(rng.randrange(1, 80)))
            raw = raw.encode("utf-8", "surrogatepass")
        elif kind < 0.88:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60))).replace(b"\n", b"").replace(b"\r", b"")
        elif kind < 0.92:
            raw = ("what is the load of G1 " * rng.choice([50, 500, 5000])).encode()
        elif kind < 0.96:
            raw = b"what is the level\rof tank one" if rng.random() < 0.5 else b"status of G1\x00 and F1"
        else:
            raw = rng.choice([b"", b"   ", b"\xed\xa0\x80", b"\xc0\xaf", b"\xff\xfe", b"\xef\xbb\xbfstatus of G1"])
        lines.append(raw)
    return lines


def run_text(lines: list[bytes], command: str, work: Path) -> dict[str, object]:
    """One stdin batch to ``plantvoice ask --json`` or ``chat``; counts per line and for the run."""
    argv = [*PLANTVOICE, "ask", "--json"] if command == "ask" else [*PLANTVOICE, "chat"]
    stdin = b"\n".join(lines) + b"\n"
    began = time.monotonic()
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=BATCH_TIMEOUT_S, cwd=work,
                              env=_env(work))
    except subprocess.TimeoutExpired:
        return {"inputs": len(lines), "outcome": "hang", "seconds": round(time.monotonic() - began, 1)}
    stderr = done.stderr.decode("utf-8", "replace")
    expected = sum(1 for line in lines for part in line.split(b"\r") if part.strip(b" \t"))  # CR ends a line
    counts: collections.Counter[str] = collections.Counter()
    if command == "ask":
        counts.update(_json_rows(done.stdout))
    else:
        counts["answered"] = len([r for r in done.stdout.decode("utf-8", "replace").split("\n") if r.strip()])
        counts["refused"] = len([r for r in stderr.split("\n") if r.startswith("plantvoice: ")])
    return {"inputs": len(lines), "requests expected (CR splits, blanks skipped)": expected, **counts,
            "tracebacks": stderr.count("Traceback") + stderr.count("internal error"),
            "exit": done.returncode, "outcome": _outcome(done.returncode, stderr),
            "seconds": round(time.monotonic() - began, 1)}


# ---------------------------------------------------------------- WAV files

def _riff(fmt: bytes, data: bytes, extra: bytes = b"") -> bytes:
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _fmt(tag: int = 1, channels: int = 1, rate: int = 16000, bits: int = 16) -> bytes:
    align = max(1, channels * bits // 8)
    return struct.pack("<HHIIHH", tag, channels, rate, (rate * align) & 0xFFFFFFFF, align & 0xFFFF, bits)


def wav_mutations(rng: random.Random, count: int, work: Path) -> list[Path]:
    """``count`` mutated WAV files under ``work``, plus /dev/zero and a FIFO."""
    sources = sorted((ROOT / "audio_samples").glob("*.wav"))
    out: list[Path] = []
    for i in range(count):
        raw = bytearray(rng.choice(sources).read_bytes())
        data = bytes(raw[44:])
        kind = i % 10
        if kind == 0:  # one header field set to an extreme
            blob = _riff(_fmt(rate=rng.choice([0, 1, 7, 8000, 192001, 2**31, 2**32 - 1])), data)
        elif kind == 1:
            blob = _riff(_fmt(channels=rng.choice([0, 2, 9, 255, 65535])), data)
        elif kind == 2:
            blob = _riff(_fmt(tag=rng.choice([0, 2, 3, 6, 7, 0xFFFE, 0x55]), bits=rng.choice([0, 1, 8, 24, 32, 64])),
                         data)
        elif kind == 3:  # declared data size far beyond the file
            blob = bytearray(_riff(_fmt(), data))
            struct.pack_into("<I", blob, 40, rng.choice([0, 1, 2**31, 2**32 - 1, len(data) * 1000]))
            blob = bytes(blob)
        elif kind == 4:  # truncated anywhere
            blob = bytes(raw[:rng.randrange(0, min(len(raw), 400))])
        elif kind == 5:  # flipped bytes in the header
            for _ in range(rng.randrange(1, 8)):
                raw[rng.randrange(0, 44)] = rng.randrange(256)
            blob = bytes(raw)
        elif kind == 6:  # extra chunks, huge or odd
            extra = b"LIST" + struct.pack("<I", rng.choice([3, 2**31, 2**32 - 1, 10])) + b"x" * 10
            blob = _riff(_fmt(), data, extra)
        elif kind == 7:  # a fmt chunk of odd length
            blob = _riff(_fmt() + b"\x00" * rng.choice([1, 2, 22, 1000]), data)
        elif kind == 8:  # random bytes with a RIFF start
            blob = b"RIFF" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
        else:  # a valid file at another rate or width, or noise for samples
            rate = rng.choice([8000, 22050, 44100, 48000])
            blob = _riff(_fmt(rate=rate, channels=rng.choice([1, 2])), bytes(rng.randrange(256) for _ in range(
                rng.randrange(0, 3200))))
        path = work / f"m{i:04d}.wav"
        path.write_bytes(blob)
        out.append(path)
    fifo = work / "fifo.wav"
    os.mkfifo(fifo)
    return [*out, Path("/dev/zero"), fifo, work]


def run_wavs(paths: list[Path], work: Path, batch: int = 100) -> dict[str, object]:
    """``plantvoice understand --json`` on the files, ``batch`` at a time: one result or error per file."""
    counts: collections.Counter[str] = collections.Counter()
    exits: collections.Counter[str] = collections.Counter()
    seconds = 0.0
    for start in range(0, len(paths), batch):
        chunk = paths[start:start + batch]
        began = time.monotonic()
        try:
            done = subprocess.run([*PLANTVOICE, "understand", "--json", *map(str, chunk)], capture_output=True,
                                  timeout=BATCH_TIMEOUT_S / 4, cwd=work, env=_env(work), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            counts["hang"] += len(chunk)
            continue
        finally:
            seconds += time.monotonic() - began
        stderr = done.stderr.decode("utf-8", "replace")
        exits[str(done.returncode)] += 1
        rows = _json_rows(done.stdout)
        counts.update(rows)
        counts["unanswered"] += max(0, len(chunk) - rows["answered"] - rows["refused"])
        counts["traceback"] += stderr.count("Traceback") + stderr.count("internal error")
        counts["oom"] += done.returncode in (-signal.SIGKILL, 137) or "MemoryError" in stderr
    return {"inputs": len(paths), **counts, "exit codes of the batches": dict(exits), "seconds": round(seconds, 1)}


# ---------------------------------------------------------------- data files

def mutate_yaml(rng: random.Random, text: str) -> str:
    """One or a few edits that break a YAML data file in the ways people and tools do."""
    lines = text.splitlines()
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(12)
        at = rng.randrange(max(1, len(lines)))
        if not lines:
            lines = [""]
        if op == 0:
            del lines[at]
        elif op == 1:
            lines.insert(at, lines[at])  # a repeated key or item
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[at], lines[j] = lines[j], lines[at]
        elif op == 3:
            lines[at] = lines[at].replace("  ", "\t", 1)
        elif op == 4:
            lines[at] = lines[at][: rng.randrange(len(lines[at]) + 1)]
        elif op == 5:  # a value of the wrong kind
            head, _, _ = lines[at].partition(":")
            lines[at] = f"{head}: {rng.choice(['abc', '[a, b]', '{x: 1}', 'nan', '.inf', '-1e999', 'null', '~', '0x1F', '!!binary aGk=', '2026-13-45', 'yes'])}"
        elif op == 6:
            lines[at] = lines[at] + " " + rng.choice(JUNK)
        elif op == 7:
            lines.insert(at, "a: &a [" + ", ".join(["*a"] * 1) + "]")  # a self-referencing alias
        elif op == 8:
            lines = ["x: &a [1,2,3,4,5,6,7,8,9]", *(f"x{k}: &a{k} [" + ",".join(["*a" if k == 0 else f"*a{k - 1}"] * 9)
                                                   + "]" for k in range(12)), *lines]  # billion laughs
        elif op == 9:
            lines[at] = "    - " + "w " * rng.choice([400, 6000])
        elif op == 10:
            lines = lines[: rng.randrange(len(lines) + 1)]
        else:
            lines[at] = "[" * rng.choice([50, 5000])
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n\x00", "\r\n"])


def mutate_toml(rng: random.Random, text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    picks = ['[plant]\nstale_after_s = nan', '[plant]\nstale_after_s = -1', '[audio]\nrate = 1', '[nlu]\nthreshold = 5',
             '[plant]\nhistory_days = 1e9', '[plant]\nhistory_days = "many"', '[nlu]\nthreshold = inf',
             '[audio]\nrate = 99999999999999999999', '[unknown]\nx = 1', '[plant]\nasset_model = "/dev/zero"',
             '[plant]\nbackend = "telepathy"', '[asr]\nbackend = ""', '[plant', 'x = ', '= 1', '[plant]\nplant = 1',
             '[data]\ndir = "/proc"', '[nlu]\nmodels_dir = "/tmp"', "\x00", "[plant]\nstale_after_s = 1e400"]
    chosen = [rng.choice(picks) for _ in range(rng.randrange(1, 3))]
    return "\n".join([*lines[: rng.randrange(len(lines) + 1)], *chosen]) + "\n"


def forked(argv: list[str] | None, call: Callable[[], int] | None = None) -> tuple[str, str]:
    """Run ``plantvoice ARGV`` (or ``call``) in a forked child with a memory and time limit: (outcome, stderr)."""
    err = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
            os.dup2(err.fileno(), 2)
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), write_through=True)
            if argv is not None:
                from assistant.cli import main

                code = main(argv)
            else:
                assert call is not None
                code = call()
        except MemoryError:
            sys.stderr.write("MemoryError\n")
            code = 137
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - a bug: keep its traceback for the count
            traceback.print_exc()
            code = 1
        finally:
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + CASE_TIMEOUT_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hang", ""
        time.sleep(0.01)
    err.seek(0)
    stderr = err.read().decode("utf-8", "replace")
    err.close()
    if os.WIFSIGNALED(status):
        return ("oom" if os.WTERMSIG(status) == signal.SIGKILL else "other"), stderr
    return _outcome(os.WEXITSTATUS(status), stderr), stderr


def run_files(rng: random.Random, count: int, work: Path) -> dict[str, object]:
    """Broken intents, asset models, knowledge and config files, each through the command that reads it."""
    from assistant.faults.knowledge import load_knowledge
    from assistant.plant import load_model

    config = work / "plantvoice.toml"
    data = work / "data"
    data.mkdir(mode=0o700)
    base = f'data_dir = "{data}"\n'
    results: dict[str, collections.Counter[str]] = {}
    examples: dict[str, list[str]] = collections.defaultdict(list)
    intents_files = sorted((ROOT / "intents" / "en").glob("*.yml"))
    model_text = (ROOT / "plant" / "demo_plant.yaml").read_text(encoding="utf-8")
    knowledge_text = (ROOT / "plant" / "knowledge.yaml").read_text(encoding="utf-8")
    example_toml = (ROOT / "plantvoice.example.toml").read_text(encoding="utf-8")
    for i in range(count):
        kind = ("intents", "asset model", "knowledge", "config")[i % 4]
        case = work / f"case{i:04d}"
        if kind == "intents":
            shutil.copytree(ROOT / "intents" / "en", case, ignore=shutil.ignore_patterns("stories"))
            target = case / rng.choice(intents_files).name
            target.write_text(mutate_yaml(rng, target.read_text(encoding="utf-8")), encoding="utf-8", errors="replace")
            config.write_text(base, encoding="utf-8")
            outcome, stderr = forked(["--config", str(config), "intents", "validate", str(case)])
        elif kind == "asset model":
            case.mkdir()
            (case / "demo_plant.yaml").write_text(mutate_yaml(rng, model_text), encoding="utf-8", errors="replace")
            shutil.copy(ROOT / "plant" / "knowledge.yaml", case)
            config.write_text(base + f'[plant]\nasset_model = "{case / "demo_plant.yaml"}"\n', encoding="utf-8")
            outcome, stderr = forked(["--config", str(config), "plant", "latest", "P-102"])
        elif kind == "knowledge":
            case.mkdir()
            (case / "knowledge.yaml").write_text(mutate_yaml(rng, knowledge_text), encoding="utf-8", errors="replace")

            def load(path: Path = case / "knowledge.yaml") -> int:
                load_knowledge(load_model(ROOT / "plant" / "demo_plant.yaml"), path)
                return 0

            outcome, stderr = forked(None, _as_cli(load))
        else:
            case.mkdir()
            (case / "bad.toml").write_text(base + mutate_toml(rng, example_toml), encoding="utf-8")
            outcome, stderr = forked(["--config", str(case / "bad.toml"), "notes", "list"])
        results.setdefault(kind, collections.Counter())[outcome] += 1
        if outcome not in ("ok", "refused") and len(examples[kind]) < 3:
            examples[kind].append(f"case{i:04d}: {stderr.strip().splitlines()[-1] if stderr.strip() else outcome}")
        shutil.rmtree(case, ignore_errors=True)
    return {"inputs": count, **{k: dict(v) for k, v in results.items()}, "examples of failures": dict(examples)}


def _as_cli(call: Callable[[], int]) -> Callable[[], int]:
    """``call`` with the CLI's mapping of errors to exit codes (PlantvoiceError: one line, exit 2)."""
    from assistant.errors import PlantvoiceError

    def run() -> int:
        try:
            return call()
        except PlantvoiceError as exc:
            print(f"plantvoice: error: {exc}", file=sys.stderr)
            return 2

    return run


# ---------------------------------------------------------------- common

def _json_rows(stdout: bytes) -> collections.Counter[str]:
    """The JSON lines of a run (split at "\n" only, as JSON lines are): answered, refused (an error
    object), not JSON."""
    counts: collections.Counter[str] = collections.Counter(answered=0, refused=0)
    for row in filter(None, stdout.decode("utf-8", "replace").split("\n")):
        try:
            counts["refused" if "error" in json.loads(row) else "answered"] += 1
        except ValueError:
            counts["not JSON"] += 1
    return counts


def _outcome(code: int, stderr: str) -> str:
    if "Traceback" in stderr or "internal error" in stderr:
        return "traceback"
    if "MemoryError" in stderr or code in (137, -signal.SIGKILL):
        return "oom"
    return {0: "ok", 2: "refused", 1: "traceback"}.get(code, "other")


def _env(work: Path) -> dict[str, str]:
    config = work / "text.toml"
    if not config.exists():
        (work / "text-data").mkdir(mode=0o700, exist_ok=True)
        config.write_text(f'data_dir = "{work / "text-data"}"\n', encoding="utf-8")
    return {**os.environ, "PLANTVOICE_CONFIG": str(config)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--wavs", type=int, default=1000)
    parser.add_argument("--files", type=int, default=240)
    parser.add_argument("--only", choices=["text", "wav", "files"], action="append")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="plantvoice-fuzz-"))
    work.chmod(0o700)
    only = set(args.only or ["text", "wav", "files"])
    summary: dict[str, object] = {"seed": args.seed}
    try:
        if "files" in only:
            summary["files"] = run_files(random.Random(args.seed), args.files, work)
            print(json.dumps(summary["files"]), flush=True)
        if "text" in only:
            lines = text_lines(random.Random(args.seed), args.lines)
            summary["text ask --json"] = run_text(lines, "ask", work)
            print(json.dumps(summary["text ask --json"]), flush=True)
            summary["text chat"] = run_text(lines, "chat", work)
            print(json.dumps(summary["text chat"]), flush=True)
        if "wav" in only:
            (work / "wavs").mkdir()
            summary["wav"] = run_wavs(wav_mutations(random.Random(args.seed), args.wavs, work / "wavs"), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary["peak RSS of any process, MiB"] = round(max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                                                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fuzz.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
