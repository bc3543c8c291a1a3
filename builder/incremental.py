"""The incremental preview of ``kit serve``: after a first full build, a saved case sheet
re-renders only what depends on it.

State kept between rounds, in the preview's own claimed folder:
- ``travail/docs`` and ``travail/mkdocs.yml``: the Markdown pages MkDocs reads. A page is
  rewritten only when its text changed, so the others keep their mtime;
- ``mkdocs/``: MkDocs' output, before the post-build stages, rebuilt with MkDocs' own
  ``dirty`` build (only pages whose Markdown is newer than their HTML);
- ``site/``: the served site; a file is replaced only when its bytes change.

A round is *partial* when nothing but case sheets (``kit/cas/*.yml``) changed since the
last good round (``global_key``: every other input file, the builder's code and templates,
the MkDocs and Material versions, the edition's date). Then the whole catalogue is still
loaded and validated (an error keeps the previous preview), but a case page is rendered
only when its sheet changed (``case_keys``: the validated sheet and its neighbours in the index's
order; a case page also depends on the documents file, covered by the global key); every other generated page
(indexes, map, document pages, home blocks: tens, not thousands) is rendered and written if
its text changed. MkDocs rebuilds the rewritten pages; the page-local post-build stages
(CSP, link marks, exports: ``builder.build.POST_BUILD_STAGES`` except ``WHOLE_SITE_STAGES``)
run on those pages only, then what changed is copied into ``site/`` and the open page
reloads. The whole-site stages (the search index reads every page) run after the reload,
in the background, and publish the files they make that changed.

Anything else (``site_config.yml``, another catalogue file, ``content/``, ``theme/``, the
builder, a new navigation, a failed round) makes the next round *full*: everything is
rebuilt into a staging folder swapped in at the end, as ``kit build`` does. ``kit build``
never uses this module: it always builds from scratch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from builder import package, pages, richtext, runs, site
from builder.config import Project, SiteConfig
from builder.context import BuildContext
from builder.validate import load_kit  # load, then every rule, as the pipeline does
from builder.models import Case, Kit
from builder.paths import OutputPaths

Progress = Callable[[str], None]

# Post-build stages that read every page of the site: run on a view of MkDocs' whole output,
# after the reload (partial rounds). Such a stage must only read the pages and write files of
# its own (a view's pages are hard links to MkDocs' output). Every other stage must be
# page-local: it gets a folder holding only the pages MkDocs rebuilt in the round.
WHOLE_SITE_STAGES = frozenset({"search_stage"})

FULL = "complet"
PARTIAL = "partiel"


def _stage_name(stage: Callable) -> str:
    return getattr(stage, "__name__", repr(stage))


def _files(folder: Path) -> dict[str, Path]:
    """Every regular file under ``folder`` by its relative POSIX path (links not followed)."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(folder).as_posix()] = path
    return found


def _hash_tree(digest: "hashlib._Hash", folder: Path, skip: Callable[[str], bool] = lambda _: False) -> None:
    if not folder.exists():
        digest.update(b"\0absent:" + str(folder).encode())
        return
    if folder.is_file():
        digest.update(b"\0file:" + folder.read_bytes())
        return
    for relative, path in sorted(_files(folder).items()):
        if relative.startswith("__pycache__/") or "/__pycache__/" in relative or skip(relative):
            continue
        digest.update(b"\0" + relative.encode() + b"\0" + path.read_bytes())


def global_key(project: Project, context: BuildContext) -> str:
    """A hash of every input of the site except the case sheets: ``site_config.yml``, the
    other catalogue files, ``content/``, ``theme/``, the builder's code, templates and data,
    the MkDocs and Material versions, and the edition's date (``context.edition``)."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for name in ("mkdocs", "mkdocs-material", "markdown", "jinja2"):
        try:
            digest.update(f"{name}={version(name)};".encode())
        except PackageNotFoundError:
            digest.update(f"{name}=?;".encode())
    digest.update(context.edition.isoformat().encode())
    _hash_tree(digest, Path(__file__).parent)  # the builder itself: code, templates, data
    _hash_tree(digest, project.config_file)
    _hash_tree(digest, project.content_dir)
    _hash_tree(digest, project.theme_dir)
    _hash_tree(digest, project.kit_dir, skip=_is_case_sheet)
    return digest.hexdigest()


def _is_case_sheet(relative: str) -> bool:
    """A case sheet file, relative to ``kit/`` (the only input a partial round follows)."""
    return relative.startswith("cas/") and relative.count("/") == 1 and relative.endswith(".yml")


def _sheet_text(case: Case | None) -> str:
    if case is None:
        return ""
    sheet = case.sheet
    dump = sheet.model_dump_json() if hasattr(sheet, "model_dump_json") else repr(sheet)
    return f"{case.slug}\0{dump}"


def case_keys(kit: Kit) -> dict[str, str]:
    """What each case page depends on beyond the global key, by slug: its slug and validated
    sheet, and those of the previous and next sheets in the index's order (the page links
    them by title: ``pages.PageRenderer.case_page``)."""
    cases = kit.cases
    keys = {}
    for number, case in enumerate(cases):
        before = cases[number - 1] if number > 0 else None
        after = cases[number + 1] if number + 1 < len(cases) else None
        text = "\n".join((_sheet_text(case), _sheet_text(before), _sheet_text(after)))
        keys[case.slug] = hashlib.sha256(text.encode()).hexdigest()
    return keys


def html_of(relative: str) -> str:
    """The built file of a docs/ file (pages as files: ``use_directory_urls: false``)."""
    return relative[:-3] + ".html" if relative.endswith(".md") else relative


def _same(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except FileNotFoundError:
        return False


def _publish(source: Path, target: Path) -> bool:
    """Move ``source`` onto ``target`` unless it holds the same bytes (then ``target`` keeps
    its inode and mtime). Returns whether ``target`` changed."""
    if _same(source, target):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    return True


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


class Preview:
    """The preview's state and its rounds. ``site_dir`` is what is served.

    ``rebuild()`` runs one round and returns ``FULL`` or ``PARTIAL``. It raises what the
    pipeline raises (``CatalogueError``, ``MkDocsFailed``, ``OSError``…): the served site
    is then as before, and the next round is full. ``wait()`` joins the background stages.
    """

    def __init__(self, project: Project, folder: Path, background: bool = True, progress: Progress = lambda _: None):
        self.project = project
        self.progress = progress
        self.folder = folder
        self.site_dir = folder / "site"
        self.work = folder / "travail"
        self.raw = folder / "mkdocs"
        self.background = background
        self.key: str | None = None  # global key of the last good round; None: next round is full
        self.case_keys: dict[str, str] = {}  # docs/ path of a case page -> case_key
        self.whole_site_files: set[str] = set()  # what the whole-site stages published last
        self.lock = threading.Lock()
        self.pending: threading.Thread | None = None
        self.changed: list[str] = []  # files of site/ changed by the last round (for messages, tests)
        # Markdown fields rendered in the previous round, by source: validation and pages reuse them
        self.memo = richtext.RenderMemo()

    # --- rounds ---

    def rebuild(self) -> str:
        self.wait()
        with self.lock:
            self.memo.next_round()
            richtext.MEMO = self.memo  # for this round only: kit build never sees it
            try:
                context = BuildContext.create(self.project, progress=self.progress)
                key = global_key(self.project, context)
                config, kit = load_kit(self.project, context.edition)
                context = context.with_config(config)
                if self.key == key and self._partial(context, kit):
                    mode = PARTIAL
                else:
                    self._full(context, kit)
                    mode = FULL
                self.key = key
            except BaseException:
                self.key = None
                raise
            finally:
                richtext.MEMO = None
        if mode == PARTIAL:
            self._whole_site_later(context, kit)
        return mode

    def wait(self) -> None:
        """Wait for the background stages of the previous round (search index) to finish."""
        if self.pending is not None:
            self.pending.join()
            self.pending = None

    def _full(self, context: BuildContext, kit: Kit) -> None:
        config = context.config
        _fresh(self.work)
        generated = pages.generate(self.project, config, kit, self.work)
        config_file = site.write_mkdocs_config(self.project, config, generated, self.work, context.edition)
        site.run_mkdocs(config_file, self.raw)
        staging = self.folder / "prochain-site"
        if staging.exists():
            shutil.rmtree(staging)
        shutil.copytree(self.raw, staging, symlinks=True)
        self._page_stages(staging, context, kit)
        made = self._whole_site(context, kit)
        for relative, path in made.items():
            _publish(path, staging / relative)
        shutil.rmtree(self.folder / "vue", ignore_errors=True)
        staging.chmod(0o755)
        if self.site_dir.exists():
            runs.swap_in(staging, self.site_dir)
        else:
            staging.rename(self.site_dir)
        self.whole_site_files = set(made)
        self.case_keys = self._case_keys(config, kit)
        self.changed = sorted(_files(self.site_dir))

    def _case_keys(self, config: SiteConfig, kit: Kit) -> dict[str, str]:
        """Each case page's path in docs/ -> its ``case_keys`` key."""
        urls = OutputPaths.of(config.sorties)
        return {urls.case_source(slug): key for slug, key in case_keys(kit).items()}

    def _partial(self, context: BuildContext, kit: Kit) -> bool:
        """A partial round; False (nothing changed yet) when it must be a full one."""
        config = context.config
        keys = self._case_keys(config, kit)
        kept = {page for page, key in keys.items() if self.case_keys.get(page) == key}
        scratch = _fresh(self.folder / "prochain")
        generated = pages.generate(self.project, config, kit, scratch, skip=kept.__contains__)
        docs = self.work / "docs"
        generated = dataclasses.replace(generated, docs_dir=docs)
        config_file = site.write_mkdocs_config(self.project, config, generated, scratch, context.edition)
        if not _same(config_file, self.work / site.MKDOCS_FILE):
            return False  # a new navigation or settings: every page changes
        # From here on a failure leaves the state half-updated: rebuild() makes the next round full.
        fresh = _files(scratch / "docs")
        removed = set(_files(docs)) - set(fresh) - kept
        for relative, path in fresh.items():
            _publish(path, docs / relative)
        for relative in removed:
            (docs / relative).unlink()
            (self.raw / html_of(relative)).unlink(missing_ok=True)
        shutil.rmtree(scratch)
        # A page MkDocs skips is not read, and the navigation would show it without a title:
        # the pages of the navigation (tens) are always rebuilt; site/ only gets changed bytes.
        for relative in _nav_pages(generated.nav):
            _touch(docs / relative, self.raw / html_of(relative))

        before = {relative: path.stat().st_mtime_ns for relative, path in _files(self.raw).items()}
        site.run_mkdocs(self.work / site.MKDOCS_FILE, self.raw, dirty=True)
        rebuilt = [relative for relative, path in _files(self.raw).items()
                   if before.get(relative) != path.stat().st_mtime_ns]

        stages = _fresh(self.folder / "etapes")
        for relative in rebuilt:
            (stages / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.raw / relative, stages / relative)
        self._page_stages(stages, context, kit)
        changed = [relative for relative, path in sorted(_files(stages).items())
                   if _publish(path, self.site_dir / relative)]
        for relative in sorted(removed):
            target = self.site_dir / html_of(relative)
            if target.is_file():
                target.unlink()
                changed.append(html_of(relative))
        shutil.rmtree(stages)
        self.case_keys = keys
        self.changed = changed
        return True

    # --- post-build stages ---

    def _page_stages(self, folder: Path, context: BuildContext, kit: Kit) -> None:
        """The page-local post-build stages on ``folder``, then the pages' last pass (links
        marked; the preview has no zip), as ``builder.build.run`` runs them."""
        for stage in _post_build_stages():
            if _stage_name(stage) not in WHOLE_SITE_STAGES:
                stage(folder, context.config, kit, context)
        package.finish(folder, context.config, False, context.edition)

    def _whole_site(self, context: BuildContext, kit: Kit) -> dict[str, Path]:
        """The whole-site stages on a view of MkDocs' output (hard links: read only); returns
        the files they made, by relative path, inside the view folder ``vue/``."""
        view = self.folder / "vue"
        if view.exists():
            shutil.rmtree(view)
        linked = _link_tree(self.raw, view)
        for stage in _post_build_stages():
            if _stage_name(stage) in WHOLE_SITE_STAGES:
                stage(view, context.config, kit, context)
        # made: a new file, or a linked one the stage replaced (no longer shared with mkdocs/)
        return {relative: path for relative, path in _files(view).items()
                if relative not in linked or (linked[relative] and path.stat().st_nlink == 1)}

    def _whole_site_later(self, context: BuildContext, kit: Kit) -> None:
        def run() -> None:
            with self.lock:
                if self.key is None:
                    return
                try:
                    made = self._whole_site(context, kit)
                    for relative, path in sorted(made.items()):
                        if _publish(path, self.site_dir / relative):
                            self.changed.append(relative)
                    for relative in sorted(self.whole_site_files - set(made)):
                        (self.site_dir / relative).unlink(missing_ok=True)
                    self.whole_site_files = set(made)
                except Exception as error:  # the next round rebuilds everything; say it
                    self.key = None
                    self.background_error = error
                    self.progress("L'index de recherche de l'aperçu n'a pas pu être mis à jour ; "
                                  "il sera refait à la prochaine modification.")
                finally:
                    shutil.rmtree(self.folder / "vue", ignore_errors=True)

        self.background_error: Exception | None = None
        if self.background:
            self.pending = threading.Thread(target=run, name="kit-apercu-recherche", daemon=True)
            self.pending.start()
        else:
            run()


def _post_build_stages() -> Iterable[Callable]:
    from builder import build

    return list(build.POST_BUILD_STAGES)


def _nav_pages(nav: object) -> list[str]:
    """The Markdown pages named in a MkDocs ``nav`` (nested lists and mappings)."""
    if isinstance(nav, str):
        return [nav] if nav.endswith(".md") else []
    if isinstance(nav, dict):
        nav = list(nav.values())
    if isinstance(nav, list):
        return [page for item in nav for page in _nav_pages(item)]
    return []


def _touch(source: Path, built: Path) -> None:
    """Make ``source`` newer than ``built``: MkDocs' dirty build rebuilds it."""
    if not source.is_file():
        return
    now = time.time_ns()
    try:
        now = max(now, built.stat().st_mtime_ns + 1_000_000)
    except FileNotFoundError:
        pass
    os.utime(source, ns=(now, now))


def _link_tree(source: Path, target: Path) -> dict[str, bool]:
    """``target`` mirrors ``source`` with hard links (a copy where linking is refused).
    Returns each mirrored file's relative path -> whether it is a link."""
    mirrored = {}
    for relative, path in sorted(_files(source).items()):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target / relative)
            mirrored[relative] = True
        except OSError:
            shutil.copyfile(path, target / relative)
            mirrored[relative] = False
    return mirrored
