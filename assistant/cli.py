"""The ``plantvoice`` command line: a stable, scriptable interface.

Exit codes: 0 ok, 2 bad input or configuration (one line on stderr), 1 internal error.
With ``--json`` every command prints one JSON object per input (line or file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .config import ROOT, Config, load_config
from .errors import InputError, PlantvoiceError

__all__ = ["main"]

MAX_TEXT = 1000  # characters in one typed request


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="plantvoice: %(message)s")
    try:
        config = load_config(args.config)
        return int(args.run(args, config) or 0)
    except PlantvoiceError as exc:
        print(f"plantvoice: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plantvoice", description="Offline voice assistant for plant control rooms.")
    parser.add_argument("--config", help="TOML config file (default: $PLANTVOICE_CONFIG or ./plantvoice.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        return p

    p = command("ask", _ask, "answer a typed request (one per stdin line when TEXT is omitted)")
    p.add_argument("text", nargs="*")
    p.add_argument("--json", action="store_true")
    p.add_argument("--speak", metavar="OUT.wav", help="also write the spoken answer to this WAV")
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
    p = command("listen", _listen, "the live loop on the microphone, speaking answers (Ctrl-C ends)")
    p.add_argument("--push-to-talk", action="store_true", help="press Enter to start and to end each request")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-speak", action="store_true", help="print answers without speaking them")
    p = command("chat", _chat, "the loop typed: one request per line, answers printed")
    p.add_argument("--json", action="store_true")
    p = command("demo", _demo, "run every sample in audio_samples/ through the whole loop")
    p.add_argument("--samples", default=str(ROOT / "audio_samples"), metavar="DIR")
    p.add_argument("--json", action="store_true")
    p = command("models", _models, "manage recognizer models")
    p.add_argument("action", choices=("fetch",))
    p.add_argument("name", help="model to fetch, e.g. vosk-small-en")
    p.add_argument("--dest", help="directory (default: <data dir>/models)")
    return parser


# -- helpers --------------------------------------------------------------------------------
def _pipeline(config: Config, intents: str | None = None) -> Any:
    from .pipeline import Pipeline

    if intents is not None and not Path(intents).is_dir():
        raise InputError(f"intents directory {intents} not found; pass an existing directory to --intents")
    return Pipeline.from_config(config, intents)


def _texts(words: list[str]) -> Iterator[str]:
    """TEXT from the arguments, or one request per line of standard input."""
    lines = [" ".join(words)] if words else (line.rstrip("\n") for line in sys.stdin)
    for text in lines:
        yield _checked(text)


def _checked(text: str) -> str:
    if not text.strip():
        raise InputError("empty request text; say or type what you want to know, e.g. 'show the active alarms'")
    if len(text) > MAX_TEXT:
        raise InputError(f"request text is {len(text)} characters; a request is at most {MAX_TEXT}, shorten it")
    return text


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
    return [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end} for e in intent.entities]


def _ask_json(intent: Any, answer: Any) -> dict[str, Any]:
    return {
        "text": intent.text,
        "intent": {"name": intent.name, "confidence": intent.confidence},
        "entities": _entities(intent),
        "answer": answer.text,
        "awaiting": answer.awaiting,
        "data": answer.data,
    }


# -- commands -------------------------------------------------------------------------------
def _ask(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config)
    for text in _texts(args.text):
        intent, answer = pipeline.ask(text)
        if args.speak:
            pipeline.speak(answer, args.speak)
        _emit(args.json, _ask_json(intent, answer), answer.text)
    return 0


def _parse(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config, args.intents)
    for text in _texts(args.text):
        intent = pipeline.parse(text)
        slots = ", ".join(f"{e.entity}={e.value}" for e in intent.entities)
        _emit(args.json, intent.rasa(), f"{intent.name} ({intent.confidence:.2f}) {slots}".rstrip())
    return 0


def _transcribe(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config)
    for path in args.wavs:
        t = pipeline.transcribe(_load(path, config, args.mode), mode=args.mode)
        obj = {"audio": path, "text": t.text, "confidence": t.confidence,
               "words": [w.__dict__ for w in t.words], "duration_s": t.duration_s, "seconds": t.seconds}
        _emit(args.json, obj, f"{path}: {t.text}")
    return 0


def _understand(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config, args.intents)
    for path in args.wavs:
        transcript, intent = pipeline.understand(_load(path, config))
        obj = {"audio": path, "transcript": transcript.text, **intent.rasa()}
        _emit(args.json, obj, f"{path}: {transcript.text!r} -> {intent.name} ({intent.confidence:.2f})")
    return 0


def _chat(args: argparse.Namespace, config: Config) -> int:
    pipeline = _pipeline(config)
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("you> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        try:
            intent, answer = pipeline.ask(_checked(line.strip()))
        except InputError as exc:
            print(f"plantvoice: {exc}", file=sys.stderr)
            continue
        _emit(args.json, _ask_json(intent, answer), f"plantvoice> {answer.text}")


def _listen(args: argparse.Namespace, config: Config) -> int:
    from .loop import run_listen

    try:
        asyncio.run(run_listen(_pipeline(config), push_to_talk=args.push_to_talk,
                               as_json=args.json, speak=not args.no_speak))
    except KeyboardInterrupt:
        print("plantvoice: stopped listening", file=sys.stderr)
    return 0


def _demo(args: argparse.Namespace, config: Config) -> int:
    from .loop import run_demo

    return run_demo(_pipeline(config), Path(args.samples), as_json=args.json)


def _models(args: argparse.Namespace, config: Config) -> int:
    from .asr.fetch import fetch_model

    dest = Path(args.dest) if args.dest else config.data_path / "models"
    path = fetch_model(args.name, dest)
    print(f"plantvoice: model {args.name} ready in {path}; set asr.vosk_model = \"{path}\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
