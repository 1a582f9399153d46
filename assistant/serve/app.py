"""The console's application: the REST routes, ``WS /api/listen``, the page, and one error shape.

    app = create_app(config)        # the Pipeline is built on its worker when the app starts
    serve(config, "127.0.0.1", 8080)

Every error is ``{"error": "<what, where, how to fix>"}``: 400 bad input (request validation included,
one line naming the field), 401 no or wrong token, 403 the role may not, 404, 503 busy.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from .. import __version__
from ..config import Config
from ..errors import InputError, PlantvoiceError
from ..pipeline import Pipeline
from ..plant import load_model
from .api import router
from .auth import Refused
from .listen import listen
from .sessions import Sessions
from .state import Console, Forbidden, Missing
from .worker import Busy, Worker

__all__ = ["create_app", "serve", "STATIC"]

STATIC = Path(__file__).resolve().parent / "static"
ERRORS = {400: "bad input", 401: "no or wrong token", 403: "the role does not allow it", 404: "not found",
          503: "busy: max_waiting requests wait already; try again"}
_STATUS: dict[type[Exception], int] = {InputError: 400, Refused: 401, Forbidden: 403, Missing: 404, Busy: 503,
                                       PlantvoiceError: 500}


def create_app(config: Config) -> FastAPI:
    """The application for ``config``; its Pipeline is built on the worker when the app starts."""
    worker = Worker(lambda: Pipeline.from_config(config), config.serve.max_waiting)
    console = Console(config, worker, Sessions(config), load_model(config.plant.asset_model))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pipeline = await asyncio.to_thread(worker.start)  # models load before the first request is taken
        await worker.call(lambda p: p.warm_up(), urgent=True)  # the ear and the voice: the first answer is not slower
        console.sessions.lang = pipeline.lang
        yield
        await asyncio.to_thread(worker.stop)

    app = FastAPI(title="plantvoice console", version=__version__, lifespan=lifespan)
    app.state.console = console
    app.include_router(router)
    app.add_api_websocket_route("/api/listen", listen)
    for kind, status in _STATUS.items():
        app.add_exception_handler(kind, _handler(status))
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="page")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def serve(config: Config, host: str, port: int) -> None:
    import uvicorn

    print(f"plantvoice: loading the models; then serving http://{host}:{port}/ (Ctrl-C ends)", file=sys.stderr,
          flush=True)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", ws_max_size=1 << 20)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _handler(status: int) -> Callable[[Request, Any], Any]:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return _error(status, str(exc))
    return handle


async def _http(request: Request, exc: Any) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail))


async def _invalid(request: Request, exc: Any) -> JSONResponse:
    """FastAPI's 422 list as one line: the first problem, where it is, and how to fix it."""
    first = exc.errors()[0] if exc.errors() else {}
    where = " -> ".join(str(x) for x in first.get("loc", ())) or "the request"
    fix = "send a JSON body as /openapi.json describes" if first.get("type") == "json_invalid" else \
        "see /openapi.json for what is expected"
    return _error(400, f"{where}: {first.get('msg', 'invalid')}; {fix}")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The schema with the one error shape for 400, 401, 403, 404 and 503 instead of FastAPI's 422."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].pop("422", None)
                for status, what in ERRORS.items():
                    operation["responses"].setdefault(str(status), {"description": what, "content": error})
        app.openapi_schema = schema
    return app.openapi_schema
