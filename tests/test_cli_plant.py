"""`plantvoice plant`: live ingest from a real OPC UA server (the demo plant's, asyncua) and a real
mosquitto broker, CSV import and the latest values, all in a historian under a temporary data directory.

The ingest runs in-process through ``main`` where ``--seconds`` ends it, and as a subprocess where
Ctrl-C (SIGINT) or SIGTERM ends it; either way it prints one line of counters and exits 0.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from assistant.cli import main
from assistant.config import PlantConfig
from assistant.plant.historians import create_historian
from assistant.plant.model import AssetModel, load_model
from assistant.plant.opcua_server import demo_value
from mosquitto_server import MosquittoServer, free_port, mosquitto_server

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "plant" / "demo_plant.yaml"
PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")
T0 = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)  # set afresh before each test (fresh_t0)


@pytest.fixture(autouse=True)
def fresh_t0() -> None:
    """Source times of published payloads count from a few seconds before the test, so they are current."""
    global T0
    T0 = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(seconds=5)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory (so a fresh historian) per test; no site config file is read."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANTVOICE_CONFIG", raising=False)
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="module")
def model() -> AssetModel:
    return load_model(MODEL)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [line for line in out.splitlines() if line.strip()], [line for line in err.splitlines() if line]


def latest(capsys: pytest.CaptureFixture[str], asset: str, measurement: str) -> dict[str, Any]:
    code, lines, _ = run(capsys, "plant", "latest", asset, measurement, "--json")
    assert code == 0 and len(lines) == 1
    [reading] = json.loads(lines[0])["readings"]
    return dict(reading)


def until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.1)


def stopped(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str, str]:
    """Send ``sig`` once the ingest is ready for it (its first stderr line), then collect it."""
    assert process.stderr is not None
    first = process.stderr.readline()
    assert "ingesting" in first, first
    process.send_signal(sig)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, first + err


# -- OPC UA ---------------------------------------------------------------------------------
@pytest.fixture()
def opcua_url(tmp_path: Path) -> Iterator[str]:
    """The demo plant's OPC UA server (assistant/plant/opcua_server.py) on a free port of 127.0.0.1."""
    port = free_port()
    log = (tmp_path / "opcua-server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "assistant.plant.opcua_server", "--model", str(MODEL),
                               "--port", str(port), "--period", "0.2"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving"), f"no OPC UA demo server: {(tmp_path / 'opcua-server.log').read_text()}"
        yield f"opc.tcp://127.0.0.1:{port}/plantvoice/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_ingest_opcua_then_latest_gives_what_the_server_serves(opcua_url: str, model: AssetModel,
                                                                capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    code, lines, err = run(capsys, "plant", "ingest", "opcua", "--endpoint", opcua_url, "--seconds", "3", "--json")
    assert code == 0 and len(lines) == 1, err
    stats = json.loads(lines[0])
    signals = sum(len(a.signals) for a in model.assets)
    assert (stats["source"], stats["address"], stats["connects"], stats["reconnects"]) == ("opcua", opcua_url, 1, 0)
    assert stats["written"] >= signals - 1  # every signal but P-202.flow (Bad, never a value) at least once
    assert stats["rejected_by_reason"]["bad without value"] >= 1 and stats["dropped"] == 0
    assert 3.0 <= stats["seconds"] < 10.0

    code, lines, _ = run(capsys, "plant", "latest", "P-102", "--json")
    assert code == 0 and len(lines) == 1
    out = json.loads(lines[0])
    assert out["asset"] == "P-102"
    pump = model.asset("P-102")
    assert pump is not None and [r["measurement"] for r in out["readings"]] == list(pump.measurements)
    for reading in out["readings"]:
        signal = model.signal("P-102", reading["measurement"])
        assert signal is not None and reading["unit"] == signal.unit
        assert (reading["quality"], reading["stale"], reading["current"]) == ("good", False, True)
        source_time = dt.datetime.fromisoformat(reading["time"])
        assert reading["value"] == pytest.approx(demo_value("P-102", signal, source_time), abs=1e-6)

    code, lines, _ = run(capsys, "plant", "latest", "F3", "voltage")  # served with status Uncertain
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("F3.voltage ") and " V uncertain at " in lines[0] and lines[0].endswith("not current")
    assert "STALE" not in lines[0]
    code, lines, _ = run(capsys, "plant", "latest", "P-202", "flow")  # served with status Bad and no value
    assert (code, lines) == (0, ["P-202.flow no data"])

    # the assistant answers from what was ingested (plant.backend = historian)
    monkeypatch.setenv("PLANTVOICE_PLANT_BACKEND", "historian")
    code, lines, _ = run(capsys, "ask", "--json", "what is the bearing temperature of feed pump two")
    assert code == 0 and len(lines) == 1
    answer = json.loads(lines[0])
    when = dt.datetime.fromisoformat(answer["data"]["time"])
    historian = create_historian(PlantConfig(), data_dir)
    [stored] = historian.samples("P-102.bearing_temperature", when, when + dt.timedelta(microseconds=1))
    historian.close()
    assert answer["data"]["value"] == stored.value and not answer["data"]["stale"]  # the ingested sample
    code, lines, _ = run(capsys, "ask", "--json", "any predicted faults on feed pump two")
    assert code == 0 and "no fault prediction yet" in json.loads(lines[0])["answer"]  # three seconds of history


def test_ingest_from_a_server_not_there_retries_until_its_seconds_are_up(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"opc.tcp://127.0.0.1:{free_port()}/plantvoice/"
    began = time.monotonic()
    code, lines, err = run(capsys, "plant", "ingest", "opcua", "--endpoint", url, "--seconds", "1.5")
    assert code == 0 and 1.5 <= time.monotonic() - began < 8.0
    assert len(lines) == 1 and lines[0].startswith(f"opcua {url}, 1.5 s: 0 points written,")
    assert "0 connections" in lines[0] and "0 reconnects" in lines[0]
    assert any("Ctrl-C stops" in line for line in err)


def test_ctrl_c_stops_an_ingest_that_waits_for_its_broker_with_the_summary() -> None:
    port = free_port()  # nothing listens there: paho keeps trying
    process = subprocess.Popen([PLANTVOICE, "plant", "ingest", "mqtt", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # let it try a connection
    code, out, err = stopped(process, signal.SIGINT)
    assert code == 0, err
    [line] = out.splitlines()
    assert line.startswith(f"mqtt 127.0.0.1:{port}, ") and "0 points written" in line and "0 connections" in line
    assert "Traceback" not in err


# -- MQTT -----------------------------------------------------------------------------------
@pytest.fixture()
def broker() -> Iterator[MosquittoServer]:
    try:
        with mosquitto_server() as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(f"mosquitto test broker: {exc}", pytrace=False)


def _payload(value: Any, seconds: float, **extra: Any) -> bytes:
    return json.dumps({"value": value, "time": (T0 + dt.timedelta(seconds=seconds)).isoformat(), **extra}).encode()


BEARING = "plant/P-102/bearing_temperature"


def test_ingest_mqtt_until_sigterm_then_latest_gives_what_was_published(broker: MosquittoServer,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-cli-publisher")
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    process: subprocess.Popen[str] | None = None
    try:
        # retained: the ingest gets it when it subscribes, which tells the test it is listening
        publisher.publish(BEARING, _payload(71.0, 0, unit="°C"), qos=1, retain=True).wait_for_publish(5)
        process = subprocess.Popen([PLANTVOICE, "plant", "ingest", "mqtt", "--port", str(broker.port), "--json"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        until(lambda: latest(capsys, "P-102", "bearing_temperature")["value"] == 71.0, 30, "the retained value")
        for topic, payload in [("plant/P-999/vibration", _payload(1.0, 1)),  # unknown topic
                               (BEARING, b"{oops"),  # bad JSON
                               (BEARING, _payload(160.0, 1, unit="°F")),  # unit mismatch
                               ("plant/F3/voltage", _payload(401.0, 2, unit="V", quality="uncertain")),
                               (BEARING, _payload(71.5, 1)),
                               (BEARING, _payload(72.0, 2, quality="good"))]:
            publisher.publish(topic, payload, qos=1).wait_for_publish(5)
        until(lambda: latest(capsys, "P-102", "bearing_temperature")["value"] == 72.0, 15, "the last value")
        until(lambda: latest(capsys, "F3", "voltage")["value"] is not None, 5, "F3.voltage")
        bearing, voltage = latest(capsys, "P-102", "bearing_temperature"), latest(capsys, "F3", "voltage")
        code, out, err = stopped(process, signal.SIGTERM)
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        if process is not None and process.poll() is None:
            process.kill()
            process.communicate()
    assert (bearing["value"], bearing["quality"], bearing["unit"]) == (72.0, "good", "°C")
    assert dt.datetime.fromisoformat(bearing["time"]) == T0 + dt.timedelta(seconds=2)
    assert (bearing["stale"], bearing["current"]) == (False, True)
    assert (voltage["value"], voltage["quality"], voltage["current"]) == (401.0, "uncertain", False)

    assert code == 0, err
    stats = json.loads(out)
    assert (stats["source"], stats["address"]) == ("mqtt", f"127.0.0.1:{broker.port}")
    assert (stats["received"], stats["connects"], stats["reconnects"], stats["dropped"]) == (7, 1, 0, 0)
    assert stats["rejected_by_reason"] == {"unknown topic": 1, "bad JSON": 1, "unit mismatch": 1}
    # 4 values, then the 2 signals seen marked bad as the broker connection closed
    assert (stats["written"], stats["marked_bad"]) == (6, 2)
    after = latest(capsys, "P-102", "bearing_temperature")
    assert (after["value"], after["quality"], after["current"]) == (72.0, "bad", False)


# -- CSV import and latest ------------------------------------------------------------------
GOOD = """time,asset,signal,value,quality,unit
2024-03-01T10:00:00+00:00,P-102,bearing_temperature,70.5,good,°C
2024-03-01T10:01:00Z,P-102,bearing_temperature,71.25,,°C
2024-03-01T11:01:00+01:00,P-102,vibration,2.5,uncertain,
"""
BAD_ROW = """time,asset,signal,value
2024-03-01T11:00:00+00:00,P-102,bearing_temperature,99.0
2024-03-01T11:01:00+00:00,P-102,bearing_temperature,hot
"""


def test_import_then_latest_says_old_values_are_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    code, lines, _ = run(capsys, "plant", "import", str(good))
    assert (code, lines) == (0, [f"{good}: 3 points of 2 signals, 2024-03-01 10:00:00Z to 2024-03-01 10:01:00Z"])

    code, lines, _ = run(capsys, "plant", "latest", "P-102", "bearing_temperature")
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("P-102.bearing_temperature STALE 71.25 °C good at 2024-03-01 10:01:00Z, ")
    assert lines[0].endswith(" old, not current")
    bearing = latest(capsys, "P-102", "bearing_temperature")
    assert (bearing["value"], bearing["stale"], bearing["current"]) == (71.25, True, False)
    assert bearing["time"] == "2024-03-01T10:01:00+00:00" and bearing["age_s"] > 86400
    vibration = latest(capsys, "P-102", "vibration")
    assert (vibration["value"], vibration["quality"], vibration["stale"]) == (2.5, "uncertain", True)

    code, lines, _ = run(capsys, "plant", "import", str(good), "--json")  # again: the same points, replaced
    assert code == 0 and json.loads(lines[0])["points"] == 3
    assert json.loads(lines[0])["signals"] == ["P-102.bearing_temperature", "P-102.vibration"]


def test_a_bad_file_is_one_line_exit_2_and_what_was_imported_stays(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD_ROW, encoding="utf-8")
    code, lines, err = run(capsys, "plant", "import", str(good), str(bad))
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(f"{good}: 3 points")
    assert len(err) == 1 and err[0].startswith(f"plantvoice: error: {bad}:3: value 'hot' is not a number;")
    assert "nothing imported" in err[0] and "import again" in err[0]
    bearing = latest(capsys, "P-102", "bearing_temperature")
    assert (bearing["value"], bearing["time"]) == (71.25, "2024-03-01T10:01:00+00:00")  # none of bad.csv's rows


@pytest.mark.parametrize(("content", "needle"), [
    ("when,asset,signal,value\n", ":1: missing column(s) time"),
    ("time,asset,signal,value\n2024-03-01T10:00:00,P-102,speed,1480\n", ":2: time '2024-03-01T10:00:00' has no UTC"),
    (b"time,asset,signal,value\n2024-03-01T10:00:00Z,P-102,speed,1480\xff\n", "is not UTF-8"),
    (None, "file not found"),
])
def test_bad_files_are_one_line_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                content: str | bytes | None, needle: str) -> None:
    path = tmp_path / "history.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code, lines, err = run(capsys, "plant", "import", str(path))
    assert (code, lines, len(err)) == (2, [], 1)
    assert str(path) in err[0] and needle in err[0]
    code, lines, _ = run(capsys, "plant", "latest", "P-102", "speed")
    assert lines == ["P-102.speed no data"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["P-999"], "unknown asset 'P-999'; use an asset id of"),
    (["P-102", "colour"], "asset P-102 has no measurement 'colour'; use one of bearing_temperature"),
])
def test_latest_of_an_unknown_asset_or_measurement_is_one_line_exit_2(capsys: pytest.CaptureFixture[str],
                                                                       argv: list[str], needle: str) -> None:
    code, lines, err = run(capsys, "plant", "latest", *argv, "--json")
    assert (code, lines, len(err)) == (2, [], 1) and needle in err[0]
    assert "P-102" in err[0]


def test_ingest_defaults_come_from_the_config(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    monkeypatch.setenv("PLANTVOICE_PLANT_MQTT_PORT", str(port))
    monkeypatch.setenv("PLANTVOICE_PLANT_MQTT_HOST", "localhost")
    code, lines, _ = run(capsys, "plant", "ingest", "mqtt", "--seconds", "0.5", "--json")
    assert code == 0 and json.loads(lines[0])["address"] == f"localhost:{port}"
    url = f"opc.tcp://127.0.0.1:{free_port()}/elsewhere/"
    monkeypatch.setenv("PLANTVOICE_PLANT_OPCUA_ENDPOINT", url)
    code, lines, _ = run(capsys, "plant", "ingest", "opcua", "--seconds", "0.5", "--json")
    assert code == 0 and json.loads(lines[0])["address"] == url
    code, _, err = run(capsys, "plant", "ingest", "opcua", "--seconds", "0")
    assert code == 2 and len(err) == 1 and "--seconds 0" in err[0]


def test_ingest_mqtt_logs_in_with_the_configured_user_password_and_tls(capsys: pytest.CaptureFixture[str],
                                                                      caplog: pytest.LogCaptureFixture,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        server = mosquitto_server(users={"ingest": "s3cret"}, tls=True)
        secured = server.__enter__()
    except RuntimeError as exc:
        pytest.fail(f"mosquitto test broker: {exc}", pytrace=False)
    try:
        monkeypatch.setenv("PLANTVOICE_PLANT_MQTT_USERNAME", "ingest")
        monkeypatch.setenv("PLANTVOICE_PLANT_MQTT_TLS_CA", str(secured.ca))
        monkeypatch.setenv("PLANTVOICE_PLANT_MQTT_PASSWORD", "wrong")
        code, lines, err = run(capsys, "plant", "ingest", "mqtt", "--port", str(secured.port), "--seconds", "2")
        assert code == 0 and "0 connections" in lines[0], lines
        assert "refused the connection: Not authorized" in caplog.text
        monkeypatch.setenv("PLANTVOICE_PLANT_MQTT_PASSWORD", "s3cret")
        code, lines, err = run(capsys, "plant", "ingest", "mqtt", "--port", str(secured.port), "--seconds", "2")
        assert code == 0 and re.search(r"\b1 connections?\b", lines[0]), lines
        assert "s3cret" not in " ".join(lines + err) + caplog.text
    finally:
        server.__exit__(None, None, None)
