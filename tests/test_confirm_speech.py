"""Spoken answers while a write waits: nothing nobody confirmed is ever written.

Real speech (espeak-ng and the neural test voices, some with noise) through the real pipeline
(pocketsphinx yes / no grammar, faster-whisper, the classifier, the dialogue, the plant and the
note store) while an alarm acknowledgement waits and while a note waits. Understanding depends only
on a write waiting, so each utterance is understood once and answered in both states. Writes are
counted in the audit log, the plant's acknowledgements and the note store. The full count over 426
utterances is ``benchmarks/confirmation.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.dialogue import DialogueState
from assistant.loop import run_demo
from assistant.pipeline import Pipeline
from waiting_writes import audit_writes, hear, never_written, respond, station, waiting_states

VOICES = ("en-us", "hibari:heart", "en-gb", "piper:joe", "en-gb-scotland", "hibari:heart-gb", "en-us+f3")
NEURAL = ("hibari:heart", "hibari:heart-gb", "piper:joe")
UNRELATED = (
    "hold on let me check the drawings", "how is the plant doing", "help", "show me the active alarms",
    "what is the bearing temperature of feed pump two", "any predicted faults on gas turbine one",
    "acknowledge the alarm on the battery", "take a note the drain valve is open", "start dictation",
    "what did the night shift write about the boiler", "read me the notes on the transformer",
    "how long until the generator needs maintenance", "why is cooling water pump one at risk",
    "what should we do about the steam turbine", "compare feeder one and feeder two",
    "show me the oil temperature trend of the main transformer", "and the vibration",
    "what alarms are on the steam turbine", "is cooling water pump one likely to fail",
    "start a report on feed pump two", "correct note one to the valve is closed", "withdraw note two",
    "the coffee machine is broken again", "who is on call tonight", "did you see the match last night",
    "hang on I'm on the phone", "just a second", "let me think about that", "what time does the shift end",
    "the printer is out of paper", "go to the next screen", "correct me if I'm wrong", "do it later",
    "yes the forklift is outside", "tell me a joke", "what's the weather like tomorrow", "good morning",
    "okay let me look at the screen", "I need to check with maintenance first", "send the report to the manager", "what was that", "confirmation of the permit is in the folder", "go and get the permit book",
    "ahead of schedule today", "what's the power of the biogas engine", "how is the biogas engine doing", "any alarms on feeder two", "what is the drum level of the boiler",
)
NEGATIVES = (
    "no", "no thanks", "nope", "cancel", "cancel that", "stop", "stop that", "negative", "don't",
    "don't do it", "no don't", "never mind", "forget it", "no wait", "wait", "hold on",
    "hold on a second", "not now", "no not that one", "cancel please", "don't save it",
    "no cancel", "stop stop", "I said no",
)
YESES = ("yes", "confirm", "go ahead")
WRITES = (("alarm_acknowledge", "acknowledge the alarm on the main transformer"),
          ("note_add", "take a note the cooling water valve is leaking slightly"))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return station(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def waiting(pipeline: Pipeline) -> dict[str, DialogueState]:
    """The state with an alarm acknowledgement waiting, and the one with a note waiting."""
    return waiting_states(pipeline, WRITES)


def _never_written(pipeline: Pipeline, waiting: dict[str, DialogueState], texts: tuple[str, ...],
                   tmp: Path) -> None:
    never_written(pipeline, waiting, texts, tmp, dict.fromkeys(VOICES, 160), noisy_every=5,
                  not_written="not written")


def test_unrelated_speech_while_a_write_waits_writes_nothing(pipeline: Pipeline, waiting: dict[str, DialogueState],
                                                            tmp_path: Path) -> None:
    _never_written(pipeline, waiting, UNRELATED, tmp_path)


def test_spoken_noes_while_a_write_waits_write_nothing(pipeline: Pipeline, waiting: dict[str, DialogueState],
                                                      tmp_path: Path) -> None:
    _never_written(pipeline, waiting, NEGATIVES, tmp_path)


DEMO = ("022_alarm_acknowledge_en-gb-m3.wav", "023_alarm_acknowledge_en-us-m7.wav",
        "024_fault_prediction_en-gb-scotland.wav", "025_fault_prediction_en-us.wav", "026_fault_prediction_en-gb.wav",
        "037_note_add_en-us.wav", "038_note_add_en-gb.wav", "039_note_read_en-us-f3.wav",
        "046_cancel_en-gb-m3.wav", "047_confirm_en-us-m7.wav", "048_deny_en-gb-scotland.wav")


def test_the_demo_conversation_never_writes_from_a_question(pipeline: Pipeline, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``make demo`` runs the samples as one conversation: a question after a read-back is not a yes."""
    samples = Path(__file__).resolve().parent.parent / "audio_samples"
    manifest = {json.loads(line)["file"]: line for line in (samples / "manifest.jsonl").read_text().splitlines()}
    (tmp_path / "manifest.jsonl").write_text("\n".join(manifest[name] for name in DEMO) + "\n")
    for name in DEMO:
        (tmp_path / name).symlink_to(samples / name)
    pipeline.state = DialogueState()
    before = audit_writes(pipeline)
    assert run_demo(pipeline, tmp_path, as_json=True) == 0
    turns = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [t["audio"] for t in turns] == list(DEMO)
    assert audit_writes(pipeline) == before, [(t["audio"], t["transcript"], t["answer"]) for t in turns]
    readbacks = [i for i, t in enumerate(turns) if t["answer"] and "Say confirm or cancel" in t["answer"]]
    assert readbacks, "no read-back in the demo's write requests"
    for i in readbacks:  # the next answer (if any was given) says what became of the write
        answer = turns[i + 1]["answer"] if i + 1 < len(turns) else None
        assert answer is None or any(s in answer for s in ("not written", "still waiting", "Say confirm or cancel")), \
            turns[i + 1]


def test_a_spoken_yes_in_the_neural_voices_carries_the_write_out(pipeline: Pipeline,
                                                                 waiting: dict[str, DialogueState],
                                                                 tmp_path: Path) -> None:
    accepted: dict[str, list[str]] = {kind: [] for kind in waiting}
    for voice in NEURAL:
        for text in YESES:
            transcript, intent, audio = hear(pipeline, waiting["alarm_acknowledge"], text, voice, tmp_path)
            for kind, state in waiting.items():
                answer, wrote = respond(pipeline, state, intent, audio, transcript.confidence)
                assert answer is not None and (wrote or "still waiting" in answer.text), (text, voice, answer)
                if wrote:
                    accepted[kind].append(f"{text} ({voice})")
                    assert answer.text.startswith(("Acknowledged", "Saved as note")) and pipeline.state.pending is None
    total = len(NEURAL) * len(YESES)
    assert accepted["alarm_acknowledge"] == accepted["note_add"]
    assert all(f"yes ({voice})" in accepted["note_add"] for voice in NEURAL), accepted["note_add"]
    # measured: 7 of 9 (the grammar hears "cancel" for hibari:heart-gb's "go ahead", whisper "Okay firm." for
    # piper:joe's "confirm"); benchmarks/confirmation.py counts 98 yeses in seven voices
    assert len(accepted["note_add"]) >= total - 2, f"{len(accepted['note_add'])}/{total}: {accepted['note_add']}"
