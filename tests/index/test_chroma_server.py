"""The same end-to-end path against a real `chroma run` server on loopback."""

import pytest

from assistant.index.store import StoreUnavailable
from assistant.pipeline import Assistant
from assistant.retrieval.indexing import build_index
from tests.conftest import ChromaServer, make_settings

pytestmark = pytest.mark.server


def test_end_to_end_against_a_chroma_server(chroma_server: ChromaServer, tmp_path) -> None:
    settings = make_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_server.port)
    report = build_index(settings)
    assert report.status == "built"
    assistant = Assistant(settings)
    en = assistant.ask("Do staff need multi-factor authentication?")
    zh = assistant.ask("可唔可以用客戶資料訓練AI？")
    assert en.citations[0].section.id == "checklist-2025/4"
    assert zh.citations[0].section.id == "pdpo-dpps/dpp3" and zh.lang == "zh-Hant"
    assert build_index(settings).status == "up-to-date"


def test_server_going_away_gives_a_clear_error(chroma_server: ChromaServer, tmp_path) -> None:
    settings = make_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_server.port)
    build_index(settings)
    assistant = Assistant(settings)
    assert not assistant.ask("What does DPP 4 require?").refused
    chroma_server.stop()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{chroma_server.port}"):
        assistant.ask("What does DPP 4 require?")
    chroma_server.start()
    assert not assistant.ask("What does DPP 4 require?").refused
