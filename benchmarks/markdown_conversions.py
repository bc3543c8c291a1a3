"""Markdown conversions of a build (issue 14, « Rendered once »): how many times
``markdown.Markdown.convert`` runs for the repository's kit, and per case sheet added.

Each Markdown field is rendered once (builder.richtext, at validation); what remains are
MkDocs' own conversions, one per page, and ``kit check``'s, one per page of content/.
Targets: at most 160 for the repository's kit, at most 8 per added sheet (6 fields + its page).

    python3 benchmarks/markdown_conversions.py [N]    (N synthetic sheets added, default 50)
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from synthetic import REPO, add_synthetic_sheets, copy_repo_project

sys.path.insert(0, str(REPO))

import markdown  # noqa: E402

from builder.build import build  # noqa: E402
from builder.config import Project  # noqa: E402


def counted_build(project_root: Path, site_dir: Path) -> tuple[collections.Counter, float]:
    """Builds the project; returns the conversions by calling module and the seconds taken.

    Counted in every process of the build: the calls made by forked workers (the case sheets
    read and validated on several cores, issue 15) are appended as lines to one file, which
    the fork keeps open (O_APPEND: each short line is written whole)."""
    log = site_dir.with_name(site_dir.name + ".conversions")
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC)
    original = markdown.Markdown.convert

    def convert(self, source: str) -> str:
        caller = next((f for f in reversed(traceback.extract_stack()[:-1])
                       if "/builder/" in f.filename or "/mkdocs/" in f.filename), None)
        os.write(descriptor, (f"{Path(caller.filename).parent.name}/{Path(caller.filename).name}" if caller else "?")
                 .encode() + b"\n")
        return original(self, source)

    markdown.Markdown.convert = convert
    try:
        start = time.perf_counter()
        build(Project(project_root), site_dir, with_archive=False)
        return collections.Counter(log.read_text().split()), time.perf_counter() - start
    finally:
        markdown.Markdown.convert = original
        os.close(descriptor)


def main() -> None:
    added = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory() as folder:
        base = copy_repo_project(Path(folder) / "depot")
        grown = copy_repo_project(Path(folder) / "depot-plus")
        add_synthetic_sheets(grown, added)
        base_calls, base_seconds = counted_build(base, Path(folder) / "site")
        grown_calls, grown_seconds = counted_build(grown, Path(folder) / "site-plus")
    print(f"kit du dépôt : {sum(base_calls.values())} conversions (cible ≤ 160), {base_seconds:.1f} s")
    for caller, count in base_calls.most_common():
        print(f"  {count:>5}  {caller}")
    per_sheet = (sum(grown_calls.values()) - sum(base_calls.values())) / added
    print(f"+{added} fiches : {sum(grown_calls.values())} conversions, soit {per_sheet:.1f} par fiche ajoutée "
          f"(cible ≤ 8), {grown_seconds:.1f} s")


if __name__ == "__main__":
    main()
