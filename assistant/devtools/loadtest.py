"""`assistant loadtest`: many concurrent clients asking through ``/api/v1/ask`` and Gradio's ``/ask``.

The driver first asks each question once from a single client (the reference answers), then
opens ``clients`` clients that start together and ask ``requests`` questions each, one after
another. Every answer must equal the reference answer for its question (timings aside) and no
request may fail; latencies are reported as p50/p95 with the answers per second, beside the
targets for one replica (50 clients x 5 questions through the REST API: p95 <= 1.5 s, >= 25
answers/s) and the machine's load average while it ran, since the machine may be shared.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


TARGETS = ("rest", "gradio")
# One replica on two cores, 50 clients x 5 questions through the REST API (issue 19).
TARGET_P95_MS = 1500.0
TARGET_ANSWERS_PER_S = 25.0
REST_ASK = "/api/v1/ask"


@dataclass
class LoadReport:
    url: str
    clients: int
    requests: int
    target: str = "gradio"
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The 1-minute load average before and after the run: other work on the machine shows here.
    load_before: float = 0.0
    load_after: float = 0.0

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

    @property
    def meets_targets(self) -> bool:
        return self.ok and self.p95 <= TARGET_P95_MS and self.throughput >= TARGET_ANSWERS_PER_S

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
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
            "seconds": round(self.seconds, 2),
            "load_before": round(self.load_before, 2),
            "load_after": round(self.load_after, 2),
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


# A client: connect() -> ask(question) -> the reply's JSON; raises for a failed request.
Connect = Callable[[], Callable[[str], dict[str, Any]]]


def _run(report: LoadReport, connect: Connect, questions: Sequence[str]) -> LoadReport:
    """Reference answers from one client, then ``report.clients`` clients at once."""
    try:
        ask_once = connect()
        reference = {q: comparable(ask_once(q)) for q in questions}
    except Exception as exc:  # no app there, or it cannot answer: nothing to load
        report.errors.append(f"single session: {exc.__class__.__name__}: {exc}")
        return report
    lock = threading.Lock()
    clients, requests = report.clients, report.requests
    # Sessions connect first and then start asking together, so that the requests overlap.
    start = threading.Barrier(clients)

    def session(number: int) -> None:
        try:
            ask = connect()
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
                result = ask(question)
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

    report.load_before = os.getloadavg()[0]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(session, range(clients)))
    report.seconds = time.perf_counter() - began
    report.load_after = os.getloadavg()[0]
    return report


def drive(
    url: str, clients: int = 20, requests: int = 5, questions: Sequence[str] = QUESTIONS
) -> LoadReport:
    """Load Gradio's ``/ask`` through ``gradio_client``; never raises for a failed request."""
    from gradio_client import Client

    def connect() -> Callable[[str], dict[str, Any]]:
        client = Client(url, verbose=False)
        return lambda question: client.predict(question, api_name="/ask")

    return _run(LoadReport(url, clients, requests, "gradio"), connect, questions)


class RestClient:
    """One keep-alive connection to ``/api/v1/ask`` (reopened after a failure), as a plain
    program would call it: a JSON body in, the ``ask --json`` object out."""

    def __init__(self, url: str, timeout: float = 120.0, headers: dict[str, str] | None = None):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path.rstrip("/") + REST_ASK
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.connection: http.client.HTTPConnection | None = None

    def __call__(self, question: str) -> dict[str, Any]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        body = json.dumps({"question": question})
        try:
            self.connection.request("POST", self.path, body, self.headers)
            reply = self.connection.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}: {data[:300].decode('utf-8', 'replace')}")
        return json.loads(data)


def drive_rest(
    url: str, clients: int = 20, requests: int = 5, questions: Sequence[str] = QUESTIONS
) -> LoadReport:
    """Load ``/api/v1/ask``; never raises for a failed request."""
    return _run(LoadReport(url, clients, requests, "rest"), lambda: RestClient(url), questions)


DRIVERS = {"rest": drive_rest, "gradio": drive}


def run_loadtest(
    settings: Settings,
    url: str | None = None,
    clients: int = 50,
    requests: int = 5,
    questions: Sequence[str] = QUESTIONS,
    targets: Sequence[str] = TARGETS,
) -> list[LoadReport]:
    """Drive the app at ``url`` through each of ``targets`` in turn, or start one here on a free
    port (with a throw-away data folder, so that the synthetic questions never enter the real
    audit log or feedback) and drive that."""
    if url:
        return [DRIVERS[t](url, clients, requests, questions) for t in targets]
    from assistant.interfaces.web.app import build_app, launch

    scratch = Path(tempfile.mkdtemp(prefix="assistant-loadtest-"))
    app = build_app(settings.replace(data_dir=scratch))
    port = free_port()
    try:
        launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
        local = f"http://127.0.0.1:{port}/"
        return [DRIVERS[t](local, clients, requests, questions) for t in targets]
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
    via = REST_ASK if report.target == "rest" else "Gradio's /ask"
    lines = [
        f"load test: {report.clients} sessions x {report.requests} questions via {via} "
        f"at {report.url} ({report.seconds:.1f} s; load average {report.load_before:.2f} before, "
        f"{report.load_after:.2f} after, {os.cpu_count()} cores)",
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
    if report.ok:
        verdict = "met" if report.meets_targets else "not met"
        lines.append(
            f"target for one replica (p95 <= {TARGET_P95_MS:.0f} ms, >= "
            f"{TARGET_ANSWERS_PER_S:.0f} answers/s): {verdict}"
        )
    return "\n".join(lines)


def render_markdown(reports: Sequence[LoadReport]) -> str:
    """The reports as a Markdown table, for ``--report``."""
    lines = [
        "| API | clients x questions | errors | mismatches | p50 ms | p95 ms | max ms | answers/s "
        "| load avg before / after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        d = r.as_dict()
        via = REST_ASK if r.target == "rest" else "Gradio /ask"
        lines.append(
            f"| {via} | {r.clients} x {r.requests} | {d['errors']} | {d['mismatches']} | "
            f"{d['p50_ms']:.0f} | {d['p95_ms']:.0f} | {d['max_ms']:.0f} | "
            f"{d['requests_per_s']:.1f} | {d['load_before']:.2f} / {d['load_after']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
