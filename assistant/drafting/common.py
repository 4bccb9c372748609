"""Names every drafting module shares: the languages, the coverage statuses and the error."""

from __future__ import annotations

import re

from assistant.text.script import HAN

LANGS = ("en", "zh-Hant")
ADDRESSED, DEFAULT, MISSING, ABSENT = "addressed", "default", "missing", "absent"

_CJK = f"{HAN}\u3000-\u303f\uff00-\uffef"
# YAML folds line breaks into spaces; between Chinese characters those spaces are not wanted.
CJK_SPACE_RE = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")


class DraftError(ValueError):
    """A drafting request that cannot be served as given; the message is one line for people and
    ``code`` a stable name for the reason ("need_org", "need_request", "no_topic" or "invalid")."""

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or "invalid"
