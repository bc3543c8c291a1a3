"""The pipeline, end to end: load → render → MkDocs → package, then swap the new site in.

The site is built into a temporary sibling folder and only replaces ``site/`` once
everything succeeded: a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from builder import csp, exports, package, pages, site
from builder.config import Project, SiteConfig
from builder.loader import load_kit
from builder.models import Kit
from builder.search.index import search_stage

Progress = Callable[[str], None]

# Stages that work on the built site before it is packaged and swapped in
# (search index, feeds and exports): each takes (site_dir, config, kit).
POST_BUILD_STAGES: list[Callable[[Path, SiteConfig, Kit], None]] = []
POST_BUILD_STAGES.append(exports.write_exports)  # Atom feed of case sheets, catalogue.json/.csv
POST_BUILD_STAGES.append(search_stage)  # search/index.js, loaded by the search box on demand
# Keep last: the Content-Security-Policy hashes the pages' inline scripts as they are final.
POST_BUILD_STAGES.append(csp.csp_stage)


def terminal_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def quiet(_: str) -> None:
    pass


@dataclass
class BuildResult:
    site_dir: Path
    config: SiteConfig
    kit: Kit
    page_count: int
    archive: Path | None
    seconds: float


class Stopwatch:
    def __init__(self, progress: Progress, steps: int):
        self.progress = progress
        self.steps = steps
        self.step = 0
        self.start = time.perf_counter()
        self.last = self.start

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        self.step += 1
        self.progress(f"[{self.step}/{self.steps}] {message} ({now - self.last:.1f} s)")
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def render(project: Project, progress: Progress = quiet) -> tuple[SiteConfig, Kit, pages.GeneratedSite, Path]:
    """Validate the catalogue and write the pages and ``mkdocs.yml`` into the work folder."""
    config, kit = load_kit(project)
    progress(f"Catalogue validé : {len(kit.documents)} documents, {len(kit.paths)} parcours, {len(kit.cases)} fiches")
    work_dir = project.work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    generated = pages.generate(project, config, kit, work_dir)
    config_file = site.write_mkdocs_config(project, config, generated, work_dir)
    progress(f"{generated.page_count} pages générées")
    return config, kit, generated, config_file


def build(project: Project, site_dir: Path | None = None, progress: Progress = quiet, with_archive: bool = True) -> BuildResult:
    site_dir = (site_dir or project.root / "site").resolve()
    watch = Stopwatch(progress, 4 if with_archive else 3)
    config, kit, generated, config_file = render(project, watch)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.nouveau-", dir=site_dir.parent))
    try:
        site.run_mkdocs(config_file, staging)
        watch("Site construit par MkDocs")
        for stage in POST_BUILD_STAGES:
            stage(staging, config, kit)
        # Links marked, zip written, its size filled into the pages (see package.py).
        archive = package.finish(staging, config, with_archive)
        if archive:
            watch(f"Édition hors ligne : {archive.relative_to(staging).as_posix()} ({package.size_label(archive)})")
        swap_in(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    final_archive = site_dir / archive.relative_to(staging) if archive else None
    return BuildResult(site_dir, config, kit, generated.page_count, final_archive, watch.total)


def build_offline_edition(project: Project, target: Path | None = None, progress: Progress = quiet) -> Path:
    """``kit zip``: the offline edition alone, written to ``target`` (by default
    ``<archive>.zip`` in the project folder); ``site/`` is left as it is.

    The zip holds the built pages, so the pipeline runs up to the zip (validate, render,
    MkDocs, post-build stages) in a temporary folder, which is then deleted; it skips
    the online-only work: the size in the online pages and the swap into ``site/``.
    """
    watch = Stopwatch(progress, 4)
    config, kit, _, config_file = render(project, watch)
    target = (target or project.root / f"{config.sorties.archive}.zip").resolve()
    with tempfile.TemporaryDirectory(prefix="kit-zip-") as temporary:
        staging = Path(temporary) / "site"
        site.run_mkdocs(config_file, staging)
        watch("Site construit par MkDocs")
        for stage in POST_BUILD_STAGES:
            stage(staging, config, kit)
        archive = package.build_archive(staging, config, target)
        watch(f"Édition hors ligne : {archive} ({package.size_label(archive)})")
    return archive


def swap_in(staging: Path, site_dir: Path) -> None:
    """Replace ``site_dir`` by ``staging`` with two renames (no half-written site is ever visible)."""
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a served site must be readable
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.ancien-", dir=site_dir.parent))
        old.rmdir()
        site_dir.rename(old)
        staging.rename(site_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(site_dir)
