"""``kit check`` (and one ``kit build``) on a generated hostile corpus (issue 18): each input
is one a contributor's pull request could hold, made to stall or crash the check.

Each case copies the small fixture kit (tests/fixtures/mini), adds its input, and runs
``python3 -m builder check`` in a process of its own (wall time, exit code, lines printed).
Target: every case finishes in about the time of the clean kit (the Python start and the
imports are most of it), whatever is refused. A timeout of 300 s marks a stall.
Usage: python3 benchmarks/hostile_check.py [TEXT]  (TEXT: only the check cases whose label holds it, no build)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "fixtures" / "mini"
MARKDOWN_FIELDS = ("objet", "genese", "objectif", "activites", "resultats", "prochaines_etapes")


def sheet_text(root: Path) -> str:
    return (root / "kit" / "cas" / "charenton.yml").read_text(encoding="utf-8")


def with_markdown(root: Path, name: str, text: str) -> None:
    """A copy of the fixture sheet whose six Markdown fields all hold ``text``."""
    lines = [line for line in sheet_text(root).splitlines()]
    out: list[str] = []
    skipping = False
    for line in lines:
        key = line.split(":", 1)[0]
        if key in MARKDOWN_FIELDS:
            out.append(f"{key}: {json.dumps(text)}")
            skipping = True
            continue
        if skipping and line.startswith("  "):
            continue
        skipping = False
        out.append(line)
    (root / "kit" / "cas" / f"{name}.yml").write_text("\n".join(out) + "\n", encoding="utf-8")


def unknown_keys(count: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        target = root / "kit" / "cas" / "cles.yml"
        target.write_text(sheet_text(root) + "".join(f"k{n}: 1\n" for n in range(count)), encoding="utf-8")
    return make


def many_files(count: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        folder = root / "kit" / "fichiers"
        folder.mkdir(exist_ok=True)
        for n in range(count):
            (folder / f"document-{n}.pdf").write_bytes(b"%PDF-1.4")
        (folder / "Document-1.pdf").write_bytes(b"%PDF-1.4")  # one case-only duplicate
    return make


def filler(angles: int) -> str:
    """About 19,000 characters of text with ``angles`` « <a » + tab (accepted up to 100)."""
    return ("<a\t" * angles) + ("mot " * ((19_000 - 3 * angles) // 4))


def content_page(body: str) -> Callable[[Path], None]:
    """A page of content/ holding ``body`` (audit of issue 18: content/ had no parser limits)."""
    def make(root: Path) -> None:
        (root / "content" / "le-kit" / "hostile.md").write_text(f"# Page\n\n{body}\n", encoding="utf-8")
    return make


def heaviest_page() -> str:
    """The heaviest content/ page accepted: 100 « [ » never closed, in one 9,900-character paragraph."""
    return "[" * 100 + "mot " * 2_450


CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("kit propre (référence)", lambda root: None),
    ("99 000 clés inconnues (< 1 Mo)", unknown_keys(99_000)),
    ("19 000 clés inconnues (sous le plafond de nœuds)", unknown_keys(19_000)),
    ("« <a » + tabulation × 6 000, six champs (refusé)", lambda root: with_markdown(root, "chevrons", "<a\t" * 6_000)),
    ("« <a » + tabulation × 100 + 19 000 car., six champs (accepté)", lambda root: with_markdown(root, "limite", filler(100))),
    ("« 1. » × 2 000 (plantait : RecursionError)", lambda root: with_markdown(root, "listes", "1. " * 2_000 + "fin")),
    ("« > » × 9 000 (citations imbriquées)", lambda root: with_markdown(root, "citations", "> " * 9_000 + "fin")),
    ("fiche liée à /dev/zero", lambda root: (root / "kit" / "cas" / "zero.yml").symlink_to("/dev/zero")),
    ("tube nommé (FIFO) dans content/", lambda root: os.mkfifo(root / "content" / "tube.md")),
    ("5 000 fichiers dans kit/fichiers/", many_files(5_000)),
    ("content/ : « [ » × 200 000 (refusé)", content_page("[" * 200_000)),
    ("content/ : « <a » + tabulation × 100 000 (refusé)", content_page("<a\t" * 100_000)),
    ("content/ : « 1. » × 3 000 (plantait : RecursionError)", content_page("1. " * 3_000 + "fin")),
    ("content/ : 100 « [ » dans 9 900 car. (accepté)", content_page(heaviest_page())),
    # Code spans: each backtick run looks ahead for a run of the same length (quadratic).
    ("« ``a` » × 2 495, deux paragraphes, six champs (refusé)",
     lambda root: with_markdown(root, "accents", "``a`" * 2_495 + "\n\n" + "``a`" * 2_495)),
    ("content/ : « ``a` » × 2 495, quatre paragraphes (refusé)",
     content_page("\n\n".join(["``a`" * 2_495] * 4))),
    ("content/ : 100 « ` » dans 9 900 car. (accepté)", content_page("``a`" * 33 + "mot " * 2_450)),
]


def run(command: str, root: Path, site: Path | None = None) -> tuple[float, int, int, float]:
    """Wall time, exit code, lines printed, and CPU time (user + sys of the child process)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1764028800", "NO_MKDOCS_2_WARNING": "1"}
    env.pop("GITHUB_ACTIONS", None)
    args = [sys.executable, "-m", "builder", "--projet", str(root), command]
    if site is not None:
        args += ["--site-dir", str(site)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    except subprocess.TimeoutExpired:
        return 300.0, -1, 0, 0.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - start, result.returncode, len(result.stderr.splitlines()), cpu


def main() -> None:
    print(f"nproc {os.cpu_count()}, charge {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'cas':<62} {'mur (s)':>8} {'CPU (s)':>8} {'code':>5} {'lignes':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        only = sys.argv[1] if len(sys.argv) > 1 else None
        for number, (label, make) in enumerate(CASES):
            if only is not None and only not in label and number:
                continue
            root = Path(tmp) / f"cas-{number}"
            shutil.copytree(MINI, root)
            make(root)
            seconds, code, lines, cpu = run("check", root)
            print(f"{label:<62} {seconds:>8.2f} {cpu:>8.2f} {code:>5} {lines:>7}", flush=True)
        # The worst inputs that are accepted, built end to end (MkDocs, search, exports, zip).
        for label, make in (("kit build, fiche acceptée la plus lourde", lambda root: with_markdown(root, "limite", filler(100))),
                            ("kit build, page de content/ acceptée la plus lourde", content_page(heaviest_page())),
                            ("kit build, kit propre (référence)", lambda root: None)) if only is None else ():
            root = Path(tmp) / f"build-{len(label)}"
            shutil.copytree(MINI, root)
            make(root)
            seconds, code, _, cpu = run("build", root, Path(tmp) / f"site-{len(label)}")
            print(f"{label:<62} {seconds:>8.2f} {cpu:>8.2f} {code:>5}", flush=True)
    print(f"charge à la fin {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
