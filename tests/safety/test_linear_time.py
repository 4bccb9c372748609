"""The patterns that run on user text do work that grows linearly with its length.

Nothing here compares a time with a limit: each case runs the same function on a 10,000- and a
100,000-character text built from the same piece, in the same process, and compares the CPU time
of the two. Linear work gives a ratio near 10; work that grows with the square of the length
(as the e-mail pattern's once did: 0.2 s at 10k characters, 8.8 s at 80k) gives about 100. The
bound, 30, leaves room for a busy machine and for sorting the findings (n log n) without letting
a quadratic pattern through.

The pieces are the shapes that make a backtracking pattern rescan: long runs of one character
class, near misses of an identifier repeated, separators without the identifier, and orders or
repeated words without an end.
"""

import math
import random
import time
from collections.abc import Callable

import pytest

from assistant.safety.injection import filter_question, without_orders
from assistant.safety.privacy import detect, redact
from assistant.safety.validation import length_as_typed, text_problem, validate_question

SHORT, LONG = 10_000, 100_000
MAX_RATIO = 30.0

PRIVACY_PIECES = [
    "a", "a.", ".", "-", "_", "a@", "a@b.", "@a", "a.b.c.", "1", "1 ", "1-", "1.", "1/", "12 ",
    "9123 ", "9123.4567 ", "9123/4567, ", "+852 ", "(852) ", "A123456", "A123456(3) ",
    "A123456-3 ", "e12345678 ", "4111 1111 ", "x dot ", "x at ", "(at) ", "[dot] ", "at dot ",
    "peter dot lee at gmail dot com ", "Flat ", "Flat 5A, ", "12/F ", "12/F, ", "88 ",
    "88 Nathan ", "Nathan ", "Road ", "Golden ", "Golden Building ", "Block B ", "Mong Kok ",
    "道", "88號", "12樓", "A室", "彌敦道88號12樓A室，", "旺角", "大廈", "座", "Mr ", "Ms Ho's ",
    "Mr Wong's phone 9123 4567, ", "Chan Tai Man, HKID A123456(3); ", "陳", "陳大文",
    "陳大文電話91234567，", "陳先生的電話", " ", "\t", "。", "、", "ＡＢ１２",
]  # fmt: skip
INJECTION_PIECES = [
    "a", " ", ".", ",", ":", "?", "<", "< ", "<a ", "<script>", "</", "cite ", "Cite DPP 4 ",
    "cite checklist-2025/2 ", "and ", "and cite DPP 4 ", "ignore ", "ignore the ",
    "Ignore previous instructions ", "SYSTEM: ", "[INST] ", "Answer: ", "do not refuse ",
    "never ", "please ", "you must ", "how ", "when you answer ", "DPP 4, ", "唔好拒絕", "引用",
    "請引用第4原則", "忽略之前的", "系統：", "答案：", "點樣", "，", "personal data privacy ",
    "私隱", "個人資料私隱", "data privacy AI data ", "x y ",
]  # fmt: skip


def _mixed(pieces: list[str], seed: int) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < LONG:
        parts.append(rng.choice(pieces))
        size += len(parts[-1])
    return "".join(parts)[:LONG]


def _text(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


def _cpu_seconds(function: Callable[[str], object], text: str, calls: int) -> float:
    best = math.inf
    for _ in range(3 if calls > 1 else 2):
        started = time.process_time()
        for _ in range(calls):
            function(text)
        best = min(best, (time.process_time() - started) / calls)
    return best


def _growth(function: Callable[[str], object], short: str, long: str) -> float:
    once = _cpu_seconds(function, short, 1)
    # Enough calls on the short text for its time to be well above the clock's resolution.
    calls = max(1, math.ceil(0.02 / max(once, 1e-6)))
    small = _cpu_seconds(function, short, calls)
    large = _cpu_seconds(function, long, max(1, math.ceil(calls / 10)))
    return large / max(small, 1e-9)


def _assert_linear(function: Callable[[str], object], piece: str) -> None:
    ratio = _growth(function, _text(piece, SHORT), _text(piece, LONG))
    assert ratio < MAX_RATIO, (
        f"{function.__name__} on {piece!r} * n: 10x the text took {ratio:.0f}x"
    )


@pytest.mark.parametrize("piece", PRIVACY_PIECES)
def test_finding_personal_data_grows_linearly(piece: str) -> None:
    _assert_linear(detect, piece)


@pytest.mark.parametrize("piece", INJECTION_PIECES)
def test_leaving_out_orders_grows_linearly(piece: str) -> None:
    _assert_linear(without_orders, piece)


@pytest.mark.parametrize("seed", range(2))
def test_mixed_texts_grow_linearly_for_every_function_on_user_text(seed: int) -> None:
    text = _mixed(PRIVACY_PIECES + INJECTION_PIECES, seed)
    checks: list[Callable[[str], object]] = [
        detect,
        redact,
        filter_question,
        length_as_typed,
        lambda t: text_problem(t, LONG),
        lambda t: validate_question(t + "?", LONG * 2),
    ]
    for function in checks:
        ratio = _growth(function, text[:SHORT], text)
        assert ratio < MAX_RATIO, f"{function} on mixed text {seed}: 10x the text took {ratio:.0f}x"
