import json
import sqlite3
from pathlib import Path

import pytest

from assistant.devtools.evaluate import load_gold
from assistant.interfaces.cli import main
from assistant.safety.feedback import FeedbackError, FeedbackStore, candidate_item, feedback_path
from assistant.settings import Settings


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite")


def test_nothing_is_written_until_feedback_is_given(store: FeedbackStore) -> None:
    assert store.rows() == []
    assert not store.path.exists()


def test_stored_text_is_redacted(store: FeedbackStore) -> None:
    row_id = store.record(
        "My HKID is A123456(3); can staff paste it into a chatbot?",
        "en",
        ["checklist-2025/2"],
        refused=False,
        rating="up",
        comment="call me on 9123 4567",
        history=["e-mail tm@example.com first"],
        answer="an answer mentioning 6123 4567",
    )
    assert store.add_comment(row_id, "or write to chan@example.org")
    raw = b"".join(
        str(value).encode()
        for row in sqlite3.connect(store.path).execute("SELECT * FROM feedback")
        for value in row
    )
    for secret in (b"A123456", b"9123 4567", b"tm@example.com", b"chan@example.org", b"6123"):
        assert secret not in raw
    row = store.rows()[0]
    assert row.question == "My HKID is [HKID]; can staff paste it into a chatbot?"
    assert row.comment == "or write to [EMAIL]"
    assert row.history == ["e-mail [EMAIL] first"]
    # Answer texts are transcripts: not kept unless the operator asks for transcripts.
    assert row.answer is None


def test_answers_are_kept_only_with_transcripts_on(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite", keep_transcripts=True)
    store.record("Q about DPP 4?", "en", ["pdpo-dpps/dpp4"], False, "down", answer="text 9123 4567")
    assert store.rows()[0].answer == "text [PHONE]"


def test_bad_feedback_is_rejected(store: FeedbackStore) -> None:
    with pytest.raises(FeedbackError, match="rating"):
        store.record("question", "en", [], False, "meh")
    with pytest.raises(FeedbackError, match="question"):
        store.record("  ", "en", [], False, "up")
    assert store.add_comment(42, "no such row") is False


def test_candidate_items_follow_the_gold_format(store: FeedbackStore) -> None:
    store.record("Do staff need strong passwords?", "en", ["checklist-2025/4"], False, "up")
    store.record("密碼呢？", "zh-Hant", ["checklist-2025/1"], False, "wrong_citation")
    store.record("What is the weather?", "en", [], True, "up")
    store.record("Who wrote the PDPO?", "en", [], True, "down")
    up, wrong, refused_ok, refused_bad = (candidate_item(r) for r in store.rows())
    assert up["expected_sections"] == ["checklist-2025/4"] and not up["needs_review"]
    assert up["kind"] == "factual" and up["must_mention"] == [] and up["candidate"]
    assert wrong["expected_sections"] == [] and wrong["needs_review"]
    assert wrong["feedback"] == {"rating": "wrong_citation", "cited_sections": ["checklist-2025/1"]}
    assert refused_ok["kind"] == "out_of_scope" and not refused_ok["needs_review"]
    assert refused_bad["kind"] == "factual" and refused_bad["needs_review"]
    assert {up["id"], wrong["id"]} == {"fb-000001", "fb-000002"}


def test_feedback_export_writes_jsonl_that_the_eval_loader_reads(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = FeedbackStore.for_settings(settings)
    assert store.path == feedback_path(settings) == settings.data_dir / "feedback.sqlite"
    store.record(
        "Do staff need strong passwords? Ask 9123 4567", "en", ["checklist-2025/4"], False, "up"
    )
    store.record(
        "咁實習生呢？", "zh-Hant", ["checklist-2025/1"], False, "up", history=["邊啲員工可以用AI？"]
    )
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "out" / "candidates.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [i["question"] for i in items] == [
        "Do staff need strong passwords? Ask [PHONE]",
        "咁實習生呢？",
    ]
    assert items[1]["history"] == ["邊啲員工可以用AI？"]
    gold = load_gold(out)
    assert [g.expected_sections for g in gold] == [("checklist-2025/4",), ("checklist-2025/1",)]


def test_feedback_export_to_stdout_with_no_feedback(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    assert main(["feedback", "export"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "0 candidate" in captured.err


# ---------------------------------------------------------------- what may be stored


@pytest.mark.parametrize(
    ("question", "lang", "section_ids", "message"),
    [
        ("x" * 4001, "en", ["checklist-2025/4"], "limit is 4,000"),
        ("Strong\x1bpasswords?", "en", [], "control characters"),
        ("passwords \udfff?", "en", [], "invalid characters"),
        ("Strong passwords?", "fr", [], "lang must be one of en, zh-Hant, not 'fr'"),
        ("Strong passwords?", "", [], "lang must be one of"),
        ("Strong passwords?", "en", [f"checklist-2025/{n}" for n in range(11)], "at most 10"),
        ("Strong passwords?", "en", ["x" * 500], "not a section id"),
        ("Strong passwords?", "en", ["checklist-2025/4", "<b>"], "not a section id: '<b>'"),
        ("Strong passwords?", "en", "checklist-2025/4", "must be a list"),
    ],
)
def test_feedback_that_could_fill_the_disk_or_break_the_export_is_rejected(
    store: FeedbackStore, question: str, lang: str, section_ids: list[str], message: str
) -> None:
    with pytest.raises(FeedbackError, match=message):
        store.record(question, lang, section_ids, False, "up")
    assert not store.path.exists()


def test_cited_sections_must_be_known_when_the_store_is_told_which_are(
    store: FeedbackStore,
) -> None:
    known = {"checklist-2025/4", "pdpo-dpps/dpp3"}
    with pytest.raises(FeedbackError, match="no section checklist-2025/99 in the guidance"):
        store.record(
            "Strong passwords?", "en", ["checklist-2025/99"], False, "up", known_sections=known
        )
    store.record(
        "Strong passwords?", "en", ["checklist-2025/4"] * 2, False, "up", known_sections=known
    )
    assert store.rows()[0].section_ids == ["checklist-2025/4"]


def test_history_kept_with_a_rating_is_checked_and_bounded(store: FeedbackStore) -> None:
    with pytest.raises(FeedbackError, match="an earlier question is 5,000 characters long"):
        store.record("And passwords?", "en", [], False, "up", history=["x" * 5000])
    turns = [f"Which devices, turn {n}?" for n in range(10)]
    store.record("And passwords?", "en", [], False, "up", history=turns)
    assert store.rows()[0].history == turns[-6:]


def test_a_redacted_question_at_the_limit_is_accepted(store: FeedbackStore) -> None:
    # The web page sends the question redacted; "[NAME]" may stand for two letters.
    question = "passwords " * 399 + "[NAME][NAME]"
    assert len(question) > 4000
    store.record(question, "en", [], False, "up")
    assert store.rows()[0].question == question.strip()


def test_every_language_feedback_accepts_is_one_the_gold_loader_accepts(
    store: FeedbackStore, tmp_path: Path
) -> None:
    from assistant.devtools.evaluate import LANGS as GOLD_LANGS
    from assistant.safety.feedback import FEEDBACK_LANGS, export_candidates

    assert set(FEEDBACK_LANGS) <= set(GOLD_LANGS)
    for lang in FEEDBACK_LANGS:
        store.record("Do staff need strong passwords?", lang, ["checklist-2025/4"], False, "up")
    out = tmp_path / "candidates.jsonl"
    with out.open("w", encoding="utf-8") as stream:
        assert export_candidates(store, stream) == len(FEEDBACK_LANGS)
    assert [g.lang for g in load_gold(out)] == list(FEEDBACK_LANGS)
