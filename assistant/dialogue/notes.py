"""Notes: note_add, dictation_start, note_correct, note_withdraw, note_read, and the dictated words.

A note, a correction or a withdrawal is read back and saved (``save``) only after a clear yes; a
long note is read back by its start and its length. A note that only names its asset ("take a
note on gas turbine one") asks what it should say, and the next words are its text. A dictation
collects what is said until "end dictation" (``notes.dictation.ending``), MAX_DICTATION_S or the
store's MAX_TEXT, keeping the audio and the recognizer's confidence with the note.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from ..errors import InputError, StorageError
from ..events import Answer, Intent
from ..notes.dictation import ending
from ..notes.store import MAX_TEXT
from .handlers import handler
from .readings import no_span, span_of
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:
    from ..notes import Note
    from .core import Dialogue

__all__ = ["note_add", "dictation_start", "note_correct", "note_withdraw", "note_read", "dictated", "note_changed",
           "save", "MAX_DICTATION_S"]

MAX_DICTATION_S = 30 * 60  # a dictation longer than this is ended and read back
_NOTE_TEXT_AFTER = re.compile(r"\bnote\s+(?:number\s+)?\S+\s*(?:,|:|to read|to say|to|with|should say|says)\s+"
                              r"(?P<text>.+)$", re.IGNORECASE)
_ONLY_NAMING = frozenset("on for about regarding concerning re of to the a an".split())  # "take a note on GT one"
_TOPIC = re.compile(r"\b(?:about|regarding|concerning|mentioning|on the subject of)\s+(?P<topic>.+?)\??$",
                    re.IGNORECASE)


def _assets(dialogue: Dialogue, intent: Intent) -> list[str] | Answer:
    """The asset the request names (none, or one), or the answer saying it is unknown."""
    value = intent.entity("asset")
    asset = dialogue.asset_id(value) if value else None
    if value and asset is None:
        return dialogue.answer(intent, "utter_unknown_asset", {"asked": value}, name=value)
    return [asset] if asset else []


def _speech(dialogue: Dialogue) -> dict[str, Any]:
    """The audio and confidence of the request being answered, to keep with a dictated note."""
    heard = dialogue.heard
    return {"audio": [heard.audio], "rate": heard.rate, "confidence": [heard.confidence]} if heard else {}


def _scope(dialogue: Dialogue, assets: list[str]) -> str:
    if not assets:
        return ""
    return " " + dialogue.text("utter_note_scope", assets=dialogue.say.say_list(dialogue.tag(a) for a in assets))


@handler("note_add")
def note_add(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The note's text read back, or the question what it should say."""
    refused = dialogue.refused(intent, "note_add")
    if refused is not None:
        return refused, state
    assets = _assets(dialogue, intent)
    if isinstance(assets, Answer):
        return assets, state
    text = _note_text(intent)
    if not text:
        answer = dialogue.answer(intent, "utter_ask_note_text", {"assets": assets})
        return answer, dataclasses.replace(state, awaiting="note_text",
                                           pending=PendingWrite("note_add", {"assets": assets}))
    return _note_readback(dialogue, intent, state, {"assets": assets, "text": text, **_speech(dialogue)})


def _note_text(intent: Intent) -> str | None:
    """The words of the note the request says, or None when it says none: "take a note on gas turbine one"
    names the asset the note is for (its words are only ``_ONLY_NAMING`` and the asset), not what it says."""
    found = next((e for e in intent.entities if e.entity == "note_text"), None)
    if found is None or not found.value.strip():
        return None
    if intent.text[found.start:found.end].strip() != found.value.strip():
        return found.value.strip()  # not where the request says it: its words are kept as they are
    rest = list(intent.text)
    for e in intent.entities:
        if e.entity == "asset" and found.start <= e.start and e.end <= found.end:
            rest[e.start:e.end] = " " * (e.end - e.start)
    words = re.findall(r"[\w']+", "".join(rest[found.start:found.end]).lower())
    return None if all(w in _ONLY_NAMING for w in words) else found.value.strip()


@handler("dictation_start")
def dictation_start(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A dictated note begins: what follows is its text, until "end dictation"."""
    refused = dialogue.refused(intent, "note_add")
    if refused is not None:
        return refused, state
    assets = _assets(dialogue, intent)
    if isinstance(assets, Answer):
        return assets, state
    answer = dialogue.answer(intent, "utter_dictation_start", {"assets": assets}, scope=_scope(dialogue, assets))
    pending = PendingWrite("note_add", {"assets": assets, "parts": [], "audio": [], "confidence": [], "seconds": 0.0})
    return answer, dataclasses.replace(state, awaiting="dictation", pending=pending)


def _note_readback(dialogue: Dialogue, intent: Intent, state: DialogueState, data: dict[str, Any], prefix: str = ""
                   ) -> tuple[Answer, DialogueState]:
    shown = {k: v for k, v in data.items() if k not in ("audio", "parts", "confidence")}
    shown["readback"] = dialogue.excerpt(data["text"]).rstrip(" .")  # what is said of a long note
    answer = dialogue.answer(intent, "utter_note_readback", shown, scope=_scope(dialogue, data["assets"]),
                             text=shown["readback"])
    text = f"{prefix} {answer.text}" if prefix else answer.text
    answer = dataclasses.replace(answer, text=text, intent="note_add")
    return answer, dataclasses.replace(state, pending=PendingWrite("note_add", data), awaiting="confirm")


def note_changed(dialogue: Dialogue, intent: Intent, state: DialogueState, text: str) -> tuple[Answer, DialogueState]:
    """"Change it to ...": the waiting note (or correction) with the new text, read back again."""
    assert state.pending is not None
    data = {**state.pending.data, "text": text.strip()}
    if state.pending.kind == "note_correct":
        return _correct_readback(dialogue, intent, state, data)
    return _note_readback(dialogue, intent, state, data, prefix=dialogue.text("utter_note_changed"))


def dictated(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The words after "what should the note say" (``awaiting="note_text"``), or one part of a dictation."""
    assert state.pending is not None
    text = intent.text.strip()
    if state.awaiting == "note_text":
        data = {**state.pending.data, "text": text, **_speech(dialogue)}
        if state.pending.kind == "note_correct":
            return _correct_readback(dialogue, intent, state, data)
        if not text:
            return dialogue.answer(intent, "utter_note_empty"), dataclasses.replace(state, awaiting=None, pending=None)
        return _note_readback(dialogue, intent, state, data)
    data = dict(state.pending.data)  # a dictation: parts until "end dictation"
    end = ending(text, dialogue.language)
    part = text[:end].strip(" ,") if end is not None else text
    heard = dialogue.heard
    if part:
        data["parts"] = [*data["parts"], part]
        if heard is not None:
            data["audio"] = [*data["audio"], heard.audio]
            data["rate"] = heard.rate
            data["confidence"] = [*data["confidence"], heard.confidence]
            data["seconds"] = data["seconds"] + len(heard.audio) / 2 / heard.rate
    too_long = data["seconds"] >= MAX_DICTATION_S or sum(len(p) + 1 for p in data["parts"]) >= MAX_TEXT
    if end is None and not too_long:
        answer = dialogue.answer(intent, "utter_dictation_next", {"parts": len(data["parts"])})
        return dataclasses.replace(answer, intent="note_add"), dataclasses.replace(
            state, pending=PendingWrite("note_add", data))
    if not data["parts"]:
        answer = dialogue.answer(intent, "utter_dictation_empty")
        return dataclasses.replace(answer, intent="note_add"), dataclasses.replace(state, awaiting=None, pending=None)
    data["text"] = " ".join(data["parts"])[:MAX_TEXT]
    data["minutes"] = round(data["seconds"] / 60)
    prefix = dialogue.text("utter_dictation_too_long", minutes=dialogue.say.say_number(data["minutes"])) \
        if too_long and end is None else ""
    return _note_readback(dialogue, intent, state, data, prefix)


def _store(dialogue: Dialogue, pending: PendingWrite) -> Note:
    data, user = pending.data, dialogue.user
    if pending.kind == "note_correct":
        return dialogue.notes.correct(data["id"], data["text"], by=user)
    if pending.kind == "note_withdraw":
        return dialogue.notes.withdraw(data["id"], by=user)
    audio = (b"".join(data["audio"]), data["rate"]) if data.get("audio") else None
    confidences = data.get("confidence") or []
    kind = "report" if pending.kind == "report" else "note"
    return dialogue.notes.add(data["text"], author=user, role=dialogue.role, kind=kind, assets=data["assets"],
                              audio=audio, confidence=round(min(confidences), 3) if confidences else None,
                              fields=data.get("fields"), language=dialogue.language)  # as dictated: no switch while it waits


def save(dialogue: Dialogue, intent: Intent, pending: PendingWrite) -> Answer:
    """The confirmed note, report, correction or withdrawal: stored with its audit row (one transaction),
    then said to be saved. When the store cannot take it (StorageError) the answer says so and carries
    ``kept``: the write stays waiting, and another yes tries again."""
    try:
        note = _store(dialogue, pending)  # durable when it returns: only then is it said to be saved
    except InputError as e:
        return dialogue.answer(intent, "utter_note_not_saved", {"error": str(e)})
    except StorageError as e:  # a full disk, a read-only store: the write waits for another yes
        return dialogue.answer(intent, "utter_note_not_saved", {"error": str(e), "kept": pending.kind})
    slots = {"id": dialogue.say.say_number(note.id), "scope": _scope(dialogue, list(note.assets))}
    if pending.kind == "report":
        slots["asset"] = dialogue.tag(note.assets[0])
    if pending.kind == "note_correct":
        slots["text"] = dialogue.excerpt(note.text)
    template = {"note_add": "utter_note_saved", "report": "utter_report_saved", "note_correct": "utter_note_corrected",
                "note_withdraw": "utter_note_withdrawn"}[pending.kind]
    return dialogue.answer(intent, template, {"note": note.data()}, **slots)


def _note(dialogue: Dialogue, intent: Intent, what: str) -> Note | Answer:
    """The note whose number the request says, or the answer asking for it or saying there is none."""
    number = intent.entity("number")
    try:
        wanted = int(float(number)) if number is not None else None
    except (ValueError, OverflowError):  # "nan", "1e999": no note number
        wanted = None
    if wanted is None:
        return dialogue.answer(intent, "utter_ask_note_id", {"action": what})
    note = dialogue.notes.get(wanted)
    if note is None:
        return dialogue.answer(intent, "utter_note_unknown", {"id": wanted}, id=dialogue.say.say_number(wanted))
    return note


def _changeable(dialogue: Dialogue, intent: Intent, what: str) -> Note | Answer:
    """The note a correction or withdrawal names; else the answer saying it is unknown, that the speaker may
    not change it, or that it is withdrawn already."""
    note = _note(dialogue, intent, what)
    if isinstance(note, Answer):
        return note
    refused = dialogue.refused(intent, f"note_{what}", note)
    if refused is not None:
        return refused
    if note.withdrawn:
        return dialogue.answer(intent, "utter_note_withdrawn_already", note.data(), id=dialogue.say.say_number(note.id))
    return note


@handler("note_correct")
def note_correct(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A note's new text read back ("correct note four to ..."), or the question what it should say."""
    note = _changeable(dialogue, intent, "correct")
    if isinstance(note, Answer):
        return note, state
    found = _NOTE_TEXT_AFTER.search(intent.text)
    data = {"id": note.id, "old": note.text, "assets": list(note.assets)}
    if not found:
        answer = dialogue.answer(intent, "utter_ask_note_correction", data, id=dialogue.say.say_number(note.id))
        return answer, dataclasses.replace(state, awaiting="note_text", pending=PendingWrite("note_correct", data))
    return _correct_readback(dialogue, intent, state, {**data, "text": found.group("text").strip()})


def _correct_readback(dialogue: Dialogue, intent: Intent, state: DialogueState, data: dict[str, Any]
                      ) -> tuple[Answer, DialogueState]:
    data = {k: v for k, v in data.items() if k not in ("audio", "rate", "confidence")}
    answer = dialogue.answer(intent, "utter_note_correct_readback", data, id=dialogue.say.say_number(data["id"]),
                             old=dialogue.excerpt(data["old"]), text=dialogue.excerpt(data["text"]))
    answer = dataclasses.replace(answer, intent="note_correct")
    return answer, dataclasses.replace(state, awaiting="confirm", pending=PendingWrite("note_correct", data))


@handler("note_withdraw")
def note_withdraw(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A note read back before it is withdrawn (kept, marked withdrawn)."""
    note = _changeable(dialogue, intent, "withdraw")
    if isinstance(note, Answer):
        return note, state
    data = {"id": note.id, "text": note.text}
    answer = dialogue.answer(intent, "utter_note_withdraw_readback", data, id=dialogue.say.say_number(note.id),
                             text=dialogue.excerpt(note.text))
    return answer, dataclasses.replace(state, awaiting="confirm", pending=PendingWrite("note_withdraw", data))


@handler("note_read")
def note_read(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The latest notes, of an asset, a span or a named shift; or the notes about a topic."""
    assets = _assets(dialogue, intent)
    if isinstance(assets, Answer):
        return assets, state
    say = dialogue.say
    asset = assets[0] if assets else None
    filters: dict[str, Any] = {"asset": asset}
    span = intent.entity("time_range")
    shift = _named_shift(dialogue, intent.text)
    if shift:  # the site's own shift pattern (notes.shifts), its latest occurrence that has begun
        filters.update(shift=shift[0], day=shift[1])
        span = None
    elif span:
        window = span_of(dialogue, span, up_to_now=False)
        if window is None:
            return no_span(dialogue, intent), state
        filters.update(start=window[0], end=window[1])
    topic = _TOPIC.search(intent.text)
    topic_text = topic.group("topic").strip() if topic else ""
    if topic_text and asset and dialogue.asset_id(topic_text) == asset:
        topic_text = ""  # "notes about feed pump two": the asset is the filter, not a topic
    scope = _scope(dialogue, assets)
    if topic_text:
        found = dialogue.notes.search(topic_text, limit=dialogue.notes_shown, **filters)
        notes = [n for n, _, _ in found]
        data = {"asset": asset, "topic": topic_text, "notes": [n.data() for n in notes], "count": len(notes),
                "matches": [{"id": n.id, "score": round(score, 3), "how": how} for n, score, how in found],
                "source": "notes"}
        if not notes:
            answer = dialogue.answer(intent, "utter_note_search_none", data, topic=topic_text, scope=scope)
            return answer, dialogue.context(state, asset)
        answer = dialogue.answer(intent, "utter_note_search", data, count=say.say_number(len(notes)),
                                 note_word=say.say_term("count", "note_one" if len(notes) == 1 else "note_many"),
                                 topic=topic_text, scope=scope,
                                 items="; ".join(_note_item(dialogue, n) for n in notes))
        return answer, dialogue.context(state, asset)
    latest = list(reversed(dialogue.notes.list(**filters)))[: dialogue.notes_shown]
    data = {"asset": asset, "notes": [n.data() for n in latest], "count": len(latest), "source": "notes",
            **({"start": filters["start"].isoformat(), "end": filters["end"].isoformat()} if span else {}),
            **({"shift": filters["shift"], "day": filters["day"].isoformat()} if shift else {})}
    period = _period(dialogue, filters, shift is not None)
    if period:
        data["period"] = period
    period = f", {period}" if period else ""
    if not latest:
        answer = dialogue.answer(intent, "utter_note_read_none", data, scope=scope, period=period)
        return answer, dialogue.context(state, asset)
    answer = dialogue.answer(intent, "utter_note_read", data, count=say.say_number(len(latest)),
                             note_word=say.say_term("count", "note_one" if len(latest) == 1 else "note_many"),
                             scope=scope, period=period,
                             items="; ".join(_note_item(dialogue, n) for n in latest))
    return answer, dialogue.context(state, asset)


def _named_shift(dialogue: Dialogue, text: str) -> tuple[str, dt.date] | None:
    """A shift of the site's pattern named in ``text`` ("the night shift") and the date it last began."""
    schedule = dialogue.notes.schedule
    names = "|".join(re.escape(n) for n in schedule.names)
    found = re.search(rf"\b({names})\s+shift\b", text, re.IGNORECASE)
    if not found:
        return None
    now = dialogue.now().astimezone(dialogue.tz)
    name = schedule.shift(found.group(1)).name
    for back in range(0, 3):
        day = now.date() - dt.timedelta(days=back)
        if schedule.window(name, day, dialogue.tz)[0] <= now:
            return name, day
    return None


def _period(dialogue: Dialogue, filters: dict[str, Any], shift: bool) -> str:
    """The span of a listing as said: 'since the start of the late shift at two this afternoon', 'the night
    shift, last night from ten in the evening to six this morning', 'yesterday from midnight to midnight'; '' for none."""
    now = dialogue.local(dialogue.now())
    if shift:
        name = filters["shift"]
        start, end = dialogue.notes.schedule.window(name, filters["day"], dialogue.tz)
        shift_words = dialogue.say.say_term("shift", name)
        if end > now:
            return dialogue.text("utter_notes_shift_since", shift=shift_words, when=dialogue.when(start))
        return dialogue.text("utter_notes_shift_period", shift=shift_words, period=dialogue.period(start, end))
    if "start" not in filters:
        return ""
    start, end = dialogue.local(filters["start"]), min(dialogue.local(filters["end"]), now)
    return dialogue.period(start, end) if start < end else ""


def _note_item(dialogue: Dialogue, note: Note) -> str:
    when = note.created.astimezone(dialogue.tz)
    say = dialogue.say
    return dialogue.text("utter_note_item", id=say.say_number(note.id), author=note.author,
                         date=say.say_date(when.date()), clock=say.say_clock(when), when=dialogue.when(when),
                         text=dialogue.excerpt(note.text))
