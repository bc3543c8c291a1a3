"""The pipeline, end to end: load → render → MkDocs → package, then swap the new site in.

Before any work the output folder and the environment are checked (``builder.safety``).
Each run writes its pages in a work folder of its own and the site in a staging folder
beside ``site/`` (``builder.runs``): concurrent runs never share a folder, a failed,
interrupted or killed build leaves the previous site untouched, and the next run removes
what a killed one left behind.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from builder import csp, exports, package, pages, runs, safety, site, typography
from builder.config import Project, SiteConfig
from builder.validate import load_kit  # load, then every rule (builder.validate)
from builder.models import Kit
from builder.paths import OutputPaths
from builder.search.index import search_stage

Progress = Callable[[str], None]

# Stages that work on the built site before it is packaged and swapped in
# (search index, feeds and exports): each takes (site_dir, config, kit).
POST_BUILD_STAGES: list[Callable[[Path, SiteConfig, Kit], None]] = []
POST_BUILD_STAGES.append(exports.write_exports)  # Atom feed of case sheets, catalogue.json/.csv
POST_BUILD_STAGES.append(search_stage)  # search/index.js, loaded by the search box on demand
# French no-break spaces in the pages' text; after the search index (its text stays plain),
# before the policy (it never touches scripts; the policy hashes them as final).
POST_BUILD_STAGES.append(typography.typography_stage)
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
        self.progress(f"[{self.step}/{self.steps}] {message} ({typography.decimal(now - self.last)} s)")
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.start


def render(project: Project, work_dir: Path, progress: Progress = quiet) -> tuple[SiteConfig, Kit, pages.GeneratedSite, Path]:
    """Validate the catalogue and write the pages and ``mkdocs.yml`` into ``work_dir``
    (this run's own folder). Raises ``CatalogueError``."""
    config, kit = load_kit(project)
    progress(f"Catalogue validé : {len(kit.documents)} documents, {len(kit.paths)} parcours, {len(kit.cases)} fiches")
    generated = pages.generate(project, config, kit, work_dir)
    config_file = site.write_mkdocs_config(project, config, generated, work_dir)
    progress(f"{generated.page_count} pages générées")
    return config, kit, generated, config_file


def preflight(project: Project) -> None:
    """Environment faults found before any work (raises ``safety.KitError``, in French)."""
    safety.preflight(project.root, project.theme_dir)


def build(project: Project, site_dir: Path | None = None, progress: Progress = quiet, with_archive: bool = True) -> BuildResult:
    """Build the site into ``site_dir`` (default ``site/``) and return what was built.

    Raises ``safety.KitError`` before any work for an output folder that must not be replaced
    (``safety.check_site_dir``) or a faulty environment, ``CatalogueError``, ``MkDocsFailed``,
    ``OSError``; in every case, and on interruption, ``site_dir`` is left as it was.
    """
    site_dir = safety.check_site_dir(site_dir or project.root / "site", project.root, project.theme_dir)
    preflight(project)
    runs.clean_debris(site_dir)
    watch = Stopwatch(progress, 4 if with_archive else 3)
    with runs.work_folder(project.work_dir) as work_dir:
        config, kit, generated, config_file = render(project, work_dir, watch)
        with runs.claimed(site_dir.parent, runs.staging_prefix(site_dir)) as staging:
            site.run_mkdocs(config_file, staging.path)
            watch("Site construit par MkDocs")
            for stage in POST_BUILD_STAGES:
                stage(staging.path, config, kit)
            # Links marked, zip written, its size filled into the pages (see package.py).
            archive = package.finish(staging.path, config, with_archive)
            if archive:
                watch(f"Édition hors ligne : {archive.relative_to(staging.path).as_posix()} ({package.size_label(archive)})")
            (staging.path / safety.MARKER).write_text(safety.MARKER_TEXT, encoding="utf-8")
            staging.path.chmod(0o755)  # a served site must be readable by others
            # Checked again: something may have been put there during the build.
            safety.check_site_dir(site_dir, project.root, project.theme_dir)
            runs.swap_in(staging.path, site_dir)
        # Released: the staging folder, if still there (failure), and its lock.
    final_archive = site_dir / archive.relative_to(staging.path) if archive else None
    return BuildResult(site_dir, config, kit, generated.page_count, final_archive, watch.total)


def build_offline_edition(project: Project, target: Path | None = None, progress: Progress = quiet, force: bool = False) -> Path:
    """``kit zip``: the offline edition alone, written to ``target`` (by default
    ``<archive>.zip`` in the project folder); ``site/`` is left as it is.

    The zip holds the built pages, so the pipeline runs up to the zip (validate, render,
    MkDocs, post-build stages) in a temporary folder, which is then deleted; it skips
    the online-only work: the size in the online pages and the swap into ``site/``.
    ``target`` is checked first (``safety.check_zip_target``; ``force`` replaces a file
    that is not a kit zip). Raises ``safety.KitError``, ``CatalogueError``, ``MkDocsFailed``.
    """
    if target is not None:
        target = safety.check_zip_target(target, project.root, project.theme_dir, force)
    preflight(project)
    watch = Stopwatch(progress, 4)
    temporary_root = Path(tempfile.gettempdir())
    runs.sweep(temporary_root, ZIP_PREFIX)
    with runs.work_folder(project.work_dir) as work_dir:
        config, kit, _, config_file = render(project, work_dir, watch)
        if target is None:
            target = safety.check_zip_target(project.root / OutputPaths.of(config.sorties).archive_file, project.root, project.theme_dir, force)
        runs.sweep_stale_temporary_files(target)  # half-written zips of killed runs
        with runs.claimed(temporary_root, ZIP_PREFIX) as temporary:
            staging = temporary.path / "site"
            site.run_mkdocs(config_file, staging)
            watch("Site construit par MkDocs")
            for stage in POST_BUILD_STAGES:
                stage(staging, config, kit)
            archive = package.build_archive(staging, config, target)
            watch(f"Édition hors ligne : {archive} ({package.size_label(archive)})")
    return archive


ZIP_PREFIX = "kit-zip-"


def swap_in(staging: Path, site_dir: Path) -> None:
    """Replace ``site_dir`` by ``staging`` atomically (see ``runs.swap_in``)."""
    runs.swap_in(staging, site_dir)
