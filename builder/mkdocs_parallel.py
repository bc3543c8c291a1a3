"""MkDocs' page pass spread over the cores: the same ``mkdocs build``, its pages cut among
forked worker processes (issue 15, « Cheap full builds »).

MkDocs builds one page after another in one process: at 2,000 case sheets that is 40 s on
one core while the others wait (benchmarks/README.md, issue 15). Each page's two steps,
reading its Markdown into HTML (``_populate_page``) and putting that HTML into the theme's
template (``_build_page``), need only that page and what every page shares (the settings,
the files, the navigation, the titles and front matter of the other pages). So:

1. in this process, what MkDocs' ``build`` does before its page loops (settings' events,
   files, theme, navigation), then each page's source read (front matter: the titles the
   navigation of every page shows); a page with no ``title`` in its front matter is fully
   read here, since its title then comes from its rendered first heading;
2. forked workers (``builder.pool.spread``: they inherit all of it, nothing is pickled on
   the way in) each populate and build a share of the pages and write them, returning the
   anchors each page holds and links to (for MkDocs' anchor check) and what MkDocs logged;
3. in this process, while the workers build: static files and theme templates (404 page,
   sitemap); once they are done: the logged warnings replayed into MkDocs' loggers (strict
   mode counts them as in a one-process build), the anchor check, the ``post_build`` event.

A caller may hand a ``page_hook``: the worker that built a page passes its HTML through it
before the page is written (as a plugin's ``on_post_page`` event would), and what the hook
read of the page comes back to the caller. The pipeline gives the post-build stages' page
work (``builder.build.PagePass``): each page is then read, typeset and written once, by the
worker that made it, instead of being read again and rewritten after MkDocs.

The pages' bytes are those of ``mkdocs build`` (tested: ``tests/test_mkdocs_parallel.py``).
This follows ``mkdocs.commands.build.build`` of MkDocs 1.6 line by line; any other MkDocs,
a build with plugins, a dirty build or a process that may not fork uses MkDocs' own
``build`` (``can_run``). ``.kit-build/mkdocs.yml`` is unchanged: ``mkdocs build -f`` builds
the same site alone.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable, Sequence
from typing import Any

from builder import pool

# Below this many pages a fork costs more than it saves; tests lower it to exercise the workers.
MIN_PARALLEL_PAGES = 400
SUPPORTED_MKDOCS = "1.6."  # the build() this module mirrors (pyproject pins mkdocs < 2)
SHARE_PAGES = 50  # at most this many pages in a worker's share (see ``build``)
HOOK_PLUGIN = "kit-page-hook"  # the page hook's name among a worker's MkDocs plugins

# Set just before the fork, read by the workers (``_build_share``): never pickled.
_STATE: dict[str, Any] = {}

# A page's address in the site (``File.dest_uri``) and its HTML, as MkDocs is about to write
# it, to the HTML to write and what the hook read of the page (picklable: it comes back).
PageHook = Callable[[str, str], tuple[str, Any]]


def can_run(mkdocs_config: Any, dirty: bool, pages: int) -> bool:
    """Whether ``build`` may replace MkDocs' own for this run: MkDocs 1.6, no plugin (a
    plugin's page events could depend on other pages' state), a clean build, enough pages
    (``pages``: documentation pages) and a process that may fork (``pool.can_fork``)."""
    import mkdocs

    return (mkdocs.__version__.startswith(SUPPORTED_MKDOCS) and not dirty and not len(mkdocs_config.plugins)
            and pages >= MIN_PARALLEL_PAGES and pool.worker_count(pool.MIN_PARALLEL_ITEMS) > 1 and pool.can_fork())


def build(config: Any, workers: int | None = None, page_hook: PageHook | None = None) -> dict[str, Any]:
    """``mkdocs.commands.build.build(config)`` (MkDocs 1.6, a loaded ``MkDocsConfig``, strict
    or not), its pages populated and built by ``workers`` forked processes (None: one per
    core). ``page_hook``: see the module's docstring; returns, for each page a worker passed
    through it, its address (``dest_uri``) -> what the hook read ({} without a hook; a page
    built in this process is not passed: the caller finds it by its absence). Raises what
    MkDocs' build raises (``mkdocs.exceptions.Abort`` for warnings in strict mode or a
    ``BuildError``, the error of a failing page, or of the hook), ``pool.WorkerFailed``
    (French) when a worker dies."""
    from mkdocs import utils
    from mkdocs.commands.build import _build_extra_template, _build_theme_template, _populate_page
    from mkdocs.exceptions import Abort, BuildError
    from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    logger = logging.getLogger("mkdocs")
    warning_counter = utils.CountHandler()
    warning_counter.setLevel(logging.WARNING)
    if config.strict:
        logger.addHandler(warning_counter)
    inclusion = InclusionLevel.is_included
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        utils.clean_directory(config.site_dir)
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)

        pages = []
        for file in files.documentation_pages(inclusion=inclusion):
            if file.page is None and file.inclusion.is_not_in_nav():
                Page(None, file, config)
            assert file.page is not None
            pages.append(file.page)
        early = _read_sources(pages, config, files, _populate_page)

        _STATE.update(config=config, files=files, nav=nav, env=env, pages=pages, early=early,
                      inclusion=inclusion, parent=os.getpid(), hook=page_hook)
        count = pool.worker_count(pool.MIN_PARALLEL_ITEMS) if workers is None else workers
        # Shares of at most SHARE_PAGES pages: a worker holds what it found in a share until
        # the share is done (issue 15: memory at 10,000 sheets), and the last shares end
        # close together (with 9 shares of 229 pages at 2,000 sheets, one worker waited
        # 4 to 6 s for the other: a share is now about a second of work).
        shares = pool.chunks(range(len(pages)), max(count * pool.CHUNKS_PER_WORKER, -(-len(pages) // SHARE_PAGES)))

        def theme_files() -> None:
            # What MkDocs does after its page loops but for the pages, done here while the
            # workers build the pages (issue 15: 404.html and sitemap.xml, half a second at
            # 2,000 pages, no longer after them); its page state is the one they inherited.
            theme_env = config.plugins.on_env(env, config=config, files=files)
            files.copy_static_files(dirty=False, inclusion=inclusion)
            for template in config.theme.static_templates:
                _build_theme_template(template, theme_env, files, config, nav)
            for template in config.extra_templates:
                _build_extra_template(template, files, config, nav)

        try:
            results = pool.spread(_build_share, shares, workers=count, fork=True, meanwhile=theme_files)
        finally:
            _STATE.clear()
        anchors: dict[str, tuple[set[str], dict[str, dict[str, str]]]] = {}
        hooked: dict[str, Any] = {}
        failure: BaseException | None = None
        for records, share_anchors, share_hooked, error in results:
            for record in records:
                logging.getLogger(record.name).handle(record)
            anchors.update(share_anchors)
            hooked.update(share_hooked)
            failure = failure or error
        if failure is not None:
            raise failure

        # The pages themselves were written by the workers, the static files and templates
        # meanwhile: MkDocs' order (static files, then templates, then pages, later ones
        # overwriting) matters only for a page and a static file at one address, which
        # get_files already refuses.

        doc_files = files.documentation_pages(inclusion=inclusion)
        for file in doc_files:
            present, links = anchors[file.src_uri]
            file.page.present_anchor_ids = present
            file.page.links_to_anchors = {files.get_file_from_path(uri): found for uri, found in links.items()}
        for file in doc_files:
            file.page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        config.plugins.on_post_build(config=config)
        if counts := warning_counter.get_counts():
            raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
        return hooked
    except Exception as error:
        config.plugins.on_build_error(error=error)
        if isinstance(error, BuildError):
            logger.error(str(error))
            raise Abort("Aborted with a BuildError!")
        raise
    finally:
        logger.removeHandler(warning_counter)


def _read_sources(pages: Sequence[Any], config: Any, files: Any, populate: Any) -> frozenset[int]:
    """Each page's source and front matter read here, before the fork: every page's navigation
    shows the other pages' titles. A page whose front matter has no ``title`` is populated
    whole here (its title is its rendered first heading). Returns those pages' numbers."""
    early = set()
    for number, page in enumerate(pages):
        config._current_page = page
        try:
            page.read_source(config)
        finally:
            config._current_page = None
        if "title" not in page.meta:
            populate(page, config, files)
            early.add(number)
    return frozenset(early)


class _Records(logging.Handler):
    """What MkDocs logs in a worker, kept to be replayed in the parent's loggers."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)


class _HookPlugin:
    """The page hook as MkDocs' ``post_page`` event, registered in a worker only (the parent's
    plugins stay as loaded): MkDocs hands it each page's output just before writing it."""

    def __init__(self, hook: PageHook, found: dict[str, Any]):
        self.hook, self.found = hook, found

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        output, self.found[page.file.dest_uri] = self.hook(page.file.dest_uri, output)
        return output


def _build_share(numbers: Sequence[int]) -> tuple[list[logging.LogRecord], dict, dict, BaseException | None]:
    """In a forked worker: pages ``numbers`` populated (unless done before the fork), built,
    passed through the page hook if any and written. Returns the log records, each page's
    (anchors present, {target file: {anchor: url}}) by source address, what the hook read by
    page address, and the error that stopped the share (None if none)."""
    from mkdocs.commands.build import _build_page

    state = _STATE
    config, files, nav, env, pages = state["config"], state["files"], state["nav"], state["env"], state["pages"]
    doc_files = files.documentation_pages(inclusion=state["inclusion"])
    # In a worker, MkDocs' records are kept for the parent alone (which replays them into its
    # own handlers: printed or counted once); a share run in the parent logs as usual.
    handler = _Records()
    logger = logging.getLogger("mkdocs")
    saved = logger.handlers, logger.propagate
    hooked: dict[str, Any] = {}
    if os.getpid() != state["parent"]:
        logger.handlers, logger.propagate = [handler], False
        if state["hook"] is not None:
            # Registered once per worker (MkDocs adds an event at each registration, even
            # under the same name: a second one would pass every page through the hook twice);
            # each share then gets its own findings.
            plugin = config.plugins.get(HOOK_PLUGIN)
            if plugin is None:
                plugin = config.plugins[HOOK_PLUGIN] = _HookPlugin(state["hook"], hooked)
            plugin.found = hooked
    anchors: dict[str, tuple[set[str], dict[str, dict[str, str]]]] = {}
    error: BaseException | None = None
    try:
        for number in numbers:
            page = pages[number]
            if number not in state["early"]:
                _populate_read_page(page, config, files)
            _build_page(page, config, doc_files, nav, env, excluded=page.file.inclusion.is_excluded())
            links = {target.src_uri: dict(found) for target, found in (page.links_to_anchors or {}).items()}
            anchors[page.file.src_uri] = (set(page.present_anchor_ids or ()), links)
            if number not in state["early"]:
                page.content = page.toc = None  # built: only its title (front matter) is read again
    except Exception as caught:  # handed back with the records logged before it
        error = caught if _picklable(caught) else RuntimeError(str(caught))
    finally:
        logger.handlers, logger.propagate = saved
    return handler.records, anchors, hooked, error


def _populate_read_page(page: Any, config: Any, files: Any) -> None:
    """MkDocs 1.6's ``_populate_page`` (not dirty) for a page whose source ``_read_sources``
    read before the fork, without reading it again: the worker inherited its Markdown and
    front matter, and the file has not changed since (issue 15: YAML parsing twice)."""
    from mkdocs.exceptions import BuildError

    log = logging.getLogger("mkdocs.commands.build")
    config._current_page = page
    try:
        page = config.plugins.on_pre_page(page, config=config, files=files)
        assert page.markdown is not None
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
        page.render(config, files)
        assert page.content is not None
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
    except Exception as e:
        message = f"Error reading page '{page.file.src_uri}':"
        if not isinstance(e, BuildError):
            message += f" {e}"
        log.error(message)
        raise
    finally:
        config._current_page = None


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True
