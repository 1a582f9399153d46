"""The console: one process serving many operator stations over HTTP and WebSocket (docs/console.md).

    auth.py      who is calling: tokens compared by their sha256, the anonymous role
    worker.py    the one thread the shared Pipeline runs on, behind a bounded queue
    sessions.py  a dialogue session per caller and station, swapped into the Pipeline for each job
    replies.py   the JSON of an answer, the same for REST and WebSocket
    api.py       the REST endpoints
    listen.py    WS /api/listen: speech in, transcript, answer and spoken audio out
    app.py       the application: routes, static page, one error shape; ``serve`` runs it
"""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> object:  # FastAPI loads only when the console is used
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
