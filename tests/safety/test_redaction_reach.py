"""Identifiers typed in many formats never reach a database or a log.

Hypothesis writes HKID, phone, e-mail, card, passport numbers and Hong Kong addresses in the
formats people use (separators, letter case, full-width digits, spelled-out e-mails, English and
Chinese addresses), with a name beside them, into a question and a rating's comment; the question
is asked through the real pipeline with transcripts kept and rated through the web service, with
every log record captured. Then no database file, export or log line holds any of them.
"""

import io
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.interfaces.web.service import UIService
from assistant.pipeline import Assistant
from assistant.safety.audit import AuditLog
from assistant.safety.feedback import export_candidates
from assistant.safety.privacy import detect, hkid_check_digit, redact
from assistant.settings import Settings

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

LETTERS = "ABCDEGHKMPRVZ"
SEPARATORS = ["", " ", "-", ".", "/"]


@st.composite
def hkids(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(list(LETTERS) + ["XA", "WX"]))
    digits = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6)))
    check = hkid_check_digit(prefix, digits)
    shape = draw(st.sampled_from(["{p}{d}({c})", "{p}{d}{c}", "{p}{d}-{c}", "{p}{d} ({c})"]))
    text = shape.format(p=prefix, d=digits, c=check)
    return text.lower() if draw(st.booleans()) else text


@st.composite
def phones(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("235679")) + draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    second = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    if first in ("2827", "2110") or (first[:2] in ("19", "20") and second[:2] in ("19", "20")):
        first = "9" + first[1:]
    prefix = draw(st.sampled_from(["", "+852 ", "852-", "(852) ", "00852 "]))
    return f"{prefix}{first}{draw(st.sampled_from(SEPARATORS))}{second}"


WORDS = st.from_regex(r"[a-z]{2,8}", fullmatch=True)


@st.composite
def emails(draw: st.DrawFn) -> str:
    user, domain = draw(WORDS), draw(WORDS)
    tld = draw(st.sampled_from(["com", "org", "com.hk", "hk", "net"]))
    if draw(st.booleans()):
        return f"{user}.{draw(WORDS)}@{domain}.{tld}"
    dot = draw(st.sampled_from([" dot ", " (dot) ", " [dot] "]))
    at = draw(st.sampled_from([" at ", " (at) ", " [at] "]))
    return f"{user}{dot}{draw(WORDS)}{at}{domain}{dot}{tld.replace('.', dot)}"


@st.composite
def addresses(draw: st.DrawFn) -> str:
    number = draw(st.integers(1, 999))
    floor = draw(st.integers(1, 60))
    flat = draw(st.sampled_from("ABCDEFGH"))
    if draw(st.booleans()):
        street = draw(st.sampled_from(["Nathan Road", "Queen's Road Central", "King's Road"]))
        shape = draw(
            st.sampled_from(
                [
                    "Flat {f}, {fl}/F, {n} {s}",
                    "Room {n}{f}, Block B, {n} {s}, Mong Kok",
                    "{fl}/F, Golden Building, {n} {s}",
                    "flat {f}, {fl}/f, {n} {s}",
                ]
            )
        )
        return shape.format(f=flat, fl=floor, n=number, s=street)
    street = draw(st.sampled_from(["彌敦道", "皇后大道中", "英皇道"]))
    district = draw(st.sampled_from(["", "旺角", "香港九龍", "北角"]))
    return f"{district}{street}{number}號{floor}樓{flat}室"


IDENTIFIERS = st.one_of(
    hkids(),
    phones(),
    emails(),
    st.sampled_from(["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]),
    st.from_regex(r"[A-Ha-h][0-9]{8}", fullmatch=True),
    addresses(),
)
NAMES = st.sampled_from(["Chan Tai Man", "Mr Wong", "Ms Ho", "陳大文", "李先生"])
TEMPLATES = st.sampled_from(
    [
        "Can I paste {name}'s details {id} into ChatGPT?",
        "{name}, {id}: may staff enter this into an AI tool?",
        "我可唔可以將{name}嘅資料 {id} 輸入AI？",
        "Do staff need strong passwords? {id}",
    ]
)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    identifier=IDENTIFIERS,
    name=NAMES,
    template=TEMPLATES,
    wide=st.sampled_from([False, False, False, True]),
)
def test_no_identifier_reaches_a_database_or_a_log(
    fixture_assistant: Assistant,
    built_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    identifier: str,
    name: str,
    template: str,
    wide: bool,
) -> None:
    typed_id = _full_width(identifier) if wide else identifier
    question = template.format(name=name, id=typed_id)
    assert detect(question), question  # the generator only writes formats that are detected
    data = tmp_path_factory.mktemp("reach")
    settings = built_settings.replace(data_dir=data, keep_transcripts=True)
    assistant = Assistant(settings, retriever=fixture_assistant.retriever)
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        answer = assistant.ask(question, [f"earlier: {typed_id}"])
        service = UIService(settings, assistant)
        turn = {**service.turn_record(answer, [f"earlier: {typed_id}"]), "question": question}
        row = service.record_feedback(turn, "up", f"comment about {name} {typed_id}")
        service.feedback.add_comment(row, f"again {typed_id}")
        exported = io.StringIO()
        export_candidates(service.feedback, exported)
        AuditLog.for_settings(settings).export(exported)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    stored = b"".join(p.read_bytes() for p in Path(data).rglob("*") if p.is_file())
    texts = [stored.decode("utf-8", "replace"), logs.getvalue(), exported.getvalue()]
    for where, text in zip(("databases", "logs", "exports"), texts, strict=True):
        assert typed_id not in text, (where, question)
        assert identifier not in text, (where, question)
    assert typed_id not in answer.question and redact(question) == answer.question
