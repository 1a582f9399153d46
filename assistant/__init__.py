"""plantvoice: an offline voice assistant for the control rooms of energy and process plants.

Data flows through the stages in this order, one module (or package) each:

    audio  ->  vad  ->  asr  ->  nlu  ->  dialogue  ->  plant  ->  answer  ->  tts  ->  audio

Every stage consumes and produces the dataclasses of ``assistant.events``; only
``assistant.pipeline`` wires stages together.
"""

__version__ = "0.1.0"
