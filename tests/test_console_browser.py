"""The console page in a real browser: Debian chromium, driven by Playwright, against a real `plantvoice serve`.

One server for the module (config and data directory in a temporary directory, the demo plant) with one token,
for Anna Becker (operator). Chromium's fake microphone plays a WAV made here with the hibari voice, from the moment
the page opens the microphone (at the first press of push-to-talk): the page streams it to WS /api/listen as
16 kHz PCM, the server recognizes it, and the page shows and speaks the answer. A browser takes one WAV for its
whole life, so each spoken request gets its own browser.

Screenshots are written to the module's temporary directory (``screens``), named in the assertion messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.request
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answer import whole_percent

from serve_server import CHROMIUM, CHROMIUM_ARGS, serving
from speech import say

TOKEN = "console-test-token-for-anna"
VOICE = "hibari:heart"
REQUEST = "what is the bearing temperature of feed pump two"
TREND_RGB = (0x00, 0xC8, 0xFF)  # style.css --trend
HIGH_RGB = (0xFF, 0x5C, 0x5C)  # style.css --high
ANSWER_S = 240_000  # a first spoken request also loads the recognizer
CONFIG = """\
data_dir = "{data}"
[station]
name = "CR-1"
[users.anna]
name = "Anna Becker"
role = "operator"
[serve]
anonymous = "viewer"
[serve.tokens.anna]
sha256 = "{digest}"
user = "anna"
"""


class Server:
    def __init__(self, base: str, log: Path) -> None:
        self.base, self.log = base, log

    def api(self, path: str, token: str | None = TOKEN, station: str = "tests", method: str = "GET",
            body: Any = None) -> Any:
        headers = {"X-Station": station}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def alarms(self) -> list[dict[str, Any]]:
        return self.api("/api/alarms?all=true")["alarms"]

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("console")
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    try:
        with serving(root, CONFIG.format(data=root / "data", digest=digest), start_s=180) as (url, log):
            yield Server(url, log)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("voice")
    # the fake microphone starts playing its file when it opens, at the first press; chromium takes up to about
    # 2 s to deliver its first samples to the page, which must be silence
    return {"request": say(REQUEST, root / "request.wav", voice=VOICE, pad_s=0.6, lead_s=2.5),
            "yes": say("yes", root / "yes.wav", voice=VOICE, pad_s=0.6, lead_s=2.5)}


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screens")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture()
def launch(playwright: Any) -> Iterator[Any]:
    """launch(wav): a headless chromium whose microphone plays ``wav`` once; closed after the test."""
    browsers: list[Any] = []

    def launch(wav: Path | None = None) -> Any:
        args = list(CHROMIUM_ARGS)
        if wav is not None:
            args.append(f"--use-file-for-fake-audio-capture={wav}%noloop")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args, timeout=60_000)
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


def open_console(browser: Any, server: Server, token: str, station: str) -> Any:
    """The console in a new browser context with ``token`` and ``station`` saved, connected."""
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    context.add_init_script(f"localStorage.setItem('plantvoice.token', {json.dumps(token)});"
                            f"localStorage.setItem('plantvoice.station', {json.dumps(station)});")
    page = context.new_page()
    page.set_default_timeout(90_000)  # the one pipeline worker may be busy with another station's answer
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(server.base + "/")
    page.wait_for_selector("body[data-connected=true]")
    page.wait_for_selector("#alarms tbody tr")
    return page


def seconds(wav: Path) -> float:
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def speak(page: Any, wav: Path, partial: str = "") -> None:
    """Hold the space bar until the page has sent all of ``wav`` (and 0.5 s more) from the fake microphone, and
    until a partial transcript with a word of ``partial`` has been shown, if given.

    The microphone opens, and the file starts playing, at the first press; on a busy machine that takes a while,
    so the release waits for the samples, not for a time.
    """
    page.locator("h1").click()  # focus off any text field
    sent = page.evaluate("window.plantvoice.stats.samplesSent")
    page.keyboard.down("Space")
    wanted = sent + int((seconds(wav) + 0.5) * 16000)
    page.wait_for_function(f"window.plantvoice.stats.samplesSent >= {wanted}", polling=20, timeout=60_000)
    if partial:
        words = json.dumps(partial.lower().split())
        page.wait_for_function(f"window.plantvoice.partials.some((p) => p.toLowerCase().split(/[^a-z']+/)"
                               f".some((w) => {words}.includes(w)))", polling=50, timeout=60_000)
    assert page.locator("#ptt").inner_text() == "Listening… release to send"  # the microphone is open
    page.keyboard.up("Space")


def answers(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.plantvoice.answers")


def wait_answers(page: Any, count: int, timeout: int = 60_000) -> dict[str, Any]:
    page.wait_for_function(f"window.plantvoice.answers.length >= {count}", timeout=timeout)
    return answers(page)[count - 1]


def pixels_near(path: Path, rgb: tuple[int, int, int], tolerance: int = 40) -> list[tuple[int, int]]:
    from PIL import Image

    image = Image.open(path).convert("RGB")
    width, height = image.size
    data = image.load()
    return [(x, y) for y in range(height) for x in range(width)
            if all(abs(c - r) <= tolerance for c, r in zip(data[x, y], rgb))]


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_page_and_static_files_are_served(server: Server) -> None:
    for path, kind in (("/", "text/html"), ("/static/app.js", "javascript"), ("/static/style.css", "text/css")):
        with urllib.request.urlopen(server.base + path, timeout=30) as response:
            assert kind in response.headers["Content-Type"], (path, response.headers["Content-Type"])
            body = response.read().decode()
            assert "http://" not in body.replace("http://www.w3.org/2000/svg", "") and "https://" not in body, path


def test_a_spoken_request_is_answered_on_screen_and_aloud(server: Server, launch: Any, wavs: dict[str, Path],
                                                          screens: Path) -> None:
    page = open_console(launch(wavs["request"]), server, TOKEN, "desk-speech")
    assert page.locator("#who").inner_text().startswith("station desk-speech · operator")
    speak(page, wavs["request"], partial=REQUEST)  # a partial transcript with its words shows while it is held
    answer = wait_answers(page, 1, timeout=ANSWER_S)
    transcript = page.locator("#transcript").inner_text().lower()
    assert "bearing temperature" in transcript, (transcript, server.tail())
    assert "P one oh two" in answer["text"] and page.locator("#answer").inner_text() == answer["text"]

    # the value on screen is the plant's value at its time
    [value] = [v for v in answer["values"] if "P-102" in v["tag"]]
    assert value["unit"] == "°C" and value["quality"] == "good"
    plant: dict[dt.datetime, float] = {}
    for reading in server.api("/api/assets/P-102/latest?measurement=bearing_temperature")["readings"]:
        plant[_time(reading["time"])] = reading["value"]
    trend = server.api("/api/assets/P-102/trend?measurement=bearing_temperature&hours=8")
    plant.update({_time(t): v for t, v in trend["points"]})
    assert plant[_time(value["time"])] == pytest.approx(value["value"], abs=1e-3), (value, trend["points"][-3:])
    shown = page.locator("#values li.value").first
    assert shown.get_attribute("data-tag") == value["tag"]
    assert shown.locator("mark").inner_text() == f"{value['value']:.1f} °C"

    # the spoken answer arrived piece by piece and was played whole
    page.wait_for_function("(s => s.audioLast && s.samplesReceived > 0 && s.samplesPlayed >= s.samplesReceived)"
                           "(window.plantvoice.stats)", timeout=60_000)
    stats = page.evaluate("window.plantvoice.stats")
    assert stats["audioFrames"] >= 1 and stats["samplesReceived"] / stats["audioRate"] > 2.0, stats
    page.locator("#talk").screenshot(path=str(screens / "answer.png"))
    path = screens / "values.png"
    page.locator("#values").screenshot(path=str(path))
    assert len(pixels_near(path, (0x4F, 0xB3, 0xFF), 20)) > 200, f"the value's highlight is missing in {path}"

    # the trend of the asset asked about: every point, across the whole plot area
    page.wait_for_selector("#trend svg polyline")
    drawn = page.evaluate("window.plantvoice.trend")
    assert (drawn["asset"], drawn["measurement"], drawn["unit"]) == ("P-102", "bearing_temperature", "°C")
    assert abs(len(drawn["points"]) - len(trend["points"])) <= 1 and len(drawn["points"]) > 100
    xy = [tuple(map(float, p.split(","))) for p in
          page.locator("#trend polyline").get_attribute("points").split()]
    assert len(xy) == len(drawn["points"])
    area = {k: float(page.locator("#trend rect.plot-area").get_attribute(k)) for k in ("x", "y", "width", "height")}
    assert min(x for x, _ in xy) == pytest.approx(area["x"], abs=1)
    assert max(x for x, _ in xy) == pytest.approx(area["x"] + area["width"], abs=1)
    ys = [y for _, y in xy]
    assert area["y"] <= min(ys) and max(ys) <= area["y"] + area["height"]
    assert max(ys) - min(ys) > 0.5 * area["height"]  # the axis fits the values
    assert "°C" in page.locator("#trend svg").text_content()
    assert len(page.locator("#trend text.x-tick").all()) >= 5
    path = screens / "trend.png"
    page.locator("#trend svg").screenshot(path=str(path))
    line = pixels_near(path, TREND_RGB)
    from PIL import Image

    width = Image.open(path).size[0]
    assert len(line) > 1000, f"{len(line)} pixels of the line colour in {path}"
    assert max(x for x, _ in line) - min(x for x, _ in line) > 0.8 * width, path
    assert not page.errors


def test_alarms_faults_and_notes_show_what_the_api_holds(server: Server, launch: Any, screens: Path) -> None:
    assert server.api("/api/ask", station="notes", method="POST",
                      body={"text": "take a note the cooling water valve is leaking slightly"})["awaiting"] == "confirm"
    assert server.api("/api/confirm", station="notes", method="POST", body={"yes": True})["answer"].startswith("Saved")
    page = open_console(launch(), server, TOKEN, "desk-alarms")
    active = server.api("/api/alarms")["alarms"]
    rows = page.locator("#alarms tbody tr")
    assert sorted(int(r.get_attribute("data-id")) for r in rows.all()) == sorted(a["id"] for a in active)
    for alarm in active:
        cells = page.locator(f'#alarms tr[data-id="{alarm["id"]}"] td').all_inner_texts()
        assert cells[0] == alarm["priority"] and cells[1] == alarm["asset"], cells
        assert alarm["measurement"].replace("_", " ") in cells[2] and alarm["unit"] in cells[3], cells
        assert ("acknowledged" in cells[5]) == bool(alarm["acknowledged"]), cells
    path = screens / "alarms.png"
    page.locator("#alarms-panel").screenshot(path=str(path))
    if any(a["priority"] == "high" for a in active):
        assert len(pixels_near(path, HIGH_RGB, 30)) > 30, f"no high priority colour in {path}"

    risks = page.evaluate("window.plantvoice.faults")  # what the page drew: the probabilities move with the plant
    assert {r["asset"] for r in risks} == {r["asset"] for r in server.api("/api/faults")["risks"]}
    assert [r["probability"] for r in risks] == sorted((r["probability"] for r in risks), reverse=True)
    shown = page.locator("#faults li").all_inner_texts()
    assert len(shown) == min(8, len(risks))
    for risk, text in zip(risks, shown):
        assert text.startswith(f"{risk['asset']} {risk['name']}"), (text, risk)
        assert f"{whole_percent(risk['probability'])} %" in text, (text, risk)  # as the answer says it
        if risk["rul"]:
            assert ("remaining life" in text) == (risk["rul"]["days"] > 0) and risk["rul"]["unit"] in text, text

    notes = page.locator("#notes li").all_inner_texts()
    assert any("the cooling water valve is leaking slightly" in n for n in notes), notes
    page.locator("#notes-q").fill("leak")
    page.locator("#notes-form button").click()
    page.wait_for_function("document.querySelector('#notes li p')?.textContent.includes('leaking')")

    # keyboard: the focus order starts at the settings, then push-to-talk and the typed request; focus is visible
    page.locator("h1").click()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert order == ["Token and station", "ptt", "ask-text", "Ask"], order
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.screenshot(path=str(screens / "console.png"), full_page=True)

    # a tablet: nothing wider than the screen
    page.set_viewport_size({"width": 820, "height": 1180})
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('#alarms-panel .scroll'))")
    page.screenshot(path=str(screens / "tablet.png"), full_page=True)
    assert not page.errors


def test_a_press_while_the_answer_is_spoken_stops_it(server: Server, launch: Any) -> None:
    page = open_console(launch(), server, TOKEN, "desk-barge-in")
    page.locator("#ask-text").fill("show me the active alarms")
    page.keyboard.press("Enter")
    page.locator("h1").click()  # out of the text field, so the space bar is push-to-talk
    page.wait_for_function("window.plantvoice.stats.audioFrames >= 1", timeout=60_000)
    page.keyboard.down("Space")
    page.wait_for_function("document.body.dataset.speaking === 'false'", timeout=5_000)
    stats = page.evaluate("window.plantvoice.stats")
    assert 0 <= stats["samplesPlayed"] < stats["samplesReceived"], stats  # stopped here before its end
    # the server stops too ("stopped"), unless it had sent the whole answer before the press reached it (its
    # "speech" reply tells when); pieces already on their way are not played, and none is sent after it
    page.wait_for_function("window.plantvoice.stats.atSpeech !== null", timeout=30_000)
    page.wait_for_timeout(1500)
    after = page.evaluate("window.plantvoice.stats")
    assert after["audioFrames"] == after["atSpeech"]["audioFrames"], (stats, after)
    assert after["stopped"] == 1 or after["atSpeech"]["audioLast"], (stats, after)
    assert after["samplesPlayed"] == stats["samplesPlayed"], (stats, after)
    assert page.evaluate("document.body.dataset.speaking") == "false"
    page.keyboard.up("Space")
    assert not page.errors


def _unacknowledged(server: Server) -> dict[str, Any]:
    return next(a for a in server.alarms() if a["active"] and not a["acknowledged"])


def _acknowledged(server: Server, alarm_id: int) -> bool:
    return bool(next(a for a in server.alarms() if a["id"] == alarm_id)["acknowledged"])


def _shown_acknowledged(page: Any, alarm_id: int) -> None:
    page.wait_for_function(f"document.querySelector('#alarms tr[data-id=\"{alarm_id}\"]')"
                           ".textContent.includes('acknowledged by Anna Becker')")


def test_a_viewer_cannot_acknowledge(server: Server, launch: Any, screens: Path) -> None:
    page = open_console(launch(), server, "", "viewer-desk")
    assert "viewer" in page.locator("#who").inner_text()
    alarm = _unacknowledged(server)
    before = {a["id"]: a["acknowledged"] for a in server.alarms()}
    page.locator(f'#alarms tr[data-id="{alarm["id"]}"] button.ack').click()
    page.wait_for_function("document.querySelector('#answer').textContent.includes('operator')")
    assert page.locator("#confirm").is_hidden()
    page.locator("#talk").screenshot(path=str(screens / "viewer.png"))
    assert {a["id"]: a["acknowledged"] for a in server.alarms()} == before


def test_acknowledge_with_the_buttons_no_leaves_it_yes_carries_it_out(server: Server, launch: Any) -> None:
    page = open_console(launch(), server, TOKEN, "desk-buttons")
    alarm = _unacknowledged(server)
    ack = page.locator(f'#alarms tr[data-id="{alarm["id"]}"] button.ack')
    ack.click()
    page.wait_for_selector("#confirm:not([hidden])")
    assert page.locator("#answer").inner_text().startswith("Acknowledge ")
    n = len(answers(page))
    page.locator("#no").click()
    wait_answers(page, n + 1)
    assert page.locator("#confirm").is_hidden() and not _acknowledged(server, alarm["id"])
    assert page.locator(f'#alarms tr[data-id="{alarm["id"]}"] button.ack').is_visible()

    ack.click()
    page.wait_for_selector("#confirm:not([hidden])")
    n = len(answers(page))
    page.locator("#yes").click()
    done = wait_answers(page, n + 1)
    assert done["text"].startswith("Acknowledged") and "Anna Becker" in done["text"], done
    assert _acknowledged(server, alarm["id"])
    _shown_acknowledged(page, alarm["id"])
    assert not page.errors


def test_acknowledge_confirmed_by_voice_in_a_second_page(server: Server, launch: Any, wavs: dict[str, Path]) -> None:
    first = open_console(launch(), server, TOKEN, "desk-voice")
    alarm = _unacknowledged(server)
    first.locator(f'#alarms tr[data-id="{alarm["id"]}"] button.ack').click()
    first.wait_for_selector("#confirm:not([hidden])")
    second = open_console(launch(wavs["yes"]), server, TOKEN, "desk-voice")
    speak(second, wavs["yes"])
    done = wait_answers(second, 1, timeout=ANSWER_S)
    heard = second.locator("#transcript").inner_text()
    assert "yes" in heard.lower() and done["text"].startswith("Acknowledged"), (heard, done)
    assert _acknowledged(server, alarm["id"])
    _shown_acknowledged(second, alarm["id"])
    # the first screen of the station no longer offers Yes for it: it was told, and shows what was done
    first.wait_for_selector("#confirm", state="hidden", timeout=30_000)
    told = answers(first)[-1]
    assert told["elsewhere"] and told["text"] == done["text"], told
    assert not first.errors and not second.errors
