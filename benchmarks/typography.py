"""The typography stage (``builder.typography``) on a built site of N synthetic sheets.

For each N: the repository's kit plus N synthetic sheets (``synthetic.py``) is built once
without the typography stage (SOURCE_DATE_EPOCH set), then the stage alone is timed on a
fresh copy of that site, twice (the second pass finds the pages already typeset: it parses
all, writes none). Printed: pages, megabytes of HTML, seconds, milliseconds per page and
per megabyte (linear means a steady figure per megabyte), pages changed.
Usage: python3 benchmarks/typography.py [N ...]   (default: 200 2000)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

sys.path.insert(0, str(REPO))

import builder.build as pipeline  # noqa: E402
from builder import typography  # noqa: E402
from builder.config import Project  # noqa: E402


def measure(count: int, root: Path) -> None:
    project_root = copy_repo_project(root / f"kit-{count}")
    add_synthetic_sheets(project_root, count)
    saved = pipeline.POST_BUILD_STAGES  # a tuple: replaced for the measure, then put back
    pipeline.POST_BUILD_STAGES = tuple(s for s in saved if s is not typography.typography_stage)
    try:
        site = pipeline.build(Project(project_root), root / f"site-{count}", with_archive=False).site_dir
    finally:
        pipeline.POST_BUILD_STAGES = saved
    pages = sorted(site.rglob("*.html"))
    before = {p: p.read_bytes() for p in pages}
    megabytes = sum(len(b) for b in before.values()) / 1_000_000
    for label in ("1re passe", "2e passe"):
        start = time.perf_counter()
        typography.typography_stage(site, None, None)
        seconds = time.perf_counter() - start
        changed = sum(1 for p in pages if p.read_bytes() != before[p])
        print(f"{count} fiches | {label} | {len(pages)} pages | {megabytes:.1f} Mo de HTML | {seconds:.2f} s | "
              f"{1000 * seconds / len(pages):.2f} ms/page | {1000 * seconds / megabytes:.0f} ms/Mo | {changed} pages changées")
        before = {p: p.read_bytes() for p in pages}


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [200, 2000]
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764028800")
    with tempfile.TemporaryDirectory() as folder:
        for count in counts:
            measure(count, Path(folder))
            shutil.rmtree(Path(folder) / f"site-{count}", ignore_errors=True)


if __name__ == "__main__":
    main()
