"""Answer plans: a section's several lists kept apart, and a reply that never says a thing twice."""

from __future__ import annotations

import pytest

from assistant.answer.plans import bullet_runs, same_statement
from assistant.corpus.documents import Document, Section
from assistant.pipeline import Assistant
from assistant.settings import Settings
from assistant.text.tokenize import normalise


def _section(text: str) -> Section:
    document = Document(
        doc_id="doc",
        title="A Guide",
        lang="en",
        edition="2024-06-01",
        url="https://example.org/guide.pdf",
        kind="guideline",
        digest=False,
        official_text="",
    )
    return Section(document=document, id="doc/1", lang="en", heading="Steps", text=text)


def test_bullet_runs_are_the_lists_of_a_section_each_with_its_introduction() -> None:
    section = _section(
        "Procuring AI has steps. There are three steps.\n\n"
        "- Step one.\n- Step two.\n- Step three.\n\n"
        "<!-- a comment -->\n"
        "There are two considerations.\n"
        "- First consideration.\n- Second consideration.\n\n"
        "> [!digest]\n> - A note about the digest.\n"
    )
    runs = bullet_runs(section)
    assert [r.intro for r in runs] == ["There are three steps.", "There are two considerations."]
    assert [r.items for r in runs] == [
        ["Step one.", "Step two.", "Step three."],
        ["First consideration.", "Second consideration."],
    ]


def test_same_statement_folds_case_and_script_and_tolerates_a_few_words() -> None:
    assert same_statement("Staff must label AI output.", "staff must label ai output.")
    assert same_statement("僱員須標示AI生成的內容。", "僱员须标示AI生成的内容。")
    assert not same_statement("Staff must label AI output.", "Vendors must delete the data.")


@pytest.fixture(scope="module")
def shipped(real_settings: Settings) -> Assistant:
    return Assistant(real_settings)


def test_a_list_question_gets_the_list_it_asks_for_not_every_list_of_the_section(
    shipped: Assistant,
) -> None:
    # Section 1.2 of the Framework holds the seven procurement steps, then the nine governance
    # considerations, then a university's checklist: only the steps answer this.
    answer = shipped.ask("What are the usual steps when procuring an AI solution?")
    items = [b["text"] for b in answer.blocks if b["kind"] == "item"]
    assert len(items) == 7, items
    assert all(i.startswith(f"Step {n} ") for n, i in enumerate(items, 1))
    if answer.card is not None:
        # The card already says "seven typical steps": the count line is not said again.
        assert answer.text.split("\n")[1].startswith("1. "), answer.text
    chinese = shipped.ask("AI事故應變計劃要包括邊幾個階段？")
    stages = [b["text"] for b in chinese.blocks if b["kind"] == "item"]
    assert len(stages) == 6 and all("階段" in s for s in stages), stages
    # The stages card says what the list says: the list, which cites each stage, is kept.
    shown = [normalise(s) for s, _ in chinese.sentences]
    assert len(shown) == len(set(shown)), chinese.text


@pytest.mark.parametrize(
    "question",
    [
        "Is the 2024 model framework meant for companies that build AI or ones that buy it?",
        "員工唔跟公司AI政策會有咩後果？",
        "What worries did the Commissioner say prompted the employee gen AI checklist?",
    ],
)
def test_a_reply_with_a_short_answer_never_repeats_a_sentence(
    shipped: Assistant, question: str
) -> None:
    answer = shipped.ask(question)
    assert answer.card is not None, "these questions are answered by a card today"
    shown = [normalise(s) for s, _ in answer.sentences]
    assert len(shown) == len(set(shown)), answer.text
    texts = [b["text"] for b in answer.blocks]
    for i, a in enumerate(texts):
        assert not any(same_statement(a, b) for b in texts[i + 1 :]), (a, answer.text)


def test_a_how_to_question_is_not_answered_with_a_timeline_of_press_reports(
    shipped: Assistant,
) -> None:
    # The section that holds the deepfake toolkit also lists 16 dated press reports: a list, but
    # not steps, so the reply leads with what the toolkit recommends instead of numbering them.
    answer = shipped.ask("學校點樣防止學生啲相俾人拎去整deepfake？")
    assert answer.answer_type == "howto"
    assert not [b for b in answer.blocks if b["kind"] == "item"], answer.text
    assert "學校" in answer.text.split("\n")[0]


@pytest.mark.parametrize(
    "question",
    [
        "which elements should our ai strategy have according to the model framework",
        "AI策略要包括邊啲元素",
    ],
)
def test_a_card_that_does_not_say_which_ones_gives_way_to_the_list(
    shipped: Assistant, question: str
) -> None:
    # The AI-strategy card says what a strategy shows, not its nine elements: the whole list
    # leads instead, after the sentence that counts it.
    answer = shipped.ask(question)
    assert answer.answer_type == "list"
    assert answer.card is None or "nine" in answer.text.split("\n")[0]
    items = [b for b in answer.blocks if b["kind"] == "item"]
    assert len(items) == 9
    assert any(w in answer.text.split("\n")[0] for w in ("nine", "九"))
