"""The ``plantvoice`` command line: a stable, scriptable interface.

Exit codes: 0 ok, 2 bad input or configuration (one line on stderr), 1 internal error.
With ``--json`` every command prints one JSON object per input (line or file).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .config import AUTO, LANGUAGES, ROOT, Config, load_config
from .errors import DataError, InputError, PlantvoiceError
from .files import write_atomic

if TYPE_CHECKING:  # imported where used, so other commands do not pay for them
    from .nlu import Intents, Lookups
    from .nlu.evaluate import Evaluation
    from .nlu.validate import Answers

__all__ = ["main"]

MAX_TEXT = 1000  # characters in one typed request
SHOWN_CONFUSIONS = 12  # confused intent pairs printed by 'intents test' (all are in the report)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="plantvoice: %(message)s")
    try:
        config = load_config(args.config)
        if args.language:
            config = config.replace("station", language=args.language)
        _import_code(args.code)
        return int(args.run(args, config) or 0)
    except PlantvoiceError as exc:
        print(f"plantvoice: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plantvoice", description="Offline voice assistant for plant control rooms.")
    parser.add_argument("--config", help="TOML config file (default: $PLANTVOICE_CONFIG)")
    parser.add_argument("--language", choices=[*LANGUAGES, AUTO],
                        help="the language spoken here, over [station] language and language: en, de, or auto "
                             "(each request's own)")
    parser.add_argument("--code", action="append", metavar="FILE.py",
                        help="Python file to import first, e.g. with @handler registrations; may be repeated "
                             f"(default: $PLANTVOICE_CODE, files separated by '{os.pathsep}')")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        return p

    p = command("ask", _ask, "answer a typed request; without TEXT one per line of standard input, each line answered or refused on its own (blank lines are skipped; exit 2 when any line was refused)")
    p.add_argument("text", nargs="*")
    p.add_argument("--json", action="store_true")
    p.add_argument("--speak", metavar="OUT.wav", help="also write the spoken answer to this WAV")
    p.add_argument("--intents", metavar="DIR", help="intents directory (default from config)")
    _user_option(p)
    p = command("parse", _parse, "understanding only, shaped like Rasa's /model/parse response")
    p.add_argument("text", nargs="*")
    p.add_argument("--json", action="store_true")
    p.add_argument("--intents", metavar="DIR", help="intents directory (default from config)")
    p = command("transcribe", _transcribe, "speech to text for WAV files")
    p.add_argument("wavs", nargs="+", metavar="WAV")
    p.add_argument("--json", action="store_true")
    p.add_argument("--mode", choices=("command", "dictation"), default="command")
    p = command("understand", _understand, "speech to intent for WAV files")
    p.add_argument("wavs", nargs="+", metavar="WAV")
    p.add_argument("--json", action="store_true")
    p.add_argument("--intents", metavar="DIR", help="intents directory (default from config)")
    _user_option(p)
    p = command("listen", _listen, "the live loop on the microphone, speaking answers (Ctrl-C ends)")
    p.add_argument("--push-to-talk", action="store_true", help="press Enter to start and to end each request")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-speak", action="store_true", help="print answers without speaking them")
    _user_option(p)
    p = command("serve", _serve, "the console: web page and HTTP/WebSocket API for many stations (docs/console.md); "
                "'serve token NAME' prints a new token and the config lines holding its sha256")
    p.add_argument("action", nargs="?", choices=("token",), help="token: make a new token")
    p.add_argument("name", nargs="?", metavar="NAME", help="token: its name, e.g. desk1")
    p.add_argument("--host", help="address to listen on (default: serve.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: serve.port, 8080)")
    p = command("chat", _chat, "the loop typed: one request per line, answers printed; a line that cannot be answered gets one error line and the chat goes on (blank lines are skipped)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--intents", metavar="DIR", help="intents directory (default from config)")
    _user_option(p)
    p = command("demo", _demo, "run every sample in audio_samples/ through the whole loop")
    p.add_argument("--samples", default=str(ROOT / "audio_samples"), metavar="DIR")
    p.add_argument("--json", action="store_true")
    _user_option(p)
    p = command("models", _models, "manage recognizer models")
    p.add_argument("action", choices=("fetch",))
    p.add_argument("name", help="model to fetch, e.g. vosk-small-en")
    p.add_argument("--dest", help="directory (default: <data dir>/models)")
    p = command("bench", _bench, "measure the fault models on public data: SKAB anomalies, C-MAPSS FD001 life; "
                "or understanding from speech on labelled recordings (speech)")
    p.add_argument("dataset", choices=("skab", "cmapss", "speech"))
    p.add_argument("--intents", metavar="DIR", help="speech: intents directory (default from config)")
    p.add_argument("--manifest", metavar="FILE.jsonl", help="speech: the labelled recordings (docs/cli.md)")
    p.add_argument("--noise", metavar="SNR", type=float, nargs="+", default=[],
                   help="speech: also score with noise at these signal-to-noise ratios (dB)")
    p.add_argument("--noise-file", metavar="WAV", help="speech: mix this noise instead of white noise")
    p.add_argument("--data", metavar="DIR", default=str(ROOT.parent / "shared" / "datasets"),
                   help="folder holding skab/ and cmapss/ (default: ../shared/datasets beside the checkout)")
    p.add_argument("--json", action="store_true")
    p = command("faults", _faults, "train the fault models of the plant (progress on stderr)")
    p.add_argument("action", choices=("train",))
    intents = sub.add_parser("intents", help="check and measure intents data (validate, test)")
    actions = intents.add_subparsers(dest="action", required=True, metavar="ACTION")
    _intents_command(actions, "validate", _intents_validate, "report every problem of intents data as file:line")
    p = _intents_command(actions, "test", _intents_test, "score understanding on the test files")
    p.add_argument("--cv", type=int, metavar="K", help="also K-fold cross-validation over the training examples")
    p.add_argument("--report", metavar="FILE.json", help="JSON report (default: <data dir>/reports/intents-<DIR>.json)")
    dialogue = sub.add_parser("dialogue", help="whole conversations as data: run test stories (test)")
    actions = dialogue.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = _subcommand(actions, "test", _dialogue_test, "run test stories: one line per story, exit 0 when all pass")
    p.add_argument("paths", nargs="*", metavar="DIR", help="story files or directories of them "
                   "(default: the stories/ folder of nlu.intents_dir)")
    p.add_argument("--json", action="store_true")
    _plant_parser(sub)
    _notes_parser(sub)
    _report_parser(sub)
    _audit_parser(sub)
    _rasa_parser(sub)
    return parser


def _user_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", metavar="NAME", help="who is signed on at the station: a key or name of [users] "
                                                  "(default: station.user)")


def _audit_parser(sub: Any) -> None:
    help = "the audit log of every turn and write: list, export"
    audit = sub.add_parser("audit", help=help, description=help)
    audit.__class__ = _OneLineParser
    actions = audit.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_OneLineParser)
    p = _subcommand(actions, "list", _audit_list, "the turns and writes of the audit log, oldest first")
    p.add_argument("--since", metavar="TIME", help="from this date or time on, site time (YYYY-MM-DD[THH:MM])")
    p.add_argument("--user", metavar="KEY", help="only this user's rows")
    p.add_argument("--json", action="store_true")
    p = _subcommand(actions, "export", _audit_export, "every row of the audit log, as JSON lines or CSV")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")


def _plant_parser(sub: Any) -> None:
    plant = sub.add_parser("plant", help="the historian: live ingest, CSV import, latest values",
                           description="the historian: live ingest, CSV import, latest values")
    actions = plant.add_subparsers(dest="action", required=True, metavar="ACTION")
    ingest = actions.add_parser("ingest", help="write live values to the historian until Ctrl-C or --seconds",
                                description="subscribe to every signal of the asset model and write to the "
                                            "historian until Ctrl-C, SIGTERM or --seconds; then print the counters")
    sources = ingest.add_subparsers(dest="source", required=True, metavar="SOURCE")
    opcua = _subcommand(sources, "opcua", _plant_ingest, "from an OPC UA server")
    opcua.add_argument("--endpoint", metavar="URL", help="server endpoint (default: plant.opcua_endpoint)")
    mqtt = _subcommand(sources, "mqtt", _plant_ingest, "from an MQTT broker, one JSON object per message")
    mqtt.add_argument("--host", help="broker host (default: plant.mqtt_host)")
    mqtt.add_argument("--port", type=int, help="broker port (default: plant.mqtt_port)")
    for p in (opcua, mqtt):
        p.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds (default: at Ctrl-C)")
        p.add_argument("--json", action="store_true")
    p = _subcommand(actions, "import", _plant_import, "import CSV history, each file all or nothing")
    p.add_argument("files", nargs="+", metavar="FILE.csv")
    p.add_argument("--json", action="store_true")
    p = _subcommand(actions, "latest", _plant_latest, "the latest values of an asset, with quality and source time")
    p.add_argument("asset", metavar="ASSET", help="asset id, e.g. P-102")
    p.add_argument("measurement", nargs="?", metavar="MEASUREMENT", help="one measurement (default: all)")
    p.add_argument("--json", action="store_true")


def _notes_parser(sub: Any) -> None:
    help = "shift notes and maintenance reports: list, search, export"
    notes = sub.add_parser("notes", help=help, description=help)
    notes.__class__ = _OneLineParser  # its usage errors in one line too
    actions = notes.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_OneLineParser)
    p = _subcommand(actions, "list", _notes_list, "the notes and reports (latest versions), oldest first")
    p.add_argument("--shift", metavar="NAME", help="one shift of notes.shifts, e.g. night")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the date the shift started")
    p.add_argument("--asset", metavar="ID", help="notes about this asset, e.g. P-102")
    p.add_argument("--all", action="store_true", help="withdrawn notes too")
    p.add_argument("--json", action="store_true")
    p = _subcommand(actions, "search", _notes_search, "notes about QUERY, best first: by words and by meaning")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--json", action="store_true")
    p = _subcommand(actions, "export", _notes_export, "every version of every note, as Markdown or JSON lines")
    p.add_argument("--format", choices=("md", "jsonl"), default="md")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")


def _report_parser(sub: Any) -> None:
    help = "printable documents: the shift handover"
    report = sub.add_parser("report", help=help, description=help)
    report.__class__ = _OneLineParser
    actions = report.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_OneLineParser)
    p = _subcommand(actions, "handover", _report_handover,
                    "a shift's notes, maintenance reports, alarms and the top fault risks, to print and hand over")
    p.add_argument("--shift", required=True, metavar="NAME", help="one shift of notes.shifts, e.g. night")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="the date the shift started (default: the latest such shift that has started)")
    p.add_argument("--format", choices=("md", "html", "pdf"), default="md")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--language", dest="report_language", metavar="CODE",
                   help="the document's language: en, de (default: the language spoken here, English for auto)")



def _rasa_parser(sub: Any) -> None:
    help = "Rasa 3.x: export the intents as a project, import one as intents, answer a Rasa assistant from the plant"
    rasa = sub.add_parser("rasa", help=help, description=help)
    rasa.__class__ = _OneLineParser
    actions = rasa.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_OneLineParser)
    p = _subcommand(actions, "export", _rasa_export, "write a Rasa project (data/, domain.yml, config.yml) into "
                    "DIR, a new or empty directory")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--intents", metavar="DIR", help="intents directory (default: nlu.intents_dir)")
    p.add_argument("--epochs", type=int, default=100, metavar="N", help="DIETClassifier epochs in config.yml")
    p.add_argument("--actions", metavar="URL", help="the webhook of `plantvoice rasa actions` "
                   "(e.g. http://127.0.0.1:5055/webhook): adds rules sending every intent to it and endpoints.yml")
    p = _subcommand(actions, "actions", _rasa_actions, "serve action_plantvoice, the plant's answers, to a Rasa "
                    "assistant (rasa-sdk action server)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5055, help="port (default 5055, Rasa's action server port)")
    p = _subcommand(actions, "import", _rasa_import, "write the NLU data and responses of the Rasa project DIR "
                    "as an intents directory")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--to", required=True, metavar="DIR", help="the intents directory to write, new or empty")


def _rasa_export(args: argparse.Namespace, config: Config) -> int:
    from .rasa import export_project

    if args.epochs < 1:
        raise InputError(f"--epochs {args.epochs}: DIET trains at least one epoch; give N of 1 or more")
    if args.actions is not None and not args.actions.startswith(("http://", "https://")):
        raise InputError(f"--actions {args.actions!r} is not an http(s) URL; give the action server's webhook, "
                         "e.g. http://127.0.0.1:5055/webhook")
    written = export_project(args.intents or config.nlu.intents_dir, args.directory, config.nlu.threshold,
                             args.epochs, args.actions)
    print(f"wrote {len(written)} files to {args.directory}")
    return 0


def _rasa_actions(args: argparse.Namespace, config: Config) -> int:
    from .rasa.actions import serve

    if not 1 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: not a port; give 1 to 65535")
    serve(config, args.host, args.port)
    return 0


def _rasa_import(args: argparse.Namespace, config: Config) -> int:
    from .rasa import import_project

    written = import_project(args.directory, args.to)
    print(f"wrote {len(written)} files to {args.to}")
    return 0


class _OneLineParser(argparse.ArgumentParser):
    """Bad usage in one line on stderr and exit 2, unknown arguments included."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"plantvoice: error: {self.prog}: {message}; see '{self.prog} --help'\n")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def _subcommand(actions: Any, name: str, run: Any, help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
    p.set_defaults(run=run)
    return p


def _intents_command(actions: Any, name: str, run: Any, help: str) -> argparse.ArgumentParser:
    p = _subcommand(actions, name, run, help)
    p.add_argument("directory", nargs="?", metavar="DIR", help="intents directory (default: nlu.intents_dir)")
    p.add_argument("--lookups", metavar="FILE",
                   help="YAML of entity -> value -> spoken forms (default: the plant's asset model)")
    return p


def _faults(args: argparse.Namespace, config: Config) -> int:
    from .faults.engine import train_command

    return train_command(config)


def _bench(args: argparse.Namespace, config: Config) -> int:
    from dataclasses import asdict

    if args.dataset == "speech":
        return _bench_speech(args, config)
    if args.dataset == "skab":
        from .faults.skab import run as run_skab

        result: Any = run_skab(Path(args.data))
    else:
        from .faults.cmapss import run as run_cmapss

        result = run_cmapss(Path(args.data))
    values = asdict(result)
    if args.json:
        print(json.dumps(values, default=str))
    else:
        for key, value in values.items():
            print(f"{key:20s} {round(value, 4) if isinstance(value, float) else value}")
    return 0


def _bench_speech(args: argparse.Namespace, config: Config) -> int:
    """Speech through denoise, recognizer and understanding; scores per condition and group."""
    from dataclasses import asdict

    from . import speech_bench as bench
    from .audio import load_wav

    if not args.manifest:
        raise InputError("bench speech needs --manifest FILE.jsonl: the labelled recordings (see docs/cli.md)")
    recordings = bench.load_manifest(args.manifest)
    noise = load_wav(args.noise_file, config.audio.rate) if args.noise_file else None
    conds = bench.conditions(args.noise, noise, Path(args.noise_file).stem if args.noise_file else "white")
    pipeline = _pipeline(config, args.intents)
    results = bench.run(pipeline.understand, recordings, conds)
    scores = bench.score(results)
    if args.json:
        print(json.dumps({"manifest": args.manifest, "intents": args.intents or config.nlu.intents_dir,
                          "scores": [asdict(s) for s in scores],
                          "results": [{"audio": str(r.recording.audio), "where": r.recording.where,
                                       "condition": r.condition, "group": r.recording.group,
                                       "expected": r.recording.intent, "intent": r.intent,
                                       "confidence": r.confidence, "transcript": r.transcript,
                                       "slots": dict(r.recording.slots), "found": dict(r.found),
                                       "accepted": not bench.failed(r), "latency_s": round(r.latency_s, 3)}
                                      for r in results]}))
        return 0
    for r in results:
        if bench.failed(r):
            print(bench.failure(r))
    print("\n".join(bench.table(scores)))
    return 0


def _plant_ingest(args: argparse.Namespace, config: Config) -> int:
    from .plant.commands import ingest, summary, summary_json

    def started(address: str) -> None:
        print(f"plantvoice: ingesting {args.source} {address} into the historian; Ctrl-C stops",
              file=sys.stderr, flush=True)

    run = ingest(config, args.source, endpoint=getattr(args, "endpoint", None), host=getattr(args, "host", None),
                 port=getattr(args, "port", None), seconds=args.seconds, started=started)
    _emit(args.json, summary_json(run), summary(run))
    return 0


def _plant_import(args: argparse.Namespace, config: Config) -> int:
    from .plant.commands import import_files, import_json, import_line

    for result in import_files(config, args.files):
        _emit(args.json, import_json(result), import_line(result))
    return 0


def _plant_latest(args: argparse.Namespace, config: Config) -> int:
    from .plant.commands import latest, latest_json, latest_line

    readings = latest(config, args.asset, args.measurement)
    _emit(args.json, latest_json(args.asset, readings), "\n".join(latest_line(r) for r in readings))
    return 0


def _notes_list(args: argparse.Namespace, config: Config) -> int:
    from .notes.commands import list_notes, note_line, parse_day

    notes = list_notes(config, shift=args.shift, day=parse_day(args.date) if args.date else None, asset=args.asset,
                       withdrawn=args.all)
    _emit(args.json, {"count": len(notes), "notes": [n.data() for n in notes]},
          "\n".join(note_line(n) for n in notes) or "no notes")
    return 0


def _notes_search(args: argparse.Namespace, config: Config) -> int:
    from .notes.commands import result_json, result_line, search

    query = " ".join(args.query)
    results = search(config, query)
    _emit(args.json, {"query": query, "results": [result_json(r) for r in results]},
          "\n".join(result_line(r) for r in results) or f"no notes about {query!r}")
    return 0


def _notes_export(args: argparse.Namespace, config: Config) -> int:
    from .notes.commands import export

    count = export(config, args.format, args.out)
    if args.out:
        print(f"plantvoice: {count} note versions written to {args.out}", file=sys.stderr)
    return 0


def _audit_list(args: argparse.Namespace, config: Config) -> int:
    from .audit import line
    from .audit_commands import entries

    found = entries(config, args.since, args.user)
    _emit(args.json, {"count": len(found), "entries": [e.data() for e in found]},
          "\n".join(line(e) for e in found) or "no audit entries")
    return 0


def _audit_export(args: argparse.Namespace, config: Config) -> int:
    from .audit_commands import export

    count = export(config, args.format, args.out)
    if args.out:
        print(f"plantvoice: {count} audit rows written to {args.out}", file=sys.stderr)
    return 0


def _report_handover(args: argparse.Namespace, config: Config) -> int:
    from .notes.handover import handover_command

    spoken = config.spoken if config.spoken != AUTO else "en"
    handover_command(config, args.shift, args.date, args.format, args.out, args.report_language or spoken)
    return 0


# -- helpers --------------------------------------------------------------------------------
def _import_code(paths: list[str] | None) -> None:
    """Import the --code files (else those of $PLANTVOICE_CODE): their dialogue handlers register."""
    from .dialogue import import_handlers

    for path in paths if paths is not None else os.environ.get("PLANTVOICE_CODE", "").split(os.pathsep):
        if path:
            import_handlers(path)


def _pipeline(config: Config, intents: str | None = None, user: str | None = None) -> Any:
    from .pipeline import Pipeline

    if intents is not None and not Path(intents).is_dir():
        raise InputError(f"intents directory {intents} not found; pass an existing directory to --intents")
    if user is not None:
        from .people import People

        People.from_config(config).get(user)  # an unknown name is refused before anything loads
    pipeline = Pipeline.from_config(config, intents)
    if user is not None:
        pipeline.sign_in(user)
    return pipeline


def _checked(text: str) -> str:
    if not text.strip():
        raise InputError("empty request text; say or type what you want to know, e.g. 'show the active alarms'")
    if len(text) > MAX_TEXT:
        raise InputError(f"request text is {len(text)} characters; a request is at most {MAX_TEXT}, shorten it")
    return text


_LINE_END = re.compile(rb"\r\n|\r|\n")
_MAX_LINE_BYTES = 4 * MAX_TEXT + 1  # longer than any request of MAX_TEXT characters in UTF-8


def _stdin_lines() -> Iterator[bytes]:
    """The lines of standard input as bytes, as they arrive; "\r\n", "\n" and a lone "\r" each end one."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # standard input replaced by a text stream
        stream = io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape"))
    buffer, after_cr = b"", False
    while chunk := stream.read1(1 << 16):
        if after_cr and chunk.startswith(b"\n"):  # the second half of a "\r\n" split between reads
            chunk = chunk[1:]
        buffer += chunk
        after_cr = buffer.endswith(b"\r")
        *lines, buffer = _LINE_END.split(buffer)
        yield from lines
        buffer = buffer[:_MAX_LINE_BYTES]  # a line without end is held only as far as needed to refuse it
    if buffer:
        yield buffer


def _line_text(number: int, raw: bytes) -> str:
    """The request on line ``number`` ("" for a blank line); InputError naming the line when it is no request."""
    if len(raw) >= _MAX_LINE_BYTES:
        raise InputError(f"line {number} is over {MAX_TEXT} characters long; a request is at most {MAX_TEXT}, "
                         "shorten it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"line {number} is not UTF-8 text; save the requests as UTF-8") from None
    if len(text) > MAX_TEXT:
        raise InputError(f"line {number} is {len(text)} characters; a request is at most {MAX_TEXT}, shorten it")
    control = next((c for c in text if c != "\t" and unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise InputError(f"line {number} holds the control character U+{ord(control):04X}; "
                         "type the request as plain text")
    return text.strip()


def _answer_line(pipeline: Any, args: argparse.Namespace, number: int, raw: bytes, chat: bool = False) -> bool:
    """Answer line ``number`` of standard input, or print its error; False when it was refused.

    Any PlantvoiceError (bad text, a store that cannot be written) is this line's own result;
    the caller goes on with the next line."""
    try:
        text = _line_text(number, raw)
    except InputError as exc:
        return _line_error(args.json, number, str(exc))
    if not text:
        return True
    try:
        intent, answer = pipeline.ask(text)
        if getattr(args, "speak", None):
            pipeline.speak(answer, args.speak)
    except PlantvoiceError as exc:
        return _line_error(args.json, number, f"line {number}: {exc}")
    _emit(args.json, {"line": number, **_ask_json(intent, answer)},
          f"plantvoice> {answer.text}" if chat else answer.text)
    return True


def _line_error(as_json: bool, number: int, message: str) -> bool:
    return _refused(as_json, {"line": number}, message)


def _refused(as_json: bool, about: dict[str, Any], message: str) -> bool:
    """One input's error: a JSON object ``about`` + error on stdout with ``--json``, else a line on stderr."""
    if as_json:
        print(json.dumps({**about, "error": message}, ensure_ascii=False), flush=True)
    else:
        print(f"plantvoice: error: {message}", file=sys.stderr, flush=True)
    return False


def _emit(as_json: bool, obj: dict[str, Any], text: str) -> None:
    print(json.dumps(obj, ensure_ascii=False) if as_json else text, flush=True)


def _load(path: str, config: Config, mode: str = "command") -> Any:
    from .audio import load_wav

    samples = load_wav(path, config.audio.rate)
    seconds = len(samples) / config.audio.rate
    if mode == "command" and seconds > config.asr.max_command_s:
        raise InputError(f"{path} holds {seconds:.0f} s of audio, too long for a spoken request "
                         f"(at most asr -> max_command_s = {config.asr.max_command_s:g} s); "
                         "use 'plantvoice transcribe --mode dictation' for long recordings")
    return samples


def _entities(intent: Any) -> list[dict[str, Any]]:
    return [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end,
             **e.labels(), **e.snapped()} for e in intent.entities]


def _ask_json(intent: Any, answer: Any) -> dict[str, Any]:
    return {
        "text": intent.text,
        "intent": {"name": intent.name, "confidence": intent.confidence},
        "entities": _entities(intent),
        "answer": answer.text,
        "awaiting": answer.awaiting,
        "data": answer.data,
    }


def _intents_dir(args: argparse.Namespace, config: Config) -> Path:
    directory = Path(args.directory or config.nlu.intents_dir)
    if not directory.is_dir():
        raise InputError(f"intents directory {directory} not found; pass an existing directory as DIR")
    return directory


def _lookups(args: argparse.Namespace, config: Config) -> Lookups:
    from .nlu import load_lookups
    from .plant import load_model

    return load_lookups(args.lookups) if args.lookups else load_model(config.plant.asset_model).lookups()


def _shown(where: str) -> str:
    """A path (or file:line) relative to the working directory when it lies below it."""
    return where.removeprefix(f"{Path.cwd()}/")


# -- commands -------------------------------------------------------------------------------
def _ask(args: argparse.Namespace, config: Config) -> int:
    """TEXT answered; without TEXT every line of standard input answered or refused on its own (exit 2
    when any line was refused). Blank lines are skipped; each stdin result carries its ``line``."""
    pipeline = _pipeline(config, args.intents, args.user)
    if args.text:
        intent, answer = pipeline.ask(_checked(" ".join(args.text)))
        if args.speak:
            pipeline.speak(answer, args.speak)
        _emit(args.json, _ask_json(intent, answer), answer.text)
        return 0
    refused = [not _answer_line(pipeline, args, number, raw) for number, raw in enumerate(_stdin_lines(), 1)]
    return 2 if any(refused) else 0


def _parse(args: argparse.Namespace, config: Config) -> int:
    """TEXT understood; without TEXT every line of standard input understood or refused on its own, as by ask."""
    pipeline = _pipeline(config, args.intents)

    def understood(text: str, number: int | None = None) -> None:
        intent = pipeline.parse(text)
        slots = ", ".join(f"{e.entity}={e.value}" for e in intent.entities)
        line = {} if number is None else {"line": number}
        _emit(args.json, {**line, **intent.rasa()}, f"{intent.name} ({intent.confidence:.2f}) {slots}".rstrip())

    if args.text:
        understood(_checked(" ".join(args.text)))
        return 0
    refused = False
    for number, raw in enumerate(_stdin_lines(), 1):
        try:
            text = _line_text(number, raw)
            if text:
                understood(text, number)
        except PlantvoiceError as exc:
            refused = not _line_error(args.json, number, str(exc) if isinstance(exc, InputError)
                                      else f"line {number}: {exc}")
    return 2 if refused else 0


def _transcribe(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config)

    def transcribed(path: str) -> None:
        t = pipeline.transcribe(_load(path, config, args.mode), mode=args.mode)
        obj = {"audio": path, "text": t.text, "confidence": t.confidence,
               "words": [w.__dict__ for w in t.words], "duration_s": t.duration_s, "seconds": t.seconds}
        _emit(args.json, obj, f"{path}: {t.text}")

    return _each_wav(args, transcribed)


def _understand(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config, args.intents, args.user)

    def understood(path: str) -> None:
        transcript, intent = pipeline.understand(_load(path, config))
        obj = {"audio": path, "transcript": transcript.text, **intent.rasa()}
        _emit(args.json, obj, f"{path}: {transcript.text!r} -> {intent.name} ({intent.confidence:.2f})")

    return _each_wav(args, understood)


def _each_wav(args: argparse.Namespace, run: Callable[[str], None]) -> int:
    """``run`` on every WAV named; a file that cannot be used gets its own error (a JSON object with
    ``--json``) and the next file is read. Exit 2 when any file was refused."""
    refused = False
    for path in args.wavs:
        try:
            run(path)
        except PlantvoiceError as exc:
            refused = not _refused(args.json, {"audio": path}, str(exc))
    return 2 if refused else 0


def _chat(args: argparse.Namespace, config: Config) -> int:
    """One request per line until end of input (exit 0). A line that cannot be answered (any
    PlantvoiceError) gets one error line and the chat goes on. A bug ends the chat with one line and
    exit 1; every write is committed on its own, so what was stored before stays stored."""
    pipeline = _pipeline(config, args.intents, args.user)
    prompt = "you> " if sys.stdin.isatty() else ""
    print(prompt, end="", flush=True)
    for number, raw in enumerate(_stdin_lines(), 1):
        try:
            _answer_line(pipeline, args, number, raw, chat=True)
        except Exception as exc:  # noqa: BLE001 - a bug: one line, not a traceback mid-conversation
            what = " ".join(f"{type(exc).__name__}: {exc}".split())
            print(f"plantvoice: internal error on line {number} ({what}); the chat ends, the stored data is kept",
                  file=sys.stderr, flush=True)
            return 1
        print(prompt, end="", flush=True)
    return 0


def _listen(args: argparse.Namespace, config: Config) -> int:
    from .loop import run_listen

    try:
        asyncio.run(run_listen(_pipeline(config, user=args.user), push_to_talk=args.push_to_talk,
                               as_json=args.json, speak=not args.no_speak))
    except KeyboardInterrupt:
        print("plantvoice: stopped listening", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace, config: Config) -> int:
    if args.action == "token":
        from .serve.auth import new_token, token_lines

        if not args.name or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", args.name):
            raise InputError("serve token needs a NAME of letters, digits, '_' or '-', e.g. 'plantvoice serve token desk1'")
        token = new_token()
        print(f"token (give it to the station; it is not stored): {token}\n\nadd to the config:\n"
              f"{token_lines(args.name, token)}")
        return 0
    if args.name:
        raise InputError(f"serve takes no NAME ({args.name!r}); did you mean 'plantvoice serve token {args.name}'?")
    port = config.serve.port if args.port is None else args.port
    if not 1 <= port <= 65535:
        raise InputError(f"--port {port} is not a port; use 1 to 65535")
    from .serve import serve

    serve(config, args.host or config.serve.host, port)
    return 0


def _demo(args: argparse.Namespace, config: Config) -> int:
    from .loop import run_demo

    return run_demo(_pipeline(config, user=args.user), Path(args.samples), as_json=args.json)


def _models(args: argparse.Namespace, config: Config) -> int:
    from .asr.fetch import fetch_model

    dest = Path(args.dest) if args.dest else config.data_path / "models"
    path = fetch_model(args.name, dest)
    print(f"plantvoice: model {args.name} ready in {path}; set asr.vosk_model = \"{path}\"")
    return 0


def _answers(directory: Path) -> Answers | None:
    """What the dialogue answers with, for a directory that has a responses.yml; else None."""
    from .answer import load_responses
    from .dialogue import RESPONSES, handler_responses
    from .nlu.validate import Answers

    path = directory / "responses.yml"
    if not path.is_file():
        return None
    try:
        names, error = frozenset(load_responses(path).names), None
    except DataError as exc:
        names, error = frozenset(), str(exc)
    return Answers(handler_responses(), frozenset(RESPONSES), names, str(path), error)


def _intents_validate(args: argparse.Namespace, config: Config) -> int:
    from .nlu.validate import notes, validate

    directory = _intents_dir(args, config)
    lookups = _lookups(args, config)
    problems = validate(directory, lookups, _answers(directory))
    for p in problems:
        about = f" {p.name}:" if p.name else ""
        print(f"{_shown(p.where)}:{about} {p.what} — {p.fix}")
    for note in notes(directory, lookups):
        print(f"{_shown(str(directory))}: {note}")
    count = len(problems)
    print(f"{_shown(str(directory))}: {count or 'no'} problem{'' if count == 1 else 's'}")
    return 2 if problems else 0


def _dialogue_test(args: argparse.Namespace, config: Config) -> int:
    """Every story of the files and directories given; problems of the files first (exit 2), else run."""
    from .stories import StoryRunner, failure_lines, known_names, scan_stories, story_line

    paths = [Path(p) for p in args.paths] or [Path(config.nlu.intents_dir) / "stories"]
    for path in paths:
        if not path.exists():
            raise InputError(f"story file or directory {path} not found; pass story files or a directory of them")
    stories, problems = scan_stories(paths, known_names(config.nlu.intents_dir, config.plant.asset_model))
    for p in problems:
        print(f"{_shown(p.where)}:{f' {p.name}:' if p.name else ''} {p.what} — {p.fix}", file=sys.stderr)
    if problems:
        raise DataError(f"{len(problems)} problem{'' if len(problems) == 1 else 's'} in the story files; "
                        "fix them and run again")
    if not stories:
        raise InputError(f"no stories in {', '.join(map(str, paths))}; add files with 'stories:' and "
                         "'- story:' items")
    runner = StoryRunner(config)
    passed = 0
    try:
        for story in stories:
            result = runner.run(story)
            passed += result.passed
            lines = [story_line(result, _shown), *failure_lines(result, _shown)]
            _emit(args.json, result.data(), "\n".join(lines))
    finally:
        runner.close()
    print(f"{passed} of {len(stories)} stories passed", file=sys.stderr if args.json else sys.stdout)
    return 0 if passed == len(stories) else 1


def _intents_test(args: argparse.Namespace, config: Config) -> int:
    from .nlu import create_understander, load_intent_tests, load_intents
    from .nlu.data import own_lookups
    from .nlu.evaluate import run_cases, score

    directory = _intents_dir(args, config)
    if directory.name in config.languages:  # intents/de: measured with German's encoder, as the assistant runs it
        config = config.speaking(directory.name)
    if args.cv is not None and args.cv < 2:
        raise InputError(f"--cv {args.cv}: cross-validation needs at least 2 folds; pass --cv 5 for example")
    if not (directory / "tests").is_dir():
        raise InputError(f"{directory} has no tests/ directory; add tests/<file>_test.yml beside the data")
    intents = load_intents(directory)
    lookups = own_lookups(intents, _lookups(args, config))
    cases = load_intent_tests(directory, intents)
    if not cases:
        raise InputError(f"{directory}/tests holds no test sentences; add tests/<file>_test.yml with "
                         "'- intent:' items and '- ' sentences")
    tested = score(run_cases(create_understander(config.nlu, lookups, directory).parse, cases))
    _print_evaluation(f"test files: {tested.count} sentences", tested)
    report: dict[str, Any] = {"directory": str(directory), "encoder": config.nlu.encoder,
                              "tests": _evaluation_json(tested), "cross_validation": None}
    if args.cv:
        report["cross_validation"] = _cross_validation(config, lookups, intents, args.cv)
    path = Path(args.report) if args.report else config.data_path / "reports" / f"intents-{directory.name}.json"
    _write_report(path, report)
    print(f"{len(tested.failures)} of {tested.count} test sentences failed; report: {_shown(str(path))}")
    return 1 if tested.failures else 0


def _cross_validation(config: Config, lookups: Lookups, intents: Intents, k: int) -> dict[str, Any]:
    """K-fold cross-validation printed; its report. Fold models live in a temporary directory."""
    import dataclasses
    import tempfile

    from .nlu import create_understander
    from .nlu.evaluate import CV_SEED, cross_validate

    with tempfile.TemporaryDirectory() as models:
        folds = dataclasses.replace(config.nlu, models_dir=models)
        cv = cross_validate(intents, k, lambda train: create_understander(folds, lookups, intents=train).parse)
    _print_evaluation(f"cross-validation: {k} folds over {cv.count} examples (seed {CV_SEED})", cv, failures=False)
    return {"folds": k, "seed": CV_SEED, **_evaluation_json(cv)}


def _write_report(path: Path, report: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write the report {path} ({exc.strerror}); pass a writable path to --report") from None


def _evaluation_json(evaluation: Evaluation) -> dict[str, Any]:
    import dataclasses

    out = dataclasses.asdict(evaluation)
    del out["outcomes"]
    out["failures"] = [{"source": o.source, "text": o.text, "expected": o.expected, "got": o.got,
                        "confidence": o.confidence,
                        "missing_entities": [{"entity": a.entity, "value": a.value, "text": a.text} for a in o.missing],
                        "entities": [{"entity": e.entity, "value": e.value, "text": e.text} for e in o.got_entities]}
                       for o in evaluation.failures]
    return out


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_evaluation(title: str, evaluation: Evaluation, failures: bool = True) -> None:
    s, e = evaluation.summary, evaluation.entities
    print(f"== {title}")
    print(f"  {'intent':<22} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, i in evaluation.intents.items():
        print(f"  {name:<22} {i.precision:>9.3f} {i.recall:>7.3f} {i.f1:>6.3f} {i.support:>4}")
    print(f"  accuracy {_share(s.accuracy)}  in-domain {_share(s.in_domain_accuracy)}")
    print(f"  entities (entity and value): precision {e.precision:.3f}  recall {e.recall:.3f}  f1 {e.f1:.3f}"
          f"  ({e.expected} annotated, {e.found} found)")
    print(f"  out of scope: rejected {_share(s.oos_rejection)}  false rejection {_share(s.false_rejection)}")
    for c in evaluation.confusions[:SHOWN_CONFUSIONS]:
        print(f"  confused {c.expected} -> {c.got} ({c.count}): {'; '.join(repr(t) for t in c.examples)}")
    if len(evaluation.confusions) > SHOWN_CONFUSIONS:
        print(f"  ... {len(evaluation.confusions) - SHOWN_CONFUSIONS} more confused pairs in the report")
    for o in evaluation.failures if failures else ():
        missing = "".join(f", {a.entity} {a.text!r}{'=' + a.value if a.value else ''} not found" for a in o.missing)
        print(f"  FAIL {_shown(o.source)}: {o.text!r} expected {o.expected}, got {o.got} ({o.confidence:.2f}){missing}")


if __name__ == "__main__":
    sys.exit(main())
