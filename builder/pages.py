"""Render stage: the validated kit → the Markdown pages MkDocs builds (Jinja2 templates).

Generated pages go into a fresh ``docs`` folder beside a copy of ``content/``.
Every page is small and independent of the catalogue's size: documents and case
sheets are reached from the path, catalogue and index pages, never from the sidebar.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urllib.parse import quote

from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined, pass_eval_context
from jinja2.filters import do_join, make_attrgetter
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from builder.config import Project, SiteConfig
from builder.markdown import MarkdownRenderer, plain_text, raw_block, raw_inline
from builder.richtext import SUMMARY_CHARS, RenderMemo, rich, summarise
from builder.models import Case, CaseSheet, Document, Kit, Nature, ReadingPath, Term
from builder import charts, facets, files, francemap, labels, metadata, pool
# Each template gets one typed view (builder.views); the page values' types live there too.
from builder.views import (BlockView, CasePageView, CasesIndexView, CataloguePageView,  # noqa: F401
                           DocumentPageView, FamilyGroup, GlossaryView, Item, NatureGroup, PageView,
                           ReadingPathPageView, ReadingPathStep)
# Markers of content/ pages (<!-- kit:chiffres fragilites-citoyens -->): syntax and names in the
# bottom layer, shared with the check (builder.validate.check_markers).
from builder.markers import BLOCK_NAMES, HOME_MARKER
# Output paths come from the one table (builder.paths); the constants stay importable from here.
from builder.paths import (CASES_INDEX_PAGE, CATALOGUE_PAGE, DOCUMENT_FILES_DIR, EXPORT_FILES,  # noqa: F401
                           FEED_FILE, GLOSSARY_PAGE, HOME_PAGE, OutputPaths, relative_url)

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
# The sections of a case sheet's page: (field, heading), headings from the one table of labels.
CASE_SECTION_TITLES = [(key, labels.FIELD_LABELS[CaseSheet][key].shown) for key in labels.CASE_SECTIONS]
# A document page lists this many of its case sheets, then links to the index filtered
# on the document: its size must not grow with the catalogue.
MAX_LINKED_CASES = 10


@dataclass
class GeneratedSite:
    docs_dir: Path
    nav: list[Any]
    not_in_nav: list[str]
    page_count: int
    # the glossary's acronyms, marked in every page's HTML by builder.markdown's extension
    abbreviations: list[Any] = field(default_factory=list)


def group_by_nature(config: SiteConfig, items: list[Item]) -> list[NatureGroup]:
    """Items grouped by nature then family, in the taxonomy's order; items keep their order."""
    groups = []
    for nature in config.taxonomie.natures:
        of_nature = [i for i in items if i.doc.nature == nature.id]
        if not of_nature:
            continue
        families = [FamilyGroup(None, [i for i in of_nature if i.doc.famille is None])]
        families += [FamilyGroup(f, [i for i in of_nature if i.doc.famille == f.id]) for f in nature.familles]
        groups.append(NatureGroup(nature, [f for f in families if f.items]))
    return groups


def path_steps(kit: Kit, doc: Document) -> list[ReadingPathStep]:
    steps = []
    for path in kit.reading_paths_of(doc.id):
        index = path.documents.index(doc.id)
        previous = kit.document(path.documents[index - 1]) if index > 0 else None
        following = kit.document(path.documents[index + 1]) if index + 1 < len(path.documents) else None
        steps.append(ReadingPathStep(path, index + 1, len(path.documents), previous, following))
    return steps


def plain_summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """A Markdown field (str) as one line of plain text cut at a word to ``limit`` characters:
    read from the field's one render (builder.richtext), so no Markdown syntax is left."""
    return summarise(rich(text).text, limit)


def first_clause(text: str, limit: int = 140) -> str:
    """The first clause of a Markdown text, as plain text: up to its first comma, colon,
    semicolon, parenthesis or full stop (« Ce parcours s'adresse aux décideurs des territoires »),
    cut at a word past ``limit`` characters. The home's path cards say whom a path serves
    with it, from the path's own introduction (kit/parcours.yml), so nothing is typed twice."""
    flat = plain_summary(text, 10_000)
    clause = re.split(r"\s*(?:[,:;.](?:\s|$)|\()", flat + " ", maxsplit=1)[0].strip()
    if len(clause) > limit:
        clause = clause[:limit].rsplit(" ", 1)[0] + "…"
    return clause


def recent_cases(cases: list[Case], count: int = 3) -> list[Case]:
    """The ``count`` case sheets added last (``date_ajout``, newest first; sheets without a
    date after; ties by title): the home's « latest case sheets »."""
    return sorted(cases, key=lambda c: (c.sheet.date_ajout is None,
                                        -(c.sheet.date_ajout.toordinal() if c.sheet.date_ajout else 0),
                                        facets.sort_key(c.sheet.titre)))[:count]


def _inert(value: Any) -> Any:
    """Jinja's finalize: strings not already marked safe become inert text."""
    return plain_text(value) if isinstance(value, str) and not isinstance(value, Markup) else value


@pass_eval_context
def _join_inert(context: EvalContext, value: Any, separator: str = "", attribute: str | int | None = None) -> str:
    if attribute is not None:
        value = map(make_attrgetter(context.environment, attribute), value)
    return do_join(context, [_inert(item) for item in value], separator)


def _web_address(value: Any) -> Markup:
    """An outside address for an href: http(s) or mailto only. The models already refuse
    anything else; this still holds for a sheet that reached the renderer unchecked."""
    from builder.markdown import URL_SCHEMES, url_scheme

    return Markup(escape(str(value))) if url_scheme(str(value)) in URL_SCHEMES else Markup("#")


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept for the process, keyed by Jinja on name and source checksum
    (an edited template is compiled again): the incremental preview's rounds reuse them."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _MemoryBytecodeCache()

# Set by the incremental preview (builder.incremental) during one of its rounds only, never by
# kit build: the case index's entries (``PageRenderer.case_entries``) kept between rounds, by
# (macro, page, number, slug) -> (the Case, its HTML). A sheet whose bytes did not change is
# the same Case object (builder.loader.CASE_MEMO); any other input change makes new ones.
ENTRY_MEMO: RenderMemo | None = None


class PageRenderer:
    def __init__(self, project: Project, config: SiteConfig, kit: Kit):
        self.project = project
        self.config = config
        self.kit = kit
        self.out = config.sorties
        self.urls = OutputPaths.of(config.sorties)
        self.skip: Callable[[str], bool] | None = None  # see generate()
        self.markdown = MarkdownRenderer()
        self.env = Environment(
            loader=PackageLoader("builder", "templates"),
            bytecode_cache=_COMPILED_TEMPLATES,  # each preview round makes a renderer: compile once
            auto_reload=False,  # the builder's own templates: not stat()ed at each of 6,000 get_template
            autoescape=True,  # catalogue text is escaped; sanitised HTML comes in as Markup
            # Every plain value is made inert for Markdown too (builder.markdown.plain_text):
            # catalogue text is untrusted, and these pages are Markdown before they are HTML.
            finalize=_inert,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # Front matter: the theme inserts page.meta values into HTML unescaped, so they are
        # HTML-escaped here (a « " » in a description no longer breaks its <meta> tag).
        self.env.filters["yaml"] = lambda value: Markup(metadata.yaml_safe_json(
            json.dumps(str(escape(" ".join(str(value).split()))), ensure_ascii=False)))
        self.env.filters["join"] = _join_inert  # Jinja's join marks its result safe
        self.env.filters["url"] = lambda value: Markup(quote(str(value), safe="/"))
        self.env.filters["web_address"] = _web_address
        self.env.filters["number"] = format_number
        self.env.globals.update(
            out=self.out,
            urls=self.urls,  # every output path and URL (builder.paths)
            site=config.site,
            rubriques=config.rubriques,
            taxonomy=config.taxonomie,
            md=self.markdown,
            # catalogue HTML goes into the Markdown page as a placeholder (builder.markdown.raw_block):
            # sanitised texts, and the HTML we build around catalogue text (map, charts)
            text_block=lambda html: raw_block(Markup('<div class="kit-texte">\n') + html + Markup("\n</div>")),
            raw_block=raw_block,
            raw_inline=raw_inline,
            link_to=link_to,
            months=MONTHS,
            # « PDF, 1,2 Mo »: the format and size offered beside a document's file (issue #16)
            file_label=lambda name: files.file_label(project.kit_dir / DOCUMENT_FILES_DIR / name),
            nature_label=lambda doc: config.taxonomie.label("natures", doc.nature),
            # filters, map, charts, web addresses (builder.facets, .francemap, .charts, .metadata)
            absolute_url=lambda relative: Markup(escape(metadata.absolute_url(config, relative))),
            feed_page=self.urls.feed,
            # the home's blocks (blocks/parcours.md.j2, blocks/fiches-recentes.md.j2)
            first_clause=first_clause,
            region_anchor=francemap.region_anchor,  # a region's list below the map, where its group marker leads
            case_entries=self.case_entries,  # the case index's entries, one sheet each (_case_entries.j2)
            numbered=lambda items: list(enumerate(items, 1)),
        )

    def case_entries(self, macro: str, numbered: list[tuple[int, Case]], current_page: str) -> Markup:
        """The entries of one of the case index's lists as HTML lines (Markup), one per
        (number, sheet) of ``numbered``, each by the macro ``macro`` of ``_case_entries.j2``
        (``list_entry``: the numbered list; ``map_entry``: the map's text) for the page
        ``current_page`` (its path in docs/: links are relative to it). During a preview
        round (``ENTRY_MEMO`` set) an entry whose sheet, number and page did not change is
        the previous round's: at 2,000 sheets the index costs one entry, not 4,000."""
        memo = ENTRY_MEMO
        module = self.env.get_template("_case_entries.j2").make_module({"current_page": current_page})
        render = getattr(module, macro)
        lines = []
        for number, case in numbered:
            key = (macro, current_page, number, case.slug)
            kept = memo.get(key) if memo is not None else None
            if kept is None or kept[0] is not case:
                kept = (case, render(number, case))
                if memo is not None:
                    memo.put(key, kept)
            lines.append(kept[1])
        return Markup("\n").join(lines)

    def render(self, template: str, **values: Any) -> str:
        return self.env.get_template(template).render(**values)

    def write(self, docs: Path, relative: str, view: PageView) -> None:
        """Renders ``view`` (one typed view, builder.views) with its template into ``docs/relative``."""
        if self.skip is not None and self.skip(relative):  # the preview keeps its copy (builder.incremental)
            return
        self.markdown.start_page()  # footnote ids numbered per page
        target = docs / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # one typed input per template; links between pages are relative to the page (link_to)
        text = self.render(view.template, view=view, current_page=relative)
        _assert_front_matter_parses(text, relative)
        target.write_text(text, encoding="utf-8")

    # --- each kind of page ---

    def document_page(self, doc: Document) -> DocumentPageView:
        nature = self.config.taxonomie.nature(doc.nature)
        return DocumentPageView(
            doc=doc,
            nature=nature,
            family=nature.family(doc.famille) if nature else None,
            reading_paths=self.kit.reading_paths_of(doc.id),
            path_steps=path_steps(self.kit, doc),
            cases=self.kit.cases_of(doc.id),
            max_cases=MAX_LINKED_CASES,
            description=rich(doc.resume).summary,  # the JSON-LD's description too (builder.metadata)
            schema=metadata.front_matter_json(metadata.document_schema(self.config, self.kit, doc)),
            tab=self.urls.catalogue_source,  # the tab Material highlights (theme/partials/tabs-item.html)
        )

    def case_page(self, case: Case) -> CasePageView:
        # previous and next sheets in the index's order (the bearings of a sheet, _bearings.j2)
        if getattr(self, "_case_positions", None) is None:
            self._case_positions = {c.slug: n for n, c in enumerate(self.kit.cases)}
        position = self._case_positions[case.slug]
        cases = self.kit.cases
        return CasePageView(
            previous=cases[position - 1] if position > 0 else None,
            following=cases[position + 1] if position + 1 < len(cases) else None,
            tab=self.urls.cases_index_source,  # the tab Material highlights
            case=case,
            sheet=case.sheet,
            sections=CASE_SECTION_TITLES,
            documents=[d for d in (self.kit.document(i) for i in case.sheet.documents) if d],
            description=rich(case.sheet.objet).summary,  # the JSON-LD's description too (builder.metadata)
            schema=metadata.front_matter_json(metadata.case_schema(self.config, self.kit, case)),
        )

    def reading_path_page(self, path: ReadingPath) -> ReadingPathPageView:
        items = [Item(d, path.documents.index(d.id) + 1) for d in self.kit.documents if d.id in path.documents]
        return ReadingPathPageView(path=path, groups=group_by_nature(self.config, items),
                    schema=metadata.front_matter_json(metadata.path_schema(self.config, self.kit, path)))

    def catalogue_page(self) -> CataloguePageView:
        items = [Item(d, n) for n, d in enumerate(self.kit.documents, 1)]
        return CataloguePageView(documents=self.kit.documents, groups=group_by_nature(self.config, items), filters=facets.catalogue_filters(self.config, self.kit),
                    exports=[relative_url(self.urls.catalogue_source, name) for name in self.urls.exports])

    def cases_index_page(self) -> CasesIndexView:
        cases = self.kit.cases
        by_region: dict[str, list[tuple[int, Case]]] = {}
        for number, case in enumerate(cases, 1):
            region = francemap.find_region(case.sheet.region)
            by_region.setdefault(region.name if region else "", []).append((number, case))
        regions = sorted(((name, items) for name, items in by_region.items() if name), key=lambda r: facets.sort_key(r[0]))
        return CasesIndexView(
            cases=cases,
            filters=facets.case_filters(self.config, self.kit),
            map=francemap.map_svg(cases, lambda case: relative_url(self.urls.cases_index, self.urls.case(case.slug))) if cases else None,
            regions=regions,
            without_region=by_region.get("", []),
        )

    def glossary_page(self) -> GlossaryView:
        return GlossaryView(terms=self.kit.glossary.termes, abbreviations=self.kit.glossary.abreviations)

    def block_view(self, name: str, argument: str | None) -> BlockView:
        """The view of the block ``name`` (a marker of content/) with the marker's ``argument``:
        the charts of every key figure or of one ``groupe`` (kit:chiffres), the sheets added last,
        three or the argument's number (kit:fiches-recentes)."""
        drawn: list[tuple[Any, Markup | None]] = []
        if name == "chiffres":
            figures = [f for f in self.kit.figures if argument is None or f.groupe == argument]
            drawn = [(chart, charts.bars(chart, f"kit-graphique-{chart.key}") if chart.drawn else None)
                     for chart in charts.charts(figures, self.config.rubriques.groupes_chiffres)]
        latest = recent_cases(self.kit.cases, _count(argument, 3)) if name == "fiches-recentes" else []
        return BlockView.of(self.kit, argument, charts=drawn, recent_cases=latest)

    def home_blocks(self, text: str, page: str = HOME_PAGE) -> str:
        """The markers of a content/ page (``page``, relative to content/) replaced by their blocks."""
        self.markdown.start_page()  # one page, however many blocks: footnote ids stay distinct
        def block(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in BLOCK_NAMES:  # a later stage's marker (builder.accessibility: kit:date-edition)
                return match.group(0)
            try:
                # current_page: the block's links are relative to the page it sits in (link_to)
                return self.render(f"blocks/{name}.md.j2", view=self.block_view(name, match.group(2)), current_page=page)
            except Exception as error:  # kit check reports bad markers first; say which one anyway
                raise ValueError(f"marqueur « kit:{name} » impossible à afficher dans content/{page}") from error

        return HOME_MARKER.sub(block, text)


def _count(argument: str | None, default: int) -> int:
    """A marker's argument as a number, read as Jinja's ``int`` filter reads it (0 if it is none)."""
    if not argument:
        return default
    try:
        return int(argument)
    except ValueError:
        return 0


def link_to(current: str | None, target: str, root: str = "") -> Markup:
    """The href from the page ``current`` (its Markdown path in docs/, or None when unknown)
    to the built page ``target`` (a site path ending in .html), as MkDocs writes links:
    relative and shortest (« film.html » beside, « ../parcours/x.html » elsewhere); without
    ``current``, ``root`` (the way back to the site's root) followed by ``target``."""
    if current is None:
        return Markup(quote(root + target, safe="/"))
    return Markup(quote(relative_url(current, target), safe="/"))


def format_number(value: float) -> str:
    """French number formatting: 1 200 000, 1,2."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,}".replace(",", "\u202f").replace(".", ",")


_GENERATED_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)


def _assert_front_matter_parses(text: str, relative: str) -> None:
    """A front matter MkDocs cannot parse is published as the page's text (catalogue text
    read as Markdown and raw HTML): stop instead. Our templates always write one."""
    import yaml

    found = _GENERATED_FRONT_MATTER.match(text)
    try:
        data = yaml.load(found.group(1), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if found else None
    except yaml.YAMLError as error:
        raise RuntimeError(f"front matter of the generated page {relative} does not parse: {error}") from error
    if not isinstance(data, dict):
        raise RuntimeError(f"front matter of the generated page {relative} is missing")


def generate(project: Project, config: SiteConfig, kit: Kit, work_dir: Path,
             skip: Callable[[str], bool] | None = None) -> GeneratedSite:
    """Write every page into ``work_dir/docs`` (emptied first) and return the navigation.

    ``skip(relative)`` true: that generated page (its path in docs/) is not rendered; the
    incremental preview (``builder.incremental``) passes the case and document pages it kept unchanged."""
    docs = work_dir / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    if project.content_dir.is_dir():
        files.copy_content(project.content_dir, docs, project.root)  # regular files only, links never followed
        # (the acronyms' hover titles are added to the HTML by builder.markdown's extension)
    docs.mkdir(parents=True, exist_ok=True)
    files_dir = project.kit_dir / DOCUMENT_FILES_DIR
    # Only the files a document names, as regular files: never a link, a page or a script (builder.files).
    files.publish_files([d.fichier for d in kit.documents if d.fichier], files_dir, docs / DOCUMENT_FILES_DIR, project.root)

    renderer = PageRenderer(project, config, kit)
    renderer.skip = skip
    urls = OutputPaths.of(config.sorties)
    # Markers in any page of content/ (the home's paths and figures, the concept pages' data).
    for page in sorted(docs.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        if HOME_MARKER.search(text):
            page.write_text(renderer.home_blocks(text, page.relative_to(docs).as_posix()), encoding="utf-8")

    def other_pages() -> None:
        # Every page but the case sheets': each depends on the catalogue alone, not on the
        # case pages, nor on the order pages are rendered in.
        for doc in kit.documents:
            if skip is None or not skip(urls.document_source(doc.id)):
                renderer.write(docs, urls.document_source(doc.id), renderer.document_page(doc))
        for path in kit.reading_paths:
            renderer.write(docs, urls.reading_path_source(path.id), renderer.reading_path_page(path))
        renderer.write(docs, urls.catalogue_source, renderer.catalogue_page())
        renderer.write(docs, urls.cases_index_source, renderer.cases_index_page())
        if kit.glossary.termes or kit.glossary.abreviations:
            renderer.write(docs, urls.glossary_source, renderer.glossary_page())

    # The case sheets' pages, most of a large catalogue, written by forked workers while this
    # process writes the others (issue 15); the loop below then skips them, as it skips the
    # pages the preview keeps.
    written = _write_cases_in_workers(renderer, docs, urls, other_pages) if skip is None else frozenset()
    if written:
        skip = renderer.skip = written.__contains__
    for case in kit.cases:
        if skip is None or not skip(urls.case_source(case.slug)):  # no view made for a page the preview keeps
            renderer.write(docs, urls.case_source(case.slug), renderer.case_page(case))
    if not written:
        other_pages()

    page_count = sum(1 for _ in docs.rglob("*.md"))
    return GeneratedSite(docs, navigation(config, kit, docs), not_in_nav(config), page_count, kit.glossary.abreviations)


# What forked workers read (builder.pool.spread(fork=True)): set just before the fork.
_FORKED: tuple[PageRenderer, Path, OutputPaths] | None = None


def _write_case_pages(bounds: tuple[int, int]) -> list[str]:
    renderer, docs, urls = _FORKED
    written = []
    for case in renderer.kit.cases[bounds[0]:bounds[1]]:
        relative = urls.case_source(case.slug)
        renderer.write(docs, relative, renderer.case_page(case))
        written.append(relative)
    return written


def _write_cases_in_workers(renderer: PageRenderer, docs: Path, urls: OutputPaths,
                            meanwhile: Callable[[], None]) -> frozenset[str]:
    """Every case sheet's page written into ``docs`` by worker processes forked from this one
    (``builder.pool``): they inherit the validated catalogue, its rendered Markdown and the
    compiled templates, so nothing is sent to them but two numbers. Each page depends on its
    sheet and its neighbours only: the bytes are those of the loop in this process.
    ``meanwhile``: this process's own pages, written while the workers run (``pool.spread``).
    Returns the pages written (their paths in docs/), none where forking is not worth it or
    not safe (``pool.worker_count``, ``pool.can_fork``): ``meanwhile`` has then not run.
    Raises what rendering raises, ``pool.WorkerFailed``."""
    global _FORKED
    cases = renderer.kit.cases
    workers = pool.worker_count(len(cases))
    if workers <= 1 or not pool.can_fork():
        return frozenset()
    # made once here, not in each worker: the sheets' positions and the page's template
    renderer._case_positions = {c.slug: n for n, c in enumerate(cases)}
    renderer.env.get_template(renderer.case_page(cases[0]).template)
    bounds = [(piece[0], piece[-1] + 1) for piece in pool.chunks(range(len(cases)), workers * pool.CHUNKS_PER_WORKER)]
    _FORKED = (renderer, docs, urls)
    try:
        done = pool.spread(_write_case_pages, bounds, workers=workers, fork=True, meanwhile=meanwhile)
    finally:
        _FORKED = None
    return frozenset(relative for chunk in done for relative in chunk)


def navigation(config: SiteConfig, kit: Kit, docs: Path) -> list[Any]:
    """Top-level tabs: home, the reading paths, the catalogue, the case sheets, about the kit."""
    urls = OutputPaths.of(config.sorties)
    nav: list[Any] = [{"Accueil": urls.home_source}] if (docs / urls.home_source).is_file() else []
    nav += [{p.titre_court: urls.reading_path_source(p.id)} for p in kit.reading_paths]
    nav.append({config.rubriques.catalogue: urls.catalogue_source})
    nav.append({config.rubriques.fiches: urls.cases_index_source})
    about = [p for p in config.rubriques.pages_a_propos if (docs / p).is_file()]
    if not about:  # by default every page of content/ other than the home, sorted
        generated = urls.generated_dirs
        about = sorted(
            relative.as_posix()
            for relative in (p.relative_to(docs) for p in docs.rglob("*.md"))
            if relative.parts[0] not in generated and relative != Path(urls.home_source)
        )
    if about:
        nav.append({config.rubriques.a_propos: about})
    return nav


def not_in_nav(config: SiteConfig) -> list[str]:
    """Pages reached through links only: the sidebar must not grow with the catalogue."""
    return OutputPaths.of(config.sorties).not_in_nav
