"""A process that writes notes, corrections, withdrawals and alarm acknowledgements, for tests/test_audit.py.

    python tests/audit_writer.py DATA_DIR COUNT

Opens ``notes.sqlite`` and ``plant.sqlite`` in DATA_DIR (the plant store holding COUNT alarms, raised by the
test), prints "ready", then per step n: adds a note, corrects it, withdraws every third, and acknowledges
alarm n through the audit log, each inside a turn of user "anna"; prints ``n`` after the step returned.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SITE = ZoneInfo("Europe/Berlin")
SHIFTS = "early 06:00-14:00, late 14:00-22:00, night 22:00-06:00"


class StorePlant:
    """Just the alarms of a real plant store: what ``AuditLog.acknowledge`` and ``settle`` ask of a plant."""

    def __init__(self, store: object) -> None:
        self.store = store

    def _alarm(self, row: dict) -> object:
        from assistant.plant import Alarm

        utc = dt.timezone.utc
        return Alarm(id=row["id"], asset=row["asset"], measurement=row["measurement"], kind=row["kind"],
                     priority=row["priority"], limit=row["limit_value"], value=row["value"], unit=row["unit"],
                     raised=dt.datetime.fromtimestamp(row["raised"], utc),
                     acknowledged=dt.datetime.fromtimestamp(row["acknowledged"], utc) if row["acknowledged"] else None,
                     acknowledged_by=row["acknowledged_by"])

    def alarms(self, active_only: bool = True) -> list:
        return [self._alarm(r) for r in self.store.alarms(False, 2**40)]

    def acknowledge(self, alarm_id: int, by: str) -> object:
        return self._alarm(self.store.acknowledge(alarm_id, by, 1_800_000_000))


def main() -> None:
    from assistant.audit import AuditLog, Speaker
    from assistant.notes import NoteStore, ShiftSchedule
    from assistant.plant.store import PlantStore

    data, count = Path(sys.argv[1]), int(sys.argv[2])
    notes = NoteStore(data / "notes.sqlite", ShiftSchedule.parse(SHIFTS), SITE)
    log = AuditLog(data / "notes.sqlite", SITE)
    plant = StorePlant(PlantStore(data / "plant.sqlite"))
    print("ready", flush=True)
    speaker = Speaker("CR-1", "anna", "Anna Becker", "operator")
    for n in range(1, count + 1):
        with log.turn(speaker):
            note = notes.add(f"step {n}: feed pump bearing checked", author="Anna Becker", role="operator")
            notes.correct(note.id, f"step {n}: feed pump bearing checked, fine", by="Anna Becker")
            if n % 3 == 0:
                notes.withdraw(note.id, by="Anna Becker")
            log.acknowledge(plant, n, "Anna Becker")
        print(n, flush=True)


if __name__ == "__main__":
    main()
