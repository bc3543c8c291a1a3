"""Post-build stage: the search index of every page, written as ``search/index.js``.

The index is a lunr index built by lunr.py (the same format lunr.js 2.3.9 loads with
``lunr.Index.load``) over terms that already went through the French pipeline
(``french.py``): the index carries no pipeline of its own, so the browser and
``kit search`` only have to process the query, the same way.

It is a script, not a JSON file, because pages opened from disk (``file://``) can
load a ``<script>`` but not fetch a file. The site loads it only when a reader
reaches for the search box, never with the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from lunr.builder import Builder

from builder.config import SiteConfig
from builder.models import Kit
from builder.pages import CASES_INDEX_PAGE, CATALOGUE_PAGE, plain_summary
from builder.search import french

INDEX_FILE = "search/index.js"
LOADER_CALL = "kitSearch.ready("
# Fields and their weights: a word of the title counts ten times a word of the text.
# One-letter names: they are repeated in every entry of the index.
FIELDS = (("t", 10), ("m", 3), ("b", 1))
# Pages that list others (home, catalogue, index of case sheets) quote every title:
# they must not push the pages they list down the results.
LISTING_BOOST = 0.3
EXCERPT_LENGTH = 180
SKIPPED_PAGES = {"404.html"}


@dataclass
class Entry:
    """One page as the search sees it."""

    url: str  # relative to the site's root
    title: str
    kind: str  # what the page is: a nature, « Fiche d'expérience », « Parcours de lecture »…
    paths: list[str]  # short titles of the reading paths the page belongs to
    excerpt: str
    fields: list[str] = field(default_factory=list)  # structured fields: authors, year, territory…
    text: str = ""
    boost: float = 1.0


class _PageText(HTMLParser):
    """The title and visible text of a page's content (``article.md-content__inner``)."""

    SKIPPED_CLASSES = {"headerlink", "kit-externe__note"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    # Elements that separate words; inline ones (abbr, em, a…) do not: « <em>co</em>-construction ».
    BLOCKS = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div", "ul", "ol", "dl",
              "table", "tr", "section", "blockquote", "figcaption", "pre", "details", "summary", "nav", "figure"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # depth inside the article, 0 outside
        self.skip_depth = 0  # depth at which a skipped element started
        self.in_h1 = False
        self.in_p = False
        self.title: list[str] = []
        self.text: list[str] = []
        self.first_paragraph: list[str] = []
        self.paragraph_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if self.depth == 0:
            if tag == "article" and "md-content__inner" in classes:
                self.depth = 1
            return
        if tag in self.VOID:
            if tag == "br":
                self.text.append(" ")
            return
        self.depth += 1
        if not self.skip_depth and (tag in ("script", "style") or classes & self.SKIPPED_CLASSES):
            self.skip_depth = self.depth
        if tag == "h1":
            self.in_h1 = True
        if tag == "p" and not self.paragraph_done:
            self.in_p = True
        if tag in self.BLOCKS:
            self.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0 or tag in self.VOID:
            return
        if self.skip_depth == self.depth:
            self.skip_depth = 0
        if tag == "h1":
            self.in_h1 = False
        if tag == "p" and self.in_p:
            self.in_p = False
            self.paragraph_done = bool("".join(self.first_paragraph).strip())
        self.depth -= 1
        if tag in self.BLOCKS:
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if self.depth == 0 or self.skip_depth:
            return
        if self.in_h1:
            self.title.append(data)
            return
        self.text.append(data)
        if self.in_p:
            self.first_paragraph.append(data)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, limit: int = EXCERPT_LENGTH) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def page_entries(site_dir: Path, config: SiteConfig, kit: Kit) -> list[Entry]:
    """Every page of the built site, with what the catalogue knows about it."""
    out = config.sorties
    taxonomy = config.taxonomie
    documents = {f"{out.dossier_documents}/{d.id}.html": d for d in kit.documents}
    cases = {f"{out.dossier_fiches}/{c.slug}.html": c for c in kit.cases}
    paths = {f"{out.dossier_parcours}/{p.id}.html": p for p in kit.paths}
    listings = {
        "index.html": "Accueil",
        CATALOGUE_PAGE.replace(".md", ".html"): config.rubriques.catalogue,
        f"{out.dossier_fiches}/{CASES_INDEX_PAGE}".replace(".md", ".html"): config.rubriques.fiches,
    }
    entries = []
    for page in sorted(site_dir.rglob("*.html")):
        url = page.relative_to(site_dir).as_posix()
        if url in SKIPPED_PAGES or url.split("/")[0] == out.dossier_telechargements:
            continue
        parsed = _PageText()
        parsed.feed(page.read_text(encoding="utf-8"))
        title = _clean("".join(parsed.title))
        text = _clean("".join(parsed.text))
        if not title and not text:
            continue
        entry = Entry(url, title, config.rubriques.a_propos, [], _cut(_clean("".join(parsed.first_paragraph))), text=text)
        if url in documents:
            doc = documents[url]
            nature = taxonomy.nature(doc.nature)
            family = nature.family(doc.famille) if nature else None
            entry.kind = " — ".join(t.libelle for t in (nature, family) if t) or doc.nature
            entry.paths = [p.titre_court for p in kit.paths_of(doc.id)]
            entry.excerpt = plain_summary(doc.resume, EXCERPT_LENGTH)
            entry.fields = [*doc.auteurs, doc.years, str(doc.annee), entry.kind]
        elif url in cases:
            sheet = cases[url].sheet
            entry.kind = "Fiche d'expérience"
            entry.excerpt = plain_summary(sheet.objet, EXCERPT_LENGTH)
            entry.fields = [
                entry.kind, sheet.territoire, sheet.region or "", sheet.statut,
                *(taxonomy.label("formes", f) for f in sheet.formes),
                taxonomy.label("demarches", sheet.demarche) if sheet.demarche else "",
                *sheet.themes,
            ]
        elif url in paths:
            entry.kind = "Parcours de lecture"
            entry.paths = [paths[url].titre_court]
            entry.excerpt = plain_summary(paths[url].introduction, EXCERPT_LENGTH)
            entry.fields = [paths[url].titre_court]
        elif url in listings:
            entry.kind = listings[url]
            entry.boost = LISTING_BOOST
        entries.append(entry)
    return entries


def build_index(entries: list[Entry]) -> dict:
    """The data ``search/index.js`` hands to the page: pipeline settings, results, lunr index."""
    builder = Builder()  # no pipeline: the terms given are final (see french.py)
    builder.ref("id")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    for number, entry in enumerate(entries):
        builder.add(
            {
                "id": str(number),
                "t": french.terms(entry.title),
                "m": french.terms(" ; ".join(f for f in entry.fields if f)),
                "b": french.terms(entry.text),
            },
            {"boost": entry.boost} if entry.boost != 1 else None,
        )
    return {
        "pipeline": french.PIPELINE,
        "config": {
            "stopWords": list(french.STOP_WORDS),
            "elisions": list(french.ELISIONS),
            "prefixMin": french.PREFIX_MIN,
            "exactBoost": french.EXACT_BOOST,
            "joinedBoost": french.JOINED_BOOST,
        },
        # One row per page, by lunr reference (its position): url, title, kind, paths, excerpt.
        "docs": [[e.url, e.title, e.kind, e.paths, e.excerpt] for e in entries],
        "index": builder.build().serialize(),
    }


def render_script(data: dict) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # JSON is valid JavaScript; these two characters end a line in older engines' strings.
    payload = payload.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"/* Index de recherche du site, produit par « kit build » : ne pas modifier. */\n{LOADER_CALL}{payload});\n"


def read_script(text: str) -> dict:
    """The data of a ``search/index.js`` (for ``kit search`` and the tests)."""
    start = text.index(LOADER_CALL) + len(LOADER_CALL)
    end = text.rindex(");")
    return json.loads(text[start:end])


def search_stage(site_dir: Path, config: SiteConfig, kit: Kit) -> None:
    target = site_dir / INDEX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_script(build_index(page_entries(site_dir, config, kit))), encoding="utf-8")


# Words of the index as written (before stemming), for the tests that compare stems.
def vocabulary(entries: list[Entry]) -> list[str]:
    found: set[str] = set()
    for entry in entries:
        for text in (entry.title, entry.text, " ".join(entry.fields)):
            for match in french.WORD.finditer(french.fold(text)):
                found.update(p for p in re.split(f"[{french.APOSTROPHES}{french.HYPHENS}]", match.group(0)) if p)
                found.add(re.sub(f"[{french.APOSTROPHES}{french.HYPHENS}]", "", match.group(0)))
    return sorted(found)
