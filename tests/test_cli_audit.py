"""``--user``, ``audit list`` and ``audit export`` as a script sees them: the real ``plantvoice`` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")
USERS = ('[station]\nname = "CR-1"\n[users.anna]\nname = "Anna Becker"\nrole = "operator"\n'
         '[users.bob]\nname = "Bob Meyer"\nrole = "maintenance"\n')


def cli(config: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PLANTVOICE, "--config", str(config), *argv], input=stdin, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A station where Anna acknowledged the transformer's alarm and Bob was refused, typed through chat."""
    root = tmp_path_factory.mktemp("station")
    path = root / "plantvoice.toml"
    path.write_text(f'data_dir = "{root / "data"}"\n{USERS}')
    anna = cli(path, "chat", "--user", "anna", stdin="acknowledge the alarm on the main transformer\nyes\n")
    assert anna.returncode == 0, anna.stderr
    assert anna.stdout.splitlines()[-1].startswith("plantvoice> Acknowledged T one") and "Anna Becker" in anna.stdout
    bob = cli(path, "ask", "--user", "Bob Meyer", "--json", "acknowledge the alarm on the main transformer")
    assert json.loads(bob.stdout)["answer"] == \
        "Acknowledging alarms needs the operator role; you are signed on as maintenance."
    return path


def test_an_unknown_user_is_refused_with_the_known_ones(config: Path) -> None:
    run = cli(config, "ask", "--user", "zoltan", "what is the plant status")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == ("plantvoice: error: unknown user 'zoltan'; known users: Anna Becker, Bob Meyer "
                                  "(add a [users.<key>] table with name and role to the config)")


def test_audit_list_shows_each_turn_and_write(config: Path) -> None:
    run = cli(config, "audit", "list", "--user", "anna")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3 and all(" CR-1 anna (operator) " in line for line in lines)
    assert "heard 'acknowledge the alarm on the main transformer' -> alarm_acknowledge" in lines[0]
    assert "write alarm_acknowledge alarm=" in lines[1] and "asset=T1" in lines[1]
    assert "heard 'yes' -> confirm" in lines[2] and "logged for Anna Becker" in lines[2]
    assert lines[2].endswith("; alarm_acknowledge done")
    entries = json.loads(cli(config, "audit", "list", "--json").stdout)["entries"]
    assert [(e["kind"], e["user"]) for e in entries] == [("turn", "anna"), ("write", "anna"), ("turn", "anna"),
                                                         ("turn", "bob")]
    refused = entries[-1]
    assert refused["actions"] == [{"write": "alarm_acknowledge", "outcome": "refused", "reason": refused["answer"]}]
    assert refused["heard"] == "acknowledge the alarm on the main transformer" and refused["role"] == "maintenance"
    assert entries[0]["data"]["alarms"][0]["asset"] == "T1" and entries[0]["entities"] == [
        {"entity": "asset", "value": "T1"}]
    assert cli(config, "audit", "list", "--since", "2999-01-01").stdout.strip() == "no audit entries"


def test_audit_export_jsonl_and_csv(config: Path, tmp_path: Path) -> None:
    jsonl = cli(config, "audit", "export", "--format", "jsonl")
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [r["kind"] for r in rows] == ["turn", "write", "turn", "turn"]
    assert {"time_utc", "time_local", "station", "user", "role", "heard", "intent", "answer", "data"} <= set(rows[0])
    out = tmp_path / "audit.csv"
    run = cli(config, "audit", "export", "--format", "csv", "--out", str(out))
    assert run.returncode == 0 and run.stderr.strip() == f"plantvoice: 4 audit rows written to {out}"
    table = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["user"] for r in table] == ["anna", "anna", "anna", "bob"]
    assert table[1]["write"] == "alarm_acknowledge" and json.loads(table[1]["target"])["asset"] == "T1"
    assert json.loads(table[3]["actions"])[0]["outcome"] == "refused"


@pytest.mark.parametrize(("argv", "needle"), [
    (("audit", "list", "--since", "yesterday"), "--since 'yesterday' is not a date or time"),
    (("audit", "export", "--format", "xml"), "invalid choice: 'xml'"),
    (("audit", "remove"), "invalid choice: 'remove'"),
])
def test_bad_audit_usage_is_one_line(config: Path, argv: tuple[str, ...], needle: str) -> None:
    run = cli(config, *argv)
    assert run.returncode == 2 and needle in run.stderr and len(run.stderr.strip().splitlines()) == 1
