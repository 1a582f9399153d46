"""The historian backends, picked by name from ``historians`` (``plant.historian`` in the config).

    historian = create_historian(config.plant, config.data_path)

    sqlite     one file, data_dir/historian.sqlite (embedded, the default)
    postgres   a PostgreSQL server at plant.historian_dsn (psycopg 3)

A backend's module is imported only when it is chosen. The Historian protocol and the types it
speaks are in ``historian.py``, which imports no backend.
"""

from __future__ import annotations

from pathlib import Path

from ..config import PlantConfig
from ..registry import Registry
from .historian import Clock, Historian

__all__ = ["create_historian", "historians"]

historians: Registry[Historian] = Registry("historian backend", "plant -> historian")


@historians.register("sqlite")
def _sqlite(config: PlantConfig, data_dir: Path, clock: Clock | None = None) -> Historian:
    from .historian_sqlite import SqliteHistorian

    return SqliteHistorian(Path(data_dir) / "historian.sqlite", stale_after_s=config.stale_after_s, clock=clock)


@historians.register("postgres")
def _postgres(config: PlantConfig, data_dir: Path, clock: Clock | None = None) -> Historian:
    from .historian_postgres import PostgresHistorian

    return PostgresHistorian(config.historian_dsn, stale_after_s=config.stale_after_s, clock=clock)


def create_historian(config: PlantConfig, data_dir: Path, clock: Clock | None = None) -> Historian:
    """The configured historian backend; ``clock`` fixes "now" for staleness (tests, replays)."""
    return historians.create(config.historian, config=config, data_dir=Path(data_dir), clock=clock)
