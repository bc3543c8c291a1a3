"""Issue 18: the Content-Security-Policy on every page ``kit serve`` answers, not only on the
built site's: the site's pages (with the hash of the reload script MkDocs' server adds), its
404 page, and the French pages the preview writes itself (refused host, malformed address,
the offline edition it does not build). A page without the policy would let a script in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from builder import csp
from builder.serve import describe, french_page
from builder.problems import CatalogueError, Problems
from conftest import FIXTURES, REPO, copy_project
from test_serve import free_port

TIMEOUT = 90  # seconds: a guard against a preview that never starts, not a timing


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("apercu-csp") / "projet"
    copy_project(FIXTURES / "mini", root)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_ACTIONS", None)
    process = subprocess.Popen([sys.executable, "-m", "builder", "--projet", str(root), "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    log: list[str] = []
    threading.Thread(target=lambda: [log.append(line) for line in process.stdout], daemon=True).start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not any("Aperçu : http://127.0.0.1:" in line for line in log):
            assert time.monotonic() < deadline and process.poll() is None, "".join(log[-30:])
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def policy_of(page: str) -> str:
    start = page.index(f'<meta http-equiv="{csp.META_NAME}" content="') + len(f'<meta http-equiv="{csp.META_NAME}" content="')
    return page[start:page.index('"', start)]


def assert_strict(policy: str) -> None:
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'self'" in directives["script-src"].split()
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'self'"
    assert directives["default-src"] == "'self'"


@pytest.mark.parametrize("path, status", [("index.html", 200), ("fiches/charenton.html", 200),
                                          ("page-absente.html", 404), ("fiches/absente", 404)])
def test_pages_of_the_preview_carry_the_policy(preview: str, path: str, status: int) -> None:
    code, page = fetch(preview + path)
    assert code == status
    assert_strict(policy_of(page))
    if "livereload" in page:  # the reload script MkDocs' server adds is allowed by its hash, and only it
        start = page.rindex("<script>") + len("<script>")
        assert csp.script_hash(page[start:page.index("</script>", start)]) in policy_of(page)


def test_the_preview_s_own_french_pages_carry_the_policy(preview: str) -> None:
    port = preview.rsplit(":", 1)[1].strip("/")
    pages = [fetch(preview + "telechargements/kit-co-construction-territoriale.zip"),
             fetch(preview + "index.html", host=f"exemple.invalid:{port}"),
             fetch(preview + "a%01b.html")]
    assert [code for code, _ in pages] == [404, 403, 400]
    for _, page in pages:
        assert_strict(policy_of(page))
        assert "<script" not in page


def test_french_page_escapes_and_carries_the_policy() -> None:
    page = french_page("Titre <script>alert(1)</script>", "Texte « x » <img src=x onerror=alert(2)>").decode("utf-8")
    assert_strict(policy_of(page))
    assert page.index(csp.META_NAME) < page.index("<title>")
    assert "<script>" not in page and "<img" not in page


def test_preview_messages_show_escapes(tmp_path: Path) -> None:
    problems = Problems(tmp_path)
    problems.add(tmp_path / "kit" / "cas" / "x.yml", 1, "titre « a\x1b[2Jb »")
    assert "\x1b" not in describe(CatalogueError(problems))
    assert describe(RuntimeError("ligne 1\nligne \x1b]0;x\x07 2")) == "ligne 1\nligne \\x1b]0;x\\x07 2"
