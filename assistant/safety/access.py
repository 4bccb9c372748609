"""Who may use the web app: a file of hashed passwords, or a header set by a trusted reverse proxy.

Both are off by default. The users file holds one ``username:pbkdf2_sha256$<iterations>$<salt>$<hash>``
line per user (``#`` starts a comment); ``assistant users add NAME`` writes it. Administrative
operations (index, corpus add, audit and feedback export) exist only on the command line, so a
login guards reading the guidance, never changing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.settings import Settings

SCHEME = "pbkdf2_sha256"
# OWASP's 2023 figure for PBKDF2-SHA256; a login costs a fraction of a second, a guess as much.
ITERATIONS = 600_000
MIN_PASSWORD_CHARS = 8


class AccessError(ValueError):
    """The users file is missing, unreadable or malformed, or a user entry is unacceptable."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    """The stored form of ``password``: scheme, iterations, random salt and derived key."""
    salt = secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True only if ``password`` matches ``stored``; a malformed entry never matches."""
    try:
        scheme, iterations, salt, key = stored.split("$")
        if scheme != SCHEME or int(iterations) < 1:
            return False
        expected = base64.b64decode(key, validate=True)
        derived = hashlib.pbkdf2_hmac(
            "sha256",
            password.encode("utf-8"),
            base64.b64decode(salt, validate=True),
            int(iterations),
        )
    except ValueError:
        return False
    return hmac.compare_digest(derived, expected)


def check_username(name: str) -> str:
    if (
        not name
        or name != name.strip()
        or any(c in name for c in ":#")
        or any(c.isspace() for c in name)
    ):
        raise AccessError(f"user name {name!r} must be non-empty, without spaces, ':' or '#'")
    return name


def read_users(path: Path) -> dict[str, str]:
    """``{username: stored hash}`` from the users file; any bad line is an error, not skipped,
    so a damaged file cannot silently lock people out or let a half-written entry through."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise AccessError(f"cannot read the users file {path}: {exc.strerror or exc}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.partition(":")
        # The line itself is never echoed: it holds a password hash.
        if not sep or not name or not stored.startswith(SCHEME + "$") or stored.count("$") != 3:
            raise AccessError(f"{path}, line {number}: expected 'username:{SCHEME}$...'")
        if name in users:
            raise AccessError(f"{path}, line {number}: user {name!r} appears twice")
        users[name] = stored
    return users


def add_user(path: Path, name: str, password: str, *, iterations: int = ITERATIONS) -> bool:
    """Add ``name`` or replace its password; True if the user is new. Other lines are kept."""
    check_username(name)
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccessError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if path.exists():
        read_users(path)  # refuse to rewrite a damaged file
    entry = f"{name}:{hash_password(password, iterations=iterations)}"
    new = True
    for i, line in enumerate(lines):
        if line.strip().partition(":")[0] == name and not line.strip().startswith("#"):
            lines[i], new = entry, False
    if new:
        lines.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole then renamed, owner-only, so a crash never leaves half a users file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return new


def file_login(path: Path) -> Callable[[str, str], bool]:
    """A gradio ``auth`` callable over the users file, re-read at each login so added users
    need no restart. The file is checked once now, so a bad setting stops ``serve`` at start."""
    read_users(path)
    decoy = hash_password(secrets.token_hex(8), iterations=ITERATIONS)

    def login(username: str, password: str) -> bool:
        try:
            users = read_users(path)
        except AccessError:
            return False  # fail closed if the file is damaged while serving
        # Unknown names cost the same hashing time as known ones, so timing does not reveal them.
        stored = users.get(username, decoy)
        return verify_password(password, stored) and username in users

    return login


# Gradio's launch() calls this on itself, without the proxy's header; it only runs the app's
# start-up hooks once and answers true/false, so it reveals and changes nothing for a caller.
STARTUP_PATH = "/gradio_api/startup-events"


class ProxyHeaderGuard:
    """ASGI middleware: every HTTP or WebSocket request without ``header`` is refused.

    Safe only when the app is reachable solely through the proxy that sets (and strips) the header.
    """

    def __init__(self, app: Any, header: str) -> None:
        self.app = app
        self.header = header.strip().lower().encode("latin-1")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("path") != STARTUP_PATH:
            user = dict(scope.get("headers") or []).get(self.header, b"").strip()
            if not user:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = b'{"detail":"Unauthorized"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class LoginPageGuard:
    """ASGI middleware: the login page carries no description of the API.

    Gradio 6 answers ``/gradio_api/info`` only after login but still embeds the same description in
    the login page it serves at ``/``; this empties it there (pages after login are untouched).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold_html(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    start["pass"] = True
                    await send(message)
                    return
                start.update(message)
            elif start.get("pass"):
                await send(message)
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await send_page(b"".join(chunks))

        async def send_page(body: bytes) -> None:
            if b'"auth_required":true' in body:
                body = _API_INFO.sub(rb"\1{}\2", body)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold_html)


_API_INFO = re.compile(rb"(window\.gradio_api_info = ).*?(;</script>)", re.DOTALL)


def launch_options(settings: Settings) -> dict[str, Any]:
    """Extra ``gr.Blocks.launch`` keyword arguments for the configured access control."""
    from starlette.middleware import Middleware

    options: dict[str, Any] = {}
    middleware: list[Middleware] = []
    if settings.auth_file:
        options["auth"] = file_login(Path(settings.auth_file).expanduser())
        middleware.append(Middleware(LoginPageGuard))
    if settings.auth_proxy_header.strip():
        middleware.append(Middleware(ProxyHeaderGuard, header=settings.auth_proxy_header))
    if middleware:
        options["app_kwargs"] = {"middleware": middleware}
    return options
