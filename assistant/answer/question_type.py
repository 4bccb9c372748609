"""What kind of answer a question wants: permission, how-to, list, definition, fact, comparison,
draft request or situation. The answer plan (``assistant.answer.plans``) is chosen by it.

Rules over the question as typed (English, formal Chinese, Cantonese and code-switching), tried in
a fixed order because one question often carries several markers: "can you draft…" is a draft
request, not a permission question, and "our intern pasted… can we…" is a situation. Measured on
the labelled set in ``evals/question_types.jsonl`` (see ``assistant eval``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.script import fold_width

TYPES = (
    "permission",
    "howto",
    "list",
    "definition",
    "fact",
    "comparison",
    "draft",
    "situation",
)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


_HOWTO_START = _rx(
    r"^\s*(?:pls |please |so )?how\b(?! (?:much|many|long|old|often|big)\b)",
    r"^\s*(?:請問)?(?:點樣|點先|如何|怎樣|怎麼|點做|點去|應該點|要點樣)",
)
_DRAFT = _rx(
    r"\b(?:write|draft|drafting|compose|prepare|word|redraft)\b.{0,60}?\b(?:clause|policy|policies|"
    r"reminder|notice|email|e-mail|memo|template|wording|paragraph|statement|section|provision|"
    r"rule|announcement|message|guideline|guidelines|sentence|line|disclaimer|banner|note|faq)s?\b",
    r"\b(?:give me|need|want|can you do|help me with|can i get|gimme)\b.{0,30}?\b(?:a |an |some )?"
    r"(?:clause|template|wording|provision|sample policy|draft)\b",
    r"\bdraft\b",
    r"幫(?:我|忙)(?:寫|擬|草擬|起草|諗|整)(?!理)",
    r"草擬|起草|擬備|擬定|擬一|寫一(?:段|條|份|個|篇|句)|寫(?:段|條|份|個|篇)(?:[^，。？]{0,12})(?:條款|政策|提醒|通知|聲明|指引|電郵|範本)",
    r"範本|寫返?(?:一)?(?:段|條)|撰寫|寫幾句|寫(?:一)?封",
    r"^\s*(?:a )?(?:template|sample|boilerplate|wording) (?:for|of)\b",
    # A request typed as its subject: "clause that staff must never…", 「寫個 clause 講…」
    r"^\s*(?:a |an |one )?(?:short )?(?:policy )?(?:clause|provision)s?\b",
    r"寫(?:個|段|條|份|篇|封)\s*(?:clause|policy|reminder|notice|email|memo|guideline|template|"
    r"announcement|message|broadcast|whatsapp)",
)
_COMPARISON = _rx(
    r"\bvs\.?\b",
    r"\bversus\b",
    r"\bdiffer",
    r"\bdifference",
    r"\bdiff\b",
    r"\bcompar",
    r"\bthe same (?:thing )?as\b",
    r"\bsame as\b",
    r"\bor\b.{0,40}\bwhich (?:one|is)\b",
    r"\bwhich is (?:better|stricter|safer)\b",
    r"\bwhich (?:[\w-]+ ){0,3}(?:fits|suits) (?:us|me|our \w+) (?:better|best)\b",
    r"\bcontrast",
    r"分別|區別|差別|差異|比較|相比|對比|有乜唔同|有咩唔同|有何不同|有什麼不同|唔同之處|不同之處",
    r"有(?:咩|乜|何|什麼|甚麼)關係",
    r"同[^，。？]{1,30}(?:一唔一樣|係咪一樣|一樣嗎|一樣唔一樣|有咩分別)",
    r"邊(?:個|樣)[^，。？]{0,8}(?:高|低|好|安全|嚴|大|細|多|少)(?:啲|些)",
)
_SITUATION = _rx(
    r"\b(?:already|accidentally|just|by mistake|mistakenly|yesterday|last week|this morning|earlier today)\b"
    r".{0,80}\b(?:pasted|uploaded|put|entered|typed|sent|shared|posted|fed|leaked|used|gave|emailed|"
    r"recorded|exposed|lost|published|copied|forwarded|dumped|submitted)\b",
    r"\b(?:pasted|uploaded|leaked|was hacked|got hacked|been hacked|went wrong|happened|exposed|"
    r"lost|breached|got leaked|has leaked|was leaked|sent out|fed|dumped|copied)\b.{0,80}"
    r"\b(?:what (?:now|should|do|to do|happens|next)|now what|do we (?:need|have) to|should we|"
    r"what are we supposed|are we in trouble|am i in trouble|is that a (?:breach|problem))",
    r"\b(?:found out|turns out|discovered|realised|realized|noticed)\b",
    r"(?:咗|了|已經|剛剛|頭先|尋日|琴日|不小心|唔小心|誤將|錯手).{0,40}(?:點算|點做|點處理|怎麼辦|怎辦|應該點|要做咩|要做乜|點補救|點執生|會點|有咩後果|係咪犯法|要唔要通報|使唔使通報|使唔使報)",
    r"(?:出咗事|發生咗|外洩咗|洩露咗|被黑咗|中咗招|漏咗|俾人知|爆咗)",
    r"點算|怎麼辦|點執生",
    r"\bwhat (?:should|do|can|must) (?:we|i) do(?: now| first| next| about)?\b(?! to\b)",
    r"\bwhat now\b|\bnow what\b",
    r"(?:要|應該|應)做(?:啲)?(?:乜|咩|什麼)|而家(?:應該|要)?(?:點|怎樣)|要唔要(?:通報|報告|報|report|notify|通知)|係咪要(?:重做|通報|報告)",
)
# A story with no question in it ("a customer complained our chatbot showed…") is a situation.
_NARRATIVE = _rx(
    r"\b(?:complained|rejected|posted|leaked|pasted|uploaded|used|made up|showed|shared|sent|gave|"
    r"exposed|deleted|recorded|forwarded|wants|asked|found|noticed|discovered|clicked|installed)\b",
    r"咗|了(?:客|佢|我|個)|俾人|被人|投訴|入侵",
)
_QUESTION = _rx(
    r"\?|？|\b(?:can|could|may|how|what|which|who|when|where|why|is|are|do|does|should|must|any)\b",
    r"嗎|呢|咩|乜|邊|幾|點|可唔可以|得唔得|使唔使|係咪|是否|有冇|要唔要|會唔會",
)
_LIST = _rx(
    r"\bwhat are (?:the|its|their|all)\b",
    r"\bwhat are\b.{0,40}\b(?:principles|areas|tips|steps|parts|values|considerations|items|"
    r"dpps|elements|measures|risks|categories|sections|topics|recommendations|things)\b",
    r"\blist (?:the|all|of|out)?\b",
    r"^\s*list\b",
    r"\bwhich are the\b",
    r"\bwhich (?:\w+ )?(?:elements|areas|principles|steps|stages|tips|considerations|values|measures|"
    r"aspects|rights|factors|risks)\b",
    r"\bname (?:the|all)\b",
    r"\bwhat (?:does|do) (?:the )?[\w\s'-]{0,40}\b(?:cover|include|contain|list)\b",
    r"\bwhat (?:things|items|points|areas|topics) (?:does|do|should|must)\b",
    # "what main sections does pcpd say it needs", "what governance stuff does pcpd say…"
    r"\bwhat (?:\w+ )?(?:sections|elements|parts|areas|things|stuff|points|items|topics|"
    r"considerations|steps|measures|principles)\b.{0,40}\b(?:say|says|need|needs|have|cover|include)\b",
    r"\bwhat (?:should|must|does|do)\b.{0,60}\b(?:include|cover|contain)\b",
    r"\ball (?:the )?(?:\d+|seven|six|five|four|three|ten|nine) \w+",
    r"\b(?:the )?(?:\d+|seven|six|five|four|three|ten|nine|two) (?:principles|areas|tips|steps|parts|"
    r"values|considerations|dpps|elements|key elements)\b",
    r"有(?:邊|哪)(?:幾|些|啲|[兩二三四五六七八九十])|邊幾(?:個|項|條|方面)",
    r"有(?:咩|乜|什麼|甚麼)(?:責任|義務|要求|原則|範疇|貼士|步驟|部分|價值|要素|重點)",
    r"(?:包括|涵蓋|包含|覆蓋|講)(?:咗)?(?:啲)?(?:咩|乜|什麼|甚麼|哪些|邊啲|邊幾)",
    r"列出|逐一|一一|全部(?:原則|範疇|貼士|步驟)",
    r"係邊幾(?:種|個|項|樣|條)|(?:新增|包括|規定)(?:了)?哪些|順序係點",
    r"(?:[兩二三四五六七八九十]|\d+)(?:樣|種)(?:嘢|東西)?(?:係|是)(?:咩|乜|什麼|甚麼)",
    r"包(?:啲|埋)?(?:咩|乜)(?:嘢)?\s*(?:element|part|section|item)",
    r"(?:七|六|五|四|三|十|九|兩|\d+)(?:大|個|項|條)?(?:原則|範疇|貼士|步驟|部分|價值|考慮|範圍|要素|元素|建議)(?:係|是|有)?(?:咩|乜|什麼|甚麼|邊|哪)",
    r"(?:原則|範疇|貼士|步驟|部分|價值|要素)(?:係|是|有)(?:咩|乜|什麼|甚麼|邊幾|哪些|邊啲)",
    r"有(?:咩|乜|什麼|甚麼)(?:原則|範疇|貼士|步驟|部分|價值|要素|重點)",
)
_PERMISSION = _rx(
    r"^\s*(?:pls |please |so |hi |hey |um |btw |q: )?(?:can|could|may|might|am i allowed|r (?:we|u|they) allowed|any (?:problem|issue|risk)s?|do (?:we|i|they|staff) need|are (?:we|they|staff|employees|you|interns) allowed|"
    r"is (?:it|that|this) (?:ok|okay|fine|alright|allowed|legal|lawful|permitted|acceptable|a problem|an issue|safe)|"
    r"is there (?:any|a) (?:problem|issue|risk)|are we (?:ok|okay|fine)|do (?:i|we|they|staff|employees) (?:need|have) to|"
    r"must (?:we|i|they|staff)|should (?:we|i|staff|employees) be allowed|should (?:we|i|staff)|"
    r"are (?:we|they|staff|employees) (?:required|obliged|supposed)|is (?:it|there) (?:a )?(?:must|requirement|required)|"
    r"does (?:the|our|a|an|my)?\s*[\w\s]{0,30}(?:need|have) to|do we have to|would it be (?:ok|okay|fine|a problem))\b",
    r"\b(?:ok|okay|allowed|fine|legal|permitted)\s*(?:or not|\?|$)",
    # "ok to give the vendor admin access…", "…can a policy do that?", "…do we have to"
    r"^\s*(?:is it )?(?:ok|okay|fine|alright) (?:to|if)\b",
    r"\bcan (?:a|an|the|this|that|our|my) [\w\s-]{0,25}\bdo (?:that|this|it)\b",
    r"\bdo (?:we|i|they) (?:really |actually |still )?(?:need|have) to\b",
    r"\bright\s*\?+\s*$",
    r"真係要|係咪真係|係咪一定要",
    r"\bam i allowed\b|\bare we allowed\b|\bis it allowed\b|\bcan (?:i|we|staff|employees|they|hr|sales|interns?|you|u|our|the)\b",
    r"可唔可以|得唔得|得不得|使唔使|駛唔駛|可否|能否|可不可以|能不能|可以(?:嗎|唔|不)|係咪可以|是否(?:可以|獲准|允許|需要|必須|應該|容許)|"
    r"(?:ok|OK|Ok)唔(?:ok|OK|Ok)|要唔要|需唔需要|需要唔需要|應唔應該|應不應該|會唔會有問題|有冇問題|有沒有問題|准唔准|准不准|"
    r"允唔允許|犯唔犯法|犯法(?:嗎|唔|架|㗎)|違法(?:嗎|唔)|合唔合法|合法(?:嗎|唔)|係咪要|是否要|一定要|必須(?:要)?(?:嗎|唔)|"
    r"要(?:唔)?要(?:先)?|可以(?:用|將|放|上載|輸入|掉)[^。？]{0,40}(?:嗎|未|呀|啊|嘛|冇|$)",
)
_DEFINITION = _rx(
    r"^\s*(?:請問)?(?:乜嘢|咩|什麼|甚麼)(?:係|叫做|叫|是)",
    r"即係點解|即係乜|係咩意思|是什麼意思",
    r"^\s*(?:pls |please |so )?(?:what(?:'s| is| are|s) (?:a |an |the )?[\w\s'\-./]{1,40}\??\s*$)",
    r"\bwhat (?:does|do) [\w\s'\-./]{1,40} mean\b",
    r"\bmeaning of\b",
    r"\bdefin(?:e|ition)\b",
    r"\bwhat counts as\b",
    r"\bwhat is meant by\b",
    r"\bexplain\b",
    r"(?:乜嘢|咩|什麼|甚麼)(?:嚟|來)?(?:㗎|架|嘅)?(?:\s*$)",
    r"(?:即係|即是|指)(?:咩|乜|什麼|甚麼)",
    r"(?:咩|乜|什麼|甚麼)(?:係|是|叫做|叫)",
    r"何謂|定義|意思|解釋|係咩嚟|是什麼",
)
_FACT = _rx(
    r"\b(?:when|who|whom|whose|how many|how much|how long|which year|what year|what date|where|what percentage|"
    r"what number|what is the number|what's the number|phone number|hotline)\b",
    r"幾時|何時|邊個|邊位|誰|幾多|多少|邊年|哪一年|哪年|幾耐|幾長|邊度|哪裡|幾號|電話|熱線|百分之|幾成",
    r"電郵地址|郵寄地址|網址|傳真|\b(?:e-?mail|postal) address\b|\bwebsite address\b",
)

ORDER = (
    ("draft", _DRAFT),
    (
        "definition-start",
        None,
    ),  # 「乜嘢係…」 / "what is X" asks for a definition before anything else
    ("comparison", _COMPARISON),
    ("situation", _SITUATION),
    ("list", _LIST),
    ("permission", _PERMISSION),
    ("howto", None),  # a question that starts "how…" (see below)
    ("fact", _FACT),
    ("definition", _DEFINITION),
)


@dataclass(frozen=True)
class QuestionType:
    name: str
    rule: str  # which rule decided, for --trace and the trainer tab


def classify(question: str) -> QuestionType:
    text = fold_width(question).strip()
    howto_first = bool(_HOWTO_START.search(text))
    for name, pattern in ORDER:
        if name == "definition-start":
            if re.match(r"^\s*(?:請問)?(?:乜嘢|咩|什麼|甚麼)(?:係|叫做|叫|是)", text):
                return QuestionType("definition", "definition marker")
            continue
        if name == "permission" and howto_first:
            continue  # "how can we…" asks for steps
        if name == "howto":
            if howto_first or re.search(
                r"\bsteps?\b|\bhow (?:do|can|should|would|to)\b|\bwhat should (?:we|i) do to\b|\bprocess for\b|\bprocedure\b|點樣|如何|步驟|程序|流程|點做|怎樣",
                text,
                re.IGNORECASE,
            ):
                return QuestionType("howto", "how-to marker")
            continue
        assert pattern is not None
        if name == "draft" and howto_first and not re.search(r"幫我|help me|for me", text, re.I):
            continue  # "how do we write a policy" asks for steps, not for a draft
        if name == "situation" and re.match(r"^\s*(?:what should we do to|how)\b", text, re.I):
            continue
        match = pattern.search(text)
        if match:
            return QuestionType(name, f"{name} marker {match.group(0).strip()[:30]!r}")
    if _NARRATIVE.search(text) and not _QUESTION.search(text):
        return QuestionType("situation", "a story with no question")
    return QuestionType("fact", "default")
