"""The running loops: live listening on the microphone, and the demo over recorded samples."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
import logging
from typing import Any

from . import audio, tts, vad
from .config import AudioConfig
from .errors import InputError
from .events import AudioChunk, SpokenRequest
from .files import atomic_path
from .pipeline import Pipeline, Turn

__all__ = ["run_listen", "run_demo", "push_to_talk_requests", "turn_json", "HalfDuplex", "speak_streamed"]

log = logging.getLogger(__name__)


def turn_json(turn: Turn, **extra: Any) -> dict[str, Any]:
    answer = turn.answer
    return {
        **extra,
        "transcript": turn.transcript.text,
        "intent": {"name": turn.intent.name, "confidence": turn.intent.confidence},
        "entities": [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
                     for e in turn.intent.entities],
        "answer": answer.text if answer else None,
        "data": answer.data if answer else {},
        "latency_s": round(turn.latency_s, 4),
    }


def _show(turn: Turn, as_json: bool, **extra: Any) -> None:
    if as_json:
        print(json.dumps(turn_json(turn, **extra), ensure_ascii=False), flush=True)
    elif turn.answer is None:
        print(f"(no request heard: {turn.transcript.text!r})", flush=True)
    else:
        print(f"heard:  {turn.transcript.text}\nintent: {turn.intent.name} ({turn.intent.confidence:.2f})\n"
              f"answer: {turn.answer.text}\n", flush=True)


async def push_to_talk_requests(chunks: AsyncIterator[AudioChunk], presses: asyncio.Queue[None]) -> AsyncIterator[SpokenRequest]:
    """Each item put on ``presses`` toggles talking: first starts a request, second ends it."""
    ptt = vad.PushToTalk()
    talking = False
    async for chunk in chunks:
        while not presses.empty():
            presses.get_nowait()
            if talking:
                request = ptt.release()
                if request is not None:
                    yield request
            else:
                ptt.press()
            talking = not talking
        ptt.process(chunk)


def _enter_presses() -> asyncio.Queue[None]:
    loop = asyncio.get_running_loop()
    presses: asyncio.Queue[None] = asyncio.Queue()

    def read() -> None:
        for _ in sys.stdin:
            loop.call_soon_threadsafe(presses.put_nowait, None)

    threading.Thread(target=read, daemon=True).start()
    return presses


class HalfDuplex:
    """Drops microphone audio captured while the assistant speaks, so it never answers itself."""

    def __init__(self) -> None:
        self.until = 0.0  # loop time until which captured audio is dropped
        self.offset: float | None = None  # loop time of stream time zero

    async def filter(self, chunks: AsyncIterator[AudioChunk]) -> AsyncIterator[AudioChunk]:
        loop = asyncio.get_running_loop()
        async for chunk in chunks:
            if self.offset is None:
                self.offset = loop.time() - chunk.timestamp - chunk.seconds
            if self.offset + chunk.timestamp >= self.until:
                yield chunk

    def mute_for(self, seconds: float) -> None:
        self.until = asyncio.get_running_loop().time() + seconds


def speak_streamed(synthesizer: tts.Synthesizer, text: str, player: audio.Player,
                   path: Path | None = None) -> audio.PlayStats:
    """Speak ``text`` through ``player`` piece by piece (``tts.speech``): the first piece sounds while the
    next is synthesized. Once the last piece is made, the pieces joined are written to ``path`` as one WAV
    (at the voice's rate) while they still play; ``player.stop()`` from another thread ends it early, and
    the file then holds the pieces made so far."""
    made: list[AudioChunk] = []

    def kept() -> Iterator[AudioChunk]:
        for chunk in tts.speech(synthesizer, text):
            made.append(chunk)
            yield chunk
        _write(path, made)

    try:
        with player:
            return player.play(kept())
    finally:
        if player.stats.stopped:
            _write(path, made)


def _write(path: Path | None, made: list[AudioChunk]) -> None:
    if path is not None and made:
        with atomic_path(Path(path)) as partial:  # an answer file is never seen half-written
            audio.write_wav(partial, b"".join(c.audio for c in made), made[0].rate)


async def _say(text: str, pipeline: Pipeline, path: Path) -> None:
    config: AudioConfig = pipeline.config.audio
    player = await asyncio.to_thread(audio.Player, config)
    try:
        await asyncio.to_thread(speak_streamed, pipeline.synthesizer, text, player, path)
    except asyncio.CancelledError:
        player.stop()  # the loop is ending: silence now, not after the answer
        raise


async def run_listen(pipeline: Pipeline, push_to_talk: bool = False, as_json: bool = False,
                     speak: bool = True) -> None:
    """Answer every request heard on the microphone until cancelled; one bad request never ends it."""
    if speak:  # the voice loads now, not while the first answer waits for it
        await asyncio.to_thread(lambda: pipeline.synthesizer)
    duplex = HalfDuplex()
    chunks = duplex.filter(audio.microphone(pipeline.config.audio))
    if push_to_talk:
        print("plantvoice: press Enter to start talking and Enter again when done; Ctrl-C ends.", file=sys.stderr)
        requests = push_to_talk_requests(chunks, _enter_presses())
    else:
        print("plantvoice: listening; speak a request. Ctrl-C ends.", file=sys.stderr, flush=True)
        requests = pipeline.requests(chunks)
    answers = pipeline.config.data_path / "answers"
    answers.mkdir(parents=True, exist_ok=True)
    count = 0
    async for request in requests:
        try:
            turn = await asyncio.to_thread(pipeline.turn, request)
            _show(turn, as_json)
            if turn.answer is not None and speak:
                count += 1
                duplex.mute_for(3600)  # nothing heard while speaking counts
                try:  # each piece sounds while the next is made; the whole answer is kept as a WAV too
                    await _say(turn.answer.text, pipeline, answers / f"answer-{count:04d}.wav")
                finally:
                    duplex.mute_for(0.3)
        except Exception:  # noqa: BLE001 - the loop outlives any single request
            log.exception("request failed; listening on")


def _manifest(samples: Path) -> list[dict[str, Any]]:
    manifest = samples / "manifest.jsonl"
    if manifest.is_file():
        return [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    wavs = sorted(samples.glob("*.wav"))
    if not wavs:
        raise InputError(f"no WAV files in {samples}; pass a folder of samples with --samples")
    return [{"file": p.name} for p in wavs]


def run_demo(pipeline: Pipeline, samples: Path, as_json: bool = False) -> int:
    """Every sample through the whole loop; spoken answers written under the data directory."""
    out = pipeline.config.data_path / "answers" / "demo"
    out.mkdir(parents=True, exist_ok=True)
    right = total = 0
    for index, item in enumerate(_manifest(samples)):
        samples_i16 = audio.load_wav(samples / item["file"])
        turn = pipeline.turn(SpokenRequest(samples_i16.tobytes()))
        spoken = None
        if turn.answer is not None:
            spoken = pipeline.speak(turn.answer, out / f"{index:03d}-{Path(item['file']).stem}.wav")
        expected = item.get("intent")
        if expected:
            total += 1
            right += turn.intent.name == expected
        if not as_json:
            print(f"[{index + 1}] {item['file']}", flush=True)
        _show(turn, as_json, audio=item["file"], expected_intent=expected,
              spoken_answer=str(spoken) if spoken else None)
    if total:
        print(f"plantvoice demo: {right}/{total} intents as expected; spoken answers in {out}", file=sys.stderr)
    return 0
