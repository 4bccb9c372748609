"""`assistant loadtest`: many concurrent ``gradio_client`` sessions asking through ``/ask``.

A training room is the expected peak: twenty people asking at once. The driver first asks each
question once from a single session (the reference answers), then opens ``clients`` sessions that
start together and ask ``requests`` questions each. Every answer must equal the reference answer
for its question (timings aside) and no request may fail; latencies are reported as p50/p95.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import Settings

# English, Cantonese and mixed questions, one out of scope and one with personal data, so that the
# load covers answering, declining and redacting.
QUESTIONS = (
    "Do staff need strong passwords for AI tools?",
    "員工要唔要設定強密碼？",
    "Which devices may staff use with generative AI tools?",
    "可唔可以用客戶資料訓練AI？",
    "What does DPP 4 require?",
    "點樣整菠蘿包？",
    "Mr Wong's phone is 9123 4567: can staff paste it into a chatbot?",
)


@dataclass
class LoadReport:
    url: str
    clients: int
    requests: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.mismatches

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "clients": self.clients,
            "requests_per_client": self.requests,
            "completed": len(self.latencies_ms),
            "errors": len(self.errors),
            "mismatches": len(self.mismatches),
            "p50_ms": round(self.p50, 1),
            "p95_ms": round(self.p95, 1),
            "max_ms": round(max(self.latencies_ms, default=0.0), 1),
            "requests_per_s": round(self.throughput, 2),
        }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values): the value q% of requests did not exceed."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """An ``/ask`` result without its timings, which differ from call to call."""
    return {k: v for k, v in result.items() if k != "timings_ms"}


def drive(
    url: str, clients: int = 20, requests: int = 5, questions: Sequence[str] = QUESTIONS
) -> LoadReport:
    """Run the load against the app at ``url`` and report; never raises for a failed request."""
    from gradio_client import Client

    report = LoadReport(url, clients, requests)
    try:
        reference_client = Client(url, verbose=False)
        reference = {q: comparable(reference_client.predict(q, api_name="/ask")) for q in questions}
    except Exception as exc:  # no app there, or it cannot answer: nothing to load
        report.errors.append(f"single session: {exc.__class__.__name__}: {exc}")
        return report
    lock = threading.Lock()
    # Sessions connect first and then start asking together, so that the requests overlap.
    start = threading.Barrier(clients)

    def session(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # a session that cannot even connect is an error of the run
            with lock:
                report.errors.append(f"session {number}: {exc.__class__.__name__}: {exc}")
            start.abort()
            return
        # A broken barrier (another session failed to connect) only means starting unsynchronised.
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=120)
        for i in range(requests):
            question = questions[(number + i) % len(questions)]
            began = time.perf_counter()
            try:
                result = client.predict(question, api_name="/ask")
            except Exception as exc:
                with lock:
                    report.errors.append(
                        f"session {number} request {i}: {exc.__class__.__name__}: {exc}"
                    )
                continue
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                report.latencies_ms.append(elapsed)
                if comparable(result) != reference[question]:
                    report.mismatches.append(f"session {number} request {i}: {question!r}")

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(session, range(clients)))
    report.seconds = time.perf_counter() - began
    return report


def run_loadtest(
    settings: Settings,
    url: str | None = None,
    clients: int = 20,
    requests: int = 5,
    questions: Sequence[str] = QUESTIONS,
) -> LoadReport:
    """Drive the app at ``url``, or start one here on a free port (with a throw-away data folder,
    so that the synthetic questions never enter the real audit log or feedback) and drive that."""
    if url:
        return drive(url, clients, requests, questions)
    from assistant.interfaces.web.app import build_app, launch

    scratch = Path(tempfile.mkdtemp(prefix="assistant-loadtest-"))
    app = build_app(settings.replace(data_dir=scratch))
    port = free_port()
    try:
        launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
        return drive(f"http://127.0.0.1:{port}/", clients, requests, questions)
    finally:
        app.close()
        shutil.rmtree(scratch, ignore_errors=True)


def render_table(report: LoadReport) -> str:
    data = report.as_dict()
    header = ("requests", "errors", "mismatches", "p50 ms", "p95 ms", "max ms", "req/s")
    values = (
        f"{data['completed']}/{report.clients * report.requests}",
        str(data["errors"]),
        str(data["mismatches"]),
        f"{data['p50_ms']:.1f}",
        f"{data['p95_ms']:.1f}",
        f"{data['max_ms']:.1f}",
        f"{data['requests_per_s']:.2f}",
    )
    widths = [max(len(h), len(v)) for h, v in zip(header, values, strict=True)]
    lines = [
        f"load test: {report.clients} sessions x {report.requests} questions via /ask "
        f"at {report.url} ({report.seconds:.1f} s)",
        "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)),
    ]
    for problem in (report.errors + report.mismatches)[:10]:
        lines.append(f"! {problem}")
    lines.append(
        "OK: no errors, every answer identical to the single-session answer"
        if report.ok
        else "FAILED"
    )
    return "\n".join(lines)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
