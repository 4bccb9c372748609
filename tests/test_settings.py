from pathlib import Path

import pytest

from assistant.settings import Settings


def test_environment_variables_with_prefix_set_typed_fields() -> None:
    settings = Settings.from_env(
        env={
            "ASSISTANT_TOP_K": "7",
            "ASSISTANT_CHROMA_HOST": "db.local",
            "ASSISTANT_CHROMA_PORT": "9000",
            "ASSISTANT_INDEX_DIR": "/tmp/x",
            "ASSISTANT_KEEP_TRANSCRIPTS": "yes",
            "ASSISTANT_LLM_TIMEOUT_S": "2.5",
            "OTHER_TOP_K": "99",
        }
    )
    assert settings.top_k == 7
    assert settings.chroma_port == 9000
    assert settings.uses_chroma_server
    assert settings.index_dir == Path("/tmp/x")
    assert settings.keep_transcripts is True
    assert settings.llm_timeout_s == 2.5


def test_explicit_overrides_win_over_environment() -> None:
    settings = Settings.from_env(env={"ASSISTANT_TOP_K": "7"}, top_k=3)
    assert settings.top_k == 3


def test_invalid_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="ASSISTANT_TOP_K"):
        Settings.from_env(env={"ASSISTANT_TOP_K": "many"})


def test_describe_lists_every_option_with_its_variable() -> None:
    rows = Settings().describe()
    names = [name for name, _, _ in rows]
    assert "ASSISTANT_CORPUS_DIR" in names and "ASSISTANT_LLM_BASE_URL" in names
    assert all(name.startswith("ASSISTANT_") for name in names)
