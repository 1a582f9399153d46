"""``WS /api/listen``: a station's microphone in, transcripts, answers and the spoken answer out.

Client to server: binary 16 kHz mono int16 PCM; ``press`` / ``release`` (push-to-talk; a press also stops
the answer being spoken: barge-in); ``text``; ``confirm``. Without a press the requests are cut by voice
activity (``vad.Endpointer``). Server to client: ``ready``, ``speech``, ``partial``, ``final``, ``answer``,
``audio`` + one binary frame per piece, ``stopped``, ``busy``, ``error`` (docs/console.md).

Partial transcripts: at most one in flight, at most one a second, and only while the worker is idle, so
they never hold up a request. Each piece of the spoken answer is synthesized as its own job on the worker
(the voice shares the process with understanding; see ``tts.py``), so other stations' requests are taken
between pieces; a press or a new request stops sending the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi import WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from .. import asr, tts, vad
from ..errors import PlantvoiceError
from ..events import AudioChunk, SpokenRequest, VoiceStarted
from ..pipeline import Pipeline, Turn
from .auth import Refused, identify
from .replies import answer_message, entities
from .sessions import MAX_TEXT, Session, ask, confirm, hear
from .state import Console
from .worker import Busy

__all__ = ["listen"]

log = logging.getLogger(__name__)


async def listen(ws: WebSocket) -> None:
    the: Console = ws.app.state.console
    try:
        session = the.sessions.get(identify(the.config, ws.query_params.get("token")), ws.query_params.get("station"))
    except Refused as exc:
        await ws.send_denial_response(JSONResponse({"error": str(exc)}, status_code=401))
        return
    except PlantvoiceError as exc:
        await ws.send_denial_response(JSONResponse({"error": str(exc)}, status_code=400))
        return
    await ws.accept()
    connection = Connection(ws, the, session)
    try:
        await connection.run()
    except WebSocketDisconnect:
        pass
    finally:
        connection.close()


class Connection:
    """One connection: its push-to-talk or endpointer, and the answer it is speaking."""

    def __init__(self, ws: WebSocket, the: Console, session: Session) -> None:
        self.ws, self.the, self.session = ws, the, session
        self.lock = asyncio.Lock()  # an audio header and its binary frame go out together
        self.ptt = vad.PushToTalk(the.config.vad)
        self.endpointer: vad.Endpointer | None = None  # made on the first audio without a press
        self.pressed_once = False
        self.clock = 0.0  # stream time of the next audio
        self.heard = bytearray()  # the request so far, for partials (at most vad -> max_request_s)
        self.most = int(2 * 16000 * the.config.vad.max_request_s)
        self.in_speech = False
        self.partial_at = 0.0
        self.partial: asyncio.Task[None] | None = None
        self.generation = 0  # bumped by a press or a new request: the answer being spoken stops
        self.speaking: int | None = None  # the generation whose answer is being spoken
        self.tasks: set[asyncio.Task[None]] = set()
        session.watchers.add(self)

    async def send(self, message: dict[str, Any]) -> None:
        async with self.lock:
            await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    async def run(self) -> None:
        await self.send({"type": "ready", **{k: v for k, v in self.session.me().items() if k != "caller"}})
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await self.audio(message["bytes"])
            elif message.get("text") is not None:
                await self.command(message["text"])

    async def told(self, message: dict[str, Any]) -> None:
        """An answer given in this session through another connection or the REST API: shown, not spoken."""
        try:
            await self.send({**message, "elsewhere": True})
        except (WebSocketDisconnect, RuntimeError):  # this client went away
            pass

    def close(self) -> None:
        self.session.watchers.discard(self)
        self.generation += 1
        for task in self.tasks:
            task.cancel()

    # -- what the client sends ----------------------------------------------------------------
    async def command(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message.get("type") if isinstance(message, dict) else None
        except json.JSONDecodeError:
            kind = None
        if kind == "press":
            await self.barge_in()
            self.pressed_once = True
            self.ptt.press()
            self.heard, self.partial_at = bytearray(), time.monotonic()
            await self.send({"type": "speech"})
        elif kind == "release":
            request = self.ptt.release()
            self.heard = bytearray()
            if request is None:
                await self.error("release: no audio came between press and release; send binary PCM frames")
            else:
                await self.request(hear(self.session, request), urgent=self.session.awaiting_yes)
        elif kind == "text" and isinstance(message.get("text"), str) and 0 < len(message["text"].strip()) \
                and len(message["text"]) <= MAX_TEXT:
            await self.request(ask(self.session, message["text"]), urgent=self.session.awaiting_yes)
        elif kind == "confirm" and isinstance(message.get("yes"), bool):
            await self.request(confirm(self.session, message["yes"]), urgent=True)
        else:
            await self.error(f"message {text[:80]!r} is not understood; send {{\"type\": \"press\"}}, \"release\", "
                             f"\"text\" with a text of 1 to {MAX_TEXT} characters, or \"confirm\" with yes: true|false")

    async def audio(self, data: bytes) -> None:
        data = data[: len(data) // 2 * 2]
        chunk = AudioChunk(data, timestamp=self.clock)
        self.clock += chunk.seconds
        if self.ptt.pressed:
            self.ptt.process(chunk)
            self.heard += data[: self.most - len(self.heard)]
            self.maybe_partial()
            return
        if self.pressed_once:  # push-to-talk in use: audio between release and press is not a request
            return
        if self.endpointer is None:
            self.endpointer = vad.Endpointer(self.the.config.vad)
        for event in self.endpointer.process(chunk):
            if isinstance(event, VoiceStarted):
                self.in_speech, self.heard, self.partial_at = True, bytearray(), time.monotonic()
                await self.barge_in()
                await self.send({"type": "speech"})
            elif isinstance(event, SpokenRequest):
                self.in_speech, self.heard = False, bytearray()
                await self.request(hear(self.session, event), urgent=self.session.awaiting_yes)
        if self.in_speech:
            self.heard += data[: self.most - len(self.heard)]
            self.maybe_partial()

    # -- what the server answers ---------------------------------------------------------------
    async def barge_in(self) -> None:
        """Stop the answer being spoken, saying so."""
        async with self.lock:
            if self.speaking == self.generation:
                await self.ws.send_text(json.dumps({"type": "stopped"}))
            self.generation += 1

    def start(self, work: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def request(self, job: Callable[[Pipeline], Any], urgent: bool) -> None:
        await self.barge_in()  # a new request: the last answer is not spoken further
        self.start(self.reply(job, urgent))

    async def reply(self, job: Callable[[Pipeline], Any], urgent: bool) -> None:
        """The request understood and answered on the worker: ``final``, ``answer``, then the spoken answer."""
        generation, started = self.generation, time.perf_counter()
        try:
            result = await self.the.worker.call(job, urgent=urgent)
            if isinstance(result, Turn):
                transcript, intent, answer, latency = result.transcript.text, result.intent, result.answer, \
                    result.latency_s
            else:
                (intent, answer), latency = result, time.perf_counter() - started
                transcript = intent.text
            await self.send({"type": "final", "transcript": transcript, "entities": entities(intent),
                             "intent": {"name": intent.name, "confidence": intent.confidence},
                             "latency_s": round(latency, 4)})
            message = answer_message(answer)
            await self.send(message)
            await self.session.tell(message, but=self)
            if answer is not None:
                await self.speak(answer.text, generation)
        except Busy as exc:
            await self.send({"type": "busy", "error": str(exc)})
        except PlantvoiceError as exc:
            await self.error(str(exc))
        except (WebSocketDisconnect, RuntimeError):  # the client went away
            pass
        except Exception:  # noqa: BLE001 - a bug: logged, the connection lives on
            log.exception("request failed")
            await self.error("internal error; the request was not answered, see the server log")

    async def speak(self, text: str, generation: int) -> None:
        """The answer piece by piece: ``audio`` header, then its PCM; stops when ``generation`` is over."""
        session, worker = self.session, self.the.worker

        def voice(pipeline: Pipeline) -> Any:
            with session.on(pipeline):
                return tts.speech(pipeline.synthesizer, text)

        count = len(tts.pieces(text))
        self.speaking = generation
        try:
            pieces = await worker.call(voice, urgent=True)
            for seq in range(count):
                if generation != self.generation:
                    return
                chunk = await worker.call(lambda _: next(pieces, None), urgent=True)
                async with self.lock:
                    if generation != self.generation or chunk is None:
                        return
                    await self.ws.send_text(json.dumps({"type": "audio", "rate": chunk.rate, "seq": seq,
                                                        "last": seq == count - 1}))
                    await self.ws.send_bytes(chunk.audio)
        finally:
            if self.speaking == generation:
                self.speaking = None

    def maybe_partial(self) -> None:
        now, every = time.monotonic(), self.the.config.serve.partial_every_s
        if not every or now - self.partial_at < every or (self.partial and not self.partial.done()) \
                or not self.the.worker.idle:
            return
        self.partial_at = now
        samples, session = np.frombuffer(bytes(self.heard), dtype=np.int16), self.session

        def job(pipeline: Pipeline) -> str:
            """A quick look (one greedy reading, no noise reduction): it holds up the final one the least."""
            with session.on(pipeline):
                recognizer = pipeline.recognizer
                if isinstance(recognizer, asr.NBestRecognizer):
                    return recognizer.hypotheses(samples, 1, beam_size=1)[0].text
                return recognizer.transcribe(samples).text

        async def partial() -> None:
            try:
                text = await self.the.worker.call(job)
            except (Busy, PlantvoiceError):
                return
            if text.strip() and (self.ptt.pressed or self.in_speech):
                await self.send({"type": "partial", "text": text.strip()})

        self.partial = self.start(partial())

    async def error(self, message: str) -> None:
        await self.send({"type": "error", "error": message})
