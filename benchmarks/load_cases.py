"""Loading and validating the catalogue (issue 15, partie V): ``builder.validate.load_kit``
in one process, then with the case sheets read by forked workers, side by side in one run.

For each way: wall time, CPU time of this process and of its workers (``resource``: user +
system, the children counted once they are waited for), the number of Markdown conversions
(counted in every process: each call appends one byte to a shared file, which a fork keeps
open), and a check that both ways gave the same sheets, same field HTML and same problems.

    python3 benchmarks/load_cases.py [N] [ROUNDS]   (N synthetic sheets added, default 2000;
                                                     each way run ROUNDS times, default 1,
                                                     alternated; the best wall time kept)
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

sys.path.insert(0, str(REPO))

import markdown  # noqa: E402

from builder import loader, pool  # noqa: E402
from builder.config import Project  # noqa: E402
from builder.validate import load_kit  # noqa: E402

FIELDS = ("objet", "genese", "objectif", "activites", "resultats", "prochaines_etapes")


def cpu_seconds() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed_load(project: Project, parallel: bool, counter: Path) -> tuple[dict[str, float], list]:
    loader.MIN_PARALLEL_CASES = 0 if parallel else 10**9
    saved_items = pool.MIN_PARALLEL_ITEMS
    pool.MIN_PARALLEL_ITEMS = 0 if parallel else 10**9
    counter.write_bytes(b"")
    descriptor = os.open(counter, os.O_WRONLY | os.O_APPEND)
    original = markdown.Markdown.convert

    def convert(self, source: str) -> str:
        os.write(descriptor, b".")  # O_APPEND: one byte per call, whichever process makes it
        return original(self, source)

    markdown.Markdown.convert = convert
    try:
        own_before, children_before = cpu_seconds()
        start = time.perf_counter()
        _, kit = load_kit(project)
        wall = time.perf_counter() - start
        own_after, children_after = cpu_seconds()
        html = [[str(getattr(case.sheet, name).html) for name in FIELDS] for case in kit.cases]
    finally:
        markdown.Markdown.convert = original
        pool.MIN_PARALLEL_ITEMS = saved_items
        os.close(descriptor)
    figures = {"wall": wall, "own": own_after - own_before, "children": children_after - children_before,
               "conversions": counter.stat().st_size, "sheets": len(kit.cases)}
    return figures, [(case.slug, case.sheet, row) for case, row in zip(kit.cases, html)]


def main() -> None:
    added = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with tempfile.TemporaryDirectory() as folder:
        root = copy_repo_project(Path(folder) / "projet")
        add_synthetic_sheets(root, added)
        project = Project(root)
        counter = Path(folder) / "conversions"
        best: dict[bool, dict[str, float]] = {}
        results: dict[bool, list] = {}
        for _ in range(rounds):
            for parallel in (False, True):
                figures, results[parallel] = timed_load(project, parallel, counter)
                if parallel not in best or figures["wall"] < best[parallel]["wall"]:
                    best[parallel] = figures
    with open("/proc/loadavg", encoding="ascii") as stream:
        load = " ".join(stream.read().split()[:3])
    print(f"load_kit, kit du dépôt + {added} fiches synthétiques ; {pool.cores()} cœurs ; "
          f"charge (1, 5, 15 min) en fin de mesure : {load}")
    print(f"{'':<22}{'mur (s)':>9}{'CPU proc. (s)':>15}{'CPU trav. (s)':>15}{'CPU total':>11}{'conversions':>13}")
    for parallel, label in ((False, "un processus"), (True, f"{pool.cores()} travailleurs")):
        f = best[parallel]
        print(f"{label:<22}{f['wall']:>9.2f}{f['own']:>15.2f}{f['children']:>15.2f}"
              f"{f['own'] + f['children']:>11.2f}{int(f['conversions']):>13}")
    print(f"rapport mur un processus / travailleurs : {best[False]['wall'] / best[True]['wall']:.2f}")
    same = results[False] == results[True]
    print(f"mêmes fiches, mêmes modèles, même HTML des champs : {'oui' if same else 'NON'}")


if __name__ == "__main__":
    main()
