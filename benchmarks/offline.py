"""The offline edition's figures: zip size, entries, unpacked size, and the cost of the
package pass (links marked, zip written, size filled in) within `kit build`, for the
repository's kit alone and with N synthetic case sheets; and `kit zip` against `kit build`.

Usage: python3 benchmarks/offline.py [N ...]   (default: 0 200 2000)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

CHILD = """
import json, sys, time
from pathlib import Path
from builder import package
from builder.build import build, build_offline_edition
from builder.config import Project
finish, spent = package.finish, []
def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return finish(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - start)
package.finish = timed
start = time.perf_counter()
result = build(Project(Path(sys.argv[1])), Path(sys.argv[2]))
build_seconds = time.perf_counter() - start
start = time.perf_counter()
build_offline_edition(Project(Path(sys.argv[1])), Path(sys.argv[3]))
zip_seconds = time.perf_counter() - start
print(json.dumps({"pages": result.page_count, "build_s": build_seconds, "package_s": spent[0], "zip_s": zip_seconds}))
"""


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo_project(Path(tmp) / "projet")
        if count:
            add_synthetic_sheets(root, count)
        site, alone = Path(tmp) / "site", Path(tmp) / "seul.zip"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764028800", "NO_MKDOCS_2_WARNING": "1"}
        out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(site), str(alone)], env=env, cwd=REPO,
                             capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        archive = next((site / "telechargements").glob("*.zip"))
        with zipfile.ZipFile(archive) as opened:
            infos = opened.infolist()
        figures.update(
            sheets=count,
            zip_bytes=archive.stat().st_size,
            entries=len(infos),
            unpacked_mb=sum(i.file_size for i in infos) / 1e6,
            site_mb=sum(p.stat().st_size for p in site.rglob("*") if p.is_file() and p != archive) / 1e6,
            same_zip=alone.read_bytes() == archive.read_bytes(),
        )
        return figures


def main(counts: list[int]) -> None:
    print(f"machine : {os.cpu_count()} cœurs ; Python {sys.version.split()[0]}")
    print(f"{'fiches en plus':>14} {'pages':>6} {'zip (Mo)':>9} {'entrées':>8} {'décompressé (Mo)':>17} {'site (Mo)':>10}"
          f" {'kit build (s)':>14} {'dont paquet (s)':>16} {'kit zip (s)':>12} {'zip identique':>14}")
    for n in counts:
        r = measure(n)
        print(f"{r['sheets']:>14} {r['pages']:>6} {r['zip_bytes'] / 1e6:>9.2f} {r['entries']:>8} {r['unpacked_mb']:>17.1f}"
              f" {r['site_mb']:>10.1f} {r['build_s']:>14.1f} {r['package_s']:>16.2f} {r['zip_s']:>12.1f} {'oui' if r['same_zip'] else 'NON':>14}")
        print(json.dumps(r), file=sys.stderr)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [0, 200, 2000])
