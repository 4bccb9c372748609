"""Where the audit log and the feedback live: an SQLite file by default, PostgreSQL for deployments.

``ASSISTANT_DATABASE_URL`` unset keeps today's zero-set-up layout (``data/audit.sqlite`` and
``data/feedback.sqlite``, created on first write, owner-only). Set to a PostgreSQL URL
(``postgresql://assistant@db.internal/assistant``; a password is better kept in ``PGPASSWORD`` or
``~/.pgpass`` than in the URL), every replica writes to the same database, so that one audit
log covers them all.

Each store migrates its own tables with Alembic the first time it is used (``assistant db
upgrade`` does it beforehand). The schema has two branches, ``audit`` and ``feedback``, each with
its own version table, so one database can hold both while an SQLite file holds only its own.
Migrations run under a lock (an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so
replicas starting together never race, and the first migration adopts a table written before
migrations existed instead of recreating it: an upgrade never loses a record.

A database that cannot be reached raises ``DatabaseUnavailable`` at the call that needs it; the
pool checks a connection before handing it out, so once the database is back the next call works
without a restart.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BRANCHES = ("audit", "feedback")
# The newest migration of each branch (migrations/versions/). A database already there is not
# handed to alembic at all; tests/safety/test_database.py checks this against alembic's heads.
HEADS = {"audit": "audit_0002", "feedback": "feedback_0001"}
# Any constant: replicas that share a database take this lock while they migrate it.
_MIGRATION_LOCK = 4_861_920_517
# How long a call waits for the database before it fails (and the audit log fails closed).
CONNECT_TIMEOUT_S = 5
# The same, for a write to an SQLite file another process is writing.
SQLITE_BUSY_TIMEOUT_S = 30


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or used; the message names it (never its password)."""


class DatabaseConfigError(ValueError):
    """``ASSISTANT_DATABASE_URL`` is not a URL this application can use."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL for ``url``: PostgreSQL goes through psycopg 3 (``postgres://`` and
    ``postgresql://`` both work); only SQLite and PostgreSQL are accepted."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise DatabaseConfigError(
            "ASSISTANT_DATABASE_URL is not a database URL: use postgresql://USER@HOST/DB "
            "or sqlite:///PATH"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        if driver not in ("", "psycopg"):
            raise DatabaseConfigError(
                f"ASSISTANT_DATABASE_URL uses the driver {driver!r}: use postgresql:// (psycopg 3)"
            )
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite" or driver:
        raise DatabaseConfigError(
            f"ASSISTANT_DATABASE_URL names {parsed.drivername!r}: only postgresql:// and "
            "sqlite:/// are supported"
        )
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """``url`` for messages and the health check: the password is never shown."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"


class Database:
    """One database URL: its engine (made once per process and URL, shared by the stores that
    use it), its migrations, and transactions that report failures as ``DatabaseUnavailable``."""

    _engines: dict[str, Engine] = {}
    _engines_lock = threading.Lock()
    # One writer at a time per SQLite file in this process: threads queue here, woken at once,
    # instead of in SQLite's busy handler, which sleeps up to 100 ms between tries.
    _file_locks: dict[str, threading.Lock] = {}

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.shown = shown_url(self.url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.path = Path(parsed.database) if self.is_sqlite and parsed.database else None
        self._migrated: set[str] = set()
        self._migrate_lock = threading.Lock()
        with Database._engines_lock:
            self._writer = (
                Database._file_locks.setdefault(self.url, threading.Lock())
                if self.is_sqlite
                else None
            )

    @classmethod
    def for_file(cls, path: Path) -> Database:
        return cls(sqlite_url(path))

    @property
    def exists(self) -> bool:
        """False only for an SQLite file not created yet (a server database always "exists")."""
        return self.path is None or self.path.exists()

    @property
    def engine(self) -> Engine:
        with Database._engines_lock:
            engine = Database._engines.get(self.url)
            if engine is None:
                engine = Database._engines[self.url] = _make_engine(self.url, self.is_sqlite)
            return engine

    def _create_file(self) -> None:
        """The SQLite file and its folder, created owner-only before SQLite opens it (SQLite gives
        its journal file the same mode): records are for auditors, not for other users."""
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise DatabaseUnavailable(f"{self.path}: {exc.strerror or exc}") from None

    @contextmanager
    def begin(self, branch: str) -> Iterator[Connection]:
        """A transaction on a database whose ``branch`` tables are migrated to the newest
        revision; committed when the block ends, rolled back (nothing written) if it raises."""
        if self.is_sqlite:
            self._create_file()
        try:
            if branch not in self._migrated:
                self.migrate(branch)
            with self._writing(), self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(_reason(exc)) from None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self._writer is None:
            yield
            return
        with self._writer:
            yield

    def migrate(self, branch: str) -> str:
        """Bring the ``branch`` tables to the newest revision (a no-op when they are); returns it."""
        if branch not in BRANCHES:
            raise ValueError(f"unknown schema branch {branch!r}: one of {', '.join(BRANCHES)}")
        if self.is_sqlite:
            self._create_file()
        with self._migrate_lock:
            try:
                with self._writing(), self.engine.begin() as connection:
                    if not self.is_sqlite:
                        connection.execute(
                            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                        )
                    revision = self._revision(connection, branch)
                    if revision != HEADS[branch]:
                        # Imported here: a database already at head (every run after the first)
                        # never needs alembic, whose import is a tenth of a one-shot `ask`.
                        from alembic import command

                        config = alembic_config(connection, branch)
                        command.upgrade(config, f"{branch}@head")
                        revision = self._revision(connection, branch)
            except SQLAlchemyError as exc:
                raise DatabaseUnavailable(_reason(exc)) from None
            self._migrated.add(branch)
            return revision

    def revision(self, branch: str) -> str | None:
        """The revision the ``branch`` tables are at (None: never migrated), without migrating."""
        if not self.exists:
            return None
        try:
            with self.engine.connect() as connection:
                return self._revision(connection, branch)
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(_reason(exc)) from None

    @staticmethod
    def _revision(connection: Connection, branch: str) -> str | None:
        table = version_table(branch)
        if not sa.inspect(connection).has_table(table):
            return None
        return connection.execute(sa.text(f"SELECT version_num FROM {table}")).scalar()

    def ping(self) -> None:
        """Raise ``DatabaseUnavailable`` unless the database answers (an SQLite file not created
        yet answers if its folder can be created and written)."""
        if self.path is not None and not self.path.exists():
            folder = self.path.parent
            while not folder.exists() and folder != folder.parent:
                folder = folder.parent
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                raise DatabaseUnavailable(f"{self.path}: its folder cannot be created or written")
            return
        try:
            with self.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(_reason(exc)) from None


def version_table(branch: str) -> str:
    return f"alembic_version_{branch}"


def alembic_config(connection: Connection, branch: str) -> Config:
    """Alembic's configuration for migrating ``branch`` on an open ``connection``
    (``migrations/env.py`` reads both from ``attributes``)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = version_table(branch)
    return config


def _make_engine(url: str, is_sqlite: bool) -> Engine:
    if not is_sqlite:
        # pre_ping: a connection that died with the server is replaced, not handed out, so the
        # first call after the database returns succeeds. Connections are checked out only for
        # the few milliseconds of one write, so a small pool serves many threads.
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            pool_timeout=CONNECT_TIMEOUT_S,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
    engine = sa.create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    )

    @sa.event.listens_for(engine, "connect")
    def _own_transactions(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and cannot take the write lock up
        # front; SQLAlchemy emits BEGIN itself (below) once this is off.
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _write_lock(connection: Connection) -> None:
        # Every transaction here writes (a purge comes first even when reading), so it takes
        # the write lock at once: two processes never deadlock upgrading a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _reason(exc: SQLAlchemyError) -> str:
    """The database's own words, first line only: enough to act on, without the SQL."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return f"{original.__class__.__name__}: {text[0] if text else 'no detail'}"
