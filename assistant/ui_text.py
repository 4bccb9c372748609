"""Every word the web UI shows, in English and Traditional Chinese (Hong Kong usage)."""

from __future__ import annotations

UI_LANGS = ("en", "zh-Hant")
LANG_CHOICES = [("English", "en"), ("繁體中文", "zh-Hant")]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "PCPD AI Guidance Assistant",
        "subtitle": (
            "Answers drawn from the Privacy Commissioner's guidance on AI and personal data, "
            "with the guideline section behind every sentence."
        ),
        "offline_note": "Runs offline · nothing you type leaves this computer",
        "lang_label": "Interface language",
        "trainer_label": "Trainer mode",
        "trainer_info": "Show how each answer was found",
        "tab_ask": "Ask",
        "tab_browse": "Browse & FAQ",
        "tab_draft": "Draft a policy clause",
        "chat_label": "Conversation",
        "placeholder": "Ask about AI and personal data, in English or 中文…",
        "welcome_title": "Ask the PCPD's guidance on AI",
        "welcome_body": (
            "Type a question in English, 中文 or Cantonese, or start with an example below. "
            "Every sentence of the answer is quoted from the guidance and cited."
        ),
        "send": "Send",
        "clear": "Clear chat",
        "copy": "Copy answer",
        "copied": "Answer copied to the clipboard.",
        "nothing_to_copy": "There is no answer to copy yet.",
        "wrong_citation": "Wrong citation",
        "feedback_saved": "Thank you. Your rating was saved, with any personal data removed.",
        "feedback_error": "This rating could not be saved.",
        "comment_label": "Anything to add about the last rating? (optional)",
        "comment_placeholder": "e.g. the answer should cite DPP 3 instead",
        "comment_send": "Add comment",
        "comment_saved": "Comment added to your last rating.",
        "comment_first": "Rate an answer first (thumbs or flag), then add a comment.",
        "panel_title": "Source",
        "panel_empty": (
            "Select a source chip under an answer to read the whole section here. "
            "Its English or Chinese version is one click away."
        ),
        "panel_tip_1": "Every sentence of an answer is quoted from the guidance, numbered by source.",
        "panel_tip_2": "Follow-up questions such as “and for interns?” keep the topic.",
        "panel_tip_3": "The assistant says so when the guidance does not cover a question.",
        "official": "Official text",
        "digest": "Project digest",
        "official_badge": "Official text",
        "edition": "Edition",
        "other_lang": "中文版本",
        "quoted_note": "Highlighted sentences were quoted in the answer.",
        "subsections": "Subsections",
        "part_of": "Part of",
        "prev": "Previous section",
        "next": "Next section",
        "unknown_section": "That section is not in the current index.",
        "lead_sources": "Sources",
        "sources_hint": "select to read the section",
        "thinking": "Searching the guidance…",
        "error_long": "That question is {n:,} characters long; please keep it under {limit:,}.",
        "error_control": "The question contains control characters; please retype it.",
        "error_internal": (
            "Sorry, this question could not be answered because of an internal error. "
            "Please try again; if it keeps happening, call the PCPD enquiry line on 2827 2827."
        ),
        "trainer_title": "How this answer came about",
        "trainer_empty": "Ask a question: the retrieval scores and timings of the latest answer appear here.",
        "trainer_question": "Question searched",
        "trainer_decision": "Decision",
        "trainer_answered": "Answered from the guidance",
        "trainer_refused": "Declined: the guidance does not cover it",
        "trainer_probability": "In-scope probability",
        "trainer_threshold": "threshold",
        "trainer_reason": "Why it was declined",
        "trainer_hits": "Sections retrieved",
        "trainer_rank": "#",
        "trainer_section": "Section",
        "trainer_fused": "Fused",
        "trainer_dense": "Dense (rank)",
        "trainer_bm25": "BM25 (rank)",
        "trainer_used": "Cited",
        "trainer_timings": "Time per stage",
        "trainer_explain": (
            "Dense: cosine similarity of the question and section embeddings. BM25: keyword score "
            "(Chinese split into words and character pairs). Fused: reciprocal-rank fusion of both, "
            "which orders the sections."
        ),
        "stage_embed": "Embed question",
        "stage_dense": "Vector search",
        "stage_bm25": "Keyword search",
        "stage_fuse": "Fuse and rank",
        "stage_answer": "Compose answer",
        "stage_total": "Total",
        "faq_title": "Common questions",
        "faq_hint": "Select a question to ask it in the chat.",
        "browse_title": "Browse the guidance",
        "browse_doc": "Document",
        "browse_lang": "Text language",
        "browse_contents": "Contents",
        "draft_title": "Draft a policy clause",
        "draft_pill": "Coming soon",
        "draft_body": (
            "Describe your organisation and the assistant will draft a clause for "
            "your staff Gen AI policy, built from the Checklist's recommendations and cited "
            "section by section. Until then, ask in the chat what a policy should cover."
        ),
        "footer": (
            "This assistant quotes digests of PCPD publications and is not legal advice. "
            "PCPD enquiry line 2827 2827 · AI security hotline 2110 1155."
        ),
    },
    "zh-Hant": {
        "title": "私隱專員公署 AI 指引助理",
        "subtitle": "根據私隱專員公署有關人工智能及個人資料的指引作答，每句都註明出處章節。",
        "offline_note": "離線運作 · 你輸入的內容不會離開這部電腦",
        "lang_label": "介面語言",
        "trainer_label": "培訓模式",
        "trainer_info": "顯示每個答案的檢索過程",
        "tab_ask": "提問",
        "tab_browse": "瀏覽及常見問題",
        "tab_draft": "草擬政策條文",
        "chat_label": "對話",
        "placeholder": "就AI與個人資料提問，中英文皆可……",
        "welcome_title": "向私隱專員公署的AI指引提問",
        "welcome_body": "可用中文、廣東話或英文提問，亦可先試下面的例子。答案的每一句都引自指引，並註明出處。",
        "send": "發送",
        "clear": "清除對話",
        "copy": "複製答案",
        "copied": "答案已複製到剪貼簿。",
        "nothing_to_copy": "暫時未有答案可以複製。",
        "wrong_citation": "引用有誤",
        "feedback_saved": "多謝你的意見。評分已儲存，當中的個人資料已刪去。",
        "feedback_error": "未能儲存這個評分。",
        "comment_label": "想就剛才的評分補充甚麼嗎？（可選填）",
        "comment_placeholder": "例如：答案應引用保障資料第3原則",
        "comment_send": "加上意見",
        "comment_saved": "意見已加到你剛才的評分。",
        "comment_first": "請先為答案評分（讚好、不讚好或標示），再加上意見。",
        "panel_title": "出處原文",
        "panel_empty": "按答案下方的出處標籤，即可在這裏閱讀整個章節，亦可一按切換英文或中文版本。",
        "panel_tip_1": "答案的每一句都引自指引，並以編號標示出處。",
        "panel_tip_2": "追問例如「咁實習生呢？」會沿用上一條問題的主題。",
        "panel_tip_3": "如指引沒有涵蓋某條問題，助理會直接說明。",
        "official": "官方文本",
        "digest": "本項目撮要",
        "official_badge": "官方文本",
        "edition": "版本",
        "other_lang": "English version",
        "quoted_note": "以顏色標示的句子已在答案中引用。",
        "subsections": "分節",
        "part_of": "所屬章節",
        "prev": "上一節",
        "next": "下一節",
        "unknown_section": "目前的索引沒有這個章節。",
        "lead_sources": "出處",
        "sources_hint": "按標籤閱讀章節",
        "thinking": "正在搜尋指引……",
        "error_long": "問題長 {n:,} 個字元，請縮短至 {limit:,} 個字元以內。",
        "error_control": "問題含有控制字元，請重新輸入。",
        "error_internal": "抱歉，系統出現內部錯誤，未能回答這條問題。請再試一次；如問題持續，請致電公署查詢熱線 2827 2827。",
        "trainer_title": "答案是怎樣得出的",
        "trainer_empty": "提出問題後，這裏會顯示最新答案的檢索分數及各階段所需時間。",
        "trainer_question": "用作搜尋的問題",
        "trainer_decision": "決定",
        "trainer_answered": "根據指引作答",
        "trainer_refused": "不作回答：指引沒有涵蓋",
        "trainer_probability": "屬指引範圍的機率",
        "trainer_threshold": "門檻",
        "trainer_reason": "不作回答的原因",
        "trainer_hits": "檢索到的章節",
        "trainer_rank": "#",
        "trainer_section": "章節",
        "trainer_fused": "融合分數",
        "trainer_dense": "向量分數（名次）",
        "trainer_bm25": "BM25（名次）",
        "trainer_used": "已引用",
        "trainer_timings": "各階段時間",
        "trainer_explain": (
            "向量分數：問題與章節嵌入向量的餘弦相似度。BM25：關鍵詞分數（中文以分詞及雙字組比對）。"
            "融合分數：以倒數名次融合兩者，決定章節排序。"
        ),
        "stage_embed": "問題向量化",
        "stage_dense": "向量搜尋",
        "stage_bm25": "關鍵詞搜尋",
        "stage_fuse": "融合及排序",
        "stage_answer": "組成答案",
        "stage_total": "合共",
        "faq_title": "常見問題",
        "faq_hint": "按一條問題，即可在對話中提問。",
        "browse_title": "瀏覽指引",
        "browse_doc": "文件",
        "browse_lang": "內文語言",
        "browse_contents": "目錄",
        "draft_title": "草擬政策條文",
        "draft_pill": "即將推出",
        "draft_body": (
            "描述你的機構，助理便會按《指引清單》的建議，為員工使用生成式AI的政策草擬條文，"
            "並逐節註明出處。在此之前，你可以在對話中查詢政策應涵蓋甚麼內容。"
        ),
        "footer": (
            "本助理引用私隱專員公署刊物的撮要，並不構成法律意見。"
            "公署查詢熱線 2827 2827 · AI安全熱線 2110 1155。"
        ),
    },
}

EXAMPLES: dict[str, list[str]] = {
    "en": [
        "Can staff enter customers' personal data into a generative AI tool?",
        "What should a company policy on staff use of Gen AI cover?",
        "Do we need consent to train an AI model on customer data?",
        "How should we decide the level of human oversight for an AI system?",
    ],
    "zh-Hant": [
        "員工可唔可以將客戶嘅個人資料輸入生成式AI工具？",
        "公司有關員工使用生成式AI的政策應該包括甚麼？",
        "用客戶資料訓練AI模型需要取得同意嗎？",
        "應如何決定AI系統需要多少人為監督？",
    ],
}

# (topic, questions) per language; both lists stay in the same order so a topic can be matched.
FAQ: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        (
            "Staff using Gen AI at work",
            [
                "What should a company policy on staff use of generative AI cover?",
                "Can staff enter customers' personal data into a generative AI tool?",
                "What security measures should staff follow when using AI tools?",
                "What happens if an employee breaches the Gen AI policy?",
            ],
        ),
        (
            "Buying and running AI systems",
            [
                "What governance structure does the Model Framework recommend for AI?",
                "How should we decide the level of human oversight for an AI system?",
                "What should we consider before procuring an AI solution?",
                "How should an AI system be monitored after it goes live?",
            ],
        ),
        (
            "The law: the PDPO",
            [
                "Do we need consent to train an AI model on customer data?",
                "What does DPP 4 require for the security of personal data?",
                "Who is responsible if an employee's use of AI leaks personal data?",
                "Can people ask for access to personal data that an AI system uses?",
            ],
        ),
        (
            "Using AI chatbots yourself",
            [
                "What should I check before signing up for an AI chatbot?",
                "Should I share personal data with an AI chatbot?",
                "How can I avoid fake AI chatbot apps?",
            ],
        ),
        (
            "Ethics and the PCPD's work",
            [
                "What are the PCPD's ethical principles for AI?",
                "What did the PCPD's compliance checks on AI find?",
                "Which hotline can organisations call about AI security?",
            ],
        ),
    ],
    "zh-Hant": [
        (
            "僱員在工作中使用生成式AI",
            [
                "公司有關員工使用生成式AI的政策應該包括甚麼？",
                "員工可以把客戶的個人資料輸入生成式AI工具嗎？",
                "員工使用AI工具時應遵守哪些保安措施？",
                "如員工違反生成式AI政策，會有甚麼後果？",
            ],
        ),
        (
            "採購及營運AI系統",
            [
                "《模範框架》建議機構設立怎樣的AI管治架構？",
                "應如何決定AI系統需要多少人為監督？",
                "採購AI方案前應考慮甚麼？",
                "AI系統投入運作後應如何持續監察？",
            ],
        ),
        (
            "法律：《私隱條例》",
            [
                "用客戶資料訓練AI模型需要取得同意嗎？",
                "保障資料第4原則對個人資料保安有甚麼要求？",
                "如果員工使用AI導致個人資料外洩，誰要負責？",
                "市民可以要求查閱AI系統所用的個人資料嗎？",
            ],
        ),
        (
            "自己使用AI聊天機械人",
            [
                "登記使用AI聊天機械人前應注意甚麼？",
                "應該向AI聊天機械人提供個人資料嗎？",
                "如何避免下載冒充AI聊天機械人的假應用程式？",
            ],
        ),
        (
            "道德原則及公署的工作",
            [
                "公署提出的AI道德原則有哪些？",
                "公署就AI進行的循規審查有甚麼發現？",
                "機構如有AI安全方面的查詢，可以致電哪個熱線？",
            ],
        ),
    ],
}


def t(lang: str, key: str, **values: object) -> str:
    """The UI string ``key`` in ``lang`` (English when the language is unknown)."""
    table = TEXT.get(lang, TEXT["en"])
    text = table.get(key, TEXT["en"][key])
    return text.format(**values) if values else text


def ui_lang(value: str | None, default: str = "en") -> str:
    return value if value in UI_LANGS else (default if default in UI_LANGS else "en")
