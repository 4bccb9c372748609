"""Web app login: hashed-password users file, trusted proxy header, and no admin operations online."""

from __future__ import annotations

import io
import json
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from assistant.interfaces.cli import main
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.service import UIService
from assistant.pipeline import Assistant
from assistant.safety.access import (
    AccessError,
    add_user,
    file_login,
    hash_password,
    launch_options,
    read_users,
    verify_password,
)
from assistant.settings import Settings
from tests.conftest import free_port

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
FAST = 1_000  # iterations for unit tests; the stored form carries its own count
PUBLIC_API = {"/ask", "/section", "/documents", "/faq", "/privacy_check", "/feedback", "/draft"}
ADMIN_WORDS = ("index", "rebuild", "corpus", "ingest", "add", "audit", "export", "users")
QUESTION = "Do staff need strong passwords for AI tools?"


def http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def ask_call(base: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    body = json.dumps({"data": [QUESTION]}).encode()
    return http(
        f"{base}gradio_api/call/ask", body, {"Content-Type": "application/json", **(headers or {})}
    )


# --- hashing and the users file -------------------------------------------------------------


def test_hash_round_trip_and_wrong_password() -> None:
    stored = hash_password("correct horse", iterations=FAST)
    assert stored.startswith(f"pbkdf2_sha256${FAST}$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert not verify_password("", stored)
    # Same password, fresh salt: equal hashes would reveal shared passwords.
    assert hash_password("correct horse", iterations=FAST) != stored


@pytest.mark.parametrize(
    "stored",
    ["", "plain-text", "md5$1$abc$def", "pbkdf2_sha256$x$AA==$AA==", "pbkdf2_sha256$10$!!$AA=="],
)
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_users_file_parsing(tmp_path: Path) -> None:
    good = hash_password("s3cret-pass", iterations=FAST)
    path = tmp_path / "users"
    path.write_text(f"# staff\n\namy:{good}\n  bob:{good}  \n", encoding="utf-8")
    assert read_users(path) == {"amy": good, "bob": good}

    for bad, line in [
        (f"amy:{good}\nno-colon-here\n", 2),
        (f"amy:{good}\n:{good}\n", 2),
        ("amy:plaintextpassword\n", 1),
        (f"amy:{good}\namy:{good}\n", 2),
    ]:
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(AccessError, match=f"line {line}") as caught:
            read_users(path)
        assert "plaintextpassword" not in str(caught.value) and good not in str(caught.value)
    with pytest.raises(AccessError, match="cannot read"):
        read_users(tmp_path / "missing")


def test_add_user_creates_replaces_and_keeps_others(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "users"
    assert add_user(path, "amy", "first-password", iterations=FAST) is True
    assert add_user(path, "bob", "bobs-password", iterations=FAST) is True
    assert add_user(path, "amy", "second-password", iterations=FAST) is False
    users = read_users(path)
    assert set(users) == {"amy", "bob"}
    assert verify_password("second-password", users["amy"])
    assert not verify_password("first-password", users["amy"])
    assert verify_password("bobs-password", users["bob"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(AccessError, match="at least"):
        add_user(path, "carol", "short", iterations=FAST)
    for name in ("", "a b", "a:b", "#x"):
        with pytest.raises(AccessError):
            add_user(path, name, "long-enough-pw", iterations=FAST)
    assert set(read_users(path)) == {"amy", "bob"}


def test_file_login_reads_the_file_at_each_login(tmp_path: Path) -> None:
    path = tmp_path / "users"
    add_user(path, "amy", "amys-password", iterations=FAST)
    login = file_login(path)
    assert login("amy", "amys-password")
    assert not login("amy", "wrong-password")
    assert not login("nobody", "amys-password")
    add_user(path, "bob", "bobs-password", iterations=FAST)
    assert login("bob", "bobs-password")  # no restart needed
    path.write_text("damaged\n", encoding="utf-8")
    assert not login("amy", "amys-password")  # fails closed
    with pytest.raises(AccessError):
        file_login(path)  # and a damaged file stops the server at start


def test_cli_users_add_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users"
    monkeypatch.setenv("ASSISTANT_AUTH_FILE", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "amy"]) == 0
    assert "added amy" in capsys.readouterr().out
    assert verify_password("a-long-password", read_users(path)["amy"])
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "amy"]) == 1
    assert "at least" in capsys.readouterr().err
    monkeypatch.delenv("ASSISTANT_AUTH_FILE")
    assert main(["users", "add", "amy"]) == 2


def test_no_access_settings_means_no_launch_options(settings: Settings) -> None:
    assert launch_options(settings) == {}


# --- the running app --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access") / "users"
    add_user(path, "amy", "amys-password", iterations=FAST)
    return path


def _serve(settings: Settings, assistant: Assistant) -> Iterator[str]:
    app = build_app(settings, UIService(settings, assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True, **launch_options(settings))
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def login_app(
    built_settings: Settings,
    fixture_assistant: Assistant,
    users_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    settings = built_settings.replace(
        data_dir=tmp_path_factory.mktemp("access-data"), auth_file=str(users_file)
    )
    yield from _serve(settings, fixture_assistant)


@pytest.fixture(scope="module")
def proxy_app(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = built_settings.replace(
        data_dir=tmp_path_factory.mktemp("proxy-data"), auth_proxy_header="X-Forwarded-User"
    )
    yield from _serve(settings, fixture_assistant)


def test_login_on_unauthenticated_requests_get_nothing(login_app: str) -> None:
    status, page = http(login_app)
    # The root is the login form, never the app: no components, no API description, no guidance.
    assert status == 200 and '"auth_required":true' in page
    assert "checklist-2025" not in page and "/ask" not in page and "question" not in page
    assert http(f"{login_app}config")[0] == 401
    status, body = ask_call(login_app)
    assert status == 401
    assert "citations" not in body and "event_id" not in body
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises different types per version
        Client(login_app, verbose=False)
    with pytest.raises(Exception):  # noqa: B017
        Client(login_app, verbose=False, auth=("amy", "wrong-password"))
    with pytest.raises(Exception):  # noqa: B017
        Client(login_app, verbose=False, auth=("mallory", "amys-password"))


def test_login_on_the_right_credentials_get_answers(login_app: str) -> None:
    client = Client(login_app, verbose=False, auth=("amy", "amys-password"))
    answer = client.predict(QUESTION, api_name="/ask")
    assert answer["citations"][0]["section_id"] == "checklist-2025/4"


def test_proxy_header_required_on_every_request(proxy_app: str) -> None:
    assert http(proxy_app)[0] == 401
    status, body = ask_call(proxy_app)
    assert status == 401 and "citations" not in body
    assert ask_call(proxy_app, {"X-Forwarded-User": "  "})[0] == 401  # blank is absent
    assert http(proxy_app, headers={"X-Forwarded-User": "amy"})[0] == 200
    # The one path let through (gradio calls it on itself at launch) only says true/false.
    assert http(f"{proxy_app}gradio_api/startup-events") == (200, "false")
    client = Client(proxy_app, verbose=False, headers={"X-Forwarded-User": "amy"})
    answer = client.predict(QUESTION, api_name="/ask")
    assert answer["citations"][0]["section_id"] == "checklist-2025/4"


def test_no_admin_operation_is_reachable_through_the_web_api(login_app: str) -> None:
    client = Client(login_app, verbose=False, auth=("amy", "amys-password"))
    info = client.view_api(print_info=False, return_format="dict")
    named = set(info["named_endpoints"])
    assert named == PUBLIC_API
    assert not info["unnamed_endpoints"]
    for name in named:
        assert not any(word in name.lower() for word in ADMIN_WORDS), name
