"""No line of typed text takes the assistant down: ``ask`` batches and ``chat`` answer or refuse each line
on its own, as a script sees them through real ``plantvoice`` processes fed raw bytes.

The processes share one data directory, so the plant and its fault models are made once.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import cli

PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")
LONG = b"x" * 100_000

# line by line: (bytes, what the line gives: an intent name, an error naming it, or None for no output)
BATCH: list[tuple[bytes, str | None]] = [
    (b"show me the active alarms", "alarm_list"),
    (b"", None),  # blank: skipped
    (b"   \t ", None),  # only blanks: skipped
    (b"caf\xe9 \xff\xfe what is the bearing temperature", "not UTF-8"),
    (LONG, "at most 1000"),
    (b"show me\x00 the alarms", "U+0000"),
    (b"ring the \x07bell", "U+0007"),
    (b"what is the bearing temperature of feed pump two", "sensor_reading"),
    ("what's the weather like ①²".encode(), "out_of_scope"),
]
# "\r\n", "\n" and a lone "\r" each end a line; the last line needs no line end
ENDS = [b"\r\n", b"\n", b"\r", b"\n", b"\r\n", b"\r", b"\n", b"\r", b""]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def plantvoice(data_dir: Path, *argv: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PLANTVOICE_DATA_DIR": str(data_dir)}
    return subprocess.run([PLANTVOICE, *argv], input=stdin, capture_output=True, timeout=600, env=env)


def batch() -> bytes:
    return b"".join(line + end for (line, _), end in zip(BATCH, ENDS, strict=True))


def test_ask_json_gives_each_line_its_own_object_in_order(data_dir: Path) -> None:
    done = plantvoice(data_dir, "ask", "--json", stdin=batch())
    assert done.returncode == 2, done.stderr.decode(errors="replace")
    outs = [json.loads(line) for line in done.stdout.decode().splitlines()]
    expected = [(number, want) for number, (_, want) in enumerate(BATCH, 1) if want is not None]
    assert [o["line"] for o in outs] == [number for number, _ in expected]
    for out, (number, want) in zip(outs, expected, strict=True):
        if "error" in out:
            assert set(out) == {"line", "error"} and want in out["error"] and f"line {number}" in out["error"]
            assert "\n" not in out["error"] and "x" * 50 not in out["error"]
        else:
            assert out["intent"]["name"] == want and out["text"] == BATCH[number - 1][0].decode().strip()
    assert "over 1000 characters" in outs[2]["error"]  # the limit
    assert b"\xff" not in done.stdout and b"Traceback" not in done.stderr


def test_parse_json_gives_each_line_its_own_object_in_order(data_dir: Path) -> None:
    done = plantvoice(data_dir, "parse", "--json", stdin=batch())
    assert done.returncode == 2, done.stderr.decode(errors="replace")
    outs = [json.loads(line) for line in done.stdout.decode().splitlines()]
    expected = [(number, want) for number, (_, want) in enumerate(BATCH, 1) if want is not None]
    intents = {"alarm_list", "sensor_reading", "out_of_scope"}
    assert [(o["line"], "error" in o) for o in outs] == [(n, want not in intents) for n, want in expected]
    assert [o["intent"]["name"] for o in outs if "intent" in o] == [w for _, w in expected if w in intents]


def test_ask_text_answers_on_stdout_and_refusals_on_stderr(data_dir: Path) -> None:
    done = plantvoice(data_dir, "ask", stdin=batch())
    assert done.returncode == 2
    answers = done.stdout.decode().splitlines()
    errors = done.stderr.decode().splitlines()
    assert len(answers) == 3 and "alarm" in answers[0].lower()  # the good lines, the last one too
    assert [e.split()[2:4] for e in errors] == [["line", "4"], ["line", "5"], ["line", "6"], ["line", "7"]]
    assert all(e.startswith("plantvoice: error: ") for e in errors)
    assert b"\xff" not in done.stderr


def test_ask_of_good_lines_only_exits_0(data_dir: Path) -> None:
    done = plantvoice(data_dir, "ask", "--json", stdin=b"\n\nshow me the active alarms\r\n\n")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert [json.loads(line)["line"] for line in done.stdout.decode().splitlines()] == [3]


FAILING_STORE = '''
from assistant.audit import AuditLog
from assistant.errors import DataError

record = AuditLog.record


def failing(self, scope, *, heard, **kwargs):
    if heard == "show me the active alarms please":
        raise DataError(f"{self.path}: database or disk is full; free some space")
    if heard == "what is the oil temperature of the main transformer":
        raise RuntimeError("a bug\\nover two lines")
    return record(self, scope, heard=heard, **kwargs)


AuditLog.record = failing
'''


def test_chat_answers_each_line_and_goes_on_past_errors(data_dir: Path, tmp_path: Path) -> None:
    code = tmp_path / "failing_store.py"
    code.write_text(FAILING_STORE)
    stdin = (b"show me the active alarms\r\n"
             b"\n"
             b"\xc3\x28 bad bytes\r"
             b"show me the active alarms please\n"  # the store refuses it
             + LONG + b"\n"
             b"nul\x00\n"
             b"what is the bearing temperature of feed pump two\r"
             b"what is the oil temperature of the main transformer\n"  # a bug: the chat ends here
             b"show me the active alarms\n")
    done = plantvoice(data_dir, "--code", str(code), "chat", "--json", stdin=stdin)
    outs = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [(o["line"], o.get("intent", {}).get("name") or o["error"].split(";")[0]) for o in outs] == [
        (1, "alarm_list"),
        (3, "line 3 is not UTF-8 text"),
        (4, f"line 4: {data_dir / 'notes.sqlite'}: database or disk is full"),
        (5, "line 5 is over 1000 characters long"),
        (6, "line 6 holds the control character U+0000"),
        (7, "sensor_reading"),
    ]
    err = done.stderr.decode().splitlines()
    assert done.returncode == 1 and len(err) == 1, err
    assert "internal error on line 8" in err[0] and "RuntimeError: a bug over two lines" in err[0]
    with sqlite3.connect(data_dir / "notes.sqlite") as db:  # the turns answered before the bug are stored
        heard = [json.loads(r)["heard"] for (r,) in db.execute("SELECT record FROM audit WHERE kind = 'turn'")]
    assert heard[-2:] == ["show me the active alarms", "what is the bearing temperature of feed pump two"]


def test_chat_text_answers_and_errors_one_line_each(data_dir: Path) -> None:
    done = plantvoice(data_dir, "chat", stdin=b"\xff\rshow me the active alarms\r\n\x1b[A\nhello there")
    assert done.returncode == 0
    answers = done.stdout.decode().splitlines()
    assert len(answers) == 2 and all(a.startswith("plantvoice> ") for a in answers)
    assert done.stderr.decode().splitlines() == [
        "plantvoice: error: line 1 is not UTF-8 text; save the requests as UTF-8",
        "plantvoice: error: line 3 holds the control character U+001B; type the request as plain text"]


class _Trickle(io.RawIOBase):
    """Standard input that arrives a few bytes at a time, as through a pipe."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(self.size, len(buffer), len(self.data))
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1 << 16])
def test_line_ends_split_between_reads(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    data = b"one\r\ntwo\rthree\n\r\nfour\r\r\nfive\r"
    stdin = io.TextIOWrapper(io.BufferedReader(_Trickle(data, size), buffer_size=size))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert list(cli._stdin_lines()) == [b"one", b"two", b"three", b"", b"four", b"", b"five"]
