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

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lunr.builder import Builder
from lunr.field_ref import FieldRef
from lunr.idf import idf as lunr_idf
from lunr.vector import Vector

from builder.config import SiteConfig
from builder.models import Kit
from builder.pages import CASES_INDEX_PAGE, CATALOGUE_PAGE, plain_summary
from builder.search import french

INDEX_FILE = "search/index.js"
LOADER_CALL = "kitSearch.ready(JSON.parse("
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


# The built pages are MkDocs' own well-formed HTML: regular expressions on the content
# (article.md-content__inner) read them four times faster than html.parser, which
# matters at 2,000 pages. A tag may hold « > » inside a quoted attribute (abbr titles).
_TAG = r"""<(?:[^>"']|"[^"]*"|'[^']*')*>"""
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Permalinks (¶) and « (nécessite une connexion internet) » notes are not content.
_SKIPPED = re.compile(r"<(script|style)\b.*?</\1\s*>"
                      r"|<(a|span)\b[^>]*\bclass=\"(?:[^\"]*\s)?(?:headerlink|kit-externe__note)(?:\s[^\"]*)?\"[^>]*>.*?</\2>", re.S)
# Elements that separate words; inline ones (abbr, em, a…) do not: « <em>co</em>-construction ».
_BLOCK = re.compile(r"</?(?:p|li|dt|dd|h[1-6]|td|th|div|ul|ol|dl|table|tr|section|blockquote|figcaption|pre"
                    r"|details|summary|nav|figure|br)\b" + _TAG[1:], re.S)
_ANY_TAG = re.compile(_TAG, re.S)
_H1 = re.compile(r"<h1\b" + _TAG[1:-1] + r">(.*?)</h1>", re.S)
_P = re.compile(r"<p\b" + _TAG[1:-1] + r">(.*?)</p>", re.S)


def _text(fragment: str) -> str:
    return _clean(html.unescape(_ANY_TAG.sub("", _BLOCK.sub(" ", fragment))))


def page_text(page: str) -> tuple[str, str, str]:
    """The title (h1), the rest of the text and the first paragraph of a page's content."""
    start = page.find('<article class="md-content__inner')
    if start < 0:
        return "", "", ""
    body = page[page.find(">", start) + 1:page.find("</article>", start)]
    body = _SKIPPED.sub("", _COMMENT.sub("", body))
    title = ""
    heading = _H1.search(body)
    if heading:
        title = _text(heading.group(1))
        body = f"{body[:heading.start()]} {body[heading.end():]}"
    first = next((t for t in (_text(p) for p in _P.findall(body)) if t), "")
    return title, _text(body), first


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
        title, text, first_paragraph = page_text(page.read_text(encoding="utf-8"))
        if not title and not text:
            continue
        entry = Entry(url, title, config.rubriques.a_propos, [], _cut(first_paragraph), text=text)
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


class TermsBuilder(Builder):
    """lunr.py's Builder fed with final terms, and quicker at 2,000 pages.

    ``Builder.add`` would wrap each term in a Token and deep-copy its metadata only to
    read the string back, and ``Vector.insert`` keeps each vector sorted by inserting
    in the middle: two thirds of the indexing time. These two methods do the same
    bookkeeping and the same arithmetic as lunr 0.8.0 (pinned); a test checks that the
    serialised index equals the one lunr.py's own Builder makes.
    """

    def add_terms(self, doc_ref: str, fields: dict[str, list[str]], boost: float = 1) -> None:
        self._documents[doc_ref] = {"boost": boost} if boost != 1 else {}
        self.document_count += 1
        for field_name in self._fields:
            terms = fields[field_name]
            field_terms: dict[str, int] = defaultdict(int)
            field_ref = str(FieldRef(doc_ref, field_name))
            self.field_term_frequencies[field_ref] = field_terms
            self.field_lengths[field_ref] = len(terms)
            for term in terms:
                field_terms[term] += 1
                posting = self.inverted_index.get(term)
                if posting is None:
                    posting = {name: {} for name in self._fields}
                    posting["_index"] = self.term_index
                    self.term_index += 1
                    self.inverted_index[term] = posting
                if doc_ref not in posting[field_name]:
                    posting[field_name][doc_ref] = {}

    def _create_field_vectors(self) -> None:
        field_vectors = {}
        term_idf_cache: dict[str, float] = {}
        for field_ref, term_frequencies in self.field_term_frequencies.items():
            _field_ref = FieldRef.from_string(field_ref)
            field_name = _field_ref.field_name
            field_length = self.field_lengths[field_ref]
            field_boost = self._fields[field_name].boost
            doc_boost = self._documents[_field_ref.doc_ref].get("boost", 1)
            pairs = []
            for term, tf in term_frequencies.items():
                term_index = self.inverted_index[term]["_index"]
                if term not in term_idf_cache:
                    term_idf_cache[term] = lunr_idf(self.inverted_index[term], self.document_count)
                idf = term_idf_cache[term]
                score = (
                    idf
                    * ((self._k1 + 1) * tf)
                    / (self._k1 * (1 - self._b + self._b * (field_length / self.average_field_length[field_name])) + tf)
                )
                score *= field_boost
                score *= doc_boost
                pairs.append((term_index, round(score, 3)))
            pairs.sort()
            field_vectors[field_ref] = Vector([value for pair in pairs for value in pair])
        self.field_vectors = field_vectors


def new_builder() -> TermsBuilder:
    builder = TermsBuilder()  # no pipeline: the terms given are final (see french.py)
    builder.ref("id")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    return builder


def entry_terms(entry: Entry) -> dict[str, list[str]]:
    return {
        "t": french.terms(entry.title),
        "m": french.terms(" ; ".join(f for f in entry.fields if f)),
        "b": french.terms(entry.text),
    }


def build_index(entries: list[Entry]) -> dict:
    """The data ``search/index.js`` hands to the page: pipeline settings, results, lunr index."""
    builder = new_builder()
    for number, entry in enumerate(entries):
        builder.add_terms(str(number), entry_terms(entry), entry.boost)
    return {
        "pipeline": french.PIPELINE,
        "config": {
            "stopWords": list(french.STOP_WORDS),
            "elisions": list(french.ELISIONS),
            "prefixMin": french.PREFIX_MIN,
            "exactBoost": french.EXACT_BOOST,
            "typedBoost": french.TYPED_BOOST,
            "joinedBoost": french.JOINED_BOOST,
        },
        # One row per page, by lunr reference (its position): url, title, kind, paths, excerpt.
        "docs": [[e.url, e.title, e.kind, e.paths, e.excerpt] for e in entries],
        "index": compact_index(builder.build().serialize()),
    }


# --- lunr's serialised index, written compactly ---
# lunr's own JSON spells every posting as {"12": {}} and every vector value with its
# decimals: 10 MB at 2,000 pages. The same numbers as delta-coded integers take 4.6 MB
# and parse twice as fast; both sides expand them back to lunr's format, exactly, before
# ``Index.load`` (a test checks the round trip on the real kit).


def _deltas(values: list[int]) -> list[int]:
    return [value - previous for previous, value in zip([0, *values], values)]


def compact_index(serialised: dict) -> dict:
    """lunr's serialised index → {fields, terms: [[term, index, refs per field]], vectors: [per page, per field]}.

    References must be the pages' positions (0, 1, 2…), each page having a vector for
    each field, in that order (what ``build_index`` makes); scores have 3 decimals (lunr's).
    """
    fields = serialised["fields"]
    vectors: dict[str, list[float]] = dict(serialised["fieldVectors"])
    pages = len(vectors) // len(fields)
    assert list(vectors) == [f"{field}/{page}" for page in range(pages) for field in fields]
    terms = [[term, posting["_index"], *(_deltas([int(ref) for ref in posting[field]]) for field in fields)]
             for term, posting in serialised["invertedIndex"]]
    packed = []
    for page in range(pages):
        row = []
        for name in fields:
            elements = vectors[f"{name}/{page}"]
            indexes, scores = elements[0::2], elements[1::2]
            row.append([v for pair in zip(_deltas(indexes), (round(s * 1000) for s in scores)) for v in pair])
        packed.append(row)
    return {"version": serialised["version"], "fields": fields, "pipeline": serialised["pipeline"],
            "terms": terms, "vectors": packed}


def expand_index(compact: dict) -> dict:
    """The compact index back into lunr's serialised format (``Index.load``'s input)."""
    fields = compact["fields"]
    inverted = []
    for term, number, *refs in compact["terms"]:
        posting: dict = {}
        for name, deltas in zip(fields, refs):
            ref, documents = 0, {}
            for delta in deltas:
                ref += delta
                documents[str(ref)] = {}
            posting[name] = documents
        posting["_index"] = number
        inverted.append([term, posting])
    vectors = []
    for page, row in enumerate(compact["vectors"]):
        for name, packed in zip(fields, row):
            elements, index = [], 0
            for delta, score in zip(packed[0::2], packed[1::2]):
                index += delta
                elements += [index, score / 1000]
            vectors.append([f"{name}/{page}", elements])
    return {"version": compact["version"], "fields": fields, "fieldVectors": vectors,
            "invertedIndex": inverted, "pipeline": compact["pipeline"]}


def render_script(data: dict) -> str:
    # The JSON inside a string handed to JSON.parse: V8 read the same data three times
    # faster than as an object literal (10 MB: 1.3 s against 4.4 s, machine loaded).
    # ASCII only (accents as \\u escapes): one-byte strings for V8, and no dependence on
    # the encoding a browser assumes for a script read from the disk.
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    literal = payload.replace("\\", "\\\\").replace("'", "\\'")
    return f"/* Search index of the site, written by kit build: do not edit. */\n{LOADER_CALL}'{literal}'));\n"


_ESCAPE = re.compile(r"\\(.)", re.S)


def read_script(text: str) -> dict:
    """The data of a ``search/index.js`` (for ``kit search`` and the tests)."""
    start = text.index(LOADER_CALL) + len(LOADER_CALL) + 1
    end = text.rindex("'));")
    literal = _ESCAPE.sub(lambda m: m.group(1), text[start:end])
    return json.loads(literal)


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
