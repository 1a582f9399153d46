"""The intent handler registry: ``@handler("<intent>")``, for the built-in intents and for plugin code alike.

    @handler("asset_criticality")
    def asset_criticality(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
        return dialogue.answer(intent, "utter_asset_criticality", data, **slots), state

A handler takes the dialogue (its helpers, ``dialogue.user``, ``dialogue.heard``), the request and the
conversation state, and returns the answer and the next state. The built-in intents are registered
this way by the topic modules of this package; a module of one's own is imported with
``import_handlers(path)`` (the CLI's ``--code FILE``). One function per intent: a built-in intent's
name, or a second function for a registered name, is refused with a ConfigError.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import ConfigError, InputError
from ..events import Answer, Intent
from .state import DialogueState

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["HANDLERS", "IntentHandler", "built_in", "handler", "handler_responses", "import_handlers"]

IntentHandler = Callable[["Dialogue", Intent, DialogueState], tuple[Answer, DialogueState]]
HANDLERS: dict[str, IntentHandler] = {}  # intent -> function registered with @handler


def handler(intent: str) -> Callable[[IntentHandler], IntentHandler]:
    """Register a function as the handler of ``intent`` for every Dialogue made afterwards.

    The function takes (dialogue, intent, state) and returns the answer and the next state, as
    the built-in handlers do. Built-in intents keep their handlers; one function per intent.
    """

    def register(function: IntentHandler) -> IntentHandler:
        _check_free(intent, function)
        HANDLERS[intent] = function
        return function

    return register


def _qualified(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def built_in(function: Callable[..., object]) -> bool:
    """A handler of plantvoice itself (a module of this package), not one registered by other code."""
    return function.__module__.startswith(f"{__package__}.")


def _check_free(intent: str, function: IntentHandler) -> None:
    other = HANDLERS.get(intent)
    if other is None or _qualified(other) == _qualified(function):
        return  # a free name, or the same function again (a module imported twice)
    where = f"@handler({intent!r}) on {_qualified(function)}"
    if built_in(other):
        raise ConfigError(f"{where}: {intent!r} is a built-in intent, answered by {other.__qualname__} in "
                          f"{other.__module__}; give the new intent a name of its own")
    raise ConfigError(f"{where}: {intent!r} is already handled by {_qualified(other)}; "
                      "register one handler per intent")


def import_handlers(path: str | Path) -> ModuleType:
    """Import the Python file ``path`` so that its ``@handler`` registrations take effect (once per file)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise InputError(f"handler code {path} not found; pass an existing Python file to --code")
    name = "plantvoice_code_" + re.sub(r"\W", "_", path.stem)
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def handler_responses() -> dict[str, frozenset[str]]:
    """Intent -> the responses (``utter_*``) its handler can speak, read from the handlers' code.

    The names written in the handler, in the Dialogue methods it calls on its first parameter
    (``dialogue.resolve_asset(...)``), and in the functions it calls that are of its own module or
    of this package, followed the same way."""
    from .core import Dialogue

    return {name: frozenset(_speaks(function, Dialogue, set())) for name, function in HANDLERS.items()}


def _speaks(function: Callable[..., object], dialogue: type, seen: set[str]) -> set[str]:
    if _qualified(function) in seen:
        return set()
    seen.add(_qualified(function))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError):  # no source to read (made at run time): it speaks nothing known
        return set()
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return set()
    owner = node.args.args[0].arg if node.args.args else None  # the dialogue, or self in a Dialogue method
    names = getattr(function, "__globals__", {})
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.startswith("utter_"):
            found.add(sub.value)
        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == owner:
            method = inspect.getattr_static(dialogue, sub.attr, None)
            if inspect.isfunction(method):
                found |= _speaks(method, dialogue, seen)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            callee = names.get(sub.func.id)
            if inspect.isfunction(callee) and (callee.__module__ == function.__module__ or built_in(callee)):
                found |= _speaks(callee, dialogue, seen)
    return found
