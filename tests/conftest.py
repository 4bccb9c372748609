"""Shared fixtures: a small bilingual fixture corpus, its index, and a real Chroma server."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.devtools.loadtest import free_port  # noqa: E402
from assistant.index.build import BuildReport  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.retrieval.indexing import build_index  # noqa: E402
from assistant.settings import ENV_PREFIX, Settings  # noqa: E402

FIXTURE_CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


# Variables that configure the test run itself (`make test-llm`), not the application.
TEST_RUN_PREFIX = "ASSISTANT_TEST_"


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """No test sees the developer's ASSISTANT_* settings (an LLM endpoint, a data folder...), and
    anything that falls back to the environment writes its audit log and feedback in a temporary
    folder, never in the project's data/. Subprocesses started with os.environ inherit both."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX) and not name.startswith(TEST_RUN_PREFIX):
            monkeypatch.delenv(name)
    data_dir = tmp_path_factory.mktemp("assistant-data")
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_DIR", str(data_dir))
    return data_dir


def make_settings(tmp: Path, **overrides: object) -> Settings:
    corpus = tmp / "corpus"
    if not corpus.exists():
        shutil.copytree(FIXTURE_CORPUS, corpus)
    return Settings.from_env(
        env={}, corpus_dir=corpus, index_dir=tmp / "index", data_dir=tmp / "data", **overrides
    )


def run_cli(
    settings: Settings, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``assistant ARGS`` in a new process on the folders of ``settings`` (and ``env``)."""
    environment = {
        **os.environ,  # the conftest has taken out the developer's own ASSISTANT_* settings
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant.interfaces.cli", *args],
        input=input,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A fixture-corpus index built once for the whole session (read-only for tests)."""
    settings = make_settings(tmp_path_factory.mktemp("built"))
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def fixture_assistant(built_settings: Settings) -> Assistant:
    return Assistant(built_settings)


def _chroma_binary() -> str:
    candidate = Path(sys.executable).parent / "chroma"
    return str(candidate) if candidate.exists() else "chroma"


class ChromaServer:
    def __init__(self, path: Path, port: int) -> None:
        self.path = path
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                _chroma_binary(),
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1
                ):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the Chroma server did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildReport]:
    """The shipped corpus, indexed once per session from a fresh folder, as a new clone would:
    the shipped vectors are all it needs (``test_bundled_vectors`` holds it to that)."""
    tmp = tmp_path_factory.mktemp("real")
    settings = Settings.from_env(
        env={}, corpus_dir=PROJECT_ROOT / "corpus", index_dir=tmp / "index", data_dir=tmp / "data"
    )
    return settings, build_index(settings)


@pytest.fixture(scope="session")
def real_settings(real_build: tuple[Settings, BuildReport]) -> Settings:
    return real_build[0]


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL programs (initdb, pg_ctl), or None if not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: Path(p).parts[4])
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


def need_binaries(*names: str) -> None:
    """Skip a test whose servers are not installed; in CI (CI=true, which installs them) fail."""
    missing = [n for n in names if (postgres_bin() if n == "postgres" else shutil.which(n)) is None]
    if missing:
        message = f"not installed: {', '.join(missing)} (apt-get install postgresql nginx)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class PostgresServer:
    """A throw-away PostgreSQL cluster on loopback, run from the installed binaries (as the
    ``postgres`` user when the tests run as root, since PostgreSQL refuses to run as root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = postgres_bin()
        assert self.bin is not None
        self.folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "assistant", "-A", "trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql://assistant@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        assert self.bin is not None
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.folder,
        )

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the tests that share it (each uses its own database)."""
    need_binaries("postgres")
    server = PostgresServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.remove()


def fresh_database(server: PostgresServer, name: str) -> str:
    """A new, empty database on ``server``; returns its URL."""
    with psycopg.connect(server.url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + f"/{name}"
