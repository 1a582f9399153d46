"""The words of the shift handover document, in English and German.

    words = wording("de")
    words.shift("night")                        # "Nachtschicht"
    words.time(when, zone=True)                 # "12.03.2025 06:00 MEZ"
    words.quantity(88.43, "°C")                 # "88,4 °C"
    words.quantity(3, "d")                      # "3 Tage"
    wording("fr")                               # InputError: ... use one of: en, de

Each language is one ``Words``: headings, column names and sentences as format strings, with the
times, numbers and units written as a reader of that language expects (German: day before month,
a decimal comma, German time units and shift names from ``lang/de``; unit symbols such as °C and
bar stay as they are). Notes and reports are shown as they were written, in their own language;
fault modes and actions come from the fault engine, in English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..answer import round_value
from ..errors import InputError

__all__ = ["LANGUAGES", "Words", "wording"]

_GERMAN_SHIFTS = {"early": "Frühschicht", "late": "Spätschicht", "night": "Nachtschicht", "day": "Tagschicht",
                  "morning": "Frühschicht", "afternoon": "Spätschicht", "evening": "Spätschicht"}
_GERMAN_ZONES = {"CET": "MEZ", "CEST": "MESZ", "WET": "WEZ", "WEST": "WESZ", "EET": "OEZ", "EEST": "OESZ"}
_WORD_UNITS = {"d", "h", "min", "s"}  # time units written as words in German; symbols (°C, bar) stay


@dataclass(frozen=True)
class Words:
    """One language's words for the handover document; the English ones are the defaults."""

    language: str = "en"
    title: str = "Shift handover: {shift} {day}"
    site: str = "Site"
    shift_label: str = "Shift"
    shift_line: str = "{shift} {start}–{end}, started {day}"
    start: str = "From"
    end: str = "To"
    generated: str = "Generated"
    software: str = "Software"
    unknown_version: str = "plantvoice (version unknown)"
    running: str = " (running: it had not ended when this was generated)"
    notes: str = "Shift notes ({count})"
    notes_columns: tuple[str, ...] = ("#", "Time", "Author", "Assets", "Text")
    no_notes: str = "No shift notes were written in this shift."
    corrected: str = "corrected {time} by {by}"
    reports: str = "Maintenance reports ({count})"
    report_title: str = "Report #{id}, {time}, {author}, asset {assets}"
    fields: tuple[tuple[str, str], ...] = (("finding", "Finding"), ("cause", "Cause"), ("action", "Action"),
                                           ("parts", "Parts"), ("time_spent", "Time spent"),
                                           ("follow_up", "Follow-up"))
    text: str = "Text"
    status: str = "Status"
    no_reports: str = "No maintenance reports were saved in this shift."
    alarms: str = "Alarms ({count})"
    alarms_columns: tuple[str, ...] = ("Priority", "Asset", "Signal", "Value", "Limit", "Raised", "Cleared",
                                       "Acknowledged")
    alarms_caption: str = ("Raised in the shift or still active at its end, highest priority first. Value: the latest "
                           "while active, the value at clearing once cleared.")
    priorities: dict[str, str] = field(default_factory=dict)  # high | medium | low, when not the same word
    limits: dict[str, str] = field(default_factory=lambda: {"high_high": "high high", "low_low": "low low"})
    still_active: str = "still active"
    acknowledged_by: str = "{time}\nby {who}"
    nobody: str = "unknown"
    not_acknowledged: str = "no"
    no_alarms: str = "No alarm was raised in this shift or active at its end."
    risks: str = "Top fault risks"
    risks_missing: str = "Fault predictions are not available: {why}"
    risks_columns: tuple[str, ...] = ("Asset", "Fault mode", "Probability", "Remaining life", "Top signal",
                                      "First action", "Model, data time")
    risks_caption: str = ("Fault predictions at {time} with a probability of {floor} % or more, highest first "
                          "({assessed} assets assessed). Remaining life: days until the signal reaches its alarm "
                          "limit, with the 90 % interval.")
    no_risks: str = "No asset has a fault mode this probable."
    no_trend: str = "no trend"
    limit_reached: str = "limit reached\n({signal})"
    interval: str = "{days} ({interval})\nto {signal}"
    at_least: str = "at least {low}"
    handover: str = "Handover"
    sign: tuple[str, ...] = ("Handed over by", "Taken over by")
    sign_note: str = "name, signature, time"
    footer: str = "{site}: {shift} {day}, generated {time}"
    page: str = "page {page}"
    date_format: str = "%Y-%m-%d"
    decimal: str = "."
    shifts: dict[str, str] = field(default_factory=dict)  # shift name -> its words; else "<name> shift"
    zones: dict[str, str] = field(default_factory=dict)

    def shift(self, name: str) -> str:
        return self.shifts.get(name.lower()) or (f"Schicht {name}" if self.language == "de" else f"{name} shift")

    def day(self, day: dt.date) -> str:
        return day.strftime(self.date_format)

    def time(self, when: dt.datetime, zone: bool = False) -> str:
        text = f"{self.day(when.date())} {when:%H:%M}"
        if zone:
            name = when.strftime("%Z")
            text += f" {self.zones.get(name, name)}"
        return text

    def number(self, value: float, unit: str) -> str:
        return f"{round_value(value, unit):g}".replace(".", self.decimal)

    def signed(self, value: float) -> str:
        return f"{value:+g}".replace(".", self.decimal)

    def percent(self, share: float) -> str:
        return f"{share * 100:.1f} %".replace(".", self.decimal)

    def unit(self, unit: str, value: float | None = None) -> str:
        if self.language != "de" or unit not in _WORD_UNITS:
            return unit
        from ..lang.de.numbers import say_unit

        return say_unit(unit, value)

    def quantity(self, value: float, unit: str) -> str:
        return f"{self.number(value, unit)} {self.unit(unit, round_value(value, unit))}".strip()

    def priority(self, priority: str) -> str:
        return self.priorities.get(priority, priority)

    def limit(self, kind: str) -> str:
        return self.limits.get(kind, kind.replace("_", " "))


GERMAN = Words(
    language="de",
    title="Schichtübergabe: {shift} {day}",
    site="Anlage", shift_label="Schicht", shift_line="{shift} {start}–{end}, begonnen am {day}",
    start="Von", end="Bis", generated="Erstellt", software="Software",
    unknown_version="plantvoice (Version unbekannt)",
    running=" (läuft: sie war bei der Erstellung noch nicht zu Ende)",
    notes="Schichtnotizen ({count})", notes_columns=("#", "Zeit", "Verfasser", "Anlagenteile", "Text"),
    no_notes="In dieser Schicht wurden keine Schichtnotizen geschrieben.",
    corrected="korrigiert am {time} von {by}",
    reports="Instandhaltungsberichte ({count})", report_title="Bericht #{id}, {time}, {author}, Anlagenteil {assets}",
    fields=(("finding", "Befund"), ("cause", "Ursache"), ("action", "Maßnahme"), ("parts", "Ersatzteile"),
            ("time_spent", "Zeitaufwand"), ("follow_up", "Weiteres Vorgehen")),
    text="Text", status="Stand",
    no_reports="In dieser Schicht wurden keine Instandhaltungsberichte gespeichert.",
    alarms="Alarme ({count})",
    alarms_columns=("Priorität", "Anlagenteil", "Signal", "Wert", "Grenzwert", "Gekommen", "Gegangen", "Quittiert"),
    alarms_caption=("In der Schicht gekommen oder an ihrem Ende noch aktiv, höchste Priorität zuerst. Wert: der "
                    "letzte, solange der Alarm aktiv ist, sonst der Wert beim Gehen."),
    priorities={"high": "hoch", "medium": "mittel", "low": "niedrig"},
    limits={"high_high": "oberer Grenzwert 2", "high": "oberer Grenzwert", "low": "unterer Grenzwert",
            "low_low": "unterer Grenzwert 2"},
    still_active="noch aktiv", acknowledged_by="{time}\nvon {who}", nobody="unbekannt", not_acknowledged="nein",
    no_alarms="In dieser Schicht ist kein Alarm gekommen, und an ihrem Ende war keiner aktiv.",
    risks="Größte Fehlerrisiken", risks_missing="Fehlervorhersagen sind nicht verfügbar: {why}",
    risks_columns=("Anlagenteil", "Fehlerart", "Wahrscheinlichkeit", "Restlebensdauer", "Wichtigstes Signal",
                   "Erste Maßnahme", "Modell, Datenzeit"),
    risks_caption=("Fehlervorhersagen vom {time} mit einer Wahrscheinlichkeit von {floor} % oder mehr, die "
                   "wahrscheinlichste zuerst ({assessed} Anlagenteile bewertet). Restlebensdauer: Tage, bis das "
                   "Signal seinen Alarmgrenzwert erreicht, mit dem 90-%-Intervall."),
    no_risks="Kein Anlagenteil hat eine so wahrscheinliche Fehlerart.",
    no_trend="kein Trend", limit_reached="Grenzwert erreicht\n({signal})", interval="{days} ({interval})\nbis {signal}",
    at_least="mindestens {low}",
    handover="Übergabe", sign=("Übergeben von", "Übernommen von"), sign_note="Name, Unterschrift, Uhrzeit",
    footer="{site}: {shift} {day}, erstellt {time}", page="Seite {page}",
    date_format="%d.%m.%Y", decimal=",", shifts=_GERMAN_SHIFTS, zones=_GERMAN_ZONES,
)
ENGLISH = Words()
_BY_LANGUAGE = {"en": ENGLISH, "de": GERMAN}
LANGUAGES = tuple(_BY_LANGUAGE)


def wording(language: str) -> Words:
    """The words of ``language``; InputError naming the languages there are for another."""
    found = _BY_LANGUAGE.get(language.strip().lower() if isinstance(language, str) else "")
    if found is None:
        raise InputError(f"--language {language!r} is unknown; use one of: {', '.join(LANGUAGES)}")
    return found
