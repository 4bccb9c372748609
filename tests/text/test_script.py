from assistant.text.script import detect_lang, fold_width, has_control_chars, split_sentences


def test_sentences_split_in_both_scripts_and_keep_abbreviations() -> None:
    text = "The PCPD recommends this (e.g. 1.3) policy. See Cap. 486 for more! 第一句。第二句；第三句？\n- a bullet"
    assert split_sentences(text) == [
        "The PCPD recommends this (e.g. 1.3) policy.",
        "See Cap. 486 for more!",
        "第一句。",
        "第二句；",
        "第三句？",
        "a bullet",
    ]


def test_a_semicolon_inside_brackets_does_not_end_the_sentence() -> None:
    text = "新聞稿（英文：https://a.example/x ；中文：https://a.example/y ）。下一句。"
    assert split_sentences(text) == [
        "新聞稿（英文：https://a.example/x ；中文：https://a.example/y ）。",
        "下一句。",
    ]
    assert split_sentences("A statement (English: x; Chinese: y). Next one.") == [
        "A statement (English: x; Chinese: y).",
        "Next one.",
    ]


def test_language_detection_handles_cantonese_mixed_with_english() -> None:
    assert detect_lang("我哋公司用ChatGPT，staff可唔可以input客戶資料？") == "zh-Hant"
    assert detect_lang("Can staff use ChatGPT for drafting?") == "en"
    assert detect_lang("DPP4 係咩？") == "zh-Hant"
    assert detect_lang("???", default="zh-Hant") == "zh-Hant"


def test_width_folding_and_control_characters() -> None:
    assert fold_width("ＤＰＰ４　ＡＩ") == "DPP4 AI"
    assert has_control_chars("hello\x00")
    assert not has_control_chars("line one\nline two\t")
