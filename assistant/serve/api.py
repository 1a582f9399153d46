"""The REST endpoints of docs/console.md. Requests that need the Pipeline (understanding, the dialogue, the
plant it holds) run on its worker in the caller's session; the rest call the same command functions as the
CLI (``plant latest``, ``notes``, ``audit``, ``report handover``) on a thread of their own."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Path as PathParam, Query, Request, Response, Security, UploadFile
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from .. import audio
from ..errors import InputError
from ..events import Entity, Intent, SpokenRequest
from ..pipeline import Pipeline
from ..roles import permits
from .auth import ANONYMOUS, identify
from .replies import answer_message, ask_json
from .sessions import MAX_TEXT, Session, ask, confirm, hear
from .state import Console, Forbidden, Missing

__all__ = ["router"]

MAX_UPLOAD = 16 * 1024 * 1024  # bytes of one WAV file
bearer = HTTPBearer(auto_error=False, description="a token of [serve.tokens.<name>]; none: the anonymous role")
STATION = r"^[A-Za-z0-9_.-]{1,64}$"


def console(request: Request) -> Console:
    return request.app.state.console  # type: ignore[no-any-return]


def session(request: Request, _: Any = Security(bearer),
            x_station: Annotated[str | None, Header(pattern=STATION, description="the station (default web)")] = None
            ) -> Session:
    """The caller's session at the station of ``X-Station`` (default ``web``); 401 for a wrong token."""
    header = request.headers.get("authorization")
    token = None
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            token = "\0"  # malformed: a wrong token, never anonymous
    the = console(request)
    return the.sessions.get(identify(the.config, token), x_station)


Caller = Annotated[Session, Depends(session)]
The = Annotated[Console, Depends(console)]
router = APIRouter()


# -- models ---------------------------------------------------------------------------------
class Health(BaseModel):
    status: str


class Me(BaseModel):
    caller: str
    station: str
    user: str | None
    role: str
    language: str


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="a typed request")


class Yes(BaseModel):
    yes: bool = Field(description="true: carry out what was read back; false: drop it")


class IntentName(BaseModel):
    name: str
    confidence: float


class Value(BaseModel):
    tag: str
    value: float
    unit: str
    time: str | None
    quality: str | None


class Asked(BaseModel):
    text: str
    intent: IntentName
    entities: list[dict[str, Any]]
    answer: str | None
    awaiting: str | None
    data: dict[str, Any]
    values: list[Value]


class Parsed(BaseModel):
    text: str
    intent: IntentName
    entities: list[dict[str, Any]]
    intent_ranking: list[IntentName]


class Understood(Asked):
    transcript: str
    intent_ranking: list[IntentName]
    latency_s: float


class AssetInfo(BaseModel):
    id: str
    name: str
    kind: str
    active_alarms: int


class PlantInfo(BaseModel):
    site: str
    assets: list[AssetInfo]


class Latest(BaseModel):
    asset: str
    readings: list[dict[str, Any]]


class Trend(BaseModel):
    asset: str
    measurement: str
    unit: str
    points: list[tuple[str, float]]


class Alarms(BaseModel):
    count: int
    alarms: list[dict[str, Any]]


class Faults(BaseModel):
    risks: list[dict[str, Any]]


class Notes(BaseModel):
    count: int
    notes: list[dict[str, Any]]


class Found(BaseModel):
    query: str
    results: list[dict[str, Any]]


class Audit(BaseModel):
    count: int
    entries: list[dict[str, Any]]


# -- the dialogue ---------------------------------------------------------------------------
@router.get("/api/health", response_model=Health)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/me", response_model=Me)
async def me(s: Caller) -> dict[str, Any]:
    return s.me()


def _text(text: str) -> str:
    if not text.strip():
        raise InputError("body -> text is blank; type what you want to know, e.g. 'show the active alarms'")
    return text


@router.post("/api/ask", response_model=Asked)
async def ask_text(body: Text, s: Caller, the: The) -> dict[str, Any]:
    """A typed request answered in the session, as ``plantvoice ask --json``."""
    intent, answer = await the.worker.call(ask(s, _text(body.text)), urgent=s.awaiting_yes)
    await s.tell(answer_message(answer))
    return ask_json(intent, answer)


@router.post("/api/confirm", response_model=Asked)
async def confirm_it(body: Yes, s: Caller, the: The) -> dict[str, Any]:
    """The answer to the read back waiting in this session; always admitted, even when the server is busy."""
    intent, answer = await the.worker.call(confirm(s, body.yes), urgent=True)
    await s.tell(answer_message(answer))
    return ask_json(intent, answer)


@router.post("/model/parse", response_model=Parsed)
async def parse(body: Text, s: Caller, the: The) -> dict[str, Any]:
    """Understanding only, in Rasa's ``/model/parse`` shape."""
    text = _text(body.text)

    def job(pipeline: Pipeline) -> dict[str, Any]:
        with s.on(pipeline):
            return pipeline.parse(text).rasa()
    return await the.worker.call(job)


@router.post("/api/understand", response_model=Understood)
async def understand(s: Caller, the: The, file: UploadFile = File(description="a WAV file")) -> dict[str, Any]:
    """A spoken request (a WAV file) understood and answered in the session."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InputError(f"file: the WAV is over {MAX_UPLOAD // 2**20} MB; send one spoken request")
    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        wav.write(data)
        wav.flush()
        samples = audio.load_wav(wav.name, the.config.audio.rate, max_seconds=the.config.asr.max_command_s)
    turn = await the.worker.call(hear(s, SpokenRequest(samples.tobytes())), urgent=s.awaiting_yes)
    await s.tell(answer_message(turn.answer))
    return {**ask_json(turn.intent, turn.answer), "transcript": turn.transcript.text,
            "intent_ranking": turn.intent.rasa()["intent_ranking"], "latency_s": round(turn.latency_s, 4)}


# -- the plant ------------------------------------------------------------------------------
@router.get("/api/plant", response_model=PlantInfo)
async def plant(s: Caller, the: The) -> dict[str, Any]:
    def job(pipeline: Pipeline) -> dict[str, Any]:
        model, active = pipeline.plant.model, pipeline.plant.alarms()
        return {"site": model.site.name, "assets": [
            {"id": a.id, "name": a.name, "kind": a.type, "active_alarms": sum(x.asset == a.id for x in active)}
            for a in model.assets]}
    return await the.worker.call(job)


def _asset(the: Console, asset: str, measurement: str | None = None) -> None:
    """404 for an asset or measurement the asset model does not have."""
    model = the.model
    found = model.asset(asset)
    if found is None:
        raise Missing(f"no asset {asset!r}; use one of {', '.join(a.id for a in model.assets)}")
    if measurement is not None and measurement not in found.measurements:
        raise Missing(f"asset {asset} has no measurement {measurement!r}; use one of {', '.join(found.measurements)}")


@router.get("/api/assets/{asset}/latest", response_model=Latest)
async def latest(asset: str, s: Caller, the: The, measurement: str | None = None) -> dict[str, Any]:
    """As ``plantvoice plant latest --json``."""
    from ..plant.commands import latest as read, latest_json

    _asset(the, asset, measurement)
    return latest_json(asset, await asyncio.to_thread(read, the.config, asset, measurement))


@router.get("/api/assets/{asset}/trend", response_model=Trend)
async def trend(asset: str, s: Caller, the: The, measurement: str | None = None,
                hours: Annotated[float, Query(gt=0, le=24 * 366)] = 8.0) -> dict[str, Any]:
    """The plant history of one measurement (the asset's first when none is named) over the last ``hours``."""
    _asset(the, asset, measurement)
    measurement = measurement or next(iter(the.model.asset(asset).measurements), None)
    if measurement is None:
        raise Missing(f"asset {asset} has no measurements to plot")

    def job(pipeline: Pipeline) -> dict[str, Any]:
        end = pipeline.plant_now()
        points = pipeline.plant.history(asset, measurement, end - dt.timedelta(hours=hours), end)
        signal = pipeline.plant.model.signal(asset, measurement)
        return {"asset": asset, "measurement": measurement, "unit": signal.unit if signal else "",
                "points": [[p.time.isoformat(), p.value] for p in points]}
    return await the.worker.call(job)


@router.get("/api/alarms", response_model=Alarms)
async def alarms(s: Caller, the: The, all: bool = False) -> dict[str, Any]:
    """The active alarms (with ``all=true`` every alarm), as the dialogue reports them."""
    def job(pipeline: Pipeline) -> dict[str, Any]:
        found = pipeline.plant.alarms(active_only=not all)
        return {"count": len(found), "alarms": [pipeline.dialogue.alarm_data(a) for a in found]}
    return await the.worker.call(job)


@router.post("/api/alarms/{alarm_id}/acknowledge", response_model=Asked)
async def acknowledge(alarm_id: Annotated[int, PathParam(ge=0, le=2**62)], s: Caller, the: The) -> dict[str, Any]:
    """Reads the alarm back (``awaiting: "confirm"``), as the spoken request would; ``POST /api/confirm`` carries
    it out. 403 with the dialogue's refusal when the role may not acknowledge (recorded in the audit log)."""
    def job(pipeline: Pipeline) -> tuple[Intent, Any] | None:
        alarm = next((a for a in pipeline.plant.alarms() if a.id == alarm_id), None)
        if alarm is None:
            return None
        text = f"acknowledge alarm {alarm_id}"
        intent = Intent(text=text, name="alarm_acknowledge", confidence=1.0, entities=(
            _entity("asset", alarm.asset, text), _entity("measurement", alarm.measurement, text)))
        with s.on(pipeline):
            return intent, pipeline.respond(intent, said=text)
    done = await the.worker.call(job, urgent=s.awaiting_yes)
    if done is None:
        raise Missing(f"no active alarm {alarm_id}; GET /api/alarms lists them")
    intent, answer = done
    if not permits(s.station.role, "alarm_acknowledge"):
        raise Forbidden(answer.text)
    await s.tell(answer_message(answer))
    return ask_json(intent, answer)


def _entity(kind: str, value: str, text: str) -> Entity:
    return Entity(kind, value, 0, len(text), text=value)


@router.get("/api/faults", response_model=Faults)
async def faults(s: Caller, the: The) -> dict[str, Any]:
    """Fault risks, highest first, with remaining life where the model has one."""
    return await the.worker.call(lambda p: {"risks": [r.data() for r in p.dialogue.top_risks()]})


# -- notes, reports, audit ------------------------------------------------------------------
@router.get("/api/notes", response_model=Notes)
async def notes(s: Caller, the: The, shift: str | None = None, date: str | None = None,
                asset: str | None = None) -> dict[str, Any]:
    """As ``plantvoice notes list --json``."""
    from ..notes.commands import list_notes, parse_day

    day = parse_day(date, "date") if date else None
    found = await asyncio.to_thread(lambda: list_notes(the.config, shift=shift, day=day, asset=asset))
    return {"count": len(found), "notes": [n.data() for n in found]}


@router.get("/api/notes/search", response_model=Found)
async def search(q: Annotated[str, Query(min_length=1, max_length=MAX_TEXT)], s: Caller, the: The) -> dict[str, Any]:
    """As ``plantvoice notes search --json``: by words and by meaning, best first."""
    from ..notes.commands import result_json

    query = _text(q)
    found = await the.worker.call(lambda p: p.dialogue.notes.search(query, limit=5))
    return {"query": query, "results": [result_json(r) for r in found]}


@router.get("/api/notes/export", response_class=Response,
            responses={200: {"content": {"text/markdown": {}, "application/jsonl": {}}}})
async def notes_export(s: Caller, the: The, format: Annotated[str, Query(pattern="^(md|jsonl)$")] = "jsonl"
                       ) -> Response:
    """Every version of every note, as ``plantvoice notes export``."""
    from ..notes.commands import export

    data = await asyncio.to_thread(_exported, lambda out: export(the.config, format, out))
    return Response(data, media_type="text/markdown" if format == "md" else "application/jsonl")


@router.get("/api/report/handover", response_class=Response,
            responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/pdf": {}}}})
async def handover(shift: str, s: Caller, the: The, date: str | None = None,
                   format: Annotated[str, Query(pattern="^(md|html|pdf)$")] = "pdf",
                   language: str | None = None) -> Response:
    """The shift handover document, as ``plantvoice report handover``."""
    from ..notes.handover import handover_command

    spoken = language or (s.language or "en")
    data = await asyncio.to_thread(_exported, lambda out: handover_command(the.config, shift, date, format, out,
                                                                           spoken))
    kinds = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf"}
    return Response(data, media_type=kinds[format])


@router.get("/api/audit", response_model=Audit)
async def audit(s: Caller, the: The, since: str | None = None, user: str | None = None) -> dict[str, Any]:
    """As ``plantvoice audit list --json``; not for a caller without a token (who said what at which station)."""
    from ..audit_commands import entries

    if s.caller.name == ANONYMOUS:
        raise Forbidden("the audit log needs a token; send 'Authorization: Bearer <token>' of [serve.tokens.<name>]")

    found = await asyncio.to_thread(entries, the.config, since, user)
    return {"count": len(found), "entries": [e.data() for e in found]}


def _exported(write: Any) -> bytes:
    """What a command writes to its ``--out`` file, read back."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        write(str(out))
        return out.read_bytes()
