"""Rasa 3.x projects written from an intents directory, and intents directories read from them.

    export_project(intents_dir, out, threshold)   # out/data/<file>.yml, domain.yml, config.yml
    export_project(intents_dir, out, threshold, actions="http://127.0.0.1:5055/webhook")
                                                   # and data/plantvoice_rules.yml, endpoints.yml: the plant answers
    import_project(project, to)                    # to/<file>.yml (+ responses.yml, rasa/: stories, rules, ...)

Each NLU file of the intents directory becomes ``data/<the same relative path>`` and back, so
the file layout (the generated ``heard.yml`` included, which is trained at a lower weight)
and the order of every example, synonym, lookup and regex survive a round trip; so do
annotations with their value, role and group. ``domain.yml`` lists the intents, the entities
(with their roles and groups) and the responses of ``responses.yml``; ``config.yml`` is a
Rasa NLU pipeline whose FallbackClassifier threshold is ``nlu.threshold``. With ``actions`` (the
URL of ``plantvoice rasa actions``), the project is a whole Rasa assistant that answers from the
plant: a rule sends every intent (and Rasa's ``nlu_fallback``) to ``action_plantvoice``, the
config adds Rasa's RulePolicy and ``endpoints.yml`` names the action server. What plantvoice does not
run of a Rasa project (stories, rules, slots, forms, actions, policies) is kept by import under
``to/rasa/`` and given back by export; example metadata is not carried over. The target directory
must be empty or absent: nothing is overwritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError, InputError
from ..nlu.data import Example, Intents, language_code, load_intents, response_files

__all__ = ["ACTION", "DEFAULT_EPOCHS", "export_project", "import_project", "nlu_yaml", "domain", "pipeline_config"]

ACTION = "action_plantvoice"  # the action of ``plantvoice rasa actions``: answers the latest message
DEFAULT_EPOCHS = 100  # DIETClassifier epochs in the exported config
LANGUAGES = ("en", "de")  # the language an exported config names; another directory name exports as "en"
RESPONSES = "responses.yml"  # the responses of an intents directory, in Rasa's domain format
CARRIED = "rasa"  # an intents directory's Rasa files plantvoice does not read: stories, rules, domain, config
RULES = "plantvoice_rules.yml"  # with --actions: every intent to action_plantvoice
FALLBACK = "nlu_fallback"  # Rasa's FallbackClassifier intent
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")


def export_project(intents_dir: str | Path, out: str | Path, threshold: float,
                   epochs: int = DEFAULT_EPOCHS, actions: str | None = None) -> list[Path]:
    """Write the Rasa project of ``intents_dir`` into ``out``; the files written. ``actions``: the
    webhook URL of ``plantvoice rasa actions``, which then answers every intent."""
    intents_dir, out = Path(intents_dir), Path(out)
    intents = load_intents(intents_dir)
    _empty_target(out, "export")
    responses = _gathered(response_files(intents_dir, intents))
    language = language_code(intents) if language_code(intents) in LANGUAGES else "en"
    written = _write_nlu(intents, intents_dir, out / "data")
    carried = intents_dir / CARRIED
    for path in _files(carried / "data"):  # the project's stories and rules, as imported
        target = out / path.relative_to(carried)
        if target.exists():  # a file of NLU items and of stories or rules: both, in one file again
            rest = {k: v for k, v in _read(path).items() if k != "version"}
            target.write_text(target.read_text(encoding="utf-8") + _yaml_text(rest), encoding="utf-8")
        else:
            written.append(_write(target, path.read_text(encoding="utf-8")))
    project_domain = {**domain(intents, responses),
                      **{k: v for k, v in _carried_domain(carried).items() if k not in _EXPORTED_DOMAIN}}
    config = pipeline_config(language, threshold, epochs)
    if (carried / "config.yml").is_file():  # the policies of the project imported
        config["policies"] = _read(carried / "config.yml").get("policies") or []
    if actions:
        own = _answered(carried / "data")  # the project's own stories and rules keep their intents
        rules = [{"rule": name, "steps": [{"intent": name}, {"action": ACTION}]}
                 for name in (*intents.names, FALLBACK) if name not in own]
        written.append(_write(out / "data" / RULES, _yaml_text({"version": "3.1", "rules": rules})))
        written.append(_write(out / "endpoints.yml", _yaml_text({"action_endpoint": {"url": actions}})))
        project_domain["actions"] = [*(a for a in project_domain.get("actions") or () if a != ACTION), ACTION]
        others = [p for p in config["policies"] if not (isinstance(p, dict) and p.get("name") == "RulePolicy")]
        config["policies"] = [*others, {"name": "RulePolicy", "core_fallback_action_name": ACTION}]
    written.append(_write(out / "domain.yml", _yaml_text(project_domain)))
    written.append(_write(out / "config.yml", _yaml_text(config)))
    return written


def import_project(project: str | Path, to: str | Path) -> list[Path]:
    """Write the NLU data and responses of the Rasa project ``project`` as an intents directory ``to``;
    the rest of the project plantvoice does not read (its stories and rules, domain, config) is kept
    unchanged under ``to/rasa/`` for an export to give back."""
    project, to = Path(project), Path(to)
    if not (project / "data").is_dir():
        raise InputError(f"{project}: no data/ directory; pass a Rasa project directory (data/*.yml, domain.yml)")
    intents = load_intents(project / "data")
    domains = _domain_files(project)
    responses = _gathered([*domains, *map(Path, intents.files)])
    _empty_target(to, "import")
    written = _write_nlu(intents, project / "data", to)
    if responses:
        written.append(_write(to / RESPONSES, _yaml_text({"version": "3.1", "responses": responses})))
    kept = [p for p in domains if set(_read(p)) - _EXPORTED_DOMAIN]  # what an export would not write itself
    config = project / "config.yml"
    kept += [config] if config.is_file() and _read(config).get("policies") else []
    for path in kept:
        written.append(_write(to / CARRIED / path.relative_to(project), path.read_text(encoding="utf-8")))
    for path in _files(project / "data"):
        data = _read(path)
        told = {k: v for k, v in data.items() if k in ("stories", "rules")}
        if not told:
            continue
        whole = not set(data) - {"version", *told}  # else a file of NLU items too gives its stories and rules
        text = path.read_text(encoding="utf-8") if whole else _yaml_text({"version": data.get("version", "3.1"),
                                                                          **told})
        written.append(_write(to / CARRIED / path.relative_to(project), text))
    return written


def _domain_files(project: Path) -> list[Path]:
    """A Rasa project's domain: domain.yml (or .yaml), or the files of a domain/ directory."""
    return [p for p in (project / "domain.yml", project / "domain.yaml") if p.is_file()] + _files(project / "domain")


def _carried_domain(carried: Path) -> dict[str, Any]:
    """The keys of the domain an import kept (the first file giving each)."""
    out: dict[str, Any] = {}
    for path in _domain_files(carried):
        out = {**_read(path), **out}
    return out


def _answered(directory: Path) -> set[str]:
    """The intents a step of the stories and rules in ``directory`` names (``- intent:``, ``- or:``)."""
    steps = [step for path in _files(directory) for kind in ("stories", "rules")
             for item in _read(path).get(kind) or () if isinstance(item, dict) for step in item.get("steps") or ()]
    steps += [choice for step in steps if isinstance(step, dict) for choice in step.get("or") or ()]
    return {str(step["intent"]) for step in steps if isinstance(step, dict) and "intent" in step}


_EXPORTED_DOMAIN = {"version", "intents", "entities", "responses"}  # the domain keys an export writes from the data


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def nlu_yaml(intents: Intents) -> str:
    """Rasa 3.1 NLU YAML of ``intents``: one item per intent (in order of first example), then
    the synonyms, lookups and regexes, each ``examples: |`` block line by line."""
    parts = ['version: "3.1"\n', "nlu:\n"]
    names = dict.fromkeys(e.intent for e in intents.examples)
    for name in names:
        parts.append(_item("intent", name, (_annotated(e) for e in intents.examples if e.intent == name)))
    parts += [_item("synonym", s.value, s.forms) for s in intents.synonyms]
    parts += [_item("lookup", t.name, t.items) for t in intents.lookups]
    parts += [_item("regex", r.name, r.patterns) for r in intents.regexes]
    return "".join(parts)


def domain(intents: Intents, responses: dict[str, Any]) -> dict[str, Any]:
    """A Rasa 3.1 domain: the intents, the entities (with roles and groups) and ``responses``."""
    entities: list[Any] = []
    for name in intents.entity_names:
        found = [a for e in intents.examples for a in e.entities if a.entity == name]
        kinds = {k: sorted({v for a in found if (v := getattr(a, k[:-1])) is not None}) for k in ("roles", "groups")}
        kinds = {k: v for k, v in kinds.items() if v}
        entities.append({name: kinds} if kinds else name)
    out: dict[str, Any] = {"version": "3.1", "intents": list(intents.names), "entities": entities}
    if responses:
        out["responses"] = responses
    return out


def pipeline_config(language: str, threshold: float, epochs: int = DEFAULT_EPOCHS) -> dict[str, Any]:
    """Rasa's NLU pipeline for the data: DIET over word and character n-grams, a fallback at ``threshold``."""
    return {"recipe": "default.v1", "assistant_id": f"plantvoice-{language}", "language": language,
            "pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"},
                         {"name": "LexicalSyntacticFeaturizer"}, {"name": "CountVectorsFeaturizer"},
                         {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
                         {"name": "DIETClassifier", "epochs": epochs, "random_seed": 1}, {"name": "EntitySynonymMapper"},
                         {"name": "FallbackClassifier", "threshold": threshold}],
            "policies": []}


def _yaml_text(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _write_nlu(intents: Intents, source: Path, target: Path) -> list[Path]:
    """One NLU file under ``target`` for each file of ``intents`` under ``source`` that holds items."""
    written = []
    for file in intents.files:
        part = Intents(*(tuple(x for x in items if _file(x.source) == file) for items in
                         (intents.examples, intents.synonyms, intents.lookups, intents.regexes)))
        if part.examples or part.synonyms or part.lookups or part.regexes:
            written.append(_write(target / Path(file).relative_to(source), nlu_yaml(part)))
    return written


def _file(source: str) -> str:
    return source.rpartition(":")[0]


def _item(kind: str, name: str, lines: Iterable[str]) -> str:
    return f"- {kind}: {_name(name)}\n  examples: |\n" + "".join(f"    - {line}\n" for line in lines)


def _name(name: str) -> str:
    """``name`` as a YAML scalar: plain when it reads back as the same text, else quoted."""
    return name if _PLAIN.match(name) and yaml.safe_load(name) == name else json.dumps(name, ensure_ascii=False)


def _annotated(example: Example) -> str:
    """The example line with its annotations: ``[text](entity)`` or ``[text]{"entity": ..., ...}``."""
    out, pos = [], 0
    for a in example.entities:
        spec = {k: v for k, v in (("entity", a.entity), ("value", a.value), ("role", a.role), ("group", a.group))
                if v is not None}
        mark = f"({a.entity})" if len(spec) == 1 else json.dumps(spec, ensure_ascii=False)
        out += [example.text[pos:a.start], f"[{a.text}]{mark}"]
        pos = a.end
    line = "".join(out) + example.text[pos:]
    return f'"{line}"' if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'" else line


def _gathered(paths: list[Path]) -> dict[str, Any]:
    """The responses of the files ``paths`` that exist (a domain's, those a data file keeps beside a
    retrieval intent's examples), the first file naming a response giving it."""
    responses: dict[str, Any] = {}
    for path in dict.fromkeys(p for p in paths if p.is_file()):
        for name, variants in _responses(path).items():
            responses.setdefault(name, variants)
    return responses


def _responses(path: Path) -> dict[str, Any]:
    """The ``responses:`` of a Rasa domain (or responses) file; DataError with file:line when it is broken."""
    responses = _read(path).get("responses") or {}
    if not isinstance(responses, dict):
        raise DataError(f"{path}: 'responses' is not a mapping; write responses: -> utter_<name>: -> - text: ...")
    return responses


def _read(path: Path) -> dict[str, Any]:
    """A Rasa YAML file's mapping ({} when empty); DataError with file:line when it is broken."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataError(f"{where}: not valid YAML ({problem}); fix the syntax (indentation, quotes, colons)") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    if data is not None and not isinstance(data, dict):
        raise DataError(f"{path}:1: not a mapping; write a Rasa file of keys (version, nlu, stories, ...)")
    return data or {}


def _empty_target(path: Path, action: str) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path}: not an empty directory; {action} into a new or empty directory "
                         "(nothing is overwritten)")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
