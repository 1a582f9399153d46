"""Intent classification: templates first, then a trained classifier.

Training data is the intents' examples, expanded: an example that marks a list
entity (``[feed pump two](asset)``) stands for every value of that entity, so
copies with other values' spoken forms are added (bounded, deterministic).

Examples of the generated ``heard.yml`` (what the recognizer made of spoken
examples, ``scripts/speak_intents.py``) train the classifier at ``HEARD_WEIGHT``
and are never exact templates.

Each sentence is seen twice by the model: normalised, and *delexicalised* with
entities replaced by placeholders (``what is the xmeasurementx of xassetx``).

Features (``NluConfig.features``):
    tfidf    word 1-2-grams + char 2-5-grams (TF-IDF) -> logistic regression
    minilm   sentence embeddings (``embeddings``) -> logistic regression
    both     the two concatenated

The sentence encoder is ``NluConfig.encoder``: ``minilm`` (all-MiniLM-L6-v2, English) or a
multilingual one (``use-multilingual``, ``e5-small``) for intents in another language.

Out of scope: data without ``out_of_scope`` examples of its own (a one-intent domain
too) is trained with the built-in set (``data.builtin_out_of_scope``), less every
sentence that holds all the content words of one of the domain's own examples (for a
domain that asks "what's the weather", chatter about the weather is in scope) and, outside
a plant domain, every sentence all of whose content words the domain's examples use ("hi
there" and "see you later" for a bot that greets and says goodbye).

Threshold: a plant domain (``data.is_plant_domain``) is decided at the configured
``nlu.threshold``. Any other domain gets its own, calibrated when its model is trained
(``calibrate``): the examples are classified by models trained without them
(``CALIBRATION_FOLDS``-fold, on the same features), and the threshold is the one that best
accepts its own examples with the right intent while rejecting the out-of-scope sentences
(each side weighed equally; the middle of the best range). It is stored with the model.

A trained model is stored under ``models_dir`` as ``nlu-<key>.npz`` where the key
hashes the intents data, the lookups, the features and this module's format
version; a model trained on other data is never loaded. The file holds data only
(``files.write_arrays``: numpy arrays plus JSON, never pickle): the vectorizers'
settings, vocabularies and idf weights, the logistic regression's settings, classes,
coefficients and intercepts; the estimators are built again from them on load. A
file that is missing, of an older format, damaged or tampered with is trained again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import read_arrays, write_arrays
from ..events import OUT_OF_SCOPE
from .data import Example, Intents, builtin_out_of_scope, is_plant_domain
from .embeddings import ENCODERS, check_encoder, encoder_dimensions, sentence_encoder
from .languages import language_of
from .normalize import normalize

__all__ = [
    "FEATURES",
    "TrainingSentence",
    "expand",
    "IntentModel",
    "train_model",
    "model_key",
    "load_or_train",
    "training_data",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 6
HEARD_WEIGHT = 0.3  # examples of a generated heard file (recognizer transcripts) count half
HEARD_SOURCE = "heard.yml:"  # the file scripts/speak_intents.py writes
FEATURES = ("tfidf", "minilm", "both")
PER_EXAMPLE = 6  # expanded copies per annotated example
CALIBRATION_FOLDS = 3  # folds of a domain's threshold calibration
THRESHOLDS = tuple(round(0.05 + 0.01 * i, 2) for i in range(86))  # 0.05 .. 0.90: the thresholds tried
_FUNCTION_WORDS = frozenset(
    "a an the of on for at in is are was were be it its this that these those what whats which who how and "
    "or to me my i im you your we our us can could would will do does did with from by as any all there please "
    "s d ll m re ve t".split())


def _content(text: str) -> frozenset[str]:
    return frozenset(w for w in normalize(text).replace("'", " ").split() if w not in _FUNCTION_WORDS)


def training_data(intents: Intents) -> Intents:
    """``intents`` as trained: with the built-in out-of-scope sentences when it has none of its
    own, less those holding every content word of one of its examples (entity words aside)."""
    if OUT_OF_SCOPE in intents.names:
        return intents
    by_word: dict[str, set[frozenset[str]]] = {}  # each example's words, under one of them
    for words in {_content(_without_entities(e)) for e in intents.examples}:
        if words:
            by_word.setdefault(min(words), set()).add(words)

    vocabulary = frozenset() if is_plant_domain(intents) else frozenset(  # a domain's own words: its chatter
        w for e in intents.examples for w in _content(_without_entities(e)))

    def holds_an_example(content: frozenset[str]) -> bool:
        return any(words <= content for word in content for words in by_word.get(word, ())) or bool(
            content and content <= vocabulary)

    added = tuple(e for e in builtin_out_of_scope().examples if not holds_an_example(_content(e.text)))
    return Intents(intents.examples + added, intents.synonyms, intents.lookups, intents.regexes, intents.files)


def _without_entities(example: Example) -> str:
    text = example.text
    for a in sorted(example.entities, key=lambda a: -a.start):
        text = text[:a.start] + " " + text[a.end:]
    return text


@dataclass(frozen=True)
class TrainingSentence:
    text: str
    intent: str
    original: bool  # written in the data, not made by expansion


def _rng(text: str, seed: int) -> random.Random:
    return random.Random(zlib.crc32(text.encode("utf-8")) ^ seed)


def expand(intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]], per_example: int = PER_EXAMPLE,
           seed: int = 0) -> list[TrainingSentence]:
    """The examples plus up to ``per_example`` copies each with other lookup values substituted."""
    out = [TrainingSentence(e.text, e.intent, True) for e in intents.examples]
    for example in intents.examples:
        slots = [a for a in example.entities if a.entity in lookups and lookups[a.entity]]
        if not slots:
            continue
        rng = _rng(example.text, seed)
        seen = {normalize(example.text)}
        for _ in range(per_example * 3):
            if len(seen) > per_example:
                break
            text = _substitute(example, slots, lookups, rng)
            key = normalize(text)
            if key not in seen:
                seen.add(key)
                out.append(TrainingSentence(text, example.intent, False))
    return out


def _substitute(example: Example, slots: list[Any], lookups: Mapping[str, Mapping[str, Sequence[str]]],
                rng: random.Random) -> str:
    parts: list[str] = []
    pos = 0
    for a in sorted(slots, key=lambda a: a.start):
        values = sorted(lookups[a.entity])
        value = values[rng.randrange(len(values))]
        forms = list(lookups[a.entity][value]) or [value]
        parts.append(example.text[pos:a.start])
        parts.append(forms[rng.randrange(len(forms))])
        pos = a.end
    parts.append(example.text[pos:])
    return "".join(parts)


@dataclass
class IntentModel:
    """A trained intent model: templates plus a probabilistic classifier."""

    key: str
    features: str
    labels: tuple[str, ...]
    templates: dict[str, str]  # normalised or delexicalised text -> intent
    vectorizers: list[Any] = field(default_factory=list)  # (word on delex, char on delex, word on text)
    classifier: Any = None
    train_seconds: float = 0.0
    sentences: int = 0
    models_dir: str = ""  # where the embedding model lives; set on load
    encoder: str = "minilm"  # the sentence encoder of the embedding features (NluConfig.encoder)
    threshold: float | None = None  # calibrated on the data (domains other than the plant's), else None

    def template(self, text: str, delex: str) -> str | None:
        return self.templates.get(text) or self.templates.get(delex)

    def _matrix(self, texts: Sequence[str], delexes: Sequence[str]) -> Any:
        import numpy as np
        from scipy import sparse

        blocks: list[Any] = []
        if self.features in ("tfidf", "both"):
            word_delex, char_delex, word_text = self.vectorizers
            blocks += [word_delex.transform(delexes), char_delex.transform(delexes), word_text.transform(texts)]
        if self.features in ("minilm", "both"):
            emb = sentence_encoder(self.encoder, self.models_dir).encode(list(texts))
            blocks.append(sparse.csr_matrix(np.asarray(emb, dtype=np.float64)))
        return sparse.hstack(blocks).tocsr()

    def rank(self, text: str, delex: str) -> list[tuple[str, float]]:
        """Every intent with its probability, best first."""
        probs = self.classifier.predict_proba(self._matrix([text], [delex]))[0]
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        return [(str(self.classifier.classes_[i]), float(probs[i])) for i in order]


def model_key(intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]], features: str,
              encoder: str = "minilm") -> str:
    h = hashlib.sha256()
    encoded = "" if encoder == "minilm" or features == "tfidf" else f";encoder={encoder}"
    spoken = language_of(intents).model_key  # how its numbers and times are read ("" in English)
    encoded += f";{spoken}" if spoken else ""
    encoded += "" if is_plant_domain(intents) else ";calibrated"
    h.update(f"format={FORMAT_VERSION};features={features};per_example={PER_EXAMPLE}{encoded}\n".encode())
    h.update(training_data(intents).digest().encode())
    canonical = {e: {v: list(f) for v, f in sorted(vals.items())} for e, vals in sorted(lookups.items())}
    h.update(json.dumps(canonical, sort_keys=True).encode())
    return h.hexdigest()[:20]


def train_model(intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]],
                delexicalise: Callable[[str], tuple[str, str]], features: str = "tfidf",
                per_example: int = PER_EXAMPLE, c: float = 20.0, models_dir: str | Path = "models",
                encoder: str = "minilm") -> IntentModel:
    """Train on the expanded examples. ``delexicalise(text) -> (normalised, delexicalised)``."""
    import time

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if features not in FEATURES:
        raise ConfigError(f"unknown nlu features {features!r} at nlu -> features; choose one of: {', '.join(FEATURES)}")
    check_encoder(encoder)
    started = time.perf_counter()
    intents = training_data(intents)
    sentences = expand(intents, lookups, per_example)
    pairs = [delexicalise(s.text) for s in sentences]
    texts = [p[0] for p in pairs]
    delexes = [p[1] for p in pairs]
    labels = [s.intent for s in sentences]
    heard = {e.text for e in intents.examples if e.source.rsplit("/", 1)[-1].startswith(HEARD_SOURCE)}
    templates: dict[str, str] = {}
    ambiguous: set[str] = set()
    for s, (text, delex) in zip(sentences, pairs):
        if s.text in heard:
            continue  # a transcript teaches the classifier, it is no exact template
        for key in {text, delex}:
            if not key:
                continue
            if templates.get(key, s.intent) != s.intent:
                ambiguous.add(key)
            templates.setdefault(key, s.intent)
    for key in ambiguous:
        templates.pop(key, None)
    model = IntentModel(key="", features=features, labels=tuple(sorted(set(labels))), templates=templates,
                        models_dir=str(models_dir), encoder=encoder)
    if features in ("tfidf", "both"):
        model.vectorizers = [
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 1), sublinear_tf=True, token_pattern=r"\S+"),
        ]
        model.vectorizers[0].fit(delexes)
        model.vectorizers[1].fit(delexes)
        model.vectorizers[2].fit(texts)
    matrix = model._matrix(texts, delexes)
    weights = _balanced_weights(labels)
    classifier = LogisticRegression(C=c, max_iter=3000)
    classifier.fit(matrix, labels, sample_weight=[weights[label] * (HEARD_WEIGHT if s.text in heard else 1.0)
                                                  for label, s in zip(labels, sentences)])
    model.classifier = classifier
    if not is_plant_domain(intents):
        originals = [s.original for s in sentences]
        model.threshold = calibrate(matrix, labels, [weights[label] for label in labels], originals, c)
    model.train_seconds = time.perf_counter() - started
    model.sentences = len(sentences)
    return model


def calibrate(matrix: Any, labels: Sequence[str], weights: Sequence[float], originals: Sequence[bool],
              c: float = 20.0, k: int = CALIBRATION_FOLDS) -> float:
    """The threshold that best separates held-out examples of the domain (accepted with the right
    intent) from held-out out-of-scope sentences (rejected), each side weighed equally."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        if originals[i]:
            by_label.setdefault(label, []).append(i)
    fold = np.full(len(labels), -1)
    for rows in by_label.values():
        for j, i in enumerate(rows):
            fold[i] = j % k
    inside: list[tuple[bool, float]] = []  # (right intent, confidence) of held-out examples of the domain
    outside: list[tuple[bool, float]] = []  # (called out_of_scope, confidence) of held-out out-of-scope ones
    for f in range(k):
        held, train = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        if not len(held) or len({labels[i] for i in train}) < 2:
            continue
        model = LogisticRegression(C=c, max_iter=3000)
        model.fit(matrix[train], [labels[i] for i in train], sample_weight=[weights[i] for i in train])
        for i, probs in zip(held, model.predict_proba(matrix[held])):
            best = str(model.classes_[int(np.argmax(probs))])
            side = outside if labels[i] == OUT_OF_SCOPE else inside
            side.append(((best == OUT_OF_SCOPE) if labels[i] == OUT_OF_SCOPE else best == labels[i], float(max(probs))))
    if not inside or not outside:
        return THRESHOLDS[0]

    def balanced(t: float) -> float:
        accepted = sum(right and p >= t for right, p in inside) / len(inside)
        rejected = sum(oos or p < t for oos, p in outside) / len(outside)
        return accepted + rejected

    scores = [balanced(t) for t in THRESHOLDS]
    best = [t for t, score in zip(THRESHOLDS, scores) if score >= max(scores) - 1e-9]
    return best[len(best) // 2]


def _balanced_weights(labels: Sequence[str]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    mean = len(labels) / len(counts)
    return {label: mean / n for label, n in counts.items()}


def load_or_train(models_dir: str | Path, intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]],
                  delexicalise: Callable[[str], tuple[str, str]], features: str = "tfidf",
                  encoder: str = "minilm") -> tuple[IntentModel, bool]:
    """The stored model for exactly this data, or a newly trained (and stored) one; (model, trained)."""
    check_encoder(encoder)
    key = model_key(intents, lookups, features, encoder)
    directory = Path(models_dir)
    path = directory / f"nlu-{key}.npz"
    if path.exists():
        try:
            model = load_model(path, key)
            model.models_dir = str(directory)
            return model, False
        except ValueError as exc:
            log.warning("%s: %s; training the intent model again", path, exc)
    model = train_model(intents, lookups, delexicalise, features, models_dir=directory, encoder=encoder)
    model.key = key
    try:
        directory.mkdir(parents=True, exist_ok=True)
        save_model(model, path)
    except OSError as exc:
        raise ConfigError(f"cannot write the intent model to {directory} ({exc.strerror}); "
                          "set nlu.models_dir to a writable directory") from None
    return model, True


def save_model(model: IntentModel, path: Path) -> Path:
    """Write ``model`` to ``path``: numpy arrays plus JSON (private, all at once)."""
    arrays = {f"idf{i}": v.idf_ for i, v in enumerate(model.vectorizers)}
    arrays |= {"coef": model.classifier.coef_, "intercept": model.classifier.intercept_}
    vectorizers = [{"params": _params(v), "terms": sorted(v.vocabulary_, key=v.vocabulary_.get)}
                   for v in model.vectorizers]
    meta = {"format": FORMAT_VERSION, "key": model.key, "features": model.features, "encoder": model.encoder,
            "labels": list(model.labels), "threshold": model.threshold,
            "templates": model.templates, "train_seconds": model.train_seconds, "sentences": model.sentences,
            "vectorizers": vectorizers,
            "classifier": {"params": _params(model.classifier), "classes": [str(c) for c in model.classifier.classes_]}}
    return write_arrays(path, meta, arrays)


def load_model(path: Path, key: str) -> IntentModel:
    """The model ``save_model`` wrote for ``key``; ValueError saying why for any other file."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    meta, arrays = read_arrays(path)
    if meta.get("format") != FORMAT_VERSION or meta.get("key") != key or meta.get("features") not in FEATURES:
        raise ValueError(f"not an intent model of format {FORMAT_VERSION} for this data")
    try:
        vectorizers = []
        for i, saved in enumerate(meta["vectorizers"]):
            vectorizer = TfidfVectorizer(**{**saved["params"], "ngram_range": tuple(saved["params"]["ngram_range"])})
            vectorizer.vocabulary_ = {str(t): j for j, t in enumerate(saved["terms"])}
            vectorizer.idf_ = arrays[f"idf{i}"].astype(float)
            vectorizers.append(vectorizer)
        classifier = LogisticRegression(**meta["classifier"]["params"])
        classifier.classes_ = np.array([str(c) for c in meta["classifier"]["classes"]])
        classifier.coef_ = arrays["coef"].astype(float)
        classifier.intercept_ = arrays["intercept"].astype(float)
        classifier.n_features_in_ = classifier.coef_.shape[1]
        if len(vectorizers) != (3 if meta["features"] in ("tfidf", "both") else 0):
            raise ValueError("not the vectorizers of its features")
        rows = 1 if len(classifier.classes_) == 2 else len(classifier.classes_)
        encoder = str(meta.get("encoder", "minilm"))
        if encoder not in ENCODERS:
            raise ValueError(f"unknown sentence encoder {encoder!r}")
        width = sum(len(v.vocabulary_) for v in vectorizers) + (
            encoder_dimensions(encoder) if meta["features"] != "tfidf" else 0)
        if classifier.coef_.shape != (rows, width) or classifier.intercept_.shape != (rows,):
            raise ValueError("classifier arrays of the wrong shapes")
        for vectorizer in vectorizers:  # a setting that cannot work fails here, not on the first question
            vectorizer.transform(["a probe"])
        classifier.predict_proba(np.zeros((1, width)))
        return IntentModel(key=key, features=str(meta["features"]), labels=tuple(meta["labels"]),
                           templates={str(k): str(v) for k, v in meta["templates"].items()},
                           vectorizers=vectorizers, classifier=classifier,
                           train_seconds=float(meta["train_seconds"]), sentences=int(meta["sentences"]), encoder=encoder,
                           threshold=None if meta.get("threshold") is None else float(meta["threshold"]))
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValueError(f"damaged ({type(exc).__name__}: {exc})") from None


def _params(estimator: Any) -> dict[str, Any]:
    """An estimator's settings as JSON data (the numeric dtype is left at its default)."""
    params = {k: v for k, v in estimator.get_params().items() if k != "dtype"}
    json.dumps(params)  # TypeError here, at save time, for a setting that is not plain data
    return params
