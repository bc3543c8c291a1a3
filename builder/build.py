"""The pipeline, end to end: load → validate → render → MkDocs → post-build stages → package,
then the result delivered: swapped into ``site/`` (``kit build``) or written as a zip (``kit zip``).

One orchestration (``run``) for both commands; what differs, where the site is staged and
what is delivered, is a ``Destination`` (``SiteDestination``, ``ZipDestination``). The run's
``BuildContext`` (``builder.context``: project, edition date, options, output paths) is made
once, by the command line, and handed down.

Before any work the output and the environment are checked (``builder.safety``).
Each run writes its pages in a work folder of its own and the site in a staging folder
beside ``site/`` (``builder.runs``): concurrent runs never share a folder, a failed,
interrupted or killed build leaves the previous site untouched, and the next run removes
what a killed one left behind.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder import csp, exports, links, package, pages, pool, runs, safety, site, typography
from builder.config import Project, SiteConfig
from builder.context import BuildContext, BuildOptions, Progress, quiet
from builder.validate import load_kit  # load, then every rule (builder.validate)
from builder.models import Kit
from builder.search.index import search_stage

# A post-build stage works on the built site (``site_dir``) before it is packaged and
# delivered: one signature for all (the context may be left out by callers outside a build).
PostBuildStage = Callable[[Path, SiteConfig, Kit, BuildContext], None]

# In order; a tuple, fixed here (tests and benchmarks substitute their own, never mutate it).
POST_BUILD_STAGES: tuple[PostBuildStage, ...] = (
    exports.write_exports,  # Atom feed of case sheets, catalogue.json/.csv
    search_stage,  # search/index.js, loaded by the search box on demand
    # French no-break spaces in the pages' text; after the search index (its text stays plain),
    # before the policy (it never touches scripts; the policy hashes them as final).
    typography.typography_stage,
    # Links to other sites say they need internet; after the typography (the note is not
    # typeset), before the policy (no script touched).
    links.external_links_stage,
    # Keep last: the Content-Security-Policy hashes the pages' inline scripts as they are final.
    csp.csp_stage,
)


def page_transform(stage: PostBuildStage) -> Callable[[str], str] | None:
    """The stage's work on one page alone (its ``page_transform`` attribute: the page's HTML
    text to its new text), or None for a stage that needs the whole site (exports, search)."""
    return getattr(stage, "page_transform", None)


# A whole-site stage may be split (its ``split`` attribute): ``split(site_dir, config, kit,
# context)`` reads here what it needs of the site and returns the rest of its work, a function
# of no argument that writes only the stage's own files (the search index, the exports), which
# no later stage reads or writes. The rest then runs in a forked child beside the later
# stages (the page pass: typography, CSP), and is waited for before the next unsplit
# whole-site stage and at the end: on two cores the search index no longer waits for the page
# pass, nor the page pass for it. The rest may carry a part of its work to do in this process
# instead (its ``here`` attribute, a function of no argument writing other files of the
# stage's own): done while the child runs, without copying into a child what it reads.
SplitStage = Callable[[Path, SiteConfig, Kit, "BuildContext | None"], Callable[[], None]]


def split_of(stage: PostBuildStage) -> SplitStage | None:
    """The stage's ``split`` attribute (see above), or None."""
    return getattr(stage, "split", None)


# A whole-site stage that reads the pages may say what it reads of one (its ``page_reading``
# attribute: the page's address in the site and its HTML, as the stages before it left it, to
# a picklable value) and take those readings (a ``readings`` argument, address -> value, to
# it and to its ``split``); a stage that reads no page says so with ``page_reading = None``.
# When every stage is page-local or says so, their page work is one function of a page
# (``PagePass``), which MkDocs' workers run on each page they build, before writing it
# (``mkdocs_parallel``): the pages are then read, typeset and written once, on the cores,
# instead of being read by the search and rewritten by the page pass after MkDocs.
PageReading = Callable[[str, str], Any]


def page_reading(stage: PostBuildStage) -> PageReading | None:
    """The stage's ``page_reading`` attribute (see above), or None."""
    return getattr(stage, "page_reading", None)


class PagePass:
    """The page work of ``stages``, in their order, on one page: for the page's address and
    HTML (as MkDocs made it), its final HTML and {stage's number in ``stages``: what that stage
    read of the page}. Built by ``of``; the result of each stage is that of the pass after MkDocs."""

    def __init__(self, stages: tuple[PostBuildStage, ...]):
        self.steps = [(number, page_transform(stage), page_reading(stage)) for number, stage in enumerate(stages)]

    @classmethod
    def of(cls, stages: Iterable[PostBuildStage]) -> "PagePass | None":
        """The pass, or None when a stage is neither page-local nor says what it reads of a
        page (``page_reading``, None included): its page work cannot be done page by page."""
        stages = tuple(stages)
        if all(page_transform(stage) is not None or hasattr(stage, "page_reading") for stage in stages):
            return cls(stages)
        return None

    def __call__(self, address: str, html: str) -> tuple[str, dict[int, Any]]:
        readings: dict[int, Any] = {}
        for number, transform, reading in self.steps:
            if transform is not None:
                html = transform(html)
            elif reading is not None:
                readings[number] = reading(address, html)
        return html, readings


def run_post_build_stages(site_dir: Path, config: SiteConfig, kit: Kit, context: BuildContext | None = None,
                          stages: Iterable[PostBuildStage] | None = None, workers: int | None = None,
                          passed: Mapping[str, dict[int, Any]] | None = None,
                          meanwhile: Callable[[], None] | None = None) -> None:
    """``stages`` (None: ``POST_BUILD_STAGES``, read now) on the built site, in order, with the
    result of running each in turn: consecutive page-local stages (``page_transform``) are
    fused into ONE read and one write of each page, spread over the cores (``builder.pool``;
    ``workers``: None for ``os.cpu_count()``, 1 for this process only); a split stage's rest
    (``split_of``) runs in a forked child meanwhile, where this process may fork.
    ``passed``: the pages already through ``PagePass.of(stages)`` (address -> its readings):
    the page-local stages leave them alone, the stages that read pages take their readings.
    ``meanwhile``: the caller's work on the finished pages (it must not need the split
    stages' own files), done before the split stages' children are waited for at the end,
    after the parts of their work they leave to this process (``here``).
    Raises what a stage raises, ``safety.KitError`` (French) if a worker process dies."""
    stages = tuple(POST_BUILD_STAGES if stages is None else stages)
    passed = passed or {}
    pending: list[Callable[[str], str]] = []
    with contextlib.ExitStack() as running:
        children: list[pool.Background] = []
        here: list[Callable[[], None]] = []  # the split stages' parts for this process

        def flush() -> None:
            if pending:
                pool.rewrite_pages(site_dir, pending, workers, skip=passed.keys())
                pending.clear()

        def read_by(number: int, stage: PostBuildStage) -> dict[str, Any]:
            if not passed or page_reading(stage) is None:
                return {}
            return {"readings": {address: found[number] for address, found in passed.items() if number in found}}

        def do_here() -> None:
            for part in here:
                part()
            here.clear()

        def join() -> None:
            do_here()
            for child in children:
                child.join()
            children.clear()

        try:
            for number, stage in enumerate(stages):
                transform = page_transform(stage)
                if transform is not None:
                    pending.append(transform)
                    continue
                flush()
                split = split_of(stage)
                if split is not None and workers != 1 and pool.can_fork():
                    rest = split(site_dir, config, kit, context, **read_by(number, stage))
                    children.append(running.enter_context(pool.Background(rest)))
                    if getattr(rest, "here", None) is not None:
                        here.append(rest.here)
                    continue
                join()
                stage(site_dir, config, kit, context, **read_by(number, stage))
            flush()
            do_here()
            if meanwhile is not None:
                meanwhile()
            join()
        except pool.WorkerFailed as error:  # told in French; the staging folder is thrown away
            raise safety.KitError(error.message) from error


def terminal_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class BuildResult:
    """What a run made. ``site_dir``: the site (None for ``kit zip``); ``archive``: the zip."""

    site_dir: Path | None
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


def render(project: Project, work_dir: Path, progress: Progress = quiet,
           context: BuildContext | None = None) -> tuple[SiteConfig, Kit, pages.GeneratedSite, Path]:
    """Validate the catalogue and write the pages and ``mkdocs.yml`` into ``work_dir``
    (this run's own folder). Raises ``CatalogueError``."""
    context, kit, generated, config_file = _render(context or BuildContext.create(project, progress=progress),
                                                   work_dir, progress)
    assert context.config is not None
    return context.config, kit, generated, config_file


def _render(context: BuildContext, work_dir: Path, progress: Progress) -> tuple[BuildContext, Kit, pages.GeneratedSite, Path]:
    project = context.project
    try:
        config, kit = load_kit(project, context.edition)
    except pool.WorkerFailed as error:  # a forked sheet reader died: told in French
        raise safety.KitError(error.message) from error
    context = context.with_config(config)
    progress(f"Catalogue validé : {len(kit.documents)} documents, {len(kit.reading_paths)} parcours, {len(kit.cases)} fiches")
    try:
        generated = pages.generate(project, config, kit, work_dir)
    except pool.WorkerFailed as error:  # a forked page writer died: told in French
        raise safety.KitError(error.message) from error
    config_file = site.write_mkdocs_config(project, config, generated, work_dir, context.edition)
    progress(f"{generated.page_count} pages générées")
    return context, kit, generated, config_file


def preflight(project: Project) -> None:
    """Environment faults found before any work (raises ``safety.KitError``, in French)."""
    safety.preflight(project.root, project.theme_dir)


# --- where a run stages its site and what it delivers ---


class Destination:
    """What differs between ``kit build`` and ``kit zip``: ``check`` (before any work),
    ``prepare`` (after the environment's checks), ``staging`` (the folder MkDocs builds into,
    once the settings are known), ``deliver`` (the last steps; returns the zip, if any)."""

    steps = 4  # progress lines: validated, pages, MkDocs, offline edition
    site_dir: Path | None = None
    with_archive = True

    def ahead(self, staging: Path, context: BuildContext) -> package.Ahead | None:
        """The zip's entries compressed while the post-build stages' children finish
        (``package.deflate_ahead``), or None without a zip."""
        return package.deflate_ahead(staging, context.config, context.edition) if self.with_archive else None

    def check(self, context: BuildContext) -> None:
        pass

    def prepare(self) -> None:
        pass

    def staging(self, context: BuildContext) -> contextlib.AbstractContextManager[Path]:
        raise NotImplementedError

    def deliver(self, staging: Path, context: BuildContext, kit: Kit, watch: Stopwatch,
                ahead: package.Ahead | None = None) -> Path | None:
        raise NotImplementedError


class SiteDestination(Destination):
    """``kit build``: the site staged beside ``site_dir``, then swapped in whole."""

    def __init__(self, context: BuildContext):
        self.with_archive = context.options.with_archive
        self.steps = 4 if self.with_archive else 3
        self.requested = context.options.site_dir or context.project.root / "site"

    def check(self, context: BuildContext) -> None:
        project = context.project
        self.site_dir = safety.check_site_dir(self.requested, project.root, project.theme_dir)

    def prepare(self) -> None:
        runs.clean_debris(self.site_dir)

    @contextlib.contextmanager
    def staging(self, context: BuildContext) -> Iterator[Path]:
        with runs.claimed(self.site_dir.parent, runs.staging_prefix(self.site_dir)) as staging:
            yield staging.path
        # Released: the staging folder, if still there (failure), and its lock.

    def deliver(self, staging: Path, context: BuildContext, kit: Kit, watch: Stopwatch,
                ahead: package.Ahead | None = None) -> Path | None:
        project = context.project
        # Links marked, zip written, its size filled into the pages (see package.py).
        archive = package.finish(staging, context.config, self.with_archive, context.edition, ahead)
        if archive:
            watch(f"Édition hors ligne : {archive.relative_to(staging).as_posix()} ({package.size_label(archive)})")
        (staging / safety.MARKER).write_text(safety.MARKER_TEXT, encoding="utf-8")
        staging.chmod(0o755)  # a served site must be readable by others
        # Checked again: something may have been put there during the build.
        safety.check_site_dir(self.site_dir, project.root, project.theme_dir)
        runs.swap_in(staging, self.site_dir)
        return self.site_dir / archive.relative_to(staging) if archive else None


ZIP_PREFIX = "kit-zip-"


class ZipDestination(Destination):
    """``kit zip``: the site staged in a temporary folder (deleted after), only its zip kept:
    no size in the online pages, no swap into ``site/``."""

    def __init__(self, context: BuildContext):
        self.target = context.options.zip_target
        self.force = context.options.force
        self.temporary_root = Path(tempfile.gettempdir())

    def check(self, context: BuildContext) -> None:
        if self.target is not None:
            project = context.project
            self.target = safety.check_zip_target(self.target, project.root, project.theme_dir, self.force)

    def prepare(self) -> None:
        runs.sweep(self.temporary_root, ZIP_PREFIX)

    @contextlib.contextmanager
    def staging(self, context: BuildContext) -> Iterator[Path]:
        project = context.project
        if self.target is None:  # by default beside the project, named after the settings
            self.target = safety.check_zip_target(project.root / context.urls.archive_file, project.root,
                                                  project.theme_dir, self.force)
        runs.sweep_stale_temporary_files(self.target)  # half-written zips of killed runs
        with runs.claimed(self.temporary_root, ZIP_PREFIX) as temporary:
            yield temporary.path / "site"

    def deliver(self, staging: Path, context: BuildContext, kit: Kit, watch: Stopwatch,
                ahead: package.Ahead | None = None) -> Path | None:
        archive = package.build_archive(staging, context.config, self.target, context.edition, ahead)
        watch(f"Édition hors ligne : {archive} ({package.size_label(archive)})")
        return archive


# --- the one orchestration ---


def run(context: BuildContext, destination: Destination) -> BuildResult:
    """Check, load and validate, render, MkDocs, post-build stages, then ``destination``'s
    delivery. Raises ``safety.KitError`` before any work (output refused, faulty environment),
    ``CatalogueError``, ``MkDocsFailed``, ``OSError``; on any of them, and on interruption,
    what was there before (``site/``, the zip) is left as it was."""
    project = context.project
    destination.check(context)
    preflight(project)
    destination.prepare()
    watch = Stopwatch(context.progress, destination.steps)
    with runs.work_folder(project.work_dir) as work_dir:
        context, kit, generated, config_file = _render(context, work_dir, watch)
        with destination.staging(context) as staging:
            stages = POST_BUILD_STAGES
            passed = site.run_mkdocs(config_file, staging, page_hook=PagePass.of(stages))
            watch("Site construit par MkDocs")
            with _removed_meanwhile(generated.docs_dir):
                # While the search index and the exports are made in child processes, the zip's
                # entries of the finished pages and assets are compressed here (issue 15).
                ahead: list[package.Ahead | None] = []
                run_post_build_stages(staging, context.config, kit, context, stages, passed=passed,
                                      meanwhile=lambda: ahead.append(destination.ahead(staging, context)))
                archive = destination.deliver(staging, context, kit, watch, ahead[0] if ahead else None)
    return BuildResult(destination.site_dir, context.config, kit, generated.page_count, archive, watch.total)


@contextlib.contextmanager
def _removed_meanwhile(folder: Path) -> Iterator[None]:
    """``folder`` (the Markdown MkDocs has built: no later step reads it) removed while the
    block runs: deleting thousands of files is mostly the disk's time (3 ms a file on the
    benchmark machine, benchmarks/README.md issue 15), not the processor's. A forked child
    deletes it where this process may fork (a thread here would keep the post-build stages
    from forking: ``pool.can_fork``), a thread otherwise. Waited for before the block's end,
    whatever happens in it (the run's work folder goes after)."""
    if pool.can_fork():
        child = pool.Background(shutil.rmtree, folder, True)  # True: ignore_errors
        try:
            yield
        finally:
            with contextlib.suppress(pool.WorkerFailed):  # the work folder is removed after anyway
                child.join()
        return
    remover = threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True},
                               name="kit-suppression-markdown", daemon=True)
    remover.start()
    try:
        yield
    finally:
        remover.join()


def build(project: Project, site_dir: Path | None = None, progress: Progress = quiet, with_archive: bool = True,
          *, context: BuildContext | None = None) -> BuildResult:
    """``kit build``: the site into ``site_dir`` (default ``site/``), with its offline edition.

    ``context``: the run's context made by the command line; without it, one is made here from
    the other arguments. Raises ``safety.KitError`` before any work for an output folder that
    must not be replaced (``safety.check_site_dir``) or a faulty environment, ``CatalogueError``,
    ``MkDocsFailed``, ``OSError``; in every case, and on interruption, ``site_dir`` is left as it was.
    """
    if context is None:
        safety.check_epoch()  # its French message before the context reads the value
        context = BuildContext.create(project, BuildOptions(site_dir=site_dir, with_archive=with_archive), progress)
    return run(context, SiteDestination(context))


def build_offline_edition(project: Project, target: Path | None = None, progress: Progress = quiet, force: bool = False,
                          *, context: BuildContext | None = None) -> Path:
    """``kit zip``: the offline edition alone, written to ``target`` (by default
    ``<archive>.zip`` in the project folder); ``site/`` is left as it is.

    The zip holds the built pages, so the pipeline runs up to the zip (validate, render,
    MkDocs, post-build stages) in a temporary folder, which is then deleted.
    ``target`` is checked first (``safety.check_zip_target``; ``force`` replaces a file
    that is not a kit zip). Raises ``safety.KitError``, ``CatalogueError``, ``MkDocsFailed``.
    """
    if context is None:
        safety.check_epoch()  # its French message before the context reads the value
        context = BuildContext.create(project, BuildOptions(zip_target=target, force=force), progress)
    archive = run(context, ZipDestination(context)).archive
    assert archive is not None
    return archive


def swap_in(staging: Path, site_dir: Path) -> None:
    """Replace ``site_dir`` by ``staging`` atomically (see ``runs.swap_in``)."""
    runs.swap_in(staging, site_dir)
