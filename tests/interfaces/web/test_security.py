"""The web app's inputs and defaults, tried the way an attacker or a careless caller would: wrong
types and sizes sent to every endpoint and to the page's own handlers, foreign Host headers, and
framing. Each refusal is the endpoint's one-line reason; nothing is stored or answered."""

import json
import os
import sqlite3
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client
from playwright.sync_api import Page, expect

from assistant.interfaces.cli import main
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.security import (
    CONTENT_SECURITY_POLICY,
    allowed_hosts,
    host_name,
)
from assistant.interfaces.web.service import UIService
from assistant.pipeline import Assistant
from assistant.safety.feedback import feedback_path
from assistant.settings import Settings
from tests.conftest import free_port
from tests.interfaces.web.test_browser import (  # noqa: F401  (fixtures of the browser suite)
    ask,
    browser_context_args,
    browser_type_launch_args,
    open_app,
    shot,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
IDS = ["checklist-2025/4"]
# Gradio's words for an exception the endpoint did not turn into its own message.
UNHANDLED = "has not enabled verbose error reporting"


class Served:
    def __init__(self, app: gr.Blocks, url: str, service: UIService) -> None:
        self.app, self.url, self.service = app, url, service
        self.client = Client(url, verbose=False)

    def fn_index(self, name: str) -> int:
        return next(i for i, fn in self.app.fns.items() if fn.name == name)


@pytest.fixture(scope="module")
def served(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    settings = built_settings.replace(data_dir=tmp_path_factory.mktemp("security-data"))
    service = UIService(settings, fixture_assistant)
    app = build_app(settings, service)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield Served(app, f"http://127.0.0.1:{port}/", service)
    finally:
        app.close()


def _refused(call: Any, match: str) -> str:
    with pytest.raises(Exception, match=match) as raised:
        call()
    message = str(raised.value)
    assert UNHANDLED not in message and "\n" not in message.strip()
    return message


# ---------------------------------------------------------------- wrong types and sizes


@pytest.mark.parametrize(
    ("args", "api_name", "match"),
    [
        ((["checklist-2025/4"], "en"), "/section", "the section id must be text"),
        (("checklist-2025/4", {"x": 1}), "/section", "the language must be text"),
        (("x" * 5000, "en"), "/section", "the section id is 5,000 characters long"),
        (([1],), "/documents", "the language must be text"),
        (("abc", ""), "/draft", "drafting options must be a JSON object"),
        (([1, 2], ""), "/draft", "drafting options must be a JSON object"),
        ((7, ""), "/draft", "drafting options must be a JSON object"),
        (({"org": 123}, ""), "/draft", "drafting options field 'org' must be text"),
        (({"org": "Acme", "mfa": "yes"}, ""), "/draft", "field 'mfa' must be true or false"),
        (({"org": "Acme", "uses": [1]}, ""), "/draft", "value 1 of the drafting options"),
        ((None, 123), "/draft", "the request must be text"),
        ((123, ""), "/privacy_check", "the text must be text"),
        (("9123 4567 " * 120_000, ""), "/privacy_check", "limit is 4,000"),
        (("Strong passwords?", "not a list", True), "/ask", "the history must be a list"),
        (("Strong passwords?", [], "yes"), "/ask", "the trace flag must be true or false"),
    ],
)
def test_a_wrong_type_or_size_gets_the_endpoints_one_line_reason(
    served: Served, args: tuple, api_name: str, match: str
) -> None:
    _refused(lambda: served.client.predict(*args, api_name=api_name), match)


@pytest.mark.parametrize(
    ("refused", "comment", "match"),
    [
        ("maybe", "", "the refused flag must be true or false"),
        (1, "", "the refused flag must be true or false"),
        (False, "bad\x00comment", "the comment contains control characters"),
        (False, "bad\x1b[31mcomment", "the comment contains control characters"),
        (False, 5, "the comment must be text"),
        (False, "x" * 2001, "the comment is 2,001 characters long"),
    ],
)
def test_feedback_is_refused_before_anything_is_stored(
    served: Served, refused: object, comment: object, match: str
) -> None:
    store = served.service.feedback
    before = len(store.rows())
    call = lambda: served.client.predict(  # noqa: E731
        "Strong passwords?", "en", IDS, refused, "up", comment, api_name="/feedback"
    )
    _refused(call, match)
    assert len(store.rows()) == before


def test_a_feedback_database_that_cannot_be_written_is_a_one_line_reason(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    settings = built_settings.replace(data_dir=tmp_path / "data")
    # Something SQLite cannot write where the database should be (root ignores file modes, so a
    # folder stands in for a read-only file): sqlite3.OperationalError once escaped from /feedback.
    feedback_path(settings).mkdir(parents=True)
    app = build_app(settings, UIService(settings, fixture_assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        _refused(
            lambda: client.predict(
                "Strong passwords?", "en", IDS, False, "up", api_name="/feedback"
            ),
            "the rating was not stored: the feedback database .* cannot be written",
        )
    finally:
        app.close()


def test_the_pages_own_handlers_check_their_inputs_before_any_work(served: Served) -> None:
    """The events of the page are reachable by number like any endpoint: the typing warning
    once ran the quadratic e-mail check on whatever it was sent."""
    url = served.url + "gradio_api/queue/join"

    def join(fn_name: str, data: list[object]) -> tuple[int, dict[str, Any]]:
        body = json.dumps(
            {"data": data, "fn_index": served.fn_index(fn_name), "session_hash": "attacker"}
        ).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    status, reply = join("warn", ["tm@example.com " * 80_000])
    assert status == 422 and "is 1,200,000 characters long; the limit is 4,000" in reply["detail"]
    status, reply = join("warn", [{"not": "text"}])
    assert status == 422 and "must be text" in reply["detail"]
    status, reply = join("add_comment", ["bad\x00comment", None, "en"])
    assert status == 422 and "control characters" in reply["detail"]
    status, reply = join("respond", ["q", "not a chat", None, None, "en", "maybe"])
    assert status == 422
    status, _ = join("warn", ["Call me on 9123 4567"])  # what the page itself sends
    assert status == 200


def test_a_request_body_over_the_limit_is_refused(served: Served) -> None:
    body = b'{"data": ["' + b"x" * (3 * 1024 * 1024) + b'"], "fn_index": 0}'
    request = urllib.request.Request(
        served.url + "gradio_api/queue/join", body, {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 413


# ---------------------------------------------------------------- hosts and headers


def _get(url: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_allowed_hosts_default_to_the_served_host_and_localhost() -> None:
    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert allowed_hosts("assistant.example.org") >= {"assistant.example.org", "localhost"}
    assert allowed_hosts("127.0.0.1", "a.example, B.example ") == {"a.example", "b.example"}
    assert host_name("example.org:7860") == "example.org" and host_name("[::1]:80") == "::1"


def test_a_foreign_host_header_is_refused_on_every_route(served: Served) -> None:
    # DNS rebinding: a page at evil.example that resolves its own name to this machine.
    for path in ("", "config", "gradio_api/info", "gradio_api/queue/join"):
        status, _, body = _get(served.url + path, host="evil.example")
        assert status == 400 and b"does not serve the host" in body
    status, headers, _ = _get(served.url, host=f"localhost:{served.url.rsplit(':', 1)[1]}")
    assert status == 200


def test_every_response_forbids_framing_and_carries_the_policy(served: Served) -> None:
    for path in ("", "config", "gradio_api/info"):
        status, headers, _ = _get(served.url + path)
        assert status == 200
        assert headers["x-frame-options"] == "DENY"
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"


def test_allowed_hosts_come_from_the_setting(
    built_settings: Settings, fixture_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_ALLOWED_HOSTS", "assistant.example.org,127.0.0.1")
    app = build_app(built_settings, UIService(built_settings, fixture_assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        assert _get(url, host="assistant.example.org")[0] == 200
        assert _get(url, host="localhost")[0] == 400  # not in the list any more
    finally:
        app.close()


@pytest.mark.browser
def test_the_page_works_under_its_policy_and_cannot_be_framed(
    page: Page, served: Served, tmp_path: Path
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    open_app(page, served.url)
    answer = ask(page, "How do I bake pineapple buns?")
    expect(answer).to_contain_text("2827 2827")
    page.fill("#question textarea", "my phone is 9123 4567")
    expect(page.locator("#pii-warning .pii-warn")).to_contain_text("personal data")
    shot(page, "15-under-csp")
    assert violations == []
    # Another site framing the app gets nothing: the browser refuses to render it.
    framer = tmp_path / "framer.html"
    framer.write_text(f'<iframe id="f" src="{served.url}" width="800" height="600"></iframe>')
    page.goto(framer.as_uri())
    page.wait_for_timeout(3000)
    frame = page.frame_locator("#f")
    expect(frame.locator("#question textarea")).to_have_count(0)


# ---------------------------------------------------------------- files


def test_databases_and_exports_are_created_readable_by_their_owner_only(
    built_settings: Settings,
    fixture_assistant: Assistant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = os.umask(0o022)
    try:
        settings = built_settings.replace(data_dir=tmp_path / "data")
        assistant = Assistant(settings, retriever=fixture_assistant.retriever)
        assistant.ask("Do staff need strong passwords for AI tools?")
        UIService(settings, assistant).record_feedback(
            {"question": "Strong passwords?", "lang": "en", "section_ids": IDS}, "up"
        )
        for name in ("corpus_dir", "index_dir", "data_dir"):
            monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(settings, name)))
        assert main(["audit", "export", "--out", str(tmp_path / "out" / "audit.jsonl")]) == 0
        assert main(["feedback", "export", "--out", str(tmp_path / "out" / "fb.jsonl")]) == 0
    finally:
        os.umask(old)
    files = [*settings.data_dir.iterdir(), *(tmp_path / "out").iterdir()]
    assert {p.name for p in files} >= {"audit.sqlite", "feedback.sqlite", "audit.jsonl", "fb.jsonl"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with sqlite3.connect(settings.data_dir / "audit.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 1
