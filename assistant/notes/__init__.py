"""Spoken shift notes and maintenance reports: kept durably, with every version, and found again.

    schedule = ShiftSchedule.parse(config.notes.shifts)
    store = NoteStore(config.data_path / "notes.sqlite", schedule, site_tz, embed=minilm.encode)
    note = store.add("cooling water valve dripping at the gland", author="A. Novak", assets=["V-301"])
    store.search("anything about leaks?")   # [(note, 0.55, "semantic")]
"""

from __future__ import annotations

from .shifts import Shift, ShiftSchedule
from .store import KINDS, REPORT_FIELDS, Note, NoteStore

__all__ = ["KINDS", "REPORT_FIELDS", "Note", "NoteStore", "Shift", "ShiftSchedule"]
