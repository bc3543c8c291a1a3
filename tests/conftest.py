"""Shared fixtures: projects to build, built sites, a local HTTP server, headless Chromium.

Browser tests use Debian's Chromium driven by Playwright; they skip with a clear
message where it is missing (CI installs it, see .ci/run).
"""

from __future__ import annotations

import functools
import http.server
import hashlib
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from builder.build import build
from builder.config import Project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EPOCH = "1764028800"  # 2025-11-25, a fixed SOURCE_DATE_EPOCH for reproducible builds


def run_fresh(script: str, *arguments: object, timeout: float = 900) -> subprocess.CompletedProcess:
    """``script`` (Python source) run by a fresh interpreter with ``arguments`` (``sys.argv[1:]``)
    and this repository importable: for checks of the forking pipeline, which never forks
    beside a thread (``pool.can_fork``), and a test session's fixtures leave threads running."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", script, *map(str, arguments)], env=env,
                          capture_output=True, text=True, timeout=timeout)


# For scripts given to ``run_fresh`` that have imported ``pipeline`` (builder.build) and
# ``pool``: ``same_as_one_process(project, work, label)`` builds ``project`` again in one
# process (no fork: the stages after MkDocs, no child) into ``work / "site-seul"`` and
# asserts the site in ``work / label`` has the same bytes, search files and zip included;
# returns the site's files and their hashes.
ONE_PROCESS_CHECK = r"""
import hashlib
def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
def same_as_one_process(project, work, label):
    forks = pool.can_fork
    pool.can_fork = lambda: False
    try:
        pipeline.build(project, work / "site-seul")
    finally:
        pool.can_fork = forks
    ours, alone = tree(work / label), tree(work / "site-seul")
    assert any(n.startswith("search/") for n in ours) and any(n.endswith(".zip") for n in ours)
    assert ours == alone, sorted(n for n in set(ours) | set(alone) if ours.get(n) != alone.get(n))
    return ours
"""


def run_fresh_ok(script: str, *arguments: object, prints: str, timeout: float = 900) -> str:
    """``run_fresh``, asserting that the script ended well and printed first ``prints`` (its
    last statement says what it checked); returns what it printed."""
    done = run_fresh(script, *arguments, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith(prints), done.stdout[-3000:]
    return done.stdout


def copy_project(source: Path, target: Path) -> Project:
    """A throwaway copy of a kit project (catalogue, content, settings; not its builds)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".kit-build", "site", ".site.*", "__pycache__"))
    return Project(target)


def repo_project_copy(target: Path) -> Project:
    """A copy of this repository's own kit (kit/, content/, theme/, site_config.yml)."""
    target.mkdir(parents=True)
    for name in ("kit", "content", "theme"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "site_config.yml", target / "site_config.yml")
    return Project(target)


@pytest.fixture
def fixed_epoch(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return EPOCH


@pytest.fixture
def mini_project(tmp_path: Path) -> Project:
    return copy_project(FIXTURES / "mini", tmp_path / "mini")


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small fixture kit, built once for the session."""
    root = tmp_path_factory.mktemp("mini-built")
    project = copy_project(FIXTURES / "mini", root / "mini")
    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    return build(project, root / "site").site_dir


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's own kit, built once for the session."""
    root = tmp_path_factory.mktemp("real-built")
    project = repo_project_copy(root / "kit-project")
    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    return build(project, root / "site").site_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve_directory(directory: Path) -> tuple[str, socketserver.TCPServer]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture(scope="session")
def mini_url(mini_site: Path) -> Iterator[str]:
    url, server = serve_directory(mini_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def real_url(real_site: Path) -> Iterator[str]:
    url, server = serve_directory(real_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium, or a skip saying why there is none."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium absent ({CHROMIUM}) : installez le paquet Debian « chromium » pour les tests navigateur.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright pour Python absent : pip install playwright (sans « playwright install »).")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def tree_hash(folder: Path) -> str:
    """One digest of a folder's names and bytes: equal when the site was left as it was."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def built_mini(root: Path, with_archive: bool = True) -> tuple[Path, str]:
    """The mini fixture copied to ``root`` and built once at the fixed epoch; returns ``root``
    and the site's ``tree_hash`` (tests that break the project check the site is left as it was)."""
    from builder.build import build

    project = copy_project(FIXTURES / "mini", root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(project, root / "site", with_archive=with_archive)
    return root, tree_hash(root / "site")
