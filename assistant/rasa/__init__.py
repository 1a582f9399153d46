"""Rasa projects: ``plantvoice rasa export`` and ``plantvoice rasa import`` (``project.py``)."""

from __future__ import annotations

from .project import ACTION, DEFAULT_EPOCHS, domain, export_project, import_project, nlu_yaml, pipeline_config

__all__ = ["ACTION", "DEFAULT_EPOCHS", "export_project", "import_project", "nlu_yaml", "domain", "pipeline_config"]
