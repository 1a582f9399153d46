"""Backends chosen by name: one registry per stage kind.

    recognizers.register("faster-whisper")(factory)
    recognizers.create("faster-whisper", config)

An unknown name raises ConfigError listing the available names. Factories import
their heavy libraries only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import ConfigError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, config_path: str) -> None:
        self.kind = kind
        self.config_path = config_path
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return decorate

    def names(self) -> list[str]:
        return sorted(self._factories)

    def create(self, name: str, *args: Any, **kwargs: Any) -> T:
        try:
            factory = self._factories[name]
        except KeyError:
            raise ConfigError(
                f"unknown {self.kind} {name!r} at {self.config_path}; "
                f"choose one of: {', '.join(self.names())}"
            ) from None
        return factory(*args, **kwargs)
