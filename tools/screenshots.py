"""Screenshots of the site for the README: home, a reading path, a case sheet and the
case-sheet index, at 375 × 812 (a phone) and 1,280 × 800 (a laptop), first screen only.

Builds this repository's kit into a temporary folder (SOURCE_DATE_EPOCH fixed, as the
tests do), serves it on 127.0.0.1 and photographs it with Playwright for Python driving
Debian's Chromium (/usr/bin/chromium; never « playwright install »). The PNGs go to
docs/captures/ (or --out), reduced to 256 colours by Debian's pngquant when it is
installed (apt-get install pngquant: about a third of the size, for a README). Usage:

    python3 tools/screenshots.py [--site DOSSIER_DU_SITE_DÉJÀ_CONSTRUIT] [--out DOSSIER]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
EPOCH = "1764028800"
VIEWPORTS = {"telephone": (375, 812), "ordinateur": (1280, 800)}
# (file name, page of the site): the first path, a sheet, the sheet index
PAGES = {
    "accueil": "index.html",
    "parcours": "parcours/comprendre.html",
    "fiche": "fiches/coordin-actions.html",
    "fiches": "fiches/index.html",
}


def build_site(work: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from builder.build import build
    from tests.conftest import repo_project_copy

    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    return build(repo_project_copy(work / "projet"), work / "site").site_dir


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def shrink(path: Path) -> None:
    """The PNG in 256 colours, in place, with pngquant when it is there (else left as is)."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--quality", "70-95",
                        "--output", str(path), str(path)], check=False)


def take(site: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for device, (width, height) in VIEWPORTS.items():
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="light")
                page = context.new_page()
                for name, target in PAGES.items():
                    page.goto(url + target)
                    page.wait_for_load_state("networkidle")
                    path = out / f"{name}-{width}.png"
                    page.screenshot(path=str(path))
                    shrink(path)
                    written.append(path)
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Captures d'écran du site pour le README.")
    parser.add_argument("--site", type=Path, help="site déjà construit (sinon, construit dans un dossier temporaire)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "captures", help="dossier des captures")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium absent ({CHROMIUM}) : installez le paquet Debian « chromium ».")
    with tempfile.TemporaryDirectory() as work:
        site = args.site or build_site(Path(work))
        for path in take(site, args.out):
            print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path} : {path.stat().st_size // 1024} Ko")


if __name__ == "__main__":
    main()
