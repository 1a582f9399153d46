"""The JSON of an answer, the same for REST and WebSocket: text, intent, entities, answer, awaiting, data, and
``values``: the plant values the answer used, each with tag, value, unit, time and quality, taken from
``answer.data`` only (never computed here)."""

from __future__ import annotations

from typing import Any

from ..events import Answer, Intent

__all__ = ["ask_json", "answer_json", "answer_message", "entities", "values"]

_STATISTICS = ("last", "min", "max", "mean")  # a trend's values (answer.data of the trend intent)


def entities(intent: Intent) -> list[dict[str, Any]]:
    return [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end, **e.snapped()}
            for e in intent.entities]


def answer_json(answer: Answer | None) -> dict[str, Any]:
    data = answer.data if answer else {}
    return {"answer": answer.text if answer else None, "awaiting": answer.awaiting if answer else None,
            "data": data, "values": values(data)}


def answer_message(answer: Answer | None) -> dict[str, Any]:
    """The WebSocket ``answer`` message."""
    reply = answer_json(answer)
    return {"type": "answer", "text": reply.pop("answer"), **reply}


def ask_json(intent: Intent, answer: Answer | None) -> dict[str, Any]:
    """As ``plantvoice ask --json``, with ``values``."""
    return {"text": intent.text, "intent": {"name": intent.name, "confidence": intent.confidence},
            "entities": entities(intent), **answer_json(answer)}


def values(data: Any) -> list[dict[str, Any]]:
    """Every value with a unit in ``data``, in order: readings, alarms, a trend's last, min, max and mean."""
    found: list[dict[str, Any]] = []
    if isinstance(data, list):
        for item in data:
            found += values(item)
    elif isinstance(data, dict):
        tag = ".".join(str(data[k]) for k in ("asset", "measurement") if isinstance(data.get(k), str))
        if _number(data.get("value")) and "unit" in data:
            found.append({"tag": tag, "value": data["value"], "unit": data["unit"],
                          "time": data.get("time") or data.get("raised"), "quality": data.get("quality")})
        elif "unit" in data:
            found += [{"tag": f"{tag} {k}", "value": data[k], "unit": data["unit"],
                       "time": data.get("last_time") if k == "last" else None, "quality": None}
                      for k in _STATISTICS if _number(data.get(k))]
        for item in data.values():
            if isinstance(item, (dict, list)):
                found += values(item)
    return found


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)
