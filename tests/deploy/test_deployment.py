"""The deployment of deploy/, on loopback: PostgreSQL, a Chroma server, two replicas and nginx.

The load test runs through nginx while one replica is killed; then PostgreSQL is stopped and
started again. Everything runs from the installed binaries (`apt-get install postgresql nginx`;
.ci/run installs them) and stops by itself.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant.devtools.loadtest import QUESTIONS, drive_rest
from assistant.retrieval.indexing import build_index
from assistant.safety.audit import AuditLog
from tests.conftest import (
    PROJECT_ROOT,
    ChromaServer,
    PostgresServer,
    free_port,
    fresh_database,
    make_settings,
    need_binaries,
)

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
NGINX_SITE = PROJECT_ROOT / "deploy" / "nginx" / "assistant.conf"
STARTUP_S = 180


def _request(url: str, body: dict | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + STARTUP_S
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"replica exited:\n{log.read_text('utf-8', 'replace')[-3000:]}")
        try:
            if _request(f"{url}/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"replica not healthy in {STARTUP_S} s:\n{log.read_text('utf-8')[-3000:]}")


def nginx_config(folder: Path, listen: int, replicas: list[int]) -> Path:
    """The shipped site file with this test's ports, inside a minimal main configuration."""
    site = NGINX_SITE.read_text("utf-8")
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in replicas
    )
    site, count = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, site)
    assert count == 2, "both upstreams list the replicas"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    (folder / "assistant.conf").write_text(site, "utf-8")
    # Workers run as root only because the test does; a real server uses the packaged user.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}worker_processes 1;
error_log {folder}/error.log warn;
pid {folder}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/assistant.conf;
}}
"""
    path = folder / "nginx.conf"
    path.write_text(main, "utf-8")
    return path


class Deployment:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.postgres = PostgresServer(free_port())
        self.chroma = ChromaServer(root / "chroma", free_port())
        self.replicas: dict[str, tuple[int, subprocess.Popen]] = {}
        self.nginx: subprocess.Popen | None = None
        self.url = ""
        self.database_url = ""

    def start(self, cache: Path) -> None:
        self.postgres.start()
        self.database_url = fresh_database(self.postgres, "assistant")
        self.chroma.start()
        settings = make_settings(
            self.root, chroma_host="127.0.0.1", chroma_port=self.chroma.port, audit_log=False
        )
        shutil.copytree(cache, settings.index_dir / "cache")  # the fixture's embeddings
        build_index(settings)  # once, into the Chroma server; every replica reads it
        self.settings = settings
        ports = {name: free_port() for name in ("r1", "r2")}
        for name, port in ports.items():
            self.start_replica(name, port)
        for name, (port, process) in self.replicas.items():
            _wait_healthy(f"http://127.0.0.1:{port}", process, self.root / f"{name}.log")
        listen = free_port()
        config = nginx_config(self.root, listen, list(ports.values()))
        command = ["nginx", "-p", str(self.root), "-c", str(config)]
        subprocess.run([*command, "-t"], check=True, capture_output=True)
        self.nginx = subprocess.Popen([*command, "-g", "daemon off;"])
        self.url = f"http://127.0.0.1:{listen}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if _request(f"{self.url}/api/v1/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("nginx did not start")

    def start_replica(self, name: str, port: int) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "ASSISTANT_CORPUS_DIR": str(self.settings.corpus_dir),
            "ASSISTANT_INDEX_DIR": str(self.settings.index_dir),
            # Each its own data folder, to show that nothing is kept there.
            "ASSISTANT_DATA_DIR": str(self.root / f"data-{name}"),
            "ASSISTANT_CHROMA_HOST": "127.0.0.1",
            "ASSISTANT_CHROMA_PORT": str(self.chroma.port),
            "ASSISTANT_DATABASE_URL": self.database_url,
            "ASSISTANT_REPLICA": name,
            "ASSISTANT_API_THREADS": "2",
            "OMP_NUM_THREADS": "1",
        }
        log = (self.root / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.interfaces.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.replicas[name] = (port, process)

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        for _port, process in self.replicas.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.chroma.stop()
        self.postgres.remove()


@pytest.fixture
def deployment(
    built_settings: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    need_binaries("postgres", "nginx")
    deployed = Deployment(tmp_path_factory.mktemp("deploy"))
    try:
        deployed.start(built_settings.index_dir / "cache")
        yield deployed
    finally:
        deployed.stop()


def test_two_replicas_behind_nginx_share_one_database_through_failures(
    deployment: Deployment,
) -> None:
    url = deployment.url
    audit = AuditLog(deployment.database_url)

    # The page's API goes through nginx too (one visitor stays on one replica).
    page = Client(f"{url}/", verbose=False).predict(QUESTIONS[0], api_name="/ask")
    status, rest = _request(f"{url}/api/v1/ask", {"question": QUESTIONS[0]})
    assert status == 200 and page["answer"] == rest["answer"]
    answered = 2

    # Load through nginx; one replica is killed while it answers.
    result: dict[str, Any] = {}
    runner = threading.Thread(
        target=lambda: result.update(report=drive_rest(f"{url}/", clients=10, requests=12))
    )
    runner.start()
    deadline = time.time() + 120
    while audit.count() < answered + len(QUESTIONS) + 30 and time.time() < deadline:
        time.sleep(0.05)
    _port, victim = deployment.replicas["r1"]
    os.killpg(victim.pid, signal.SIGKILL)
    at_kill = audit.count()
    runner.join(timeout=600)
    report = result["report"]
    assert report.errors == [] and report.mismatches == [], report.errors[:3]
    assert len(report.latencies_ms) == 120
    answered += len(QUESTIONS) + len(report.latencies_ms)  # the reference round, then the load
    assert at_kill < answered  # the load was still running when r1 died ...
    # ... and nginx met the dead replica, and sent those requests to r2:
    met = (deployment.root / "error.log").read_text("utf-8")
    assert re.search(r"upstream prematurely closed|connect\(\) failed", met)
    # each answer has exactly one record, including those retried after r1 died.
    assert audit.count() == answered
    records = audit.records()
    assert {r["replica"] for r in records} == {"r1", "r2"}
    assert all(r["interface"] == "api" for r in records)

    # The database goes away: answers are refused with the reason, and nothing is written.
    deployment.postgres.stop()
    status, refused = _request(f"{url}/api/v1/ask", {"question": QUESTIONS[2]})
    assert status == 503 and refused["error"] == "audit_unavailable" and refused["exit_code"] == 1
    assert "no answer is given without its audit record" in refused["message"]
    assert "check that the database is running" in refused["message"]
    status, health = _request(f"{url}/api/v1/health")
    assert status == 503 and health["checks"]["database"]["ok"] is False
    status, rating = _request(
        f"{url}/api/v1/feedback",
        {"question": QUESTIONS[2], "lang": "en", "section_ids": [], "rating": "up"},
    )
    assert status == 503 and rating["error"] == "database_unavailable"

    # It returns: the same replica answers again, without a restart.
    deployment.postgres.start()
    _port, survivor = deployment.replicas["r2"]
    status, resumed = _request(f"{url}/api/v1/ask", {"question": QUESTIONS[2]})
    assert status == 200 and resumed["answer"] and survivor.poll() is None
    answered += 1
    records = audit.records()
    assert len(records) == answered  # the refused ones left no record, half or whole
    assert records[-1]["replica"] == "r2"
    assert all(r["corpus_hash"] and r["index_generation"] and r["time"] for r in records)
    assert not any((deployment.root / f"data-{n}" / "audit.sqlite").exists() for n in ("r1", "r2"))
