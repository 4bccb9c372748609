"""Answer plans: what the first lines of a reply must be for each kind of question.

Every line shown is a sentence of a retrieved section (or of a verified answer card); a plan only
chooses which sentences lead and in what order:

- list: the whole list, in the document's order, numbered (no sentence cap), after its count line;
- howto: the steps in order;
- permission and situation: the sentence that says what the guidance requires or recommends for
  that situation, then the legal rule (a Data Protection Principle) when personal data is involved;
- comparison: one sentence for each side, each cited, led by a sentence naming both if the corpus
  has one;
- definition and fact: the defining sentence, or the sentence with the figure or date, first.

Then the supporting quotes, each cited, without sentences already shown, near-duplicates, or
notes about the digest (those are shown only when the question asks what the guidance does not
cover).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from assistant.corpus.documents import Section
from assistant.index.snapshot import SentenceRecord
from assistant.retrieval.hybrid import RetrievalResult
from assistant.text.script import split_sentences, strip_markdown
from assistant.text.tokenize import content_terms, normalise

# Sections the plan may draw on: the best hits, and any within this share of the best score.
MAX_SECTIONS = 3
SECTION_RELATIVE_FLOOR = 0.85
# Supporting quotes after the lead.
EVIDENCE_SENTENCES = 3
# Two sentences sharing this share of their words say the same thing: one is shown, both cited.
DUPLICATE_OVERLAP = 0.75
MIN_LIST_ITEMS = 3

_NORMATIVE_RE = re.compile(
    r"\b(?:should|must|shall|recommend\w*|required?|requires|may not|must not|should not|only|"
    r"prohibit\w*|need to|needs to|has to|have to|ensure|avoid|never|not allowed|permitted|"
    r"allowed|consent)\b|應|須|必須|建議|不得|不應|只可|禁止|避免|確保|需要|切勿|不可|准許|獲准|同意",
    re.IGNORECASE,
)
_FIGURE_RE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b|"
    r"[一二三四五六七八九十百千萬]|年|月|日",
    re.IGNORECASE,
)
_DEFINING_RE = re.compile(
    r"\b(?:means|refers to|is defined|defines|is the|are the|is a|is an|describes)\b|是指|指的是|即|定義|是一",
    re.IGNORECASE,
)
# "What does the checklist not say about…", 「冇講到」: the digest's own notes answer these.
GAP_QUESTION_RE = re.compile(
    r"\b(?:not cover|doesn'?t cover|does not cover|not say|doesn'?t say|does not say|not mention|"
    r"doesn'?t mention|not include|not included|silent on|gaps?|missing|not address)\w*|"
    r"冇講|沒有提及|未有提及|冇提|唔包括|不包括|未涵蓋|冇涵蓋|沒有涵蓋|冇寫|未有講",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "兩": "2", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
    "七": "7", "八": "8", "九": "9", "十": "10",
}  # fmt: skip
_COUNT_RE = re.compile(
    r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\b|([兩二三四五六七八九十])(?:個|項|條|大|點|部分)?",
    re.I,
)
_DATA_KINDS = ("data",)
# How far a reported sentence sinks when the lead is chosen (scores are cosines plus overlap).
_HEARSAY = {"press": 0.03, "secondary": 0.04}
# What a question is about when it reports something that happened ("our intern pasted… what
# now") or asks about a use of data ("can we train…"): an event such as an incident, a purpose
# such as training. The guidance's answer is in that concept's own section. Controls were tried
# too (everyday-dev +1 lead): generic ones such as "AI tools" then took over the lead of
# questions about something else (「員工可以用邊啲裝置…」 led with the permitted-tools line).
_SUBJECT_KINDS = {"situation": ("event", "purpose"), "permission": ("purpose",)}


@dataclass
class Line:
    """One line of the reply: a sentence and the sections that vouch for it (first one quoted)."""

    text: str
    sections: list[Section]
    note: bool = False  # a note about the digest, shown only for gap questions


@dataclass
class Plan:
    answer_type: str
    lead: list[Line] = field(default_factory=list)
    items: list[Line] = field(default_factory=list)  # numbered (lists and steps)
    evidence: list[Line] = field(default_factory=list)
    rule: str = ""  # which plan step produced the lead, for --trace


@dataclass
class Scored:
    score: float
    rank: int  # rank of its section among the hits used
    position: int  # position of the sentence in its section
    section: Section
    text: str


class Planner:
    """Builds a Plan from a retrieval result; reads the index's sentences and vectors."""

    def __init__(
        self,
        sentences: list[SentenceRecord],
        vectors: np.ndarray,
        lookup: object,
        children: dict[str, list[str]],
    ) -> None:
        self._sentences = sentences
        self._vectors = vectors
        self._lookup = lookup  # (section_id, lang) -> Section | None
        self._children = children
        self._by_section: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, record in enumerate(sentences):
            self._by_section[(record.section_id, record.lang)].append(i)

    def section(self, section_id: str, lang: str) -> Section | None:
        return self._lookup(section_id, lang)  # type: ignore[operator]

    # ------------------------------------------------------------ candidates

    def hit_sections(self, result: RetrievalResult) -> list[Section]:
        if not result.hits:
            return []
        top = result.hits[0].score
        out = []
        for hit in result.hits:
            if len(out) >= MAX_SECTIONS or hit.score < SECTION_RELATIVE_FLOOR * top:
                break
            section = self.section(hit.section_id, result.lang)
            if section is not None:
                out.append(section)
        return out

    def scored(self, sections: list[Section], query_vector: np.ndarray, focus: str) -> list[Scored]:
        terms = content_terms(focus)
        rows: list[Scored] = []
        for rank, section in enumerate(sections):
            indices = self._by_section.get((section.id, section.lang), [])
            if not indices:
                continue
            cosine = self._vectors[indices] @ query_vector
            prior = 0.04 * (1.0 - rank / max(1, len(sections)))
            for j, i in enumerate(indices):
                text = self._sentences[i].text
                value = float(cosine[j]) + 0.15 * _overlap(terms, text) + prior
                rows.append(Scored(value, rank, j, section, text))
        rows.sort(key=lambda r: -r.score)
        return rows

    # ------------------------------------------------------------ the plan

    def plan(
        self,
        answer_type: str,
        result: RetrievalResult,
        focus: str,
        query_vector: np.ndarray,
        shown: list[str] | None = None,
    ) -> Plan:
        """``shown`` holds sentences the reply already gives above the plan (a matched card's):
        the plan does not repeat them."""
        sections = self.hit_sections(result)
        rows = self.scored(sections, query_vector, focus)
        plan = Plan(answer_type)
        if not rows:
            return plan
        if answer_type in ("list", "howto"):
            self._list(plan, result, focus, sections, rows)
        elif answer_type == "comparison":
            self._comparison(plan, result, query_vector, focus, sections, rows)
        elif answer_type in ("permission", "situation"):
            self._requirement(plan, result, query_vector, focus, rows)
        elif answer_type == "fact":
            self._best_with(plan, rows, _FIGURE_RE, "the sentence with the figure")
        elif answer_type == "definition":
            self._best_with(plan, rows, _DEFINING_RE, "the defining sentence")
        if not plan.lead and not plan.items:
            plan.lead = [Line(rows[0].text, [rows[0].section])]
            plan.rule = plan.rule or "the most relevant sentence"
        above = list(shown or [])
        if above and plan.lead:
            # The card already says it: a lead sentence restating a card sentence is dropped
            # (list items stay, a list is only whole with all of them).
            kept = [x for x in plan.lead if not any(_said_in(x.text, a) for a in above)]
            if len(kept) < len(plan.lead):
                plan.lead = kept
                plan.rule += " (less what the card says)"
        if GAP_QUESTION_RE.search(focus):
            for section in sections[:2]:
                plan.evidence.extend(Line(n, [section], note=True) for n in section.notes[:3])
        self._evidence(plan, rows, above)
        return plan

    def _best_with(
        self, plan: Plan, rows: list[Scored], pattern: re.Pattern[str], rule: str
    ) -> None:
        best = rows[0].score
        for row in rows[:8]:
            if row.score >= best - 0.03 and pattern.search(row.text):
                plan.lead = [Line(row.text, [row.section])]
                plan.rule = rule
                return

    def _requirement(
        self,
        plan: Plan,
        result: RetrievalResult,
        query_vector: np.ndarray,
        focus: str,
        rows: list[Scored],
    ) -> None:
        best = rows[0].score
        normative = [
            r for r in rows[:10] if _NORMATIVE_RE.search(r.text) and r.score >= best - 0.05
        ]
        # What the guidance says outranks what a newspaper or a law firm says it says.
        normative.sort(
            key=lambda r: -(r.score - _HEARSAY.get(r.section.provenance_of(r.text), 0.0))
        )
        lead = normative[0] if normative else rows[0]
        plan.rule = "what the guidance requires or recommends" if normative else "best sentence"
        subject = self._subject_sentence(plan.answer_type, result, query_vector, focus)
        if subject is not None and subject.section.id != lead.section.id:
            lead = subject
            plan.rule = "what the guidance requires for the event or purpose asked about"
        plan.lead = [Line(lead.text, [lead.section])]
        # Personal data involved: the legal rule follows, from the principle the concepts name.
        if any(h.concept.kind in _DATA_KINDS and h.concept.in_scope for h in result.concepts):
            rule = self._dpp_sentence(result, query_vector, focus, exclude=lead.section.id)
            if rule is not None:
                plan.lead.append(rule)
                plan.rule += " + the Data Protection Principle"

    def _subject_sentence(
        self, answer_type: str, result: RetrievalResult, query_vector: np.ndarray, focus: str
    ) -> Scored | None:
        """The best normative sentence of the most specific section of an event or purpose
        concept the question names (see ``_SUBJECT_KINDS``), or None."""
        hits = result.concepts_of(_SUBJECT_KINDS.get(answer_type, ()))
        ids = [h.concept.sections[0] for h in hits]
        sections = [s for s in (self.section(i, result.lang) for i in dict.fromkeys(ids)) if s]
        # Judged by the concept's own wording (「報告AI事故」), not the question's: the question
        # tells the story ("our intern pasted…"), the concept names what it is about.
        terms: set[str] = set()
        for h in hits:
            for term in h.concept.terms.get(result.lang) or h.concept.terms.get("en") or ():
                terms |= content_terms(term)
        rows = [
            r for r in self.scored(sections, query_vector, focus) if _NORMATIVE_RE.search(r.text)
        ]
        rows.sort(key=lambda r: -(_overlap(terms, r.text) + 0.1 * r.score))
        return rows[0] if rows else None

    def _dpp_sentence(
        self, result: RetrievalResult, query_vector: np.ndarray, focus: str, exclude: str
    ) -> Line | None:
        ids = [h.section_id for h in result.hits if h.section_id.startswith("pdpo-dpps/dpp")]
        for hit in result.concepts:
            ids.extend(s for s in hit.concept.sections if s.startswith("pdpo-dpps/dpp"))
        ids = [i for i in dict.fromkeys(ids or ["pdpo-dpps/dpp3"]) if i != exclude][:2]
        sections = [s for s in (self.section(i, result.lang) for i in ids) if s is not None]
        rows = [
            r for r in self.scored(sections, query_vector, focus) if _NORMATIVE_RE.search(r.text)
        ]
        return Line(rows[0].text, [rows[0].section]) if rows else None

    def _list(
        self,
        plan: Plan,
        result: RetrievalResult,
        focus: str,
        sections: list[Section],
        rows: list[Scored],
    ) -> None:
        wanted = _count_in(focus)
        relevance = {r.text: r.score for r in reversed(rows)}
        candidates: list[tuple[float, Section, BulletRun]] = []
        seen: set[str] = set()
        pool = list(sections)
        for section in sections[:2]:
            if section.parent_id:
                parent = self.section(section.parent_id, result.lang)
                if parent is not None:
                    pool.append(parent)
        least = 2 if plan.answer_type == "howto" else MIN_LIST_ITEMS
        for order, section in enumerate(pool):
            if section.id in seen:
                continue
            seen.add(section.id)
            runs = [r for r in bullet_runs(section) if len(r.items) >= MIN_LIST_ITEMS]
            if not runs:
                runs = [BulletRun("", self._child_items(section, result.lang))]
            for run in runs:
                if len(run.items) < least:
                    continue
                if plan.answer_type == "howto" and not _steps(run):
                    continue  # a timeline of press reports is no answer to "how do we…"
                # A section can hold several lists (the seven procurement steps, then the nine
                # governance considerations): the one whose lines answer the question is shown.
                fit = max((relevance.get(t, 0.0) for t in (run.intro, *run.items)), default=0.0)
                value = 1.0 / (1 + order) + fit
                if wanted and len(run.items) == wanted:
                    value += 1.0
                candidates.append((value, section, run))
        if not candidates:
            return
        _, section, run = max(candidates, key=lambda c: c[0])
        count = self._count_line(section, run, rows)
        if count is not None:
            plan.lead = [count]
        plan.items = [Line(i, [self._owner(section, i, result.lang)]) for i in run.items]
        plan.rule = f"the whole list of {section.id} ({len(run.items)} items)"

    def _child_items(self, section: Section, lang: str) -> list[str]:
        """A list made of child sections (the seven principles, the ten tips): each child's first
        sentence, in order."""
        out = []
        for child_id in self._children.get(section.id, []):
            child = self.section(child_id, lang)
            if child is None:
                continue
            first = split_sentences(strip_markdown(child.text))
            if first:
                out.append(first[0])
        return out

    def _owner(self, section: Section, item: str, lang: str) -> Section:
        for child_id in self._children.get(section.id, []):
            child = self.section(child_id, lang)
            if child is not None and item in child.text:
                return child
        return section

    def _count_line(self, section: Section, run: BulletRun, rows: list[Scored]) -> Line | None:
        """The sentence that gives the list's count ("The Guidance sets out seven ethical
        principles."): the one introducing it, else any in the section that is not an item."""
        count = str(len(run.items))
        if run.intro and count in numbers_in(run.intro):
            return Line(run.intro, [section])
        items = set(bullet_items(section))
        for sentence in split_sentences(strip_markdown(_non_bullet_text(section))):
            if sentence in items:
                continue
            if count in numbers_in(sentence):
                return Line(sentence, [section])
        return None

    def _comparison(
        self,
        plan: Plan,
        result: RetrievalResult,
        query_vector: np.ndarray,
        focus: str,
        sections: list[Section],
        rows: list[Scored],
    ) -> None:
        sides: list[str] = []
        for hit in result.concepts:
            if hit.concept.kind == "document" and hit.concept.sections:
                doc = hit.concept.sections[0].split("/")[0]
                if doc not in sides:
                    sides.append(doc)
        if len(sides) < 2:
            for hit in result.hits:
                doc = hit.section_id.split("/")[0]
                if doc not in sides:
                    sides.append(doc)
                if len(sides) == 2:
                    break
        if len(sides) < 2:
            # One document, two of its sections (DPP1 vs DPP3): compare the two best sections.
            best_two = list(dict.fromkeys(r.section.id for r in rows))[:2]
            side_rows = [[r for r in rows if r.section.id == s] for s in best_two]
        else:
            side_rows = []
            for doc in sides[:2]:
                own = [r for r in rows if r.section.doc_id == doc]
                if not own:
                    wanted = [
                        h.section_id for h in result.hits if h.section_id.startswith(doc + "/")
                    ]
                    for hit in result.concepts:
                        wanted.extend(s for s in hit.concept.sections if s.startswith(doc + "/"))
                    wanted.append(f"{doc}/about")
                    found = [
                        s
                        for s in (self.section(i, result.lang) for i in dict.fromkeys(wanted))
                        if s is not None
                    ][:2]
                    own = self.scored(found, query_vector, focus)
                side_rows.append(own)
        lead = [Line(r[0].text, [r[0].section]) for r in side_rows if r]
        if len(lead) == 2:
            plan.lead = lead
            plan.rule = "one sentence for each side"

    def _evidence(self, plan: Plan, rows: list[Scored], above: list[str]) -> None:
        shown = [*plan.lead, *plan.items]
        for row in rows:
            if any(same_statement(row.text, a) for a in above):
                continue
            if len([e for e in plan.evidence if not e.note]) >= EVIDENCE_SENTENCES:
                break
            if row.score < rows[0].score - 0.12:
                break
            duplicate = next((s for s in shown if same_statement(s.text, row.text)), None)
            if duplicate is not None:
                if row.section not in duplicate.sections and duplicate.text != row.text:
                    duplicate.sections.append(row.section)
                continue
            line = Line(row.text, [row.section])
            plan.evidence.append(line)
            shown.append(line)


@dataclass
class BulletRun:
    """One list of a section: its bulleted lines in order, and the sentence just before them."""

    intro: str
    items: list[str]


def bullet_runs(section: Section) -> list[BulletRun]:
    """The section's lists: runs of consecutive bulleted lines, each with its introducing
    sentence (the last sentence of the line before the run)."""
    runs: list[BulletRun] = []
    before = ""
    current: BulletRun | None = None
    for raw in section.text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("- ", "* ")):
            text = strip_markdown(line[2:].strip())
            if current is None:
                current = BulletRun(before, [])
                runs.append(current)
            if text:
                current.items.append(text)
            continue
        current = None
        if not line.startswith(("<!--", ">")):
            sentences = split_sentences(strip_markdown(line))
            before = sentences[-1] if sentences else ""
    return runs


_STEPS_RE = re.compile(
    r"\b(?:steps?|stages?|measures?|tips?|actions?|ways?|phases?)\b|步驟|階段|措施|貼士",
    re.IGNORECASE,
)


def _steps(run: BulletRun) -> bool:
    """Does a list read as steps to take: introduced as steps, stages or measures, or made mostly
    of instructions ("should…", 「建議…」)?"""
    if _STEPS_RE.search(run.intro):
        return True
    return sum(bool(_NORMATIVE_RE.search(i)) for i in run.items) * 2 > len(run.items)


def bullet_items(section: Section) -> list[str]:
    """The section's bulleted lines, in order, as plain sentences."""
    out = []
    for raw in section.text.splitlines():
        line = raw.strip()
        if line.startswith(("- ", "* ")):
            text = strip_markdown(line[2:].strip())
            if text:
                out.append(text)
    return out


def _non_bullet_text(section: Section) -> str:
    return "\n".join(x for x in section.text.splitlines() if not x.strip().startswith(("- ", "* ")))


def numbers_in(sentence: str) -> set[str]:
    """The counts a sentence states, as digits ("seven principles", 「四種」 -> {"7"}, {"4"})."""
    found = set(re.findall(r"\d+", sentence))
    lowered = sentence.lower()
    for word, digit in _NUMBER_WORDS.items():
        if (word.isascii() and re.search(rf"\b{word}\b", lowered)) or (
            not word.isascii() and word in sentence
        ):
            found.add(digit)
    return found


_LIST_COUNT_RE = re.compile(
    r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:areas|principles|risks|elements|steps|stages|tips|considerations|values|measures|parts|"
    r"aspects|rights|factors|items|points|categories|exemptions|concerns|groups|types)\b"
    r"|([兩二三四五六七八九十]|\d{1,2})(?:個|項|種|大|條|點|部分|階段|步|招|範疇|方面)",
    re.IGNORECASE,
)


def list_counts(sentence: str) -> set[str]:
    """The sizes of lists a sentence announces ("four risks", 「九項管治考慮」), as digits."""
    out = set()
    for match in _LIST_COUNT_RE.finditer(sentence):
        raw = (match.group(1) or match.group(2) or "").lower()
        out.add(_NUMBER_WORDS.get(raw, raw))
    return out


def _count_in(question: str) -> int | None:
    match = _COUNT_RE.search(question)
    if not match:
        return None
    raw = (match.group(1) or match.group(2) or "").lower()
    value = _NUMBER_WORDS.get(raw, raw)
    return int(value) if value.isdigit() else None


def _overlap(terms: set[str], sentence: str) -> float:
    if not terms:
        return 0.0
    folded = normalise(sentence)
    return sum(1 for t in terms if t in folded) / len(terms)


def _said_in(line: str, sentence: str) -> bool:
    """Does ``sentence`` say everything ``line`` says (the same, or more: a card's "describes
    seven steps, starting with…" says the count line "describes seven steps")?"""
    if same_statement(line, sentence):
        return True
    terms = content_terms(line)
    return bool(terms) and len(terms & content_terms(sentence)) >= 0.9 * len(terms)


def same_statement(a: str, b: str) -> bool:
    """Do two sentences say the same thing (equal once folded, or sharing most of their words)?"""
    if normalise(a) == normalise(b):
        return True
    ta, tb = content_terms(a), content_terms(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= DUPLICATE_OVERLAP and abs(len(ta) - len(tb)) <= 3
