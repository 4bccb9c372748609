"""The REST API: plain JSON under ``/api/v1``, on the same server as the Gradio page.

``POST /api/v1/ask`` returns exactly what ``assistant ask --json`` prints; the other routes are
the page's operations (a section, the documents, a policy draft, a rating) and a health check
for load balancers. The schema is at ``/api/v1/openapi.json``.

- **Validation.** Request bodies are pydantic models: wrong types, unknown fields and lengths over
  the limits are refused with 422 before any work is done; the pipeline then checks a question
  as it does for every front end.
- **Errors** are ``{"error": CODE, "message": ..., "exit_code": N}``: the codes are the CLI's
  (``QuestionError.code`` such as ``too_long`` or ``no_words``, ``DraftError.code``), and
  ``exit_code`` is what ``assistant ask`` would exit with (2: the request must change; 1: the
  server must be fixed, with status 503, e.g. ``audit_unavailable`` when no audit record can be
  written).
- **Login** is the page's: with ``ASSISTANT_AUTH_FILE`` callers send HTTP Basic credentials from
  the same users file; with ``ASSISTANT_AUTH_PROXY_HEADER`` a request without the header is
  refused. Answers are audited like the page's API answers (interface ``api``).
- **Concurrency.** The pipeline is read-only and shared, so requests are answered in a pool of
  ``ASSISTANT_API_THREADS`` threads while the event loop keeps accepting connections. The query
  embedding (a C call through ctypes) releases the GIL, so on two cores two answers really run
  at once; ``assistant loadtest`` measures it.
"""

import asyncio
import base64
import functools
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.routing import Mount

from assistant import __version__
from assistant.corpus.documents import LANGS
from assistant.drafting import DraftError
from assistant.index.embeddings import EmbedderError
from assistant.index.snapshot import IndexCorrupt, IndexMismatch, IndexMissing
from assistant.index.store import StoreUnavailable
from assistant.interfaces.web.service import UIService
from assistant.safety.access import AccessError, hash_password, read_users, verify_password
from assistant.safety.audit import AuditError, request_context
from assistant.safety.database import DatabaseUnavailable
from assistant.safety.feedback import (
    MAX_COMMENT_CHARS,
    MAX_HISTORY_TURNS,
    MAX_SECTION_IDS,
    RATINGS,
    FeedbackError,
    FeedbackUnavailable,
)
from assistant.safety.validation import QuestionError

API_PREFIX = "/api/v1"
LOG = logging.getLogger(__name__)
# Only the last few earlier questions are used; a longer list is a malformed request.
MAX_HISTORY_ITEMS = 50
MAX_DRAFT_OPTIONS = 50
MAX_SECTION_ID_CHARS = 200
# The header a reverse proxy sets to its id for the request (nginx: $request_id); a request it
# retries on another replica keeps the id, and so is audited once.
REQUEST_ID_HEADER = "x-request-id"
# Exit codes of `assistant ask`: the request must change (2), the server must be fixed (1).
EXIT_USAGE = 2
EXIT_FAILURE = 1
T = TypeVar("T")


class ApiError(Exception):
    """An error reply: HTTP status, the stable code, the message and the CLI's exit code."""

    def __init__(self, status: int, code: str, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.exit_code = status, code, message, exit_code

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        body = {"error": self.code, "message": self.message, "exit_code": self.exit_code}
        return JSONResponse(body, status_code=self.status, headers=headers)


def failure(exc: BaseException) -> ApiError:
    """The reply for an exception raised while serving: the request's fault (422, exit 2), a
    part of the server that is down or damaged (503, exit 1), or ours (500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, QuestionError):
        return ApiError(422, exc.code, str(exc))
    if isinstance(exc, DraftError):
        return ApiError(422, exc.code, str(exc))
    if isinstance(exc, FeedbackError):
        return ApiError(422, "invalid_feedback", str(exc))
    if isinstance(exc, AuditError):
        # Fails closed: no answer without its audit record; the message says what to fix.
        message = f"the question was not answered: {exc}"
        return ApiError(503, "audit_unavailable", message, EXIT_FAILURE)
    if isinstance(exc, FeedbackUnavailable | DatabaseUnavailable):
        return ApiError(503, "database_unavailable", str(exc), EXIT_FAILURE)
    if isinstance(exc, StoreUnavailable):
        return ApiError(503, "store_unavailable", str(exc), EXIT_FAILURE)
    if isinstance(exc, IndexCorrupt | IndexMismatch | IndexMissing):
        return ApiError(503, "index_unavailable", str(exc), EXIT_FAILURE)
    if isinstance(exc, EmbedderError):
        message = f"the search model cannot be loaded, so nothing is answered: {exc}"
        return ApiError(503, "embedder_unavailable", message, EXIT_FAILURE)
    LOG.exception("REST request failed", exc_info=exc)
    return ApiError(500, "internal_error", "the request failed on the server", EXIT_FAILURE)


# Pydantic's error types -> the CLI's codes, where one means the same thing.
_VALIDATION_CODES = {
    ("question", "string_too_long"): "too_long",
    ("question", "string_too_short"): "empty",
    ("question", "missing"): "empty",
    ("question", "string_type"): "not_text",
    ("history", "list_type"): "history_not_list",
    ("history", "string_type"): "history_not_text",
    ("history", "string_too_long"): "history_too_long",
}


def validation_failure(exc: RequestValidationError) -> ApiError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = location[0] if location else ""
    code = _VALIDATION_CODES.get((field, str(first.get("type", ""))), "invalid_request")
    where = ".".join(location) or "the request"
    return ApiError(422, code, f"{where}: {first.get('msg', 'invalid')}")


# ---------------------------------------------------------------- request and reply models

STRICT = ConfigDict(extra="forbid", strict=True)


class Citation(BaseModel):
    """One cited section (more keys may follow; see ``Citation.as_dict``)."""

    model_config = ConfigDict(extra="allow")
    n: int
    section_id: str
    doc_id: str
    title: str
    heading: str
    lang: str
    url: str
    quote: str


class AskReply(BaseModel):
    """The ``assistant ask --json`` contract (``trace`` only when asked for)."""

    model_config = ConfigDict(extra="allow")
    answer: str
    lang: str
    refused: bool
    citations: list[Citation]
    warnings: list[dict[str, Any]]
    timings_ms: dict[str, float]
    trace: dict[str, Any] | None = None


class ErrorReply(BaseModel):
    error: str = Field(description="a stable code, e.g. too_long, no_words, audit_unavailable")
    message: str
    exit_code: Literal[1, 2] = Field(description="what `assistant ask` would exit with")


def request_models(max_chars: int) -> tuple[type[BaseModel], type[BaseModel]]:
    """The bodies of ``/ask`` and ``/feedback``, with the configured question length."""
    question = Annotated[str, Field(min_length=1, max_length=max_chars)]
    ask = create_model(
        "AskRequest",
        __config__=STRICT,
        question=(question, Field(description="the question, in English or Chinese")),
        history=(
            list[question],
            Field(
                default_factory=list,
                max_length=MAX_HISTORY_ITEMS,
                description=f"earlier questions of the chat, oldest first (the last "
                f"{MAX_HISTORY_TURNS} are used)",
            ),
        ),
        trace=(bool, Field(False, description="add retrieval scores and the refusal decision")),
    )
    feedback = create_model(
        "FeedbackRequest",
        __config__=STRICT,
        question=(question, ...),
        lang=(Literal[LANGS], ...),  # type: ignore[valid-type]
        section_ids=(
            list[Annotated[str, Field(max_length=MAX_SECTION_ID_CHARS)]],
            Field(default_factory=list, max_length=MAX_SECTION_IDS),
        ),
        refused=(bool, False),
        rating=(Literal[RATINGS], ...),  # type: ignore[valid-type]
        comment=(Annotated[str, Field(max_length=MAX_COMMENT_CHARS)], ""),
        history=(list[question], Field(default_factory=list, max_length=MAX_HISTORY_TURNS)),
    )
    return ask, feedback


class DraftBody(BaseModel):
    """A whole policy from ``options`` (``DraftRequest`` fields such as ``org``, ``lang``,
    ``public_tools``, ``mfa``), or, with ``request`` (words), one clause."""

    model_config = STRICT
    options: dict[str, Any] = Field(default_factory=dict, max_length=MAX_DRAFT_OPTIONS)
    request: str = Field("", max_length=2000)


# ---------------------------------------------------------------- login


class Login:
    """The page's login for REST callers: the proxy's header, and/or HTTP Basic credentials
    checked against the users file (re-read at every request, so a removed user is refused at
    once). A verified password is remembered for a few minutes, keyed by an HMAC of the
    password and its stored hash: PBKDF2 costs a fraction of a second per check, too much per
    API call, and a changed password no longer matches the remembered key."""

    REMEMBER_S = 300.0
    MAX_REMEMBERED = 10_000

    def __init__(self, auth_file: str, proxy_header: str) -> None:
        self.file = Path(auth_file).expanduser() if auth_file else None
        self.header = proxy_header.strip().lower()
        self._secret = secrets.token_bytes(32)
        # Unknown names are checked against this, so timing does not reveal which names exist.
        self._decoy = hash_password(secrets.token_hex(8)) if self.file is not None else ""
        self._verified: dict[tuple[str, bytes], float] = {}
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        return self.file is not None or bool(self.header)

    def user(self, request: Request) -> str | None:
        """The signed-in caller; raises a 401 ``ApiError`` when a login is configured and missing."""
        name = None
        if self.header:
            name = request.headers.get(self.header, "").strip()
            if not name:
                raise ApiError(401, "unauthorized", "sign in through the proxy first")
        if self.file is not None:
            name = self._basic(request.headers.get("authorization", ""))
        return name

    def _basic(self, header: str) -> str:
        refused = ApiError(401, "unauthorized", "send the user name and password (HTTP Basic)")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise refused
        try:
            name, sep, password = (
                base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
            )
        except ValueError:
            raise refused from None
        if not sep or not name:
            raise refused
        try:
            users = read_users(self.file) if self.file is not None else {}
        except AccessError:
            raise refused from None  # fail closed if the file is damaged while serving
        stored = users.get(name)
        if stored is None:
            verify_password(password, self._decoy)
            raise refused
        key = (
            name,
            hmac.new(self._secret, f"{stored}\0{password}".encode(), hashlib.sha256).digest(),
        )
        now = time.monotonic()
        with self._lock:
            if self._verified.get(key, 0.0) > now:
                return name
        if not verify_password(password, stored):
            raise refused
        with self._lock:
            if len(self._verified) >= self.MAX_REMEMBERED:
                self._verified.clear()
            self._verified[key] = now + self.REMEMBER_S
        return name


# ---------------------------------------------------------------- the application


class RestApi:
    """The REST application over one ``UIService`` (the page's), with its thread pool."""

    def __init__(self, svc: UIService) -> None:
        self.svc = svc
        settings = svc.settings
        self.login = Login(settings.auth_file, settings.auth_proxy_header)
        self.threads = max(1, int(settings.api_threads))
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="rest-api")
        self.app = self._build()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the pool: the event loop stays free while answers are computed."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ operations (in the pool)

    def ask(self, question: str, history: list[str], trace: bool, request_id: str | None) -> dict:
        with request_context(request_id):
            answer = self.svc.ask(question, history, interface="api")
        return answer.to_json(trace=trace)

    def section(self, section_id: str, lang: str) -> dict[str, Any]:
        svc = self.svc
        found = svc.section(section_id, lang)
        if found is None:
            raise ApiError(
                404, "unknown_section", f"no section {section_id[:80]!r} in the guidance"
            )
        twin = svc.corpus.twin(found)
        doc = found.document
        return {
            "section_id": found.id,
            "lang": found.lang,
            "doc_id": found.doc_id,
            "title": doc.title,
            "heading": found.display_heading,
            "number": found.number,
            "text": found.text,
            "heading_path": list(found.heading_path),
            "parent_id": found.parent_id,
            "children": svc.corpus.children(found.id),
            "url": doc.url,
            "edition": doc.edition,
            "digest": doc.digest,
            "twin_lang": twin.lang if twin else None,
        }

    def documents(self, lang: str) -> list[dict[str, Any]]:
        svc = self.svc
        return [
            {
                "doc_id": doc_id,
                "label": label,
                "sections": [
                    {
                        "section_id": s.id,
                        "heading": s.display_heading,
                        "level": s.level,
                        "lang": s.lang,
                    }
                    for s in svc.doc_sections(doc_id, lang)
                ],
            }
            for label, doc_id in svc.documents(lang)
        ]

    def draft(self, options: dict[str, Any], request: str) -> dict[str, Any]:
        return self.svc.draft(options, request).to_json()

    def feedback(self, body: dict[str, Any]) -> dict[str, int]:
        turn = {k: body[k] for k in ("question", "lang", "section_ids", "refused", "history")}
        return {"id": self.svc.record_feedback(turn, body["rating"], body["comment"])}

    def health(self) -> tuple[int, dict[str, Any]]:
        """Whether this replica can answer: its index, its vector store and its database."""
        assistant = self.svc.assistant
        checks: dict[str, dict[str, Any]] = {}
        generation = ""
        try:
            manifest = assistant.snapshot.manifest
            generation = str(manifest.get("generation", ""))
            checks["index"] = {"ok": True, "generation": generation}
        except Exception as exc:  # a missing or damaged index
            checks["index"] = {"ok": False, "detail": failure(exc).message}
        try:
            probe = assistant.snapshot.sentence_vectors[:1]
            if len(probe):
                assistant.retriever.dense(probe[0], k=1)
            checks["store"] = {"ok": True}
        except Exception as exc:  # the Chroma server is away, or the store is damaged
            checks["store"] = {"ok": False, "detail": failure(exc).message}
        audit = assistant.audit
        try:
            audit.check()
            checks["database"] = {"ok": True, "url": audit.db.shown}
        except AuditError as exc:
            checks["database"] = {"ok": False, "url": audit.db.shown, "detail": str(exc)}
        ok = all(check["ok"] for check in checks.values())
        body = {
            "status": "ok" if ok else "unavailable",
            "version": __version__,
            "replica": audit.replica,
            "index_generation": generation,
            "checks": checks,
        }
        return (200 if ok else 503), body

    # ------------------------------------------------------------------ routes

    def _build(self) -> FastAPI:
        svc, api = self.svc, self
        ask_model, feedback_model = request_models(svc.settings.max_question_chars)
        errors: dict[int | str, dict[str, Any]] = {
            code: {"model": ErrorReply} for code in (401, 422, 503)
        }
        app = FastAPI(
            title="PCPD AI guidance assistant",
            version=__version__,
            description=(
                "Grounded answers from the PCPD's guidance on AI and personal data, with the "
                "section behind every sentence. Errors are {error, message, exit_code}."
            ),
            # The interactive docs load scripts from a CDN; the app runs offline.
            docs_url=None,
            redoc_url=None,
            openapi_url="/openapi.json",
        )

        @app.exception_handler(ApiError)
        async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
            headers = {"WWW-Authenticate": 'Basic realm="assistant"'} if exc.status == 401 else None
            return exc.response(headers if api.login.file is not None else None)

        @app.exception_handler(RequestValidationError)
        async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
            return validation_failure(exc).response()

        @app.exception_handler(Exception)
        async def failed(_request: Request, exc: Exception) -> JSONResponse:
            return failure(exc).response()

        async def call(request: Request, fn: Callable[..., T], *args: Any) -> T:
            api.login.user(request)
            try:
                return await api.run(fn, *args)
            except Exception as exc:
                raise failure(exc) from None

        @app.post("/ask", response_model=None, responses={200: {"model": AskReply}, **errors})
        async def ask(body: ask_model, request: Request) -> JSONResponse:  # type: ignore[valid-type]
            """Answer a question; the reply is the `assistant ask --json` object."""
            data = body.model_dump()  # type: ignore[attr-defined]
            request_id = request.headers.get(REQUEST_ID_HEADER)
            result = await call(
                request, api.ask, data["question"], data["history"], data["trace"], request_id
            )
            return JSONResponse(result)

        @app.get("/sections/{section_id:path}", responses={404: {"model": ErrorReply}, **errors})
        async def section(
            section_id: Annotated[str, Field(max_length=MAX_SECTION_ID_CHARS)],
            request: Request,
            lang: Literal[LANGS] = "en",  # type: ignore[valid-type]
        ) -> dict[str, Any]:
            """One section's full text and metadata, and the language of its twin."""
            return await call(request, api.section, section_id, lang)

        @app.get("/documents", responses=errors)
        async def documents(
            request: Request,
            lang: Annotated[Literal[LANGS], Query()] = "en",  # type: ignore[valid-type]
        ) -> list[dict[str, Any]]:
            """Every document with its sections in order, in ``lang`` where available."""
            return await call(request, api.documents, lang)

        @app.post("/draft", responses=errors)
        async def draft(body: DraftBody, request: Request) -> dict[str, Any]:
            """A staff Gen AI policy (or one clause) drafted from the PCPD Checklist."""
            return await call(request, api.draft, body.options, body.request)

        @app.post("/feedback", responses=errors)
        async def feedback(body: feedback_model, request: Request) -> dict[str, int]:  # type: ignore[valid-type]
            """Store a rating of an answer; personal data is redacted first."""
            return await call(request, api.feedback, body.model_dump())  # type: ignore[attr-defined]

        @app.get("/health", responses={503: {"description": "a part is down (see checks)"}})
        async def health(request: Request) -> JSONResponse:
            """Index generation, vector store and database reachable: 200, else 503."""
            api.login.user(request)
            status, body = await api.run(api.health)
            return JSONResponse(body, status_code=status)

        return app


def attach_rest_api(blocks: Any, svc: UIService) -> RestApi:
    """Give the page ``blocks`` (built over ``svc``) its REST API; ``with_rest_api`` serves it."""
    blocks.rest_api = RestApi(svc)
    return blocks.rest_api


def with_rest_api(blocks: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``blocks.launch`` keyword arguments that also serve its REST API at ``/api/v1`` and let
    Gradio run ``ASSISTANT_API_THREADS`` events at once (its default is one at a time). A page
    without a REST API attached is launched as it is."""
    api = getattr(blocks, "rest_api", None)
    if not isinstance(api, RestApi):
        return kwargs
    options = dict(kwargs)
    app_kwargs = dict(options.get("app_kwargs") or {})
    # Routes given to the app come before Gradio's own, so /api/v1 is never shadowed.
    app_kwargs["routes"] = [*app_kwargs.get("routes", []), Mount(API_PREFIX, app=api.app)]
    options["app_kwargs"] = app_kwargs
    blocks.queue(default_concurrency_limit=api.threads)
    return options
