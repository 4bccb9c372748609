"""Load: concurrent clients through ``/api/v1/ask`` and ``gradio_client``'s ``/ask`` against a local app.

Only correctness is asserted (no errors, every answer equal to the single-session answer);
latencies are printed, never compared with a limit, because the machine is shared.
"""

import itertools
from collections.abc import Iterator
from pathlib import Path

import gradio_client
import pytest

from assistant.devtools.loadtest import (
    QUESTIONS,
    RestClient,
    comparable,
    drive,
    drive_rest,
    percentile,
    render_markdown,
    render_table,
    run_loadtest,
)
from assistant.interfaces.cli import main
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.service import UIService
from assistant.pipeline import Assistant
from assistant.safety.audit import audit_path
from assistant.settings import Settings
from tests.conftest import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def app_url(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = built_settings.replace(data_dir=tmp_path_factory.mktemp("load-data"))
    assistant = Assistant(settings, embedder=fixture_assistant.embedder)
    app = build_app(settings, UIService(settings, assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def test_twenty_concurrent_sessions_get_the_single_session_answers(app_url: str) -> None:
    report = drive(app_url, clients=20, requests=5)
    print("\n" + render_table(report))
    assert report.errors == [] and report.mismatches == []
    assert len(report.latencies_ms) == 100 and report.ok
    assert 0 < report.p50 <= report.p95 <= max(report.latencies_ms)
    assert set(report.as_dict()) >= {"p50_ms", "p95_ms", "errors", "mismatches", "completed"}


def test_fifty_rest_clients_get_the_single_client_answers(app_url: str) -> None:
    report = drive_rest(app_url, clients=50, requests=5)
    print("\n" + render_table(report))
    assert report.errors == [] and report.mismatches == []
    assert len(report.latencies_ms) == 250 and report.target == "rest"
    assert report.load_before >= 0 and report.load_after >= 0
    assert "/api/v1/ask" in render_table(report) and "target for one replica" in render_table(
        report
    )


def test_a_changed_rest_answer_or_a_failed_request_is_reported(
    app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RestClient.__call__
    calls = itertools.count(1)

    def sometimes_wrong(self: RestClient, question: str) -> dict:
        number = next(calls)
        if number == len(QUESTIONS) + 2:
            raise ConnectionResetError("the replica went away")
        result = original(self, question)
        if number == len(QUESTIONS) + 4:
            result = {**result, "refused": not result["refused"]}
        return result

    monkeypatch.setattr(RestClient, "__call__", sometimes_wrong)
    report = drive_rest(app_url, clients=3, requests=2)
    assert len(report.errors) == 1 and len(report.mismatches) == 1 and not report.ok
    assert "ConnectionResetError" in report.errors[0]


def test_a_changed_answer_under_load_is_reported(
    app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = gradio_client.Client.predict
    calls = itertools.count(1)  # next() on a count is atomic, unlike += across threads

    def sometimes_wrong(self: gradio_client.Client, *args: object, **kwargs: object) -> object:
        result = original(self, *args, **kwargs)
        if next(calls) == len(QUESTIONS) + 3:  # one answer after the reference round
            result = {**result, "answer": result["answer"] + " (altered)"}
        return result

    monkeypatch.setattr(gradio_client.Client, "predict", sometimes_wrong)
    report = drive(app_url, clients=3, requests=2)
    assert len(report.mismatches) == 1 and not report.ok
    assert "FAILED" in render_table(report)


def test_loadtest_command_prints_a_table(
    app_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "load.md"
    args = ["loadtest", "--clients", "3", "--requests", "2", "--url", app_url]
    assert main([*args, "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert out.count("6/6") == 2 and out.count("OK:") == 2
    assert "via /api/v1/ask" in out and "via Gradio's /ask" in out and "load average" in out
    assert "| /api/v1/ask | 3 x 2 | 0 | 0 |" in report.read_text("utf-8")
    assert main([*args, "--api", "rest"]) == 0
    assert "Gradio" not in capsys.readouterr().out
    assert main(["loadtest", "--clients", "0"]) == 2


def test_loadtest_against_nothing_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()  # nothing listens there
    assert main(["loadtest", "--clients", "2", "--url", f"http://127.0.0.1:{port}/"]) == 1
    out = capsys.readouterr().out
    assert out.count("single session") == 2 and out.count("FAILED") == 2


def test_loadtest_starts_its_own_app_without_touching_the_audit_log(
    built_settings: Settings, tmp_path: Path
) -> None:
    settings = built_settings.replace(data_dir=tmp_path / "data")
    reports = run_loadtest(settings, clients=2, requests=2, questions=QUESTIONS[:2])
    assert [r.target for r in reports] == ["rest", "gradio"]
    assert all(r.ok and len(r.latencies_ms) == 4 for r in reports)
    assert not audit_path(settings).exists()
    assert render_markdown(reports).count("| 2 x 2 | 0 | 0 |") == 2


def test_percentile_and_comparable() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert comparable({"answer": "a", "timings_ms": {"total": 1}}) == {"answer": "a"}
