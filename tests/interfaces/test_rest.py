"""The REST API under /api/v1: the `ask --json` contract, validation, error codes, login, audit."""

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from assistant.interfaces.cli import main
from assistant.interfaces.rest import API_PREFIX, RestApi
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.service import UIService
from assistant.pipeline import Assistant
from assistant.safety.access import add_user, launch_options
from assistant.safety.audit import AuditLog
from assistant.safety.feedback import FeedbackStore
from assistant.settings import Settings
from tests.conftest import free_port

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
QUESTION = "Do staff need strong passwords for AI tools?"


def _service(settings: Settings, fixture_assistant: Assistant) -> UIService:
    return UIService(settings, Assistant(settings, embedder=fixture_assistant.embedder))


def _client(rest: RestApi) -> TestClient:
    """The REST app mounted where the server mounts it, called in-process."""
    mounted = Starlette(routes=[Mount(API_PREFIX, app=rest.app)])
    return TestClient(mounted, base_url=f"http://testserver{API_PREFIX}")


@pytest.fixture(scope="module")
def rest_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built_settings.replace(data_dir=tmp_path_factory.mktemp("rest-data"))


@pytest.fixture(scope="module")
def api(rest_settings: Settings, fixture_assistant: Assistant) -> Iterator[TestClient]:
    rest = RestApi(_service(rest_settings, fixture_assistant))
    with _client(rest) as client:
        yield client
    rest.close()


def _cli_json(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> Any:
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(settings, name)))
    assert main(["ask", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_returns_the_same_json_as_the_cli(
    api: TestClient,
    built_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reply = api.post("/ask", json={"question": QUESTION})
    assert reply.status_code == 200
    via_rest = reply.json()
    via_cli = _cli_json(built_settings, monkeypatch, capsys, QUESTION)
    assert set(via_rest) == set(via_cli)
    for key in set(via_cli) - {"timings_ms"}:
        assert via_rest[key] == via_cli[key]
    assert via_rest["citations"][0]["section_id"] == "checklist-2025/4"
    assert "trace" not in via_rest


def test_ask_with_history_and_trace(api: TestClient) -> None:
    body = {
        "question": "咁密碼呢？",
        "history": ["Which devices may staff use with generative AI tools?"],
        "trace": True,
    }
    result = api.post("/ask", json=body).json()
    assert result["lang"] == "zh-Hant" and not result["refused"]
    assert result["citations"][0]["section_id"] == "checklist-2025/4"
    assert result["trace"]["retrieval_query"].startswith("Which devices")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"question": "x" * 4001}, "too_long"),
        ({"question": ""}, "empty"),
        ({}, "empty"),
        ({"question": 42}, "not_text"),
        ({"question": "   "}, "empty"),  # passes the model, refused by the pipeline's check
        ({"question": "strong passwords\x07?"}, "control_chars"),
        ({"question": "!!! ??? ..."}, "no_words"),
        ({"question": QUESTION, "history": "not a list"}, "history_not_list"),
        ({"question": QUESTION, "history": [1]}, "history_not_text"),
        ({"question": QUESTION, "trace": "yes"}, "invalid_request"),  # strict: no "yes" for true
        ({"question": QUESTION, "extra": 1}, "invalid_request"),
    ],
)
def test_bad_requests_get_the_cli_codes_and_nothing_is_audited(
    api: TestClient, rest_settings: Settings, body: dict, code: str
) -> None:
    before = AuditLog.for_settings(rest_settings).count()
    reply = api.post("/ask", json=body)
    assert reply.status_code == 422
    assert reply.json()["error"] == code and reply.json()["exit_code"] == 2
    assert reply.json()["message"]
    assert AuditLog.for_settings(rest_settings).count() == before


def test_sections_documents_and_unknown_ids(api: TestClient) -> None:
    english = api.get("/sections/checklist-2025/4", params={"lang": "en"}).json()
    assert english["section_id"] == "checklist-2025/4" and english["twin_lang"] == "zh-Hant"
    chinese = api.get("/sections/checklist-2025/4?lang=zh-Hant").json()
    assert chinese["lang"] == "zh-Hant" and chinese["text"] != english["text"]
    missing = api.get("/sections/checklist-2025/99")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_section"
    assert api.get("/sections/checklist-2025/4?lang=fr").status_code == 422
    documents = api.get("/documents", params={"lang": "zh-Hant"}).json()
    assert {d["doc_id"] for d in documents} == {"checklist-2025", "pdpo-dpps"}
    assert all(s["section_id"] for d in documents for s in d["sections"])


def test_draft_policy_clause_and_errors(api: TestClient) -> None:
    policy = api.post("/draft", json={"options": {"org": "Acme Ltd", "mfa": True}}).json()
    assert policy["mode"] == "policy" and policy["org"] == "Acme Ltd"
    clause = api.post("/draft", json={"request": "幫我寫一條關於AI生成內容加水印嘅條款"}).json()
    assert clause["mode"] == "clause"
    missing = api.post("/draft", json={"options": {}})
    assert missing.status_code == 422 and missing.json()["error"] == "need_org"
    assert api.post("/draft", json={"options": []}).json()["error"] == "invalid_request"


def test_feedback_is_validated_and_stored_redacted(
    api: TestClient, rest_settings: Settings
) -> None:
    body = {
        "question": "Strong passwords? e-mail me at tm@example.com",
        "lang": "en",
        "section_ids": ["checklist-2025/4"],
        "rating": "up",
        "comment": "great, call 9123 4567",
    }
    stored = api.post("/feedback", json=body)
    assert stored.status_code == 200
    row = next(
        r for r in FeedbackStore.for_settings(rest_settings).rows() if r.id == stored.json()["id"]
    )
    assert row.question == "Strong passwords? e-mail me at [EMAIL]"
    assert row.comment == "great, call [PHONE]"
    assert (
        api.post("/feedback", json={**body, "rating": "meh"}).json()["error"] == "invalid_request"
    )
    assert api.post("/feedback", json={**body, "lang": "fr"}).status_code == 422
    unknown = api.post("/feedback", json={**body, "section_ids": ["checklist-2025/99"]})
    assert unknown.status_code == 422 and unknown.json()["error"] == "invalid_feedback"
    too_many = api.post("/feedback", json={**body, "section_ids": ["checklist-2025/4"] * 11})
    assert too_many.status_code == 422


def test_answers_are_audited_as_api_answers_once_per_proxy_request(
    api: TestClient, rest_settings: Settings
) -> None:
    log = AuditLog.for_settings(rest_settings)
    before = log.count()
    headers = {"X-Request-Id": "4f1c0b7e"}
    first = api.post("/ask", json={"question": "What does DPP 4 require?"}, headers=headers)
    retried = api.post("/ask", json={"question": "What does DPP 4 require?"}, headers=headers)
    assert first.json()["answer"] == retried.json()["answer"]
    # The proxy's retry of one request is one answer, so one record ...
    assert log.count() == before + 1
    # ... but an id reused with another question never hides that question.
    api.post("/ask", json={"question": "What does DPP 3 require?"}, headers=headers)
    api.post("/ask", json={"question": "What does DPP 3 require?"})
    records = log.records()
    assert log.count() == before + 3
    assert [r["interface"] for r in records[-3:]] == ["api"] * 3
    assert records[-1]["replica"] == log.replica != ""


def test_openapi_schema_documents_the_routes_and_limits(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/ask", "/sections/{section_id}", "/documents", "/draft", "/feedback", "/health"
    }  # fmt: skip
    ask = schema["components"]["schemas"]["AskRequest"]
    assert ask["properties"]["question"]["maxLength"] == 4000
    assert ask["required"] == ["question"]
    assert "AskReply" in schema["components"]["schemas"]
    assert "ErrorReply" in schema["components"]["schemas"]


def test_health_reports_index_store_and_database(
    api: TestClient, rest_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    healthy = api.get("/health")
    assert healthy.status_code == 200
    body = healthy.json()
    assert body["status"] == "ok" and body["index_generation"].startswith("gen-")
    assert all(check["ok"] for check in body["checks"].values())
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be", "utf-8")
    broken = RestApi(_service(rest_settings.replace(data_dir=blocked / "data"), fixture_assistant))
    with _client(broken) as client:
        down = client.get("/health")
        assert down.status_code == 503 and down.json()["checks"]["database"]["ok"] is False
        refused = client.post("/ask", json={"question": QUESTION})
        assert refused.status_code == 503
        assert refused.json()["error"] == "audit_unavailable"
        assert refused.json()["exit_code"] == 1
        assert "no answer is given without its audit record" in refused.json()["message"]
    broken.close()


def test_users_file_login_with_http_basic(
    rest_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    users = tmp_path / "users"
    add_user(users, "amy", "amys-password", iterations=1_000)
    rest = RestApi(_service(rest_settings.replace(auth_file=str(users)), fixture_assistant))

    def basic(name: str, password: str) -> dict[str, str]:
        token = base64.b64encode(f"{name}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    with _client(rest) as client:
        anonymous = client.get("/documents")
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
        assert anonymous.headers["www-authenticate"].startswith("Basic")
        assert client.get("/documents", headers=basic("amy", "wrong-password")).status_code == 401
        assert client.get("/documents", headers=basic("bob", "amys-password")).status_code == 401
        assert client.get("/documents", headers=basic("amy", "amys-password")).status_code == 200
        # A changed password is checked again, not taken from what was remembered.
        add_user(users, "amy", "new-password", iterations=1_000)
        assert client.get("/documents", headers=basic("amy", "amys-password")).status_code == 401
        assert client.get("/documents", headers=basic("amy", "new-password")).status_code == 200
        users.write_text("", "utf-8")  # removed: refused at once
        assert client.get("/documents", headers=basic("amy", "new-password")).status_code == 401
    rest.close()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _post(url: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_served_beside_the_page_behind_the_proxy_header_in_parallel(
    rest_settings: Settings, fixture_assistant: Assistant
) -> None:
    """One server: the Gradio page and /api/v1; the proxy's header guards both; requests in
    flight at once get the answers they get one at a time."""
    settings = rest_settings.replace(auth_proxy_header="X-Forwarded-User", api_threads=3)
    app = build_app(settings, _service(settings, fixture_assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True, **launch_options(settings))
    base = f"http://127.0.0.1:{port}"
    user = {"X-Forwarded-User": "amy"}
    try:
        assert _get(f"{base}/api/v1/health")[0] == 401
        assert _get(f"{base}/gradio_api/info")[0] == 401
        assert _get(f"{base}/api/v1/health", user)[0] == 200
        assert _get(f"{base}/gradio_api/info", user)[0] == 200
        questions = [QUESTION, "What does DPP 4 require?", "點樣整菠蘿包？"]
        single = {q: _post(f"{base}/api/v1/ask", {"question": q}, user)[1] for q in questions}
        started = threading.Barrier(6)

        def ask(i: int) -> tuple[str, Any]:
            started.wait(timeout=60)
            question = questions[i % len(questions)]
            return question, _post(f"{base}/api/v1/ask", {"question": question}, user)

        def comparable(result: dict) -> dict:
            return {k: v for k, v in result.items() if k != "timings_ms"}

        with ThreadPoolExecutor(6) as pool:
            for question, (status, result) in pool.map(ask, range(6)):
                assert status == 200 and comparable(result) == comparable(single[question])
    finally:
        app.close()
        app.rest_api.close()
