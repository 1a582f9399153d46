"""A process that adds notes to a notes store, for tests/test_notes_crash.py.

    python tests/notes_writer.py DB TAG COUNT [--audio-every N] [--embed] [--go FILE] [--start FILE]

With --go it prints "waiting" once started and opens the store when FILE exists. Prints "ready"
once the store is open (with --start it then waits for that FILE before writing), then for each
note ``id<TAB>n`` only after ``add``
returned. COUNT 0 writes until killed. The text of note n is ``text_of(TAG, n)``, and its audio
(every N-th note) holds ``frames_of(n)`` frames, so the test can check what it finds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SITE = ZoneInfo("Europe/Berlin")
SHIFTS = "early 06:00-14:00, late 14:00-22:00, night 22:00-06:00"
RATE = 16000


def text_of(tag: str, n: int) -> str:
    return f"note {n} from writer {tag}: feed pump {n % 7} bearing at {40 + n % 50} degrees, checked on the round"


def frames_of(n: int) -> int:
    return 1600 + 37 * (n % 100)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("tag")
    parser.add_argument("count", type=int)
    parser.add_argument("--audio-every", type=int, default=0)
    parser.add_argument("--embed", action="store_true", help="with MiniLM embeddings")
    parser.add_argument("--go", type=Path, help="open the store once this file exists")
    parser.add_argument("--start", type=Path, help="write once this file exists (after 'ready')")
    args = parser.parse_args()

    import numpy as np

    from assistant.notes import NoteStore, ShiftSchedule

    embed = None
    if args.embed:
        from assistant.nlu.embeddings import MiniLM

        embed = MiniLM.shared(ROOT / "models").encode
    if args.go is not None:
        print("waiting", flush=True)
        _wait_for(args.go)
    store = NoteStore(Path(args.db), ShiftSchedule.parse(SHIFTS), SITE, embed=embed)
    print("ready", flush=True)
    if args.start is not None:
        _wait_for(args.start)
    n = 0
    while args.count == 0 or n < args.count:
        audio = None
        if args.audio_every and n % args.audio_every == 0:
            audio = ((np.arange(frames_of(n)) % 200 - 100).astype("<i2").tobytes(), RATE)
        note = store.add(text_of(args.tag, n), author=f"writer {args.tag}", assets=[f"P-{100 + n % 7}"], audio=audio)
        print(f"{note.id}\t{n}", flush=True)
        n += 1
    store.close()


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.002)


if __name__ == "__main__":
    main()
