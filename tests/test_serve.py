"""``kit serve``: the preview rebuilds when a case sheet is saved, the open page reloads by
itself, and a broken sheet keeps the previous preview with the French message."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import FIXTURES, copy_project

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 90  # seconds; a rebuild of the fixture kit takes a few


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Preview:
    root: Path
    url: str
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode("utf-8")

    def wait_for(self, path: str, text: str) -> str:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                page = self.get(path)
                if text in page:
                    return page
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"« {text} » jamais apparu dans {path} ; journal :\n" + "\n".join(self.log[-30:]))

    def wait_for_log(self, text: str, after: int = 0) -> int:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for index, line in enumerate(self.log[after:], after):
                if text in line:
                    return index
            time.sleep(0.2)
        raise AssertionError(f"« {text} » jamais écrit ; journal :\n" + "\n".join(self.log[-30:]))


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    root = tmp_path_factory.mktemp("apercu") / "projet"
    copy_project(FIXTURES / "mini", root)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_ACTIONS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "builder", "--projet", str(root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    result = Preview(root, f"http://127.0.0.1:{port}/", process)
    reader = threading.Thread(target=lambda: [result.log.append(line.rstrip("\n")) for line in process.stdout], daemon=True)
    reader.start()
    try:
        result.wait_for_log("Aperçu : http://127.0.0.1:")
        yield result
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl+C: the preview's temporary folder is removed
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def edit_sheet(root: Path, old: str, new: str) -> None:
    sheet = root / "kit" / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    assert old in text
    sheet.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_saving_a_sheet_rebuilds_the_preview(preview: Preview) -> None:
    assert "Agir ensemble à Charenton-Saint Maurice" in preview.get("fiches/charenton.html")
    edit_sheet(preview.root, 'titre: "Agir ensemble à Charenton-Saint Maurice"', 'titre: "Agir ensemble, nouvelle version"')
    page = preview.wait_for("fiches/charenton.html", "Agir ensemble, nouvelle version")
    assert "livereload" in page  # MkDocs' server injects the script that reloads open pages
    # a new sheet appears too, and in the list of sheets
    new = preview.root / "kit" / "cas" / "nouvelle.yml"
    new.write_text((preview.root / "kit" / "cas" / "charenton.yml").read_text(encoding="utf-8")
                   .replace("Agir ensemble, nouvelle version", "Une toute nouvelle fiche"), encoding="utf-8")
    preview.wait_for("fiches/nouvelle.html", "Une toute nouvelle fiche")
    preview.wait_for("fiches/index.html", "Une toute nouvelle fiche")


def test_a_broken_sheet_keeps_the_previous_preview(preview: Preview) -> None:
    before = len(preview.log)
    edit_sheet(preview.root, "formes: [dialogue-territorial]", "formes: [dialogue-teritorial]")
    first = preview.wait_for_log("« dialogue-teritorial » n'est pas une valeur connue", before)
    assert preview.log[first].startswith("kit/cas/charenton.yml:7 : « formes »")
    preview.wait_for_log("L'aperçu garde la version précédente.", first)
    assert preview.process.poll() is None  # still serving
    assert "Formes de co-construction" in preview.get("fiches/charenton.html")
    edit_sheet(preview.root, "formes: [dialogue-teritorial]", "formes: [partenariats]")
    preview.wait_for("fiches/charenton.html", "Partenariats entre organisations")


@pytest.mark.browser
def test_the_open_page_reloads_by_itself(preview: Preview, page) -> None:
    page.goto(preview.url + "fiches/charenton.html")
    heading = page.locator("article h1")
    old = heading.inner_text()
    page.evaluate("() => { window.kitAvantRechargement = true; }")
    edit_sheet(preview.root, "territoire: \"Charenton-Saint Maurice (Val-de-Marne)\"",
               "territoire: \"Charenton-le-Pont (Val-de-Marne)\"")
    # (no article for a moment while the new document loads)
    page.wait_for_function("() => (document.querySelector('article') || {innerText: ''}).innerText.includes('Charenton-le-Pont')",
                           timeout=TIMEOUT * 1000)
    assert page.evaluate("() => window.kitAvantRechargement") is None  # a new document: the page reloaded
    assert heading.inner_text() == old
