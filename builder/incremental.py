"""The incremental preview of ``kit serve``: after a first full build, a saved case sheet
re-renders only what depends on it.

State kept between rounds, in memory and in the preview's own claimed folder:
- ``travail/docs`` and ``travail/mkdocs.yml``: the Markdown pages MkDocs reads. A page is
  rewritten only when its text changed;
- the reading of each case sheet (``builder.loader.CASE_MEMO``: a sheet whose file did not
  change, by its size, times and inode, is not read nor parsed again) and the Markdown
  renders (``richtext.RenderMemo``);
- what depends on one unchanged reading only, kept by that reading (the same object from one
  round to the next): a sheet's own checks (``builder.validate.SHEET_CHECKS``: the new-case
  template's leftovers), its entries in the case index's lists (``builder.pages.ENTRY_MEMO``,
  by number and page too), and the check renders of content/ pages by their text
  (``builder.content_check.RENDERS``). The rules between files still run every round; the
  typeset text runs of the pages partial rounds rebuild (``builder.typography.RUN_MEMO``: the
  case index's thousands of runs are typeset once);
- MkDocs itself (``KeptMkDocs``): the loaded configuration, files, navigation, read pages and
  the theme's compiled Jinja templates of the last full round; a partial round reads and
  renders through MkDocs' own functions only the pages whose Markdown changed, nothing else
  (no 404 page, no sitemap, no other page);
- ``mkdocs/``: MkDocs' output, before the post-build stages;
- ``site/``: the served site; a file is replaced only when its bytes change.

A round is *partial* when nothing but case sheets (``kit/cas/*.yml``) changed since the
last good round (``global_key``: every other input file, the builder's code and templates,
the MkDocs and Material versions, the edition's date). Then the whole catalogue is still
validated (every cross-file rule runs; an error anywhere keeps the previous preview), but a
case page is rendered only when its sheet changed (``case_keys``: the validated sheet and its
neighbours in the index's order; a case page also depends on the documents file, covered by
the global key), a document page only when the sheets citing it changed
(``document_keys``); every other generated page (indexes, map, home blocks: a few) is
rendered and written if its text changed. A catalogue error keeps the previous preview and
leaves the state as it was: the round after the fix is partial too. MkDocs rebuilds the
rewritten pages; the page-local post-build stages (typography, CSP, link marks:
``builder.build.POST_BUILD_STAGES`` except ``AFTER_RELOAD_STAGES``) run on those pages only,
then what changed is copied into ``site/`` and the open page reloads. The saved sheet's own
page goes first (``Preview._sheets_first``): rendered, built, passed
through the page-local stages and published before the index and the document pages are
made, and the open browser reloads then (``page_ready``); the round's end state is the same. The stages that read
the whole site or the whole catalogue and write files of their own (search index, feed and
exports) run after the reload, in a child process of low priority that a newer round stops
(the editor's next save is not kept waiting); they publish the files they make that changed.

A sheet added or removed is still a partial round: MkDocs' list of files is made again (its
sitemap too). Without MkDocs in memory (after a failed round), a partial round uses MkDocs'
own ``dirty`` build (the pages of the navigation are rebuilt too). Anything else (``site_config.yml``, another catalogue
file, ``content/``, ``theme/``, the builder, a new navigation, a round failed after the
catalogue was validated) makes the
next round *full*: everything is rebuilt into a staging folder swapped in at the end, as
``kit build`` does. ``kit build`` never uses this module: it always builds from scratch.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from builder import content_check, loader, package, pages, richtext, runs, site, typography, validate
from builder.config import Project, SiteConfig
from builder.context import BuildContext
from builder.validate import load_kit  # load, then every rule, as the pipeline does
from builder.models import Case, Kit
from builder.paths import OutputPaths
from builder.problems import CatalogueError

Progress = Callable[[str], None]

# Post-build stages that read every page of the site or the whole catalogue and write only
# files of their own: run on a view of MkDocs' whole output (hard links: read only), after
# the reload in partial rounds. Every other stage must be page-local: it gets a folder
# holding only the pages MkDocs rebuilt in the round.
AFTER_RELOAD_STAGES = frozenset({"search_stage", "write_exports"})
WHOLE_SITE_STAGES = AFTER_RELOAD_STAGES  # former name

FULL = "complet"
PARTIAL = "partiel"


def _stage_name(stage: Callable) -> str:
    return getattr(stage, "__name__", repr(stage))


def _files(folder: Path, skip: Callable[[str], bool] = lambda _: False) -> dict[str, Path]:
    """Every regular file under ``folder`` by its relative POSIX path (links not followed);
    ``skip(relative)`` true: left out before it is even looked at."""
    found = {}
    for root, _, names in os.walk(folder):
        base = Path(root)
        prefix = base.relative_to(folder).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        for name in names:
            if skip(prefix + name):
                continue
            path = base / name
            if path.is_file() and not path.is_symlink():
                found[prefix + name] = path
    return found


# (path, size, mtime in ns) -> sha256 of its bytes: an input file unchanged since the last
# round is not read again to compute the global key.
_FILE_HASHES: dict[tuple[str, int, int], bytes] = {}


def _file_hash(path: Path) -> bytes:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    digest = _FILE_HASHES.get(key)
    if digest is None:
        digest = _FILE_HASHES[key] = hashlib.sha256(path.read_bytes()).digest()
    return digest


def _hash_tree(digest: "hashlib._Hash", folder: Path, skip: Callable[[str], bool] = lambda _: False) -> None:
    if not folder.exists():
        digest.update(b"\0absent:" + str(folder).encode())
        return
    if folder.is_file():
        digest.update(b"\0file:" + _file_hash(folder))
        return
    def ignored(relative: str) -> bool:
        return relative.startswith("__pycache__/") or "/__pycache__/" in relative or skip(relative)
    for relative, path in sorted(_files(folder, ignored).items()):
        digest.update(b"\0" + relative.encode() + b"\0" + _file_hash(path))


def _code_key() -> bytes:
    """The builder's Python code as this process loaded it (a file edited on disk since is
    not the code that runs: it changes nothing until the preview restarts)."""
    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for relative, path in sorted(_files(folder, lambda relative: not relative.endswith(".py")).items()):
        digest.update(b"\0" + relative.encode() + b"\0" + path.read_bytes())
    return digest.digest()


_CODE_KEY = _code_key()


def global_key(project: Project, context: BuildContext) -> str:
    """A hash of every input of the site except the case sheets: ``site_config.yml``, the
    other catalogue files, ``content/``, ``theme/``, the builder's templates and data, its
    code as this process loaded it (``_CODE_KEY``), the MkDocs and Material versions, and the
    edition's date (``context.edition``)."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for name in ("mkdocs", "mkdocs-material", "markdown", "jinja2"):
        try:
            digest.update(f"{name}={version(name)};".encode())
        except PackageNotFoundError:
            digest.update(f"{name}=?;".encode())
    digest.update(context.edition.isoformat().encode())
    digest.update(_CODE_KEY)
    # the builder's templates and data, read from disk as pages are made
    _hash_tree(digest, Path(__file__).parent, skip=lambda relative: relative.endswith(".py"))
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


def _kept_text(case: Case | None, texts: dict[int, tuple[Case, str]]) -> str:
    """A digest of ``_sheet_text(case)``, computed once per case object (kept in ``texts``)."""
    if case is None:
        return ""
    kept = texts.get(id(case))
    if kept is None or kept[0] is not case:
        kept = texts[id(case)] = (case, hashlib.sha256(_sheet_text(case).encode()).hexdigest())
    return kept[1]


def document_keys(kit: Kit, texts: dict[int, tuple[Case, str]] | None = None) -> dict[str, str]:
    """What each document page depends on beyond the global key (which covers the document,
    the reading paths and the settings), by document id: the sheets that cite it, in the
    index's order (the page lists the first ones by title and counts them:
    ``pages.PageRenderer.document_page``). ``texts``: as for ``case_keys``."""
    texts = {} if texts is None else texts
    citing: dict[str, dict[int, Case]] = {doc.id: {} for doc in kit.documents}
    for case in kit.cases:  # kit.cases_of for every document, in one pass
        for doc_id in case.sheet.documents:
            citing.setdefault(doc_id, {})[id(case)] = case
    keys = {}
    for doc in kit.documents:
        joined = "\n".join(_kept_text(case, texts) for case in citing[doc.id].values())
        keys[doc.id] = hashlib.sha256(f"{doc.id}\0{joined}".encode()).hexdigest()
    return keys


def case_keys(kit: Kit, texts: dict[int, tuple[Case, str]] | None = None) -> dict[str, str]:
    """What each case page depends on beyond the global key, by slug: its slug and validated
    sheet, and those of the previous and next sheets in the index's order (the page links
    them by title: ``pages.PageRenderer.case_page``). ``texts``: each case's text by the
    case object's id, kept between calls (a sheet read again is a new object)."""
    texts = {} if texts is None else texts

    def text(case: Case | None) -> str:
        return _kept_text(case, texts)

    cases = kit.cases
    keys = {}
    for number, case in enumerate(cases):
        before = cases[number - 1] if number > 0 else None
        after = cases[number + 1] if number + 1 < len(cases) else None
        joined = "\n".join((text(case), text(before), text(after)))
        keys[case.slug] = hashlib.sha256(joined.encode()).hexdigest()
    live = {id(case) for case in cases}
    for gone in [number for number in texts if number not in live]:
        del texts[gone]
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


class KeptMkDocs:
    """MkDocs as a full build left it: its configuration, files, navigation and theme
    environment (compiled templates), caught through MkDocs' plugin events (``on_config``,
    ``on_files``, ``on_nav``, ``on_env``: the object is given to ``site.run_mkdocs`` as a
    plugin). ``build(pages)`` then reads, renders and writes those pages only, with MkDocs'
    own ``_populate_page`` and ``_build_page`` (what ``mkdocs build`` runs for each page),
    and checks their links in strict mode as ``mkdocs build`` does."""

    def __init__(self) -> None:
        self.config: Any = None
        self.files: Any = None
        self.nav: Any = None
        self.env: Any = None

    # MkDocs plugin events (they return what they were given: nothing is changed)
    def on_config(self, config: Any) -> Any:
        self.config = config
        return config

    def on_files(self, files: Any, config: Any) -> Any:
        self.files = files
        return files

    def on_nav(self, nav: Any, config: Any, files: Any) -> Any:
        self.nav = nav
        return nav

    def on_env(self, env: Any, config: Any, files: Any) -> Any:
        self.env = env
        return env

    @property
    def ready(self) -> bool:
        return None not in (self.config, self.files, self.nav, self.env)

    def knows(self, relative: str) -> bool:
        """Whether ``relative`` (a path in docs/) is a page MkDocs read in the full build."""
        file = self.files.get_file_from_path(relative)
        return file is not None and file.page is not None and file.page.content is not None

    def refresh_files(self, added: Iterable[str]) -> list[str]:
        """Pages were added to or removed from docs/: MkDocs' list of files made again, in
        MkDocs' own order (``get_files``, then the theme's files), keeping the objects (and
        read pages) of the files it had; an added page gets its ``Page`` as ``mkdocs build``
        gives a page outside the navigation. The sitemap, which lists every page, is written
        again; returns the files of the site it wrote."""
        from mkdocs.commands.build import _build_theme_template
        from mkdocs.structure.files import Files, get_files, set_exclusions
        from mkdocs.structure.pages import Page

        config, added = self.config, set(added)
        fresh = get_files(config)
        fresh.add_files_from_theme(self.env, config)
        merged = []
        for file in fresh:
            kept = self.files.get_file_from_path(file.src_uri)
            merged.append(kept if kept is not None and file.src_uri not in added else file)
        files = Files(merged)
        set_exclusions(files, config)
        for relative in sorted(added):
            file = files.get_file_from_path(relative)
            if file is not None and file.page is None:
                Page(None, file, config)
        self.files = files
        written = []
        if "sitemap.xml" in config.theme.static_templates:
            _build_theme_template("sitemap.xml", self.env, files, config, self.nav)
            written = ["sitemap.xml", "sitemap.xml.gz"]
        return written

    def build(self, relatives: Iterable[str], recheck: Iterable[str] = ()) -> None:
        """Read, render and write the pages ``relatives`` (paths in docs/, each ``knows``),
        then check the anchor links of those pages and of ``recheck`` (pages built earlier).
        Raises ``site.MkDocsFailed`` on any MkDocs warning or error (strict mode)."""
        import logging

        from mkdocs.commands.build import _build_page, _populate_page
        from mkdocs.exceptions import Abort, BuildError, ConfigurationError

        config, files = self.config, self.files
        built = [files.get_file_from_path(relative).page for relative in relatives]
        messages: list[str] = []
        handler = site._Collect(messages)
        logger = logging.getLogger("mkdocs")
        logger.addHandler(handler)
        try:
            for page in built:
                _populate_page(page, config, files)
            doc_files = files.documentation_pages()
            for page in built:
                _build_page(page, config, doc_files, self.nav, self.env)
            for page in built + [files.get_file_from_path(relative).page for relative in recheck]:
                page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        except (Abort, BuildError, ConfigurationError, OSError) as error:
            detail = "\n".join(messages) or str(error)
            raise site.MkDocsFailed(f"la construction MkDocs a échoué :\n{detail}") from error
        finally:
            logger.removeHandler(handler)
        if messages:
            detail = "\n".join(messages)
            raise site.MkDocsFailed(f"la construction MkDocs a échoué :\n{detail}")


class Preview:
    """The preview's state and its rounds. ``site_dir`` is what is served.

    ``rebuild()`` runs one round and returns ``FULL`` or ``PARTIAL``. It raises what the
    pipeline raises (``CatalogueError``, ``MkDocsFailed``, ``OSError``…): the served site
    is then as before, and the next round is full. ``wait()`` waits for the after-reload
    stages (search index, feed, exports); ``close()`` stops them.
    ``background``: False runs those stages before ``rebuild()`` returns (tests).
    ``page_ready()``: called in a partial round as soon as the saved sheet's page is
    published, before the index and the other pages (``kit serve`` reloads the browsers then).
    """

    def __init__(self, project: Project, folder: Path, background: bool = True, progress: Progress = lambda _: None,
                 page_ready: Callable[[], None] | None = None):
        self.project = project
        # called in a partial round once the saved sheet's page is in site/, before the rest
        # (``kit serve``: the browsers reload then; ``_sheets_first``)
        self.page_ready = page_ready
        self.progress = progress
        self.folder = folder
        self.site_dir = folder / "site"
        self.work = folder / "travail"
        self.raw = folder / "mkdocs"
        self.background = background
        self.key: str | None = None  # global key of the last good round; None: next round is full
        self.case_keys: dict[str, str] = {}  # docs/ path of a case page -> case_key
        self.case_texts: dict[int, tuple[Case, str]] = {}  # for case_keys
        self.sheet_texts: dict[str, str] = {}  # slug -> its sheet's text digest, last good round
        self.docs_files: set[str] = set()  # the files of travail/docs
        self.whole_site_files: set[str] = set()  # what the after-reload stages published last
        self.lock = threading.Lock()
        self.pending: threading.Thread | None = None
        self.child: int | None = None  # the after-reload stages' process, while it runs
        self.child_lock = threading.Lock()  # a child's id is killed only before it is reaped
        self.generation = 0  # rounds started: a child of an older round publishes nothing
        self.background_error: Exception | None = None
        self.changed: list[str] = []  # files of site/ changed by the last round (for messages, tests)
        # Markdown fields rendered in the previous round, by source: validation and pages reuse them
        self.memo = richtext.RenderMemo()
        self.entries = richtext.RenderMemo()  # the case index's entries (builder.pages.ENTRY_MEMO)
        self.checks = richtext.RenderMemo()  # each sheet's own checks (builder.validate.SHEET_CHECKS)
        self.content_renders = richtext.RenderMemo()  # content/ pages' check renders (content_check.RENDERS)
        self.runs = richtext.RenderMemo()  # typeset text runs of partial rounds (builder.typography.RUN_MEMO)
        self.sheets: dict[Path, tuple[tuple[int, ...], Any]] = {}  # builder.loader.CASE_MEMO
        self.mkdocs: KeptMkDocs | None = None  # MkDocs as the last full round left it

    # --- rounds ---

    def rebuild(self) -> str:
        self._stop_background()
        with self.lock:
            self.memo.next_round()
            self.entries.next_round()
            self.checks.next_round()
            self.content_renders.next_round()
            self.runs.next_round()
            richtext.MEMO = self.memo  # for this round only: kit build never sees them
            loader.CASE_MEMO = self.sheets
            pages.ENTRY_MEMO = self.entries
            validate.SHEET_CHECKS = self.checks
            content_check.RENDERS = self.content_renders
            try:
                context = BuildContext.create(self.project, progress=self.progress)
                key = global_key(self.project, context)
                if self.key != key:
                    self.sheets.clear()  # read under other settings or another builder
                    self.entries = pages.ENTRY_MEMO = richtext.RenderMemo()
                try:
                    config, kit = load_kit(self.project, context.edition)
                except CatalogueError:
                    # Nothing of the preview was touched yet: once the error is fixed, the
                    # round can still be partial (when nothing else changed).
                    if self.key != key:
                        self.key = None
                    raise
                context = context.with_config(config)
                if self.key == key and self._partial(context, kit):
                    mode = PARTIAL
                else:
                    gc.unfreeze()  # the previous full round's objects may go now
                    self._full(context, kit)
                    mode = FULL
                    # What the next rounds keep (catalogue, MkDocs, renders: ~230,000 objects at
                    # 2,000 sheets) out of the collector's full passes: one, every few rounds,
                    # cost 0.3 s of a round. Objects dropped later are still freed (counts).
                    gc.collect()
                    gc.freeze()
                self.key = key
                live = {case.source_file for case in kit.cases}
                for gone in [path for path in self.sheets if path not in live]:
                    del self.sheets[gone]
            except CatalogueError:
                raise
            except BaseException:
                self.key = None
                self.mkdocs = None
                raise
            finally:
                richtext.MEMO = None
                loader.CASE_MEMO = None
                pages.ENTRY_MEMO = None
                validate.SHEET_CHECKS = None
                content_check.RENDERS = None
                typography.RUN_MEMO = None
        if mode == PARTIAL:
            self._whole_site_later(context, kit)
        return mode

    def wait(self) -> None:
        """Wait for the after-reload stages of the previous round (search index, exports)."""
        if self.pending is not None:
            self.pending.join()
            self.pending = None

    def close(self) -> None:
        """Stop the after-reload stages, if they still run (the preview ends)."""
        self._stop_background()
        gc.unfreeze()

    def _stop_background(self) -> None:
        """A new round starts: the previous round's after-reload stages are stopped (their
        files are remade at the end of this round), never waited for."""
        self.generation += 1
        with self.child_lock:
            if self.child is not None:
                try:
                    os.kill(self.child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.wait()

    def _full(self, context: BuildContext, kit: Kit) -> None:
        config = context.config
        self.mkdocs = None
        _fresh(self.work)
        generated = pages.generate(self.project, config, kit, self.work)
        config_file = site.write_mkdocs_config(self.project, config, generated, self.work, context.edition)
        kept = KeptMkDocs()
        site.run_mkdocs(config_file, self.raw, plugins={"kit-apercu": kept})
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
        self.sheet_texts = self._sheet_texts(kit)
        self.docs_files = set(_files(self.work / "docs"))
        self.mkdocs = kept if kept.ready else None
        self.changed = sorted(_files(self.site_dir))

    def _sheet_texts(self, kit: Kit) -> dict[str, str]:
        """Each sheet's own text digest by slug (``_kept_text``), to tell the saved sheets."""
        return {case.slug: _kept_text(case, self.case_texts) for case in kit.cases}

    def _case_keys(self, config: SiteConfig, kit: Kit) -> dict[str, str]:
        """Each case page's and document page's path in docs/ -> its key (``case_keys``,
        ``document_keys``): a page whose key did not change is not rendered again."""
        urls = OutputPaths.of(config.sorties)
        keys = {urls.case_source(slug): key for slug, key in case_keys(kit, self.case_texts).items()}
        keys.update({urls.document_source(id_): key for id_, key in document_keys(kit, self.case_texts).items()})
        return keys

    def _partial(self, context: BuildContext, kit: Kit) -> bool:
        """A partial round; False (nothing changed yet) when it must be a full one."""
        config = context.config
        # partial rounds only: a full round would keep the runs of every page, used once
        typography.RUN_MEMO = self.runs
        keys = self._case_keys(config, kit)
        kept = {page for page, key in keys.items() if self.case_keys.get(page) == key}
        early, early_changed = self._sheets_first(context, kit, keys, kept)
        scratch = _fresh(self.folder / "prochain")
        generated = pages.generate(self.project, config, kit, scratch,
                                   skip=lambda relative: relative in kept or relative in early)
        docs = self.work / "docs"
        generated = dataclasses.replace(generated, docs_dir=docs)
        config_file = site.write_mkdocs_config(self.project, config, generated, scratch, context.edition)
        if not _same(config_file, self.work / site.MKDOCS_FILE):
            return False  # a new navigation or settings: every page changes
        # From here on a failure leaves the state half-updated: rebuild() makes the next round full.
        fresh = _files(scratch / "docs")
        removed = self.docs_files - set(fresh) - kept - early
        written = sorted(relative for relative, path in fresh.items() if _publish(path, docs / relative))
        added = [relative for relative in written if relative not in self.docs_files]
        for relative in removed:
            (docs / relative).unlink()
            (self.raw / html_of(relative)).unlink(missing_ok=True)
        shutil.rmtree(scratch)
        self.docs_files = (self.docs_files | set(added)) - removed

        pages_written = [relative for relative in written if relative.endswith(".md")]
        if (self.mkdocs is not None and len(pages_written) == len(written)
                and all(self.mkdocs.knows(relative) for relative in pages_written if relative not in added)):
            # Only the rewritten pages are read, rendered and written by MkDocs (and the
            # sitemap when pages came or went).
            rebuilt = self.mkdocs.refresh_files(added) if added or removed else []
            # the sheets' pages built first had their anchor links checked against the
            # pages as they were: checked again now that those are rebuilt too
            self.mkdocs.build(pages_written, recheck=sorted(early))
            rebuilt += [html_of(relative) for relative in pages_written]
        else:
            rebuilt = self._dirty_build(generated)
            self.mkdocs = None  # MkDocs' pages are no longer all read: loaded again at the next full round

        stages = _fresh(self.folder / "etapes")
        for relative in rebuilt:
            (stages / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.raw / relative, stages / relative)
        self._page_stages(stages, context, kit)
        changed = early_changed + [relative for relative, path in sorted(_files(stages).items())
                                   if _publish(path, self.site_dir / relative)]
        for relative in sorted(removed):
            target = self.site_dir / html_of(relative)
            if target.is_file():
                target.unlink()
                changed.append(html_of(relative))
        shutil.rmtree(stages)
        self.case_keys = keys
        self.sheet_texts = self._sheet_texts(kit)
        self.changed = changed
        return True

    def _sheets_first(self, context: BuildContext, kit: Kit, keys: dict[str, str],
                      kept: set[str]) -> tuple[set[str], list[str]]:
        """The pages of the sheets that changed (the saved sheet's; not its neighbours', whose
        links show its title: they follow with the index), rendered, built by the kept MkDocs, passed through the page-local stages and published into
        ``site/`` before anything else, then ``page_ready()`` called (``kit serve``: the open
        browser reloads now, while the index, documents, feed and search files are made).
        Only when no sheet came or went and MkDocs is in memory; otherwise nothing is done.
        Returns the pages of docs/ done (the rest of the round skips them) and the files of
        ``site/`` changed. Raises what the round raises (``MkDocsFailed``, ``OSError``…)."""
        if self.mkdocs is None or set(keys) != set(self.case_keys):
            return set(), []
        urls = OutputPaths.of(context.config.sorties)
        # the saved sheets only: their neighbours (a title in their links) follow with the index
        todo = [case for case in kit.cases if urls.case_source(case.slug) not in kept
                and self.sheet_texts.get(case.slug) != _kept_text(case, self.case_texts)]
        if not todo or not all(self.mkdocs.knows(urls.case_source(case.slug)) for case in todo):
            return set(), []
        # From here on a failure leaves the state half-updated: rebuild() makes the next round full.
        scratch = _fresh(self.folder / "prochaines-fiches")
        renderer = pages.PageRenderer(self.project, context.config, kit)
        done = set()
        for case in todo:
            relative = urls.case_source(case.slug)
            renderer.write(scratch, relative, renderer.case_page(case))
            done.add(relative)
        docs = self.work / "docs"
        written = sorted(relative for relative in done if _publish(scratch / relative, docs / relative))
        shutil.rmtree(scratch)
        if not written:
            return done, []
        self.mkdocs.build(written)
        stages = _fresh(self.folder / "etapes-fiches")
        for relative in map(html_of, written):
            (stages / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.raw / relative, stages / relative)
        self._page_stages(stages, context, kit)
        changed = [relative for relative, path in sorted(_files(stages).items())
                   if _publish(path, self.site_dir / relative)]
        shutil.rmtree(stages)
        if changed and self.page_ready is not None:
            self.page_ready()
        return done, changed

    def _dirty_build(self, generated: pages.GeneratedSite) -> list[str]:
        """MkDocs' own ``dirty`` build (pages added or removed); returns the files it rewrote."""
        docs = self.work / "docs"
        # A page MkDocs skips is not read, and the navigation would show it without a title:
        # the pages of the navigation (tens) are always rebuilt; site/ only gets changed bytes.
        for relative in _nav_pages(generated.nav):
            _touch(docs / relative, self.raw / html_of(relative))
        before = {relative: path.stat().st_mtime_ns for relative, path in _files(self.raw).items()}
        site.run_mkdocs(self.work / site.MKDOCS_FILE, self.raw, dirty=True)
        return [relative for relative, path in _files(self.raw).items()
                if before.get(relative) != path.stat().st_mtime_ns]

    # --- post-build stages ---

    def _page_stages(self, folder: Path, context: BuildContext, kit: Kit) -> None:
        """The page-local post-build stages on ``folder``, then the pages' last pass (links
        marked; the preview has no zip), as ``builder.build.run`` runs them."""
        for stage in _post_build_stages():
            if _stage_name(stage) not in AFTER_RELOAD_STAGES:
                stage(folder, context.config, kit, context)
        package.finish(folder, context.config, False, context.edition)

    def _whole_site(self, context: BuildContext, kit: Kit) -> dict[str, Path]:
        """The after-reload stages on a view of MkDocs' output (hard links: read only); returns
        the files they made, by relative path, inside the view folder ``vue/``."""
        view = self.folder / "vue"
        if view.exists():
            shutil.rmtree(view)
        linked = _link_tree(self.raw, view)
        for stage in _post_build_stages():
            if _stage_name(stage) in AFTER_RELOAD_STAGES:
                stage(view, context.config, kit, context)
        # made: a new file, or a linked one the stage replaced (no longer shared with mkdocs/)
        return {relative: path for relative, path in _files(view).items()
                if relative not in linked or (linked[relative] and path.stat().st_nlink == 1)}

    def _publish_whole_site(self, made: dict[str, Path]) -> None:
        for relative, path in sorted(made.items()):
            if _publish(path, self.site_dir / relative):
                self.changed.append(relative)
        for relative in sorted(self.whole_site_files - set(made)):
            (self.site_dir / relative).unlink(missing_ok=True)
        self.whole_site_files = set(made)

    def _background_failed(self, error: Exception) -> None:
        self.key = None  # the next round rebuilds everything; say it
        self.background_error = error
        self.progress("L'index de recherche et les exports de l'aperçu n'ont pas pu être mis à jour ; "
                      "ils seront refaits à la prochaine modification.")

    def _whole_site_later(self, context: BuildContext, kit: Kit) -> None:
        self.background_error = None
        if not self.background:
            with self.lock:
                try:
                    self._publish_whole_site(self._whole_site(context, kit))
                except Exception as error:
                    self._background_failed(error)
                finally:
                    shutil.rmtree(self.folder / "vue", ignore_errors=True)
            return
        # A child process (fork: it has the loaded catalogue already), of low priority: the
        # editor's next round runs first and stops it. It writes only into vue/ and a list
        # of what it made; this process publishes.
        made_list = self.folder / "vue.json"
        made_list.unlink(missing_ok=True)
        generation = self.generation
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.nice(10)
                made = self._whole_site(context, kit)
                made_list.write_text(json.dumps(sorted(made)), encoding="utf-8")
                code = 0
            except BaseException:
                pass
            finally:
                os._exit(code)
        self.child = pid

        def finish() -> None:
            _, status = os.waitpid(pid, 0)
            with self.child_lock:
                self.child = None  # reaped: its id may now be another process's
            with self.lock:
                try:
                    if generation != self.generation or self.key is None:
                        return  # stopped by a newer round, which makes these files again
                    if os.waitstatus_to_exitcode(status) != 0 or not made_list.is_file():
                        self._background_failed(RuntimeError(f"after-reload stages ended with status {status}"))
                        return
                    view = self.folder / "vue"
                    made = json.loads(made_list.read_text(encoding="utf-8"))
                    self._publish_whole_site({relative: view / relative for relative in made})
                except Exception as error:
                    self._background_failed(error)
                finally:
                    shutil.rmtree(self.folder / "vue", ignore_errors=True)
                    made_list.unlink(missing_ok=True)

        self.pending = threading.Thread(target=finish, name="kit-apercu-recherche", daemon=True)
        self.pending.start()


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
