"""``kit serve``: time from saving a case sheet to the reloaded page showing the change.

The repository's kit (plus N synthetic case sheets, default none) is copied to a
temporary folder and previewed with ``kit serve`` (a subprocess, as an editor runs it).
Debian's Chromium opens a case sheet; each round rewrites that sheet's title on disk and
waits until the open page, reloaded by MkDocs' live-reload script, shows the new title.
For each round the script prints:
- « reconstruit » : save → the preview's log says « Aperçu à jour. » (change detected by
  the inotify watcher, then a partial round of builder.incremental: only the pages that
  depend on the sheet; the search index follows in the background);
- « page publiée » : save → the preview's log says the sheet's page is published (the open
  page is told to reload then, before the index and the other pages are made);
- « page rechargée » : save → the new title is in the page Chromium shows;
- « CPU » : processor time the preview process itself spent from the save to the end of the
  round (from /proc, user + system), a figure that depends less on what else the machine is
  doing than the durations; « CPU page » : the same, up to the reloaded page; « par fil » :
  that CPU split by thread (the build loop, the watcher's, the server's…: threads ended
  during the round counted together), and the process's resident memory after the round. The search index and exports are remade after the reload by a child process of
  low priority, stopped by the next save: their processor time (« CPU après ») is that of
  the children reaped during the round, printed apart.
Each round also prints the load average (1 min) when it ends; the run starts with ``nproc``.

``--parties``: no browser nor server; the rounds run in this process (``Preview.rebuild``,
search index and exports after each round as in the preview, not timed) and each prints its
processor time (user + system, ``time.process_time``) split by part of the round: every
function named in ``PARTS`` is wrapped in a stopwatch (nested parts overlap: « validate »
includes « check_files »).
Usage: python3 benchmarks/serve_reload.py [N …] [--tours R] [--parties]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system time of a process so far (Linux /proc); ``children``: that of its
    children it has reaped instead."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    first = 13 if children else 11
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, float]:
    """User + system time of each live thread of a process so far, by thread id."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found[int(task.name)] = cpu_seconds_of(task / "stat")
        except (FileNotFoundError, ProcessLookupError):
            pass  # ended meanwhile
    return found


def cpu_seconds_of(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Log:
    """The preview's output, each line with the time it arrived."""

    def __init__(self, stream) -> None:
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append((time.perf_counter(), line.rstrip("\n")))

    def wait(self, text: str, after: float, timeout: float = 300) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for stamp, line in list(self.lines):
                if stamp >= after and text in line:
                    return stamp
            time.sleep(0.01)
        raise TimeoutError(f"« {text} » jamais écrit :\n" + "\n".join(l for _, l in self.lines[-20:]))


def edited_project(tmp: Path, extra_sheets: int) -> tuple[Path, Path, str, str]:
    """The repository's kit copied into ``tmp``/kit with ``extra_sheets`` synthetic sheets:
    (project folder, the sheet the rounds edit, its text, its « titre: » line)."""
    root = copy_repo_project(tmp / "kit")
    if extra_sheets:
        add_synthetic_sheets(root, extra_sheets)
    sheet = sorted((root / "kit" / "cas").glob("*.yml"))[0]
    original = sheet.read_text(encoding="utf-8")
    return root, sheet, original, next(l for l in original.splitlines() if l.startswith("titre:"))


def measure(extra_sheets: int, rounds: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root, sheet, original, title_line = edited_project(Path(tmp), extra_sheets)
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen([sys.executable, "-m", "builder", "--projet", str(root), "serve", "--port", str(port)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        log = Log(process.stdout)
        try:
            started = time.perf_counter()
            log.wait("Aperçu : http://", 0, timeout=1800)  # the first, full round: minutes on a loaded machine
            pages = len(list((root / "kit" / "cas").glob("*.yml")))
            print(f"Kit du dépôt + {extra_sheets} fiches ({pages} fiches) : premier aperçu prêt en "
                  f"{time.perf_counter() - started:.1f} s")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/fiches/{sheet.stem}.html")
                rebuilt, published, reloaded, cpu, cpu_page, after, loads = [], [], [], [], [], [], []
                for number in range(1, rounds + 1):
                    marker = f"Mesure {number}"
                    time.sleep(1.5)  # idle between rounds
                    threads_before = thread_cpu(process.pid)
                    cpu_before = cpu_seconds(process.pid)
                    children_before = cpu_seconds(process.pid, children=True)
                    saved = time.perf_counter()
                    sheet.write_text(original.replace(title_line, f'titre: "{marker}"', 1), encoding="utf-8")
                    page.wait_for_function(
                        "m => { const h = document.querySelector('article h1'); return h && h.textContent.includes(m); }",
                        arg=marker, timeout=300_000, polling=20)
                    shown = time.perf_counter()
                    cpu_page.append(cpu_seconds(process.pid) - cpu_before)
                    built = log.wait("Aperçu à jour.", saved)
                    cpu.append(cpu_seconds(process.pid) - cpu_before)
                    threads_after = thread_cpu(process.pid)
                    first = [stamp for stamp, line in log.lines if saved <= stamp <= built and "Page de la fiche à jour" in line]
                    published.append((first[0] if first else built) - saved)
                    rebuilt.append(built - saved)
                    reloaded.append(shown - saved)
                    after.append(cpu_seconds(process.pid, children=True) - children_before)
                    loads.append(os.getloadavg()[0])
                    per_thread = sorted(((threads_after[tid] - threads_before.get(tid, 0.0), tid) for tid in threads_after),
                                        reverse=True)
                    ended = cpu[-1] - sum(spent for spent, _ in per_thread)
                    threads = ", ".join(f"{'principal' if tid == process.pid else tid} {spent:.2f}"
                                        for spent, tid in per_thread if spent >= 0.01)
                    print(f"  tour {number} : page publiée {published[-1]:.2f} s, page rechargée {shown - saved:.2f} s, "
                          f"reconstruit {built - saved:.2f} s ; CPU page {cpu_page[-1]:.2f} s, CPU {cpu[-1]:.2f} s "
                          f"(par fil : {threads}, fils finis {ended:.2f}) ; CPU après, enfant arrêté ou fini : "
                          f"{after[-1]:.2f} s ; mémoire {resident_mb(process.pid):.0f} Mo ; charge {loads[-1]:.1f}")
                browser.close()
            print(f"  médiane : page publiée {statistics.median(published):.2f} s, "
                  f"page rechargée {statistics.median(reloaded):.2f} s "
                  f"(min {min(reloaded):.2f} s, max {max(reloaded):.2f} s), reconstruit {statistics.median(rebuilt):.2f} s, "
                  f"CPU page {statistics.median(cpu_page):.2f} s, CPU {statistics.median(cpu):.2f} s "
                  f"(min {min(cpu):.2f}, max {max(cpu):.2f}) ; charge de la machine (load average 1 min) pendant "
                  f"les tours : {min(loads):.1f} à {max(loads):.1f} ; nproc = {os.cpu_count()}")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# (module[:class], attribute, label) of each part timed by --parties
PARTS = [
    ("builder.validate", "load_catalogue", "lecture du catalogue"),
    ("builder.validate", "validate", "validation (règles)"),
    ("builder.validate", "check_files", "  dont check_files"),
    ("builder.validate", "_check_cases", "  dont règles des fiches"),
    ("builder.pages", "generate", "pages (gabarits)"),
    ("builder.pages:PageRenderer", "cases_index_page", "  dont vue de l'index"),
    ("builder.pages:PageRenderer", "case_entries", "  dont entrées de l'index"),
    ("builder.incremental:KeptMkDocs", "build", "MkDocs (pages réécrites)"),
    ("builder.markdown:Abbreviations", "mark", "  dont sigles"),
    ("builder.incremental:Preview", "_page_stages", "étapes de page"),
    ("builder.typography", "typeset_html", "  dont espaces insécables"),
    ("builder.incremental:Preview", "_sheets_first", "pages des fiches d'abord (jusqu'à la page publiée)"),
    ("builder.incremental:Preview", "_case_keys", "clés des pages"),
    ("builder.incremental", "global_key", "clé globale"),
]


def measure_parts(extra_sheets: int, rounds: int) -> None:
    """The rounds in this process, processor time per part (``PARTS``)."""
    import collections
    import functools
    import gc
    import importlib

    from builder.config import Project
    from builder.incremental import Preview

    spent: collections.Counter = collections.Counter()
    collected = [0.0, 0.0]  # CPU of the collector's full passes in the round, start of the current one

    def collector(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                collected[1] = time.process_time()
            else:
                collected[0] += time.process_time() - collected[1]

    gc.callbacks.append(collector)

    def timed(function, label):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start
        return wrapper

    for path, name, label in PARTS:
        # the name where the caller looks it up (validate.check_files: imported by name there)
        module, _, owner = path.partition(":")
        target = importlib.import_module(module)
        if owner:
            target = getattr(target, owner)
        if hasattr(target, name):  # (an older builder, measured for comparison, may lack one)
            setattr(target, name, timed(getattr(target, name), label))
    with tempfile.TemporaryDirectory() as tmp:
        root, sheet, original, title_line = edited_project(Path(tmp), extra_sheets)
        (Path(tmp) / "apercu").mkdir()
        preview = Preview(Project(root), Path(tmp) / "apercu", background=False)
        started = time.perf_counter()
        preview.rebuild()
        print(f"{extra_sheets} fiches en plus : premier tour (complet) {time.perf_counter() - started:.1f} s ; "
              f"nproc = {os.cpu_count()}")
        for number in range(1, rounds + 1):
            sheet.write_text(original.replace(title_line, f'titre: "Mesure {number}"', 1), encoding="utf-8")
            spent.clear()
            collected[0] = 0.0
            cpu, wall = time.process_time(), time.perf_counter()
            preview.background = True  # the after-reload stages in a child, as in kit serve
            ready: list[tuple[float, float]] = []
            preview.page_ready = lambda: ready.append((time.process_time(), time.perf_counter()))
            mode = preview.rebuild()
            if ready:
                print(f"  tour {number} : page de la fiche publiée après CPU {ready[0][0] - cpu:.2f} s, "
                      f"écoulé {ready[0][1] - wall:.2f} s")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            preview.wait()
            print(f"  tour {number} ({mode}) : CPU {cpu:.2f} s, écoulé {wall:.2f} s, charge {os.getloadavg()[0]:.1f}, "
                  f"{len(preview.changed)} fichiers changés")
            print("    " + " ; ".join(f"{label.strip()} {seconds:.2f}" for label, seconds in
                                      sorted(spent.items(), key=lambda item: [p[2] for p in PARTS].index(item[0]))))
            print(f"    ramasse-miettes (passes complètes) : {collected[0]:.2f} s")
        preview.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fiches", nargs="*", type=int, default=[0], help="fiches synthétiques en plus (0 = le kit seul)")
    parser.add_argument("--tours", type=int, default=5)
    parser.add_argument("--parties", action="store_true", help="tours dans ce processus, temps CPU par partie")
    args = parser.parse_args()
    for count in args.fiches:
        (measure_parts if args.parties else measure)(count, args.tours)


if __name__ == "__main__":
    main()
