"""Build time, peak memory and page sizes with N synthetic case sheets (N = 200 and 2,000).

Targets (issue 2): build time grows linearly (×10 data ⇒ at most ×11 time), and a case
page at 2,000 sheets is within 5 % of its size at 200.
Usage: python3 benchmarks/build_scale.py [N ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

CHILD = """
import json, resource, sys, time
from pathlib import Path
from builder.build import build
from builder.config import Project
start = time.perf_counter()
result = build(Project(Path(sys.argv[1])), Path(sys.argv[2]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "pages": result.page_count}))
"""


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo_project(Path(tmp) / "projet")
        add_synthetic_sheets(root, count)
        site = Path(tmp) / "site"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764028800", "NO_MKDOCS_2_WARNING": "1"}
        out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(site)], env=env, cwd=REPO,
                             capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        case_page = site / "fiches" / "synthetique-00001.html"
        archive = next((site / "telechargements").glob("*.zip"))
        figures.update(
            sheets=count,
            case_page_kb=case_page.stat().st_size / 1000,
            site_mb=folder_size(site) / 1e6,
            zip_mb=archive.stat().st_size / 1e6,
        )
        return figures


def main(counts: list[int]) -> None:
    results = [measure(n) for n in counts]
    print(f"{'fiches':>7} {'pages':>6} {'temps (s)':>10} {'mémoire max (Mo)':>17} {'page fiche (Ko)':>16} {'site (Mo)':>10} {'zip (Mo)':>9}")
    for r in results:
        print(f"{r['sheets']:>7} {r['pages']:>6} {r['seconds']:>10.1f} {r['peak_mb']:>17.0f} {r['case_page_kb']:>16.1f} {r['site_mb']:>10.1f} {r['zip_mb']:>9.1f}")
    if len(results) >= 2:
        small, large = results[0], results[-1]
        data_ratio = large["sheets"] / small["sheets"]
        time_ratio = large["seconds"] / small["seconds"]
        page_growth = (large["case_page_kb"] / small["case_page_kb"] - 1) * 100
        print(f"données ×{data_ratio:.0f} ⇒ temps ×{time_ratio:.1f} (cible : ≤ ×{data_ratio * 1.1:.0f}) ; "
              f"page d'une fiche : {page_growth:+.1f} % (cible : ≤ 5 %)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [200, 2000])
