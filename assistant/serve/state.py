"""What the console's requests share: the config, the Pipeline's worker, the sessions; and the errors that
become HTTP statuses (the rest: ``app.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..plant.model import AssetModel
from .sessions import Sessions
from .worker import Worker

__all__ = ["Console", "Missing", "Forbidden"]


@dataclass
class Console:
    config: Config
    worker: Worker
    sessions: Sessions
    model: AssetModel  # the asset model, to check asset ids off the worker


class Missing(Exception):
    """404: no such asset, measurement or alarm; the message names what there is."""


class Forbidden(Exception):
    """403: the role may not do it; the message is the dialogue's refusal."""
