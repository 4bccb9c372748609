"""A damaged, unreadable or half-built index, and a corpus unfit to index, caused for real (bytes
overwritten, files emptied, a folder made read-only for the user who runs the command): each is a
one-line message naming what to do, never a traceback and never changed answers."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.corpus.documents import CorpusError
from assistant.index.generations import STAGING_PREFIX, current_generation
from assistant.interfaces.cli import main
from assistant.retrieval.indexing import build_index
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT, make_settings

QUESTION = "Do staff need strong passwords for AI tools?"
NOBODY = 65534


def _copy(built_settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    settings = built_settings.replace(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    shutil.copytree(built_settings.index_dir, settings.index_dir)
    return settings, settings.index_dir / str(current_generation(settings.index_dir))


def _junk_over(path: Path, offset_share: float = 0.5, size: int = 64) -> None:
    data = bytearray(path.read_bytes())
    start = int(len(data) * offset_share)
    data[start : start + size] = os.urandom(min(size, len(data) - start))
    path.write_bytes(bytes(data))


def _damage(folder: Path, index_dir: Path, how: str) -> None:
    if how == "junk-bm25":
        target = max((folder / "bm25").glob("*.npy"), key=lambda p: p.stat().st_size)
        _junk_over(target)
    elif how == "junk-vectors":
        _junk_over(folder / "sentence_vectors.npy")
    elif how == "junk-chroma":
        # Same size, a few pages changed: SQLite still opens it, so only what it answers shows.
        _junk_over(folder / "chroma" / "chroma.sqlite3", 0.3, 20_000)
    elif how == "empty-bm25":
        next((folder / "bm25").glob("*.npy")).write_bytes(b"")
    elif how == "empty-vectors":
        (folder / "sentence_vectors.npy").write_bytes(b"")
    elif how == "empty-chunks":
        (folder / "chunks.jsonl").write_bytes(b"")
    elif how == "junk-current":
        (index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00junk")
    elif how == "current-elsewhere":
        (index_dir / "CURRENT").write_text("../../etc\n", "utf-8")


def _use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(settings, name)))


@pytest.mark.parametrize(
    "how",
    [
        "junk-bm25",
        "junk-vectors",
        "junk-chroma",
        "empty-bm25",
        "empty-vectors",
        "empty-chunks",
        "junk-current",
        "current-elsewhere",
    ],
)
def test_every_kind_of_damage_is_one_line_with_the_rebuild_command(
    built_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    settings, folder = _copy(built_settings, tmp_path)
    _damage(folder, settings.index_dir, how)
    _use(monkeypatch, settings)
    assert main(["ask", QUESTION]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "assistant index --rebuild" in err and "Traceback" not in err
    # `assistant index` does not call a damaged index up to date: it builds a new one.
    assert main(["index"]) == 0
    assert "index built" in capsys.readouterr().out
    assert main(["ask", "--json", QUESTION]) == 0
    assert json.loads(capsys.readouterr().out)["citations"][0]["section_id"] == "checklist-2025/4"


def test_the_manifest_records_a_checksum_of_every_file_it_does_not_leave_to_chroma(
    built_settings: Settings,
) -> None:
    folder = built_settings.index_dir / str(current_generation(built_settings.index_dir))
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    written = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json" and "chroma" not in p.parts
    }
    assert set(manifest["files"]) == written and written >= {"sentence_vectors.npy", "chunks.jsonl"}
    for entry in manifest["files"].values():
        assert entry["size"] >= 0 and len(entry["blake2b"]) == 32
    assert len(manifest["store_check"]["probes"]) == 3


# Root may write anything: the command runs as root without the capabilities that override file
# modes, so the folder's modes apply to it as to any other user (the interpreter lives in root's
# home, which another user could not reach).
WITHOUT_OVERRIDE = [
    "setpriv",
    "--bounding-set",
    "-dac_override,-dac_read_search,-fowner",
    "--inh-caps=-all",
    "--",
]


def _as_plain_user(
    args: list[str], settings: Settings, home: Path, tmp: Path
) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "PYTHONPATH": str(PROJECT_ROOT),
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_AUDIT_LOG": "false",
    }
    return subprocess.run(
        [*WITHOUT_OVERRIDE, sys.executable, *args],
        cwd=str(PROJECT_ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv"
)
def test_a_user_who_cannot_write_the_index_is_told_so_and_leaves_no_temp_files(
    built_settings: Settings, tmp_path: Path
) -> None:
    settings, _ = _copy(built_settings, tmp_path)
    for path in [settings.index_dir, *settings.index_dir.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    home = tmp_path / "home"  # a home folder this user cannot write: no cache folder in it
    home.mkdir(mode=0o555)
    # A shared temporary folder holding another user's tokeniser cache, as /tmp does.
    shared_tmp = tmp_path / "shared-tmp"
    shared_tmp.mkdir()
    os.chmod(shared_tmp, 0o1777)
    (shared_tmp / "jieba.cache").write_bytes(b"someone else's cache")
    os.chown(shared_tmp / "jieba.cache", NOBODY, NOBODY)
    os.chmod(shared_tmp / "jieba.cache", 0o600)
    try:
        done = _as_plain_user(
            ["-m", "assistant.interfaces.cli", "ask", QUESTION], settings, home, shared_tmp
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
        assert "read-only for this user" in done.stderr and "damaged" not in done.stderr
        # The tokeniser: no traceback, and its dictionary cache goes to the user's cache folder or
        # nowhere, never to the shared temporary folder.
        code = "from assistant.text.tokenize import tokenize; print(len(tokenize('員工可唔可以用ChatGPT')))"
        tokenised = _as_plain_user(["-c", code], settings, home, shared_tmp)
        assert tokenised.returncode == 0 and tokenised.stdout.strip() != "0", tokenised.stderr
        assert "Traceback" not in tokenised.stderr and "PermissionError" not in tokenised.stderr
        assert sorted(p.name for p in shared_tmp.iterdir()) == ["jieba.cache"]
    finally:
        for path in [settings.index_dir, *settings.index_dir.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def test_leftover_staging_folders_are_removed_when_the_next_build_starts(
    built_settings: Settings, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    shutil.copytree(built_settings.index_dir / "cache", settings.index_dir / "cache")
    leftover = settings.index_dir / f"{STAGING_PREFIX}gen-killed"
    (leftover / "chroma").mkdir(parents=True)
    (leftover / "sentence_vectors.npy").write_bytes(b"\0" * 1000)
    build_index(settings)
    assert not leftover.exists()
    assert not list(settings.index_dir.glob(f"{STAGING_PREFIX}*"))


@pytest.mark.parametrize(
    ("name", "text", "named"),
    [
        # A second digest file for an existing document: its invented text would be quoted as
        # the Checklist.
        (
            "checklist-2025.en.zzz.md",
            None,
            "checklist-2025: 2 digest files in en",
        ),
        ("checklist-2025.en.md", "nul", "checklist-2025.en.md:"),
        ("checklist-2025.en.md", "esc", "checklist-2025.en.md:"),
    ],
)
def test_index_refuses_a_corpus_that_fails_the_check_and_names_file_and_line(
    built_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str | None,
    named: str,
) -> None:
    settings = make_settings(tmp_path)
    shutil.copytree(built_settings.index_dir / "cache", settings.index_dir / "cache")
    original = (settings.corpus_dir / "checklist-2025.en.md").read_text("utf-8")
    if text is None:
        forged = original.replace("Gen AI", "Gen AI (any use is allowed)")
        (settings.corpus_dir / name).write_text(forged, "utf-8")
    else:
        mark = "\x00" if text == "nul" else "\x1b[31m"
        lines = original.splitlines()
        last = len(lines) - 1
        lines[last] = lines[last] + mark
        (settings.corpus_dir / name).write_text("\n".join(lines) + "\n", "utf-8")
    _use(monkeypatch, settings)
    assert main(["index"]) == 1
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err, err
    if text is not None:
        assert f":{len(lines)}: control characters" in err
    assert current_generation(settings.index_dir) is None  # nothing was built
    with pytest.raises(CorpusError):
        build_index(settings)
