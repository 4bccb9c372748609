"""Load: twenty concurrent ``gradio_client`` sessions through ``/ask`` against a local app.

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
    comparable,
    drive,
    percentile,
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


def test_loadtest_command_prints_a_table(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["loadtest", "--clients", "3", "--requests", "2", "--url", app_url]) == 0
    out = capsys.readouterr().out
    assert "p50 ms" in out and "p95 ms" in out and "6/6" in out and "OK:" in out
    assert main(["loadtest", "--clients", "0"]) == 2


def test_loadtest_against_nothing_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()  # nothing listens there
    assert main(["loadtest", "--clients", "2", "--url", f"http://127.0.0.1:{port}/"]) == 1
    out = capsys.readouterr().out
    assert "single session" in out and "FAILED" in out


def test_loadtest_starts_its_own_app_without_touching_the_audit_log(
    built_settings: Settings, tmp_path: Path
) -> None:
    settings = built_settings.replace(data_dir=tmp_path / "data")
    report = run_loadtest(settings, clients=2, requests=2, questions=QUESTIONS[:2])
    assert report.ok and len(report.latencies_ms) == 4
    assert not audit_path(settings).exists()


def test_percentile_and_comparable() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert comparable({"answer": "a", "timings_ms": {"total": 1}}) == {"answer": "a"}
