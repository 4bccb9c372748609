"""What the organisation decided (``DraftRequest``): parsing and validating the form's answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from assistant.drafting.common import LANGS, DraftError
from assistant.text.script import has_control_chars
from assistant.text.tokenize import normalise

MAX_FIELD_CHARS = 500
MAX_ITEMS_PER_FIELD = 50

_SPLIT_RE = re.compile(r"[\n;,、，；]+")


# ---------------------------------------------------------------- request


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    raw = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for entry in raw:
        for part in _SPLIT_RE.split(str(entry)):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


_LIST_FIELDS = (
    "public_tools",
    "internal_tools",
    "uses",
    "applies_to",
    "allowed_input",
    "prohibited_input",
    "output_use",
    "devices",
    "users",
    "security_settings",
    "related_policies",
)
# Compared after normalise(), so full-width colons and either Chinese script match.
_INTERNAL_PREFIXES = tuple(normalise(p) for p in ("internal:", "in-house:", "inhouse:", "內部:"))
_PUBLIC_PREFIXES = tuple(normalise(p) for p in ("public:", "公開:", "公眾:"))


@dataclass
class DraftRequest:
    """What the organisation decided; every field but ``org`` may be left empty.

    List fields accept a list or one string with values separated by commas, semicolons, 、 or new
    lines. A tool in ``public_tools`` written as ``internal:NAME`` is moved to ``internal_tools``.
    Values of ``uses`` and the two input fields may be the keys or labels from ``choices()``.
    """

    org: str
    lang: str = "en"
    public_tools: list[str] = field(default_factory=list)
    internal_tools: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    applies_to: list[str] = field(default_factory=list)
    allowed_input: list[str] = field(default_factory=list)
    prohibited_input: list[str] = field(default_factory=list)
    # Only publicly available information may go into public tools; the rest only into in-house ones.
    input_internal_only: bool = False
    output_use: list[str] = field(default_factory=list)
    output_storage: str = ""
    anonymise: bool | None = None
    retention: str = ""
    devices: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    mfa: bool | None = None
    security_settings: list[str] = field(default_factory=list)
    incident_contact: str = ""
    violations: str = ""
    human_review: bool | None = None
    labelling: str = ""
    related_policies: list[str] = field(default_factory=list)
    support_contact: str = ""
    review_period: str = ""

    def __post_init__(self) -> None:
        for name in _LIST_FIELDS:
            setattr(self, name, _as_list(getattr(self, name)))
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.default == "":
                value = ""  # an empty form field may arrive as None
            if isinstance(value, str):
                setattr(self, f.name, " ".join(value.split()))
        public: list[str] = []
        for tool in self.public_tools:
            folded = normalise(tool)
            name = re.split("[:：]", tool, maxsplit=1)[-1].strip()
            if folded.startswith(_INTERNAL_PREFIXES):
                self.internal_tools.append(name)
            elif folded.startswith(_PUBLIC_PREFIXES):
                public.append(name)
            else:
                public.append(tool)
        self.public_tools = [t for t in public if t]
        self.internal_tools = list(dict.fromkeys(t for t in self.internal_tools if t))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DraftRequest:
        """Build from a mapping (form values, JSON); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DraftError(f"unknown drafting option(s): {', '.join(unknown)}")
        return cls(**data)

    def validate(self) -> None:
        if not self.org:
            raise DraftError(
                "the organisation name is empty: give the organisation's name", code="need_org"
            )
        if self.lang not in LANGS:
            raise DraftError(f"language must be one of {', '.join(LANGS)}, not {self.lang!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, list) else [value]
            if len(values) > MAX_ITEMS_PER_FIELD:
                raise DraftError(
                    f"{f.name} has {len(values)} values; the limit is {MAX_ITEMS_PER_FIELD}"
                )
            for v in values:
                if isinstance(v, str) and len(v) > MAX_FIELD_CHARS:
                    raise DraftError(
                        f"{f.name} is longer than {MAX_FIELD_CHARS} characters: shorten it"
                    )
                if isinstance(v, str) and has_control_chars(v):
                    raise DraftError(f"{f.name} contains control characters: remove them")
