"""Page weight in headless Chromium: bytes and requests of a first load and of a second page.

For the repository's kit and for the kit plus N synthetic case sheets (default 2,000),
the site is built, served over HTTP on 127.0.0.1 and opened in Debian's Chromium:
- first load (empty cache) of the home page, then a case sheet in the same tab (cache warm);
- first load of a case sheet, then a document page in the same tab (cache warm).
Bytes are counted from Chromium's network events (DevTools protocol): bodies as
received (this server does not compress, so they are the uncompressed sizes) and
the bytes on the wire, headers included. A resource served from the browser's cache
counts neither bytes nor a request.

The server sends ``Cache-Control: max-age=600`` as GitHub Pages does; without a
caching header Chromium would revalidate every file of a second page.

Targets (issue 7): first load under 350 KB, second page under 60 KB, whatever the
size of the catalogue.
Usage: python3 benchmarks/page_weight.py [N ...]   (N synthetic sheets; 0 = the kit alone)
"""

from __future__ import annotations

import functools
import http.server
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIRST_LOAD_BUDGET = 350_000
SECOND_PAGE_BUDGET = 60_000
BUILD = """
import sys
from pathlib import Path
from builder.build import build
from builder.config import Project
build(Project(Path(sys.argv[1])), Path(sys.argv[2]))
"""


class CachingHandler(http.server.SimpleHTTPRequestHandler):
    """A static server with GitHub Pages' caching header."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Load:
    page: str
    requests: int = 0
    body_bytes: int = 0
    wire_bytes: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    files: list[tuple[str, int]] = field(default_factory=list)


def build_site(count: int, tmp: Path) -> Path:
    root = copy_repo_project(tmp / "projet")
    if count:
        add_synthetic_sheets(root, count)
    site = tmp / "site"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764028800", "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-c", BUILD, str(root), str(site)], env=env, cwd=REPO, check=True,
                   capture_output=True)
    return site


def record(page, url: str, base: str) -> Load:
    """Open ``url`` in ``page`` and sum what went over the network until it settled."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    seen: dict[str, dict] = {}

    def on_response(event: dict) -> None:
        response = event["response"]
        entry = seen.setdefault(event["requestId"], {})
        entry.update(url=response["url"], type=event.get("type", "Other"))
        # requestServedFromCache (memory cache) may come first: keep what it said
        entry["cached"] = bool(entry.get("cached") or response.get("fromDiskCache") or response.get("fromPrefetchCache"))

    def on_data(event: dict) -> None:
        entry = seen.setdefault(event["requestId"], {})
        entry["body"] = entry.get("body", 0) + event["dataLength"]

    def on_finished(event: dict) -> None:
        seen.setdefault(event["requestId"], {})["wire"] = event["encodedDataLength"]

    def on_cache(event: dict) -> None:
        seen.setdefault(event["requestId"], {})["cached"] = True

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.requestServedFromCache", on_cache)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.detach()
    load = Load(url.removeprefix(base))
    for entry in seen.values():
        if entry.get("cached") or "url" not in entry or entry["url"].startswith("data:"):
            continue
        load.requests += 1
        load.body_bytes += entry.get("body", 0)
        load.wire_bytes += entry.get("wire", 0)
        load.by_type[entry["type"]] = load.by_type.get(entry["type"], 0) + entry.get("body", 0)
        load.files.append((entry["url"].removeprefix(base), entry.get("body", 0)))
    load.files.sort(key=lambda f: -f[1])
    return load


def measure(site: Path) -> list[tuple[Load, Load]]:
    from playwright.sync_api import sync_playwright

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(CachingHandler, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    case = sorted(p.name for p in (site / "fiches").glob("*.html") if p.name != "index.html")[0]
    document = sorted(p.name for p in (site / "documents").glob("*.html"))[0]
    journeys = [("index.html", f"fiches/{case}"), (f"fiches/{case}", f"documents/{document}")]
    results = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for first, second in journeys:
                context = browser.new_context(viewport={"width": 1280, "height": 900})  # empty cache
                page = context.new_page()
                results.append((record(page, base + first, base), record(page, base + second, base)))
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return results


def kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def report(label: str, results: list[tuple[Load, Load]], verbose: bool) -> bool:
    ok = True
    print(f"\n{label}")
    print(f"  {'page':<44} {'requêtes':>8} {'corps (Ko)':>11} {'réseau (Ko)':>12}  budget")
    for first, second in results:
        for load, budget, kind in ((first, FIRST_LOAD_BUDGET, "1er chargement"), (second, SECOND_PAGE_BUDGET, "2e page")):
            passed = load.body_bytes < budget
            ok &= passed
            print(f"  {kind + ' ' + load.page:<44} {load.requests:>8} {kb(load.body_bytes):>11} {kb(load.wire_bytes):>12}"
                  f"  {'OK' if passed else 'DÉPASSÉ'} (< {budget // 1000} Ko)")
            if verbose:
                types = ", ".join(f"{t} {kb(n)}" for t, n in sorted(load.by_type.items()))
                print(f"      par type (Ko) : {types}")
                for name, size in load.files:
                    print(f"      {kb(size):>7} Ko  {name}")
    return ok


def main(counts: list[int], verbose: bool) -> int:
    ok = True
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            site = build_site(count, Path(tmp))
            label = "Kit du dépôt" if not count else f"Kit du dépôt + {count} fiches synthétiques"
            ok &= report(label, measure(site), verbose)
    print("\nBudgets tenus." if ok else "\nBudget dépassé.")
    return 0 if ok else 1


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "-v"]
    sys.exit(main([int(a) for a in arguments] or [0, 2000], "-v" in sys.argv[1:]))
