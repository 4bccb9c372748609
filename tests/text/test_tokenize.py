from assistant.text.tokenize import (
    content_terms,
    normalise,
    reference_tokens,
    simplified_chars,
    tokenize,
)


def test_traditional_chinese_yields_words_and_bigrams() -> None:
    tokens = tokenize("員工可唔可以輸入客戶資料？")
    assert "客户资料" in tokens or "客户" in tokens
    assert "资料" in tokens  # bigram recall net (folded for matching only)
    assert all(t not in {"可唔可以", "嘅"} for t in tokens)


def test_section_references_are_kept_whole_across_languages() -> None:
    assert "dpp4" in reference_tokens("What does DPP 4 say?")
    assert "dpp4" in reference_tokens("保障資料第4原則")
    assert "dpp3" in reference_tokens("第三原則")
    assert "part3" in reference_tokens("第三部分") and "part3" in reference_tokens("Part III")
    assert "1.3" in reference_tokens("paragraph 1.3 of the framework")
    assert "tip4" in reference_tokens("第4招") and "tip4" in reference_tokens("Tip 4")


def test_full_width_and_case_fold_to_the_same_tokens() -> None:
    assert tokenize("ＡＩ Ｔｏｏｌｓ") == tokenize("ai tools")
    assert normalise("資料") == "资料"


def test_english_plurals_match_singulars_and_stopwords_drop() -> None:
    assert tokenize("passwords devices") == tokenize("password device")
    assert "the" not in tokenize("the policy")


def test_content_terms_of_a_cantonese_follow_up() -> None:
    assert content_terms("咁實習生呢？") == {"实习生"}


def test_simplified_characters_are_found_in_context() -> None:
    assert simplified_chars("客户数据") >= {"数", "据"}
    assert simplified_chars("我們的員工应该设定密码") == {"应", "该", "设", "码"}
    # Characters that are also correct Traditional are not evidence of Simplified script.
    assert simplified_chars("公署在周年活動上公布了獲准使用的系統，只有皇后大道分店參加。") == set()
    assert simplified_chars("No Chinese here.") == set()
