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
        "stage_concepts": "Match concepts",
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
        "draft_hint": (
            "Fill in what your organisation has decided for a whole staff Gen AI policy, or ask "
            "for one clause in your own words. Every clause cites the guidance it follows."
        ),
        "draft_mode_policy": "Whole policy",
        "draft_mode_clause": "One clause",
        "draft_org": "Organisation name",
        "draft_org_ph": "e.g. Acme Trading Ltd",
        "draft_lang": "Language of the draft",
        "draft_form": "Your organisation's choices (leave blank what is not decided yet)",
        "draft_area_scope": "1 · Scope of use",
        "draft_area_privacy": "2 · Personal data",
        "draft_area_ethics": "3 · Lawful and ethical use",
        "draft_area_security": "4 · Data security",
        "draft_area_violations": "5 · Violations and support",
        "draft_public_tools": "Public Gen AI tools staff may use",
        "draft_public_tools_ph": "e.g. ChatGPT Enterprise, Microsoft Copilot",
        "draft_internal_tools": "In-house Gen AI tools",
        "draft_internal_tools_ph": "e.g. DocBot",
        "draft_uses": "Permitted uses",
        "draft_applies_to": "Who the policy applies to",
        "draft_applies_to_ph": "e.g. whole organisation, or the Finance and HR departments",
        "draft_allowed_input": "Information staff may enter",
        "draft_prohibited_input": "Information staff must never enter",
        "draft_internal_only": "Only public information may go into public tools",
        "draft_output_use": "What AI output may be used for",
        "draft_output_use_ph": "e.g. internal drafts, first drafts of replies to customers",
        "draft_output_storage": "Where AI output is kept",
        "draft_output_storage_ph": "e.g. the team's folder on the document system",
        "draft_anonymise": "Anonymise personal data in AI output",
        "draft_retention": "How long AI output may be kept",
        "draft_retention_ph": "e.g. 90 days",
        "draft_human_review": "Human review of AI output",
        "draft_labelling": "Labels or watermarks on AI content",
        "draft_labelling_ph": "e.g. a visible “AI-generated” label on images sent to customers",
        "draft_devices": "Devices allowed",
        "draft_devices_ph": "e.g. company laptops and company mobile phones",
        "draft_users": "Employees allowed to use the tools",
        "draft_users_ph": "e.g. all permanent staff",
        "draft_mfa": "Multi-factor authentication",
        "draft_security_settings": "Security settings staff must keep",
        "draft_security_settings_ph": "e.g. chat history off, no third-party plug-ins",
        "draft_incident_contact": "Who receives AI incident reports",
        "draft_incident_contact_ph": "e.g. the Data Protection Officer, dpo@acme.example",
        "draft_violations": "Consequences of breaching the policy",
        "draft_violations_ph": "e.g. disciplinary action, up to dismissal",
        "draft_support_contact": "Who supports staff with questions",
        "draft_support_contact_ph": "e.g. the IT Service Desk",
        "draft_yes": "Required",
        "draft_no": "Not required",
        "draft_unset": "Not decided",
        "draft_generate": "Draft the policy",
        "draft_request": "The clause you need",
        "draft_request_ph": "e.g. a clause on what HR staff must not paste into ChatGPT",
        "draft_request_hint": (
            "Write in English, 中文 or Cantonese: the clause is drafted in the language of the "
            "request, with the organisation name from the whole-policy form if you gave one."
        ),
        "draft_try": "Try",
        "draft_generate_clause": "Draft the clause",
        "draft_download_md": "Download Markdown",
        "draft_download_docx": "Download Word",
        "draft_empty_title": "Your draft appears here",
        "draft_empty": (
            "Numbered clauses, each followed by the guidance sections it follows, the choices "
            "that go against the guidance, and which Checklist items the policy covers."
        ),
        "draft_kind_policy": "Policy draft",
        "draft_kind_clause": "Clause draft",
        "draft_follows": "Follows",
        "draft_warnings": "Points to reconsider",
        "draft_sev_high": "Against the guidance",
        "draft_sev_medium": "Check",
        "draft_coverage": "Checklist coverage",
        "draft_coverage_summary": (
            "{done} of {total} Checklist items addressed, {standard} of them with standard "
            "wording; {missing} still to complete."
        ),
        "draft_stat_done": "addressed",
        "draft_stat_missing": "to complete",
        "draft_stat_warnings": "to reconsider",
        "draft_col_item": "Checklist item",
        "draft_col_section": "Section",
        "draft_col_status": "Status",
        "draft_col_clause": "Clause",
        "draft_status_addressed": "Addressed",
        "draft_status_default": "Standard wording",
        "draft_status_missing": "To complete",
        "draft_status_absent": "Not covered",
        "draft_route": "Checklist item",
        "draft_matched": "matched",
        "draft_gaps": "Text in brackets marks what you still need to fill in.",
        "draft_panel_empty": (
            "Select a section chip under a clause to read the guidance it follows; the lines "
            "the clause is built on are highlighted."
        ),
        "draft_tip_1": "Anything left blank becomes a gap to fill in and is listed in the coverage report.",
        "draft_tip_2": "Choices that go against the PCPD's guidance are flagged, with the section that says so.",
        "draft_tip_3": "Download the draft as Markdown or Word to edit and adopt it.",
        "draft_followed_note": "Highlighted: what the clause follows.",
        "draft_need_org": "Enter the organisation's name to draft a whole policy.",
        "draft_need_request": "Describe the clause you need, e.g. “a clause on reporting AI incidents”.",
        "draft_no_topic": (
            "Which part of the Checklist is this about? Mention a topic such as tools, personal "
            "data, output, watermarks, devices, passwords, incidents or violations."
        ),
        "draft_failed": "The draft could not be made: {reason}.",
        "draft_error_internal": "Sorry, the draft could not be made because of an internal error.",
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
        "stage_concepts": "配對概念",
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
        "draft_hint": "填寫機構已決定的安排，即可草擬整份員工使用生成式AI政策；亦可用自己的說法要求草擬一項條文。每項條文都註明所依據的指引。",
        "draft_mode_policy": "整份政策",
        "draft_mode_clause": "單一條文",
        "draft_org": "機構名稱",
        "draft_org_ph": "例如：甲乙貿易有限公司",
        "draft_lang": "草稿語言",
        "draft_form": "機構的安排（未決定的項目可留空）",
        "draft_area_scope": "1 · 使用範圍",
        "draft_area_privacy": "2 · 個人資料",
        "draft_area_ethics": "3 · 合法及合乎道德的使用",
        "draft_area_security": "4 · 數據安全",
        "draft_area_violations": "5 · 違規及支援",
        "draft_public_tools": "員工可使用的公開生成式AI工具",
        "draft_public_tools_ph": "例如：ChatGPT Enterprise、Microsoft Copilot",
        "draft_internal_tools": "機構內部開發的生成式AI工具",
        "draft_internal_tools_ph": "例如：DocBot",
        "draft_uses": "獲准許的用途",
        "draft_applies_to": "政策適用於哪些人",
        "draft_applies_to_ph": "例如：整個機構，或財務部及人力資源部",
        "draft_allowed_input": "員工可輸入的資訊",
        "draft_prohibited_input": "員工一律不得輸入的資訊",
        "draft_internal_only": "只有公開資料可輸入公開工具",
        "draft_output_use": "AI輸出資訊的用途",
        "draft_output_use_ph": "例如：內部草稿、回覆客戶的初稿",
        "draft_output_storage": "AI輸出資訊的存放位置",
        "draft_output_storage_ph": "例如：文件系統內的部門資料夾",
        "draft_anonymise": "把AI輸出資訊中的個人資料匿名化",
        "draft_retention": "AI輸出資訊的保留期限",
        "draft_retention_ph": "例如：90日",
        "draft_human_review": "由人員覆核AI輸出資訊",
        "draft_labelling": "為AI內容加上標籤或水印",
        "draft_labelling_ph": "例如：發給客戶的圖像須清楚標示「AI生成」",
        "draft_devices": "獲准使用的裝置",
        "draft_devices_ph": "例如：公司手提電腦及公司手提電話",
        "draft_users": "獲准使用工具的員工",
        "draft_users_ph": "例如：所有長期僱員",
        "draft_mfa": "多重認證",
        "draft_security_settings": "員工須保持的保安設定",
        "draft_security_settings_ph": "例如：關閉對話紀錄、不使用第三方外掛程式",
        "draft_incident_contact": "AI事故的報告對象",
        "draft_incident_contact_ph": "例如：保障資料主任，dpo@acme.example",
        "draft_violations": "違反政策的後果",
        "draft_violations_ph": "例如：紀律處分，包括解僱",
        "draft_support_contact": "為員工解答疑問的單位",
        "draft_support_contact_ph": "例如：資訊科技服務台",
        "draft_yes": "必須",
        "draft_no": "無須",
        "draft_unset": "未決定",
        "draft_generate": "草擬政策",
        "draft_request": "需要的條文",
        "draft_request_ph": "例如：幫我寫一條關於AI生成內容加水印嘅條款",
        "draft_request_hint": "可用中文、廣東話或英文描述：條文會以要求所用的語言草擬；如已在「整份政策」填寫機構名稱，條文亦會採用。",
        "draft_try": "試試",
        "draft_generate_clause": "草擬條文",
        "draft_download_md": "下載 Markdown",
        "draft_download_docx": "下載 Word",
        "draft_empty_title": "草稿會在這裏顯示",
        "draft_empty": "包括編號條文及每項條文所依據的指引章節、與指引不符的安排，以及政策涵蓋了《指引清單》哪些項目。",
        "draft_kind_policy": "政策草稿",
        "draft_kind_clause": "條文草稿",
        "draft_follows": "依據",
        "draft_warnings": "需要重新考慮的地方",
        "draft_sev_high": "與指引不符",
        "draft_sev_medium": "請檢查",
        "draft_coverage": "《指引清單》涵蓋情況",
        "draft_coverage_summary": "《指引清單》{total}個項目中已處理{done}個（其中{standard}個採用標準寫法），尚有{missing}個待填寫。",
        "draft_stat_done": "已處理",
        "draft_stat_missing": "待填寫",
        "draft_stat_warnings": "需重新考慮",
        "draft_col_item": "指引清單項目",
        "draft_col_section": "章節",
        "draft_col_status": "狀況",
        "draft_col_clause": "條文",
        "draft_status_addressed": "已處理",
        "draft_status_default": "標準寫法",
        "draft_status_missing": "待填寫",
        "draft_status_absent": "未涵蓋",
        "draft_route": "指引清單項目",
        "draft_matched": "配對詞語",
        "draft_gaps": "括號內的文字是仍需填寫的內容。",
        "draft_panel_empty": "按條文下方的章節標籤，即可閱讀條文所依據的指引，條文採用的句子會以顏色標示。",
        "draft_tip_1": "留空的項目會成為待填寫的空位，並列於涵蓋情況報告內。",
        "draft_tip_2": "與私隱專員公署指引不符的安排會被標示，並附上相關章節。",
        "draft_tip_3": "草稿可下載為Markdown或Word檔案，方便修訂及採用。",
        "draft_followed_note": "以顏色標示：條文所依據的內容。",
        "draft_need_org": "請輸入機構名稱，才可草擬整份政策。",
        "draft_need_request": "請描述需要的條文，例如「有關報告AI事故的條款」。",
        "draft_no_topic": "這項要求與《指引清單》哪部分有關？請提及主題，例如工具、個人資料、輸出資訊、水印、裝置、密碼、事故或違規。",
        "draft_failed": "未能草擬：{reason}。",
        "draft_error_internal": "抱歉，系統出現內部錯誤，未能草擬。",
        "footer": (
            "本助理引用私隱專員公署刊物的撮要，並不構成法律意見。"
            "公署查詢熱線 2827 2827 · AI安全熱線 2110 1155。"
        ),
    },
}

# Words that Gradio writes itself, in English only (button tooltips and labels, the footer link):
# the page's script swaps them when the interface is in Chinese and back again (style.page_js).
GRADIO_WORDS_ZH: dict[str, str] = {
    "Like": "讚好",
    "Liked": "已讚好",
    "Dislike": "不讚好",
    "Disliked": "已表示不讚好",
    "Feedback": "其他意見",
    "Clear": "清除對話",
    "Copy": "複製",
    "Copied": "已複製",
    "Use via API": "透過 API 使用",
    # Notification titles and their close button.
    "Info": "提示",
    "Warning": "注意",
    "Error": "錯誤",
    "Close": "關閉",
    # The chat's examples are labelled "Select example 2: <question>".
    "Select example": "選擇例子",
}

EXAMPLES: dict[str, list[str]] = {
    "en": [
        "Can staff enter customers' personal data into a generative AI tool?",
        "What should a company policy on staff use of Gen AI cover?",
        "Do we need consent to train an AI model on customer data?",
        "How should we decide the level of human oversight for an AI system?",
    ],
    # Cantonese throughout, as staff type their questions (the FAQ keeps the guidance's register).
    "zh-Hant": [
        "員工可唔可以將客戶嘅個人資料輸入生成式AI工具？",
        "公司嘅員工生成式AI政策要包括啲咩？",
        "用客戶資料訓練AI模型，使唔使先攞客戶同意？",
        "點樣決定AI系統要幾多人為監督？",
    ],
}

# Requests for one clause; both languages are offered because the clause follows the request's.
DRAFT_EXAMPLES: dict[str, list[str]] = {
    "en": [
        "a clause on what HR staff must not paste into ChatGPT",
        "a clause on reporting AI incidents",
        "幫我寫一條關於AI生成內容加水印嘅條款",
    ],
    "zh-Hant": [
        "幫我寫一條關於AI生成內容加水印嘅條款",
        "人力資源部同事唔可以將咩資料貼入ChatGPT",
        "a clause on reporting AI incidents",
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
