"""The web app's defaults for a deployment: which hosts it answers to, the headers of every
response, and limits on what a request may carry, in one ASGI middleware.

- **Hosts.** Every HTTP and WebSocket request must name, in its ``Host`` header, a host the app
  serves (``ASSISTANT_ALLOWED_HOSTS``, comma-separated; by default the served host name and
  localhost). Anything else gets 400: a page on another site that resolves its own name to this
  machine (DNS rebinding) cannot reach the app.
- **Headers.** ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` (no other page may frame
  the app), a Content-Security-Policy that lets the page load and talk only to its own origin,
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- **Inputs.** A request body is at most ``MAX_BODY_BYTES``. The page's own handlers (the events
  of ``app.py``, callable by number like any endpoint) get their inputs checked by the kind of
  component they come from before the handler runs: a text box takes text of at most
  ``ASSISTANT_MAX_QUESTION_CHARS`` characters without control characters, a checkbox true or
  false, a list a list. A refused value gets 422 with the same one-line messages as ``/ask``. The
  named API endpoints check their own inputs (``api.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant.drafting import DraftRequest
from assistant.safety.feedback import FEEDBACK_LANGS, MAX_COMMENT_CHARS, MAX_SECTION_IDS, RATINGS
from assistant.safety.validation import (
    MAX_SHORT_CHARS,
    InputError,
    QuestionError,
    validate_choice,
    validate_fields,
    validate_flag,
    validate_text,
    validate_text_list,
)
from assistant.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A question, its history, the chat shown on the page: far below this. Gradio's own upload route
# is bounded by it too (the app has no upload control).
MAX_BODY_BYTES = 2 * 1024 * 1024
# The page sends its whole chat back with each question; more messages than this is not a chat.
MAX_CHAT_MESSAGES = 1000
# What the page needs: its own scripts, styles, images and API. Gradio inlines its config and
# evaluates the small `js=` snippets of the events, hence 'unsafe-inline' and 'unsafe-eval';
# nothing outside the app's own origin can be loaded, framed or called.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
# The routes that run a function of the app with the JSON they are sent.
_RUN_ROUTES = ("/queue/join", "/run/", "/api/", "/call/")
_ANY_ADDRESS = ("0.0.0.0", "::", "")


def allowed_hosts(served_host: str, setting: str = "") -> frozenset[str]:
    """The host names requests may name: ``setting`` (comma-separated; ``*`` allows any), else
    the served host, localhost, and this machine's names when serving on every address."""
    named = {h.strip().lower().strip("[]") for h in setting.split(",") if h.strip()}
    if named:
        return frozenset(named)
    hosts = {served_host.lower().strip("[]"), "localhost", "127.0.0.1", "::1"}
    if served_host in _ANY_ADDRESS:
        hosts |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(h for h in hosts if h)


def host_name(header: str) -> str:
    """``example.org`` of ``example.org:7860``, ``::1`` of ``[::1]:7860``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class SecurityMiddleware:
    """Pure ASGI (no response buffering, so streamed answers still stream)."""

    def __init__(
        self,
        app: ASGIApp,
        hosts: frozenset[str],
        blocks: gr.Blocks | None = None,
        max_chars: int = Settings.max_question_chars,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.blocks = blocks
        self.max_chars = max_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if "*" not in self.hosts and host_name(headers.get("host", "")) not in self.hosts:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _plain(send, 400, "this server does not serve the host named by the request")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + SECURITY_HEADERS
            await send(message)

        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send_with_headers)
            return
        body = await _read_body(receive, MAX_BODY_BYTES)
        if body is None:
            await _plain(send_with_headers, 413, "the request is too large")
            return
        problem = self.check_inputs(scope.get("path", ""), body)
        if problem is not None:
            await _json(send_with_headers, 422, {"detail": problem, "error": problem})
            return
        await self.app(scope, _replay(body, receive), send_with_headers)

    def check_inputs(self, path: str, body: bytes) -> str | None:
        """Why the inputs of a call to one of the page's handlers cannot be used, or None."""
        if self.blocks is None or not any(route in path for route in _RUN_ROUTES):
            return None
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            return None  # the route itself answers a body that is not JSON
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            return None
        fn = self._function(path, payload)
        if fn is None or getattr(fn, "api_visibility", "public") != "private":
            return None  # a named endpoint: api.py checks its own inputs
        try:
            for component, value in zip(fn.inputs, payload["data"], strict=False):
                self._check(component, value)
        except InputError as exc:
            return str(exc)
        return None

    def _function(self, path: str, payload: dict[str, Any]) -> Any:
        fns = getattr(self.blocks, "fns", {})
        index = payload.get("fn_index")
        if isinstance(index, int) and not isinstance(index, bool):
            return fns.get(index)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        return next((fn for fn in fns.values() if fn.api_name == name), None)

    def _check(self, component: Any, value: object) -> None:
        label = str(getattr(component, "label", "") or getattr(component, "elem_id", "") or "")
        name = f"value of {label!r}" if label else "value"
        if isinstance(component, gr.State):
            return  # kept on the server: what a caller sends for it is never used
        if isinstance(component, gr.Textbox):
            validate_text(value, name, self.max_chars)
        elif isinstance(component, gr.Checkbox):
            validate_flag(value, name)
        elif isinstance(component, gr.Chatbot):
            if value is not None and not isinstance(value, list):
                raise InputError(f"the {name} must be a list of messages", "field_not_list")
            if value and len(value) > MAX_CHAT_MESSAGES:
                raise InputError(f"the {name} holds too many messages", "field_too_many")
        elif isinstance(component, gr.Radio | gr.Dropdown):
            if isinstance(value, list):
                for item in value:
                    validate_text(item, name, self.max_chars)
            elif not isinstance(value, int | float) or isinstance(value, bool):
                validate_text(value, name, self.max_chars)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _plain(send: Send, status: int, text: str) -> None:
    await _respond(send, status, (text + "\n").encode(), b"text/plain; charset=utf-8")


async def _json(send: Send, status: int, data: dict[str, Any]) -> None:
    await _respond(send, status, json.dumps(data).encode(), b"application/json")


async def _respond(send: Send, status: int, body: bytes, kind: bytes) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def secured(app: gr.Blocks, host: str, options: dict[str, Any]) -> dict[str, Any]:
    """``gr.Blocks.launch`` options with the middleware put first (before any login guard), for
    the hosts of ``ASSISTANT_ALLOWED_HOSTS`` and the limits of the environment's settings."""
    settings = Settings.from_env()
    middleware = Middleware(
        SecurityMiddleware,
        hosts=allowed_hosts(host, settings.allowed_hosts),
        blocks=app,
        max_chars=settings.max_question_chars,
    )
    app_kwargs = dict(options.get("app_kwargs") or {})
    app_kwargs["middleware"] = [middleware, *app_kwargs.get("middleware", [])]
    return {**options, "app_kwargs": app_kwargs}


# ---------------------------------------------------------------- the named API endpoints

Check = Callable[[object, int], object]


def _short(name: str) -> Check:
    return lambda value, limit: validate_text(value, name, MAX_SHORT_CHARS)


def _draft_kinds() -> dict[str, str]:
    kinds = {}
    for f in dataclasses.fields(DraftRequest):
        hint = str(f.type)
        kinds[f.name] = (
            "texts" if hint.startswith("list") else
            "optional_flag" if hint.startswith("bool |") else
            "flag" if hint == "bool" else "text"
        )  # fmt: skip
    return kinds


# Each endpoint's parameters and how each is checked (the question and history of /ask are
# checked by the pipeline itself, first of all, for every front end alike).
ENDPOINT_INPUTS: dict[str, dict[str, Check]] = {
    "ask": {"trace": lambda value, limit: validate_flag(value, "trace flag")},
    "section": {"section_id": _short("section id"), "lang": _short("language")},
    "documents": {"lang": _short("language")},
    "faq": {"lang": _short("language")},
    "privacy_check": {
        "text": lambda value, limit: validate_text(value, "text", limit, control_ok=True),
        "lang": _short("language"),
    },
    "feedback": {
        "question": lambda value, limit: validate_text(value, "question", limit),
        "lang": lambda value, limit: validate_choice(value, "language", FEEDBACK_LANGS),
        "section_ids": lambda value, limit: validate_text_list(
            value, "section ids", MAX_SHORT_CHARS, MAX_SECTION_IDS
        ),
        "refused": lambda value, limit: validate_flag(value, "refused flag"),
        "rating": lambda value, limit: validate_choice(value, "rating", RATINGS),
        "comment": lambda value, limit: validate_text(value, "comment", MAX_COMMENT_CHARS),
    },
    "draft": {
        "options": lambda value, limit: validate_fields(
            value, "drafting options", _draft_kinds(), limit
        ),
        "request": lambda value, limit: validate_text(value, "request", limit),
    },
}


def checked(fn: Callable[..., Any], max_chars: int) -> Callable[..., Any]:
    """``fn`` with its inputs checked first by ``ENDPOINT_INPUTS``: a value that cannot be used
    is refused with its one-line reason (``gr.Error``) before any work. The signature, which
    Gradio reads for the API's description, is ``fn``'s."""
    checks = ENDPOINT_INPUTS.get(fn.__name__, {})
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            raise gr.Error(f"/{fn.__name__} was called with the wrong number of values") from None
        bound.apply_defaults()
        try:
            for name, check in checks.items():
                if name in bound.arguments:
                    bound.arguments[name] = check(bound.arguments[name], max_chars)
        except QuestionError as exc:
            raise gr.Error(str(exc)) from None
        return fn(*bound.args, **bound.kwargs)

    return call
