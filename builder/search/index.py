"""Post-build stage: the search index of every page, written as ``search/index.js``.

The index is a lunr index built by lunr.py (the same format lunr.js 2.3.9 loads with
``lunr.Index.load``) over terms that already went through the French pipeline
(``french.py``): the index carries no pipeline of its own, so the browser and
``kit search`` only have to process the query, the same way.

It is a script, not a JSON file, because pages opened from disk (``file://``) can
load a ``<script>`` but not fetch a file. The site loads it only when a reader
reaches for the search box, never with the page. Beside it, also scripts:
``search/pages/<n>.js``, the text of page n by section (heading, anchor), loaded only
for the results shown (their passages, phrase checks), and ``search/vocabulary.js``,
the words as written, loaded only when a typed word finds nothing (typos).
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import html
import json
import math
import pickle
import re
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import itemgetter, sub
from pathlib import Path

from lunr import __TARGET_JS_VERSION__ as LUNR_VERSION

from builder.config import SiteConfig
from builder.models import Kit
from builder.paths import NOT_FOUND_PAGE, SEARCH_INDEX_FILE, SEARCH_PAGES_DIR, SEARCH_VOCABULARY_FILE, OutputPaths
from builder.search import french

INDEX_FILE = SEARCH_INDEX_FILE  # output paths: builder.paths
PAGES_DIR = SEARCH_PAGES_DIR
VOCABULARY_FILE = SEARCH_VOCABULARY_FILE
LOADER_CALL = "kitSearch.ready(JSON.parse("
PAGE_CALL = "kitSearch.page("
VOCABULARY_CALL = "kitSearch.vocabulary(JSON.parse("
# Fields and their weights: a word of the title counts ten times a word of the text.
# One-letter names: they are repeated in every entry of the index.
FIELDS = (("t", 10), ("m", 3), ("b", 1))
# Pages that list others (home, catalogue, index of case sheets) quote every title:
# they must not push the pages they list down the results.
LISTING_BOOST = 0.3
SKIPPED_PAGES = {NOT_FOUND_PAGE}


@dataclass
class Entry:
    """One page as the search sees it."""

    url: str  # relative to the site's root
    title: str
    kind: str  # what the page is: a nature, « Fiche d'expérience », « Parcours de lecture »…
    paths: list[str]  # short titles of the reading paths the page belongs to
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # (anchor, heading, text), in order
    fields: list[str] = field(default_factory=list)  # structured fields: authors, year, territory…
    boost: float = 1.0

    @property
    def text(self) -> str:
        """The page's text below its title: headings and sections, in order."""
        return " ".join(t for _, heading, text in self.sections for t in (heading, text) if t)


# The built pages are MkDocs' own HTML, read with one linear scan of tokens (tags,
# comments, text): no pattern here can go back over the text it passed, so a page of
# unclosed tags or quotes costs the same as a well-formed one (see the test with 120 KB
# of them). A tag may hold « > » inside a quoted attribute (abbr titles). Possessive
# (Python 3.11): a tag's parts can be read only one way, so giving none back changes no
# match, and runs of plain characters are taken at once, not one by one. Groups: text,
# comment, « / » of a closing tag, the tag's name, its attributes ("" where absent; all
# empty: a lone « < », text). Text first: it never starts with « < », so no match changes.
_TOKEN = re.compile(r"""([^<]+)|(<!--.*?(?:-->|$))|<(/?)([a-zA-Z][a-zA-Z0-9]*+)((?:[^<>"']++|"[^"<]*+"|'[^'<]*+')*+)>|<""",
                    re.S)
_ID = re.compile(r"""\bid=(?:"([^"]*)"|'([^']*)')""")
_CLASS = re.compile(r"""\bclass=(?:"([^"]*)"|'([^']*)')""")
# Permalinks (¶) and « (nécessite une connexion internet) » notes are not content.
# A footnote call (« 1 ») and its way back (« ↩ ») are not words of the text: « participer1 ».
_SKIPPED_CLASSES = {"headerlink", "kit-externe__note", "footnote-ref", "footnote-backref"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed", "track"}
# Elements that separate words; inline ones (abbr, em, a…) do not: « <em>co</em>-construction ».
_BLOCK = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div", "ul", "ol", "dl", "table", "tr",
          "section", "blockquote", "figcaption", "pre", "details", "summary", "nav", "figure", "br"}
_HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
_SKIPPED_ELEMENTS = {"script", "style"}  # skipped whole
_MAYBE_SKIPPED = {"a", "span"}  # skipped when of one of _SKIPPED_CLASSES
# A quick test before the class is read: no such name anywhere in the tag, none in its class.
_SKIPPED_HINT = re.compile("|".join(sorted(_SKIPPED_CLASSES)))


def _clean(text: str) -> str:
    return " ".join(text.split())


def _attribute(pattern: re.Pattern, attributes: str) -> str:
    found = pattern.search(attributes)
    return (found.group(1) if found.group(1) is not None else found.group(2)) if found else ""


def page_sections(page: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The title (first h1) of a page's content and its text by section: a list of
    (heading's anchor, heading, text), the first one without a heading ("", "", text)."""
    start = page.find('<article class="md-content__inner')
    if start < 0:
        return "", []
    end = page.find("</article>", start)
    body = page[page.find(">", start) + 1:end if end >= 0 else len(page)]
    title: list[str] = []
    sections: list[list] = [["", [], []]]  # anchor, heading parts, text parts
    target = sections[-1][2]
    skipped, depth = "", 0  # the element being skipped (script, permalink…), its nesting
    seen_title = in_title = False
    # One tuple per token (findall, in C) rather than a match object read group by group.
    for text, comment, slash, name, attributes in _TOKEN.findall(body):
        if not name:  # text, a comment, a lone « < »
            if not skipped and not comment:
                target.append(text or "<")
            continue
        name = name.lower()
        if skipped:
            if name == skipped:
                depth += -1 if slash else (0 if attributes.rstrip().endswith("/") else 1)
                if depth == 0:
                    skipped = ""
            continue
        if not slash and (name in _SKIPPED_ELEMENTS or name in _MAYBE_SKIPPED and _SKIPPED_HINT.search(attributes)
                          and _SKIPPED_CLASSES & set(_attribute(_CLASS, attributes).split())):
            skipped, depth = name, 1
            continue
        if name in _BLOCK:
            target.append(" ")
        if name == "h1" and not seen_title:
            if slash and in_title:
                in_title, seen_title = False, True
                target = sections[-1][2]
            elif not slash:
                in_title, target = True, title
        elif name in _HEADINGS and not in_title:
            if not slash:
                sections.append([_attribute(_ID, attributes), [], []])
                target = sections[-1][1]
            else:
                target = sections[-1][2]
    found = []
    for anchor, heading, text in sections:
        heading_text, body_text = _clean(html.unescape("".join(heading))), _clean(html.unescape("".join(text)))
        if heading_text or body_text:
            found.append((anchor, heading_text, body_text))
    return _clean(html.unescape("".join(title))), found


def page_entries(site_dir: Path, config: SiteConfig, kit: Kit, readings: Mapping[str, bytes] | None = None) -> list[Entry]:
    """Every page of the built site, with what the catalogue knows about it. ``readings``:
    pages already read (address in the site -> ``read_page`` of its HTML, made by MkDocs'
    workers); the others are read here."""
    return list(each_entry(site_dir, config, kit, readings, site_pages(site_dir, config)))


def site_pages(site_dir: Path, config: SiteConfig) -> list[str]:
    """The addresses of the pages the search may index, in the index's order (sorted)."""
    downloads = OutputPaths.of(config.sorties).downloads_dir
    return [url for url in (page.relative_to(site_dir).as_posix() for page in sorted(site_dir.rglob("*.html")))
            if url not in SKIPPED_PAGES and url.split("/")[0] != downloads]


def each_entry(site_dir: Path, config: SiteConfig, kit: Kit, readings: Mapping[str, bytes] | None,
               pages: list[str]) -> Iterator[Entry]:
    """``page_entries``' entries one at a time, for the pages ``pages`` (``site_pages``)."""
    urls = OutputPaths.of(config.sorties)
    taxonomy = config.taxonomie
    documents = {urls.document(d.id): d for d in kit.documents}
    cases = {urls.case(c.slug): c for c in kit.cases}
    paths = {urls.reading_path(p.id): p for p in kit.reading_paths}
    listings = {
        urls.home: "Accueil",
        urls.catalogue: config.rubriques.catalogue,
        urls.cases_index: config.rubriques.fiches,
    }
    for url in pages:
        known = readings.get(url) if readings else None
        title, sections = (unpack_reading(known) if known is not None
                           else page_sections((site_dir / url).read_text(encoding="utf-8")))
        if not title and not sections:
            continue
        entry = Entry(url, title, config.rubriques.a_propos, [], sections)
        if url in documents:
            doc = documents[url]
            nature = taxonomy.nature(doc.nature)
            family = nature.family(doc.famille) if nature else None
            entry.kind = " — ".join(t.libelle for t in (nature, family) if t) or doc.nature
            entry.paths = [p.titre_court for p in kit.reading_paths_of(doc.id)]
            entry.fields = [*doc.auteurs, doc.years, str(doc.annee), entry.kind]
        elif url in cases:
            sheet = cases[url].sheet
            entry.kind = "Fiche d'expérience"
            entry.fields = [
                entry.kind, sheet.territoire, sheet.region or "", sheet.statut,
                *(taxonomy.label("formes", f) for f in sheet.formes),
                taxonomy.label("demarches", sheet.demarche) if sheet.demarche else "",
                *sheet.themes,
            ]
        elif url in paths:
            entry.kind = "Parcours de lecture"
            entry.paths = [paths[url].titre_court]
            entry.fields = [paths[url].titre_court]
        elif url in listings:
            entry.kind = listings[url]
            entry.boost = LISTING_BOOST
        yield entry


# lunr's BM25 constants (lunr.py 0.8.0 and lunr.js 2.3.9 share them).
_K1, _B = 1.2, 0.75


def entry_terms(entry: Entry) -> dict[str, list[str]]:
    """A page's terms per field (lunr's « t » title, « m » structured fields, « b » body)."""
    return {
        "t": french.terms(entry.title),
        "m": french.terms(" ; ".join(f for f in entry.fields if f)),
        "b": french.terms(entry.text),
    }


def phrase_sequence(entry: Entry) -> list[tuple[str, int]]:
    """(term, position) of a page's words as a phrase reads them: title, then each
    heading and section, the parts of hyphenated words only (``french.terms(…,
    joined=False)``), stop words skipped; one position left empty between two
    stretches so that no phrase runs from a heading into its text."""
    found: list[tuple[str, int]] = []
    position = 0
    for stretch in [entry.title, *(t for _, heading, text in entry.sections for t in (heading, text))]:
        if not stretch:
            continue
        for term in french.terms(stretch, joined=False):
            found.append((term, position))
            position += 1
        position += 1
    return found


def weigh(per_page: list[dict[str, list[str]]], boosts: list[float]) -> dict:
    """The compact index (see ``compact_index``) of pages given by their terms per field,
    computed directly: lunr.py's Builder does the same arithmetic (BM25, k1 = 1.2,
    b = 0.75, weights rounded to 3 decimals) but also builds a token set and a
    serialisable index that the site never reads, and copies each term's metadata: at
    2,000 pages most of the stage's time. Term numbers follow lunr's (order of first
    appearance); a test checks the result against lunr.py's own index, number for number.
    One pass over the terms to count, one to weigh (``TermWeights``): linear in the size
    of the text."""
    weights = TermWeights()
    for terms in per_page:
        weights.add_page(terms)
    weights.weigh(boosts)
    return weights.compact()


class TermWeights:
    """The index's weights, held term by term in integer arrays (issue 15: at 10,000 pages
    the lists of Python integers of ``weigh``'s former page-by-page vectors, with their
    term-by-term copy for the shards, made most of the search stage's 300 MB).

    ``add_page`` each page's terms per field (``FIELDS``), in order: each term gets its
    number (lunr's: order of first appearance) and each page and field keeps only its
    (term number, frequency) pairs and its length; ``weigh`` then turns them into each
    term's rows, one per field: [page delta, weight × 1000, …], pages in order (the rows of
    the term shards, ``shard_index``), freeing the pairs page by page. Weights are lunr's
    BM25 (k1 = 1.2, b = 0.75, field and page boosts, 3 decimals), the same floating-point
    operations in the same order as lunr.py's Builder: the same numbers."""

    def __init__(self) -> None:
        self.fields = [name for name, _ in FIELDS]
        self.numbers: dict[str, int] = _Numbers()  # term -> its number
        self.rows: list[tuple[array, ...]] = []  # by term number: per field [page delta, weight × 1000, …]
        self._pages_with: Counter[int] = Counter()  # term number -> pages and fields having it (lunr's idf)
        self._pairs: list[array | None] = []  # by page and field: [term number, frequency, …]
        self._lengths: array = array("i")  # by page and field: its number of terms
        self.count = 0  # pages added

    def add_page(self, terms: dict[str, list[str]]) -> None:
        """One page's terms per field (``entry_terms``' format)."""
        for name in self.fields:
            # Counted, numbered (a new term gets the next number: _Numbers) and paired in C.
            frequencies = Counter(terms[name])  # in order of first appearance
            numbers = list(map(self.numbers.__getitem__, frequencies))
            self._pages_with.update(numbers)
            self._pairs.append(array("i", chain.from_iterable(zip(numbers, frequencies.values()))))
            self._lengths.append(len(terms[name]))
        self.count += 1

    def weigh(self, boosts: list[float]) -> None:
        """The rows computed (``boosts``: each page's boost, in order); the pairs freed."""
        fields, count = len(self.fields), self.count
        field_boosts = [boost for _, boost in FIELDS]
        averages = [sum(self._lengths[f::fields]) / count if count else 0 for f in range(fields)]
        having = self._pages_with
        idf = [lunr_idf_of(having[number], count) for number in range(len(self.numbers))]
        self.rows += [tuple(array("i") for _ in self.fields) for _ in range(len(self.numbers) - len(self.rows))]
        k1_plus_1 = _K1 + 1  # the same float as lunr's (_K1 + 1) computed at each term
        for f in range(fields):
            rows = [row[f] for row in self.rows]  # by term number: this field's row
            last = [0] * len(rows)  # by term number: the last page added to its row
            field_boost = field_boosts[f]
            for page in range(count):
                slot = page * fields + f
                pairs, average, boost = self._pairs[slot], averages[f], boosts[page]
                self._pairs[slot] = None
                # lunr's expression, same operations in the same order: the same floats
                norm = _K1 * (1 - _B + _B * (self._lengths[slot] / average)) if average else 0.0
                for number, tf in zip(pairs[0::2], pairs[1::2]):
                    score = idf[number] * (k1_plus_1 * tf) / (norm + tf)
                    score *= field_boost
                    score *= boost
                    scaled = score * 1000  # _thousandths(score), inlined
                    weight = round(scaled)
                    if not -0.4999 < scaled - weight < 0.4999 or abs(scaled) > 1e9:
                        weight = round(round(score, 3) * 1000)
                    rows[number].extend((page - last[number], weight))
                    last[number] = page
        self._pairs, self._lengths = [], array("i")

    def compact(self) -> dict:
        """The compact index (``compact_index``'s format) of the rows: each term's pages per
        field, each page's vector per field (term number delta, weight × 1000), in order."""
        fields = len(self.fields)
        vectors: list[list[list[int]]] = [[[] for _ in range(fields)] for _ in range(self.count)]
        last = [[0] * fields for _ in range(self.count)]  # page, field -> last term number added
        for number, rows in enumerate(self.rows):
            for f, row in enumerate(rows):
                page = 0
                for delta, score in zip(row[0::2], row[1::2]):
                    page += delta
                    vectors[page][f] += [number - last[page][f], score]
                    last[page][f] = number
        terms = [[term, self.numbers[term], *(list(row[0::2]) for row in self.rows[self.numbers[term]])]
                 for term in sorted(self.numbers)]
        return {"version": LUNR_VERSION, "fields": self.fields, "pipeline": [], "terms": terms, "vectors": vectors}

    def shard_rows(self) -> Iterator[list]:
        """The term shards' rows (``shard_index``), in term order, made one at a time."""
        for term in sorted(self.numbers):
            number = self.numbers[term]
            yield [term, number, *(row.tolist() for row in self.rows[number])]


class _Numbers(dict):
    # Term -> its number: a term not yet numbered gets the next one (lunr's order: first appearance).
    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


def _thousandths(score: float) -> int:
    """``round(round(score, 3) * 1000)``: lunr's weight (3 decimals) in thousandths, without
    ``round(…, 3)``'s conversion to decimal where the result is provably the same.

    The same integer: ``round(score, 3)`` is the double nearest the decimal m / 1000, m
    the integer nearest the exact score × 1000 (Python rounds correctly), and that double
    times 1000 is m within far less than 0.5 for m < 2 ** 50; ``score * 1000`` is within a
    relative 2 ** -53 of the exact product (under 1.2e-7 below 1e9), so where it is within
    0.4999 of an integer, that integer is m. Otherwise (and above 1e9) the slow
    expression decides; a test checks both on values around halves."""
    scaled = score * 1000
    weight = round(scaled)
    if not -0.4999 < scaled - weight < 0.4999 or abs(scaled) > 1e9:
        weight = round(round(score, 3) * 1000)
    return weight


def lunr_idf_of(documents_with_term: int, document_count: int) -> float:
    """lunr's idf (``lunr.idf``): a page counts once per field having the term."""
    x = (document_count - documents_with_term + 0.5) / (documents_with_term + 0.5)
    return math.log(1 + abs(x))


class _Chunks(dict):
    """What each chunk of text gives the index, memoised for one run of the stage: a chunk
    is a run of a normalised text (``french.normalise``) between white space, and the
    chunks of a catalogue's pages repeat enormously (at 2,000 sheets, 950,000 chunks,
    10,000 distinct), so each distinct one is folded, cut into words and stemmed once and
    a page's chunks become its terms by ``map`` and ``chain`` (in C) rather than word by
    word in Python. Chunk -> (its terms, as ``french.terms``; its parts, as
    ``french.terms(…, joined=False)``; its pieces between hyphens in lower case, as
    ``_SPACED`` cuts the text). The same words as the whole text's: folding changes no
    white space and no character next to it, and a word never spans white space. The
    empty chunk (``split`` never gives it) is the position left empty after a stretch."""

    def __init__(self) -> None:
        super().__init__({"": ((), ("",), ())})

    def __missing__(self, chunk: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        words = [word for word in map(french._word, french.WORD.findall(french.fold_normalised(chunk))) if word]
        found = self[chunk] = (tuple(chain.from_iterable(word.terms for word in words)),
                               tuple(chain.from_iterable(word.parts for word in words)),
                               tuple(chunk.lower().replace("-", " ").split()))
        return found


# The body's stretches are normalised as one text, each ended by a line break (a stretch's
# text has none: ``_clean``; checked, else one by one): NFKC and the characters replaced
# never join or change characters across a line break, nor make or remove one.
_STRETCH_END = "\n"
_TERMS, _PARTS, _PIECES = itemgetter(0), itemgetter(1), itemgetter(2)


def analyse(entry: Entry, known: _Chunks | None = None) -> tuple[dict[str, list[str]], dict[str, list[int]], list[str]]:
    """One page read once: (its terms per field, as ``entry_terms``; the positions of each
    term in ``phrase_sequence``; its pieces of text between spaces and hyphens,
    normalised, lower case, for ``written_words``). ``known``: the chunks already read
    (``_Chunks``), shared by the pages of one run. Each text is normalised once for the
    three (the stage used to fold every page three times), the body's stretches at once."""
    known = known if known is not None else _Chunks()
    title = french.normalise(entry.title).split() + [""] if entry.title else []
    stretches = [t for _, heading, text in entry.sections for t in (heading, text) if t]
    normalised = french.normalise(_STRETCH_END.join(stretches)).split(_STRETCH_END) if stretches else []
    if len(normalised) != len(stretches):  # a line break inside a stretch: one by one
        normalised = [french.normalise(stretch) for stretch in stretches]
    body = [chunk for stretch in normalised for chunk in (*stretch.split(), "")]
    fields = french.normalise(" ; ".join(f for f in entry.fields if f)).split()
    title, body, fields = (list(map(known.__getitem__, chunks)) for chunks in (title, body, fields))
    sequence = list(chain.from_iterable(map(_PARTS, chain(title, body))))
    pieces = list(chain.from_iterable(map(_PIECES, chain(title, body, fields))))
    return ({"t": list(chain.from_iterable(map(_TERMS, title))), "m": list(chain.from_iterable(map(_TERMS, fields))),
             "b": list(chain.from_iterable(map(_TERMS, body)))}, _positions(sequence), pieces)


def _positions(sequence: list[str]) -> dict[str, list[int]]:
    # Term -> its positions in the sequence, in order, terms in order of first appearance
    # ("" is no term). A plain loop: faster, measured, than a sort by term then groupby.
    found: dict[str, list[int]] = {}
    for position, term in enumerate(sequence):
        if term in found:
            found[term].append(position)
        else:
            found[term] = [position]
    found.pop("", None)
    return found


def term_positions(entries: list[Entry]) -> dict[str, list[tuple[int, list[int]]]]:
    """Term → [(page, positions of the term in ``phrase_sequence``)], pages in order."""
    return _gather([analyse(entry)[1] for entry in entries])


def _gather(per_page: list[dict[str, list[int]]]) -> dict[str, list[tuple[int, list[int]]]]:
    found: dict[str, list[tuple[int, list[int]]]] = {}
    for page, mine in enumerate(per_page):
        _gather_page(found, page, mine)
    return found


def _gather_page(found: dict[str, list[tuple[int, list[int]]]], page: int, mine: dict[str, list[int]]) -> None:
    for term, positions in mine.items():
        if term in found:
            found[term].append((page, positions))
        else:
            found[term] = [(page, positions)]


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for the block, then restored as it was.

    The index is millions of small lists and dicts, none in a cycle: reference counting
    frees them all, but the collector kept walking the whole heap as it grew (its full
    passes come each time the heap grows by a quarter): at 10,000 pages some 7 s of
    processor time, the part of the stage that grew faster than the pages (measured:
    benchmarks/search.py --index-seul)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class PackedPositions(Mapping):
    """Term → [(page, positions)] as ``term_positions`` gives it, but held packed, each
    term's pages and positions gathered page by page into one array of integers in
    ``pack_positions``'s format: at 10,000 pages, a tuple and a list per term and page
    (the largest part of the index in memory) took some 300 MB. Read a term and it is
    unpacked for that term only; ``packed`` gives the array as it is written."""

    def __init__(self) -> None:
        self.packed: dict[str, array] = {}
        self._last: dict[str, int] = {}

    def add_page(self, page: int, mine: dict[str, list[int]]) -> None:
        """One page's terms and their positions (pages in increasing order)."""
        packed, last = self.packed, self._last
        for term, positions in mine.items():
            try:  # a subscript, not a call of get(): most terms are already there
                row = packed[term]
                delta = page - last[term]
            except KeyError:
                row = packed[term] = array("i")
                delta = page
            if len(positions) == 1:  # most terms of a page: one call
                row.extend((delta, 1, positions[0]))
            else:
                row.extend((delta, len(positions)))
                row.extend(map(sub, positions, [0, *positions]))
            last[term] = page

    def __getitem__(self, term: str) -> list[tuple[int, list[int]]]:
        return list(unpack_positions(self.packed[term]).items())

    def __iter__(self) -> Iterator[str]:
        return iter(self.packed)

    def __len__(self) -> int:
        return len(self.packed)


def build_index(entries: list[Entry]) -> dict:
    """Everything the search reads, as one dict: ``pipeline``, ``config`` (the French
    pipeline's rules, ``french.browser_rules``), ``docs`` (one row per page, by lunr
    reference, its position: url, title, kind, paths), ``index`` (compact lunr index,
    ``weigh``) — these four make ``search/index.js`` and the term shards — ``positions``
    (``term_positions``: where each term stands in each page, for phrases; the term
    shards' position files; held packed, a ``PackedPositions``), then ``pages`` (each page's sections: [anchor, heading,
    text]), one ``search/pages/<n>.js`` each, and ``vocabulary`` (``search/vocabulary.js``,
    see ``written_words``). Each page is read once (``analyse``); the rest is linear in
    the number of terms."""
    with _cycle_collector_paused():
        return _build_index(entries)


def _analysed(entries: list[Entry]) -> tuple[TermWeights, PackedPositions, Vocabulary]:
    weights = TermWeights()
    positions = PackedPositions()
    words = Vocabulary()
    known = _Chunks()
    for page, entry in enumerate(entries):
        fields, found, pieces = analyse(entry, known)
        # Counted and gathered at once: kept page by page, the terms, the positions' dicts
        # and the pieces of 10,000 pages would take some 400 MB more at the stage's peak.
        weights.add_page(fields)
        positions.add_page(page, found)
        words.add(pieces)
    weights.weigh([e.boost for e in entries])
    return weights, positions, words


def _build_index(entries: list[Entry]) -> dict:
    weights, positions, words = _analysed(entries)
    return {
        "pipeline": french.PIPELINE,
        "config": french.browser_rules(),
        "docs": [[e.url, e.title, e.kind, e.paths] for e in entries],
        "index": weights.compact(),
        "positions": positions,
        "pages": [[list(section) for section in e.sections] for e in entries],
        "vocabulary": words.rows(),
    }


_SPACED = re.compile(r"[^\s\-]+")


@lru_cache(maxsize=200_000)
def _vocabulary_word(written: str) -> tuple[str, str, str] | None:
    """(word as written, folded, stem) of a lower-case piece of text between spaces and
    hyphens, elisions and punctuation dropped; None when it is not such a word."""
    pieces = french.APOSTROPHE.split(written)
    while len(pieces) > 1 and french.fold(pieces[0]) in french.ELISIONS:
        pieces.pop(0)
    word = "".join(pieces).strip(french.PUNCTUATION)
    folded = french.fold(word)
    if len(folded) < french.TYPO_MIN_ONE - 1 or not french.WORD.fullmatch(folded) or folded in french.STOP_WORDS:
        return None
    return word, folded, french.stem(folded)


class _StemOf(dict):
    # Piece -> the stem of its word (``_vocabulary_word``), None when it is not a word.
    def __missing__(self, written: str) -> str | None:
        found = _vocabulary_word(written)
        stem = self[written] = found[2] if found else None
        return stem


class Vocabulary:
    """The words of the pages that a typo may be corrected to, counted page by page
    (``add``), then as rows (``rows``)."""

    def __init__(self) -> None:
        self.occurrences: Counter[str] = Counter()  # piece as written -> times, over all pages
        self.pages_of: Counter[str] = Counter()  # stem -> pages having it
        self._stem_of = _StemOf()  # piece -> its word's stem (None: not a word)

    def add(self, pieces: list[str]) -> None:
        """One page's text between spaces and hyphens, normalised, in lower case (``analyse``)."""
        # Counted in C; each distinct piece looked up once per stage, not at each occurrence.
        self.occurrences.update(pieces)
        stems = set(map(self._stem_of.__getitem__, set(pieces)))
        stems.discard(None)
        self.pages_of.update(stems)

    @property
    def spellings(self) -> dict[str, dict[str, int]]:
        """Folded word -> {as written: occurrences}."""
        found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for written, times in self.occurrences.items():
            word = _vocabulary_word(written)
            if word:
                found[word[1]][word[0]] += times
        return found

    def rows(self) -> list[list]:
        """Sorted [folded, pages, as written] rows, « pages » the number of pages having its
        stem (to rank candidates without loading the index), « as written » (lower case,
        accents kept: what « Résultats pour … » shows) its most frequent spelling, omitted
        when it is the folded word itself. Words of one piece (elisions dropped), of
        TYPO_MIN_ONE - 1 letters or more."""
        rows: list[list] = []
        spellings = self.spellings
        for folded in sorted(spellings):
            best = min(spellings[folded].items(), key=lambda item: (-item[1], item[0]))[0]
            pages = self.pages_of[french.stem(folded)]
            rows.append([folded, pages] if best == folded else [folded, pages, best])
        return rows


def written_words(pieces_per_page: list[list[str]]) -> list[list]:
    """``Vocabulary.rows`` of pages given by their pieces of text (``analyse``)."""
    words = Vocabulary()
    for pieces in pieces_per_page:
        words.add(pieces)
    return words.rows()


# --- lunr's serialised index, written compactly ---
# lunr's own JSON spells every posting as {"12": {}} and every vector value with its
# decimals: 10 MB at 2,000 pages. The same numbers as delta-coded integers take 4.6 MB
# and parse twice as fast; both sides expand them back to lunr's format, exactly, before
# ``Index.load`` (a test checks the round trip on the real kit).


def _deltas(values: list[int]) -> list[int]:
    return list(map(sub, values, [0, *values]))


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


def _literal(data: object) -> str:
    # The JSON inside a string handed to JSON.parse: V8 read the same data three times
    # faster than as an object literal (10 MB: 1.3 s against 4.4 s, machine loaded).
    # ASCII only (accents as \\u escapes): one-byte strings for V8, and no dependence on
    # the encoding a browser assumes for a script read from the disk.
    return _quoted(_COMPACT_JSON(data))


def _quoted(payload: str) -> str:
    return "'" + payload.replace("\\", "\\\\").replace("'", "\\'") + "'"


# json.dumps(…, separators=(",", ":")) without a new encoder made at each call.
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


# --- the files of the built site ---
# search/index.js holds what every query needs and nothing that grows with the pages but
# the first term of each shard; the terms, with their postings and weights, are cut in
# shards of about SHARD_CHARACTERS, in term order, each a script (search/terms/<n>.js),
# loaded for the terms a query asks (a prefix: the shards its range covers); a page's
# row and text (search/pages/<n>.js) for the results shown.
SHARD_CHARACTERS = 24_000
TERMS_DIR = "search/terms"
TERMS_CALL = "kitSearch.terms("
# Beside each term shard, the positions of its terms in each page (search/positions/<n>.js,
# same n): loaded only by a query with a « "phrase" ». Apart from the weights, so that
# the queries without a phrase (nearly all, and every keystroke) do not download them.
POSITIONS_DIR = "search/positions"
POSITIONS_CALL = "kitSearch.positions("


def pack_positions(pages: list[tuple[int, list[int]]]) -> list[int]:
    """[(page, positions)] → [page delta, count, position deltas…, page delta, …]."""
    packed: list[int] = []
    last = 0
    for page, positions in pages:
        packed += [page - last, len(positions), *_deltas(positions)]
        last = page
    return packed


def unpack_positions(packed: list[int]) -> dict[int, list[int]]:
    """``pack_positions`` undone: page → positions."""
    found: dict[int, list[int]] = {}
    page, i = 0, 0
    while i < len(packed):
        page += packed[i]
        count, position, positions = packed[i + 1], 0, []
        for delta in packed[i + 2:i + 2 + count]:
            position += delta
            positions.append(position)
        found[page] = positions
        i += 2 + count
    return found


def shard_positions(firsts: list[str], positions: Mapping[str, list[tuple[int, list[int]]]]) -> list[list]:
    """The positions cut as the term shards are: shard n has [term, packed] rows for the
    terms from firsts[n] to firsts[n + 1] (excluded), in term order."""
    return list(_position_shards(firsts, positions))


def _position_shards(firsts: list[str], positions: Mapping[str, list[tuple[int, list[int]]]]) -> Iterator[list]:
    # ``shard_positions``' shards made one at a time (one shard's lists of integers in memory).
    packed = positions.packed if isinstance(positions, PackedPositions) else None
    shard: list = []
    current = 0
    for term in sorted(positions):
        where = max(bisect.bisect_right(firsts, term) - 1, 0)
        while current < where:
            yield shard
            shard, current = [], current + 1
        shard.append([term, packed[term].tolist() if packed is not None else pack_positions(positions[term])])
    while current < len(firsts):
        yield shard
        shard, current = [], current + 1


def shard_index(compact: dict) -> tuple[list[str], list[list]]:
    """The compact index → (first term of each shard, shards). A shard's row:
    [term, term number, then per field [page delta, weight × 1000, …]], the weights
    being the page's vector values for that term (so a query needs no page vector)."""
    fields = compact["fields"]
    weights: dict[int, list[list[int]]] = defaultdict(lambda: [[] for _ in fields])
    last: dict[tuple[int, int], int] = {}  # (term number, field) → the last page added
    for page, row in enumerate(compact["vectors"]):
        for position, packed in enumerate(row):
            number = 0
            for delta, score in zip(packed[0::2], packed[1::2]):
                number += delta
                weights[number][position] += [page - last.get((number, position), 0), score]
                last[number, position] = page
    shards = list(_cut_in_shards([term, number, *weights[number]] for term, number, *_ in compact["terms"]))
    return [shard[0][0] for shard in shards], shards


def _cut_in_shards(rows: Iterable[list]) -> Iterator[list]:
    # Rows in term order → shards of about SHARD_CHARACTERS (of JSON), made one at a time.
    for shard, _ in _cut_encoded(rows):
        yield shard


def _cut_encoded(rows: Iterable[list]) -> Iterator[tuple[list, str]]:
    # ``_cut_in_shards``' shards, each with its JSON, made of its rows' JSON (measured to
    # cut them) rather than encoded a second time.
    shard: list = []
    encoded: list[str] = []
    size = 0
    for row in rows:
        text = _COMPACT_JSON(row)
        if shard and size + len(text) > SHARD_CHARACTERS:
            yield shard, "[" + ",".join(encoded) + "]"
            shard, encoded, size = [], [], 0
        shard.append(row)
        encoded.append(text)
        size += len(text)
    if shard:
        yield shard, "[" + ",".join(encoded) + "]"


def unshard_index(meta: dict, shards: list[list]) -> dict:
    """``shard_index`` undone: the compact index (what ``expand_index`` reads)."""
    fields = meta["fields"]
    vectors: list[list[list[tuple[int, int]]]] = [[[] for _ in fields] for _ in range(meta["count"])]
    terms = []
    for shard in shards:
        for term, number, *per_field in shard:
            refs = []
            for position, pairs in enumerate(per_field):
                page, pages = 0, []
                for delta, score in zip(pairs[0::2], pairs[1::2]):
                    page += delta
                    pages.append(page)
                    vectors[page][position].append((number, score))
                refs.append(_deltas(pages))
            terms.append([term, number, *refs])
    packed = []
    for row in vectors:
        packed.append([[v for pair in zip(_deltas([n for n, _ in sorted(pairs)]), [s for _, s in sorted(pairs)])
                        for v in pair] for pairs in row])
    return {"version": meta["version"], "fields": fields, "pipeline": meta["lunrPipeline"], "terms": terms,
            "vectors": packed}


def render_script(data: dict, firsts: list[str] | None = None) -> str:
    """``search/index.js``: the pipeline's rules, the shards' first terms, the links."""
    if firsts is None:
        firsts = shard_index(data["index"])[0]
    return _main_script(data["pipeline"], data["config"], data.get("links", {}), data["index"], len(data["docs"]), firsts)


def _main_script(pipeline: list, config: dict, links: dict, index: dict, count: int, firsts: list[str]) -> str:
    main = {"pipeline": pipeline, "config": config, "links": links, "fields": index["fields"],
            "version": index["version"], "lunrPipeline": index["pipeline"], "count": count, "shards": firsts}
    return f"/* Search index of the site, written by kit build: do not edit. */\n{LOADER_CALL}{_literal(main)}));\n"


def render_terms(number: int, shard: list, encoded: str | None = None) -> str:
    """``search/terms/<number>.js``; ``encoded``: the shard's JSON, when already made."""
    return f"{TERMS_CALL}{number},JSON.parse({_literal(shard) if encoded is None else _quoted(encoded)}));\n"


def render_page(number: int, doc: list, sections: list) -> str:
    """``search/pages/<number>.js``: one page's row (url, title, kind, paths) and text by section."""
    return f"{PAGE_CALL}{number},JSON.parse({_literal([*doc, sections])}));\n"


def render_positions(number: int, shard: list) -> str:
    return f"{POSITIONS_CALL}{number},JSON.parse({_literal(shard)}));\n"


def render_vocabulary(rows: list) -> str:
    return f"{VOCABULARY_CALL}{_literal(rows)}));\n"


_ESCAPE = re.compile(r"\\(.)", re.S)


def _read_literal(text: str, call: str) -> object:
    start = text.index(call) + len(call)
    start = text.index("'", start) + 1
    end = text.rindex("'));")
    return json.loads(_ESCAPE.sub(lambda m: m.group(1), text[start:end]))


def read_script(text: str) -> dict:
    """The data of a ``search/index.js`` (for ``kit search`` and the tests)."""
    return _read_literal(text, LOADER_CALL)


def read_site(site_dir: Path) -> dict:
    """Everything ``build_index`` made, read back from a built site's ``search/`` folder.

    Raises OSError (a file missing), ValueError or UnicodeDecodeError (not such a file)."""
    meta = read_script((site_dir / INDEX_FILE).read_text(encoding="utf-8"))
    if meta.get("pipeline") != french.PIPELINE:
        return meta
    shards = [_read_literal((site_dir / TERMS_DIR / f"{n}.js").read_text(encoding="utf-8"), TERMS_CALL)
              for n in range(len(meta["shards"]))]
    rows = [_read_literal((site_dir / PAGES_DIR / f"{n}.js").read_text(encoding="utf-8"), PAGE_CALL)
            for n in range(meta["count"])]
    positions = {term: [(page, found) for page, found in unpack_positions(packed).items()]
                 for n in range(len(meta["shards"]))
                 for term, packed in _read_literal((site_dir / POSITIONS_DIR / f"{n}.js").read_text(encoding="utf-8"),
                                                   POSITIONS_CALL)}
    return {"pipeline": meta["pipeline"], "config": meta["config"], "links": meta["links"],
            "docs": [row[:4] for row in rows], "index": unshard_index(meta, shards), "positions": positions,
            "pages": [row[4] for row in rows],
            "vocabulary": _read_literal((site_dir / VOCABULARY_FILE).read_text(encoding="utf-8"), VOCABULARY_CALL)}


def search_stage(site_dir: Path, config: SiteConfig, kit: Kit, context: object = None,
                 readings: Mapping[str, bytes] | None = None) -> None:
    """Post-build stage: writes search/index.js, search/terms/<n>.js, search/positions/<n>.js,
    search/pages/<n>.js and search/vocabulary.js. ``readings``: see ``page_entries``."""
    rest = split_search_stage(site_dir, config, kit, context, readings)
    if getattr(rest, "here", None) is not None:
        rest.here()
    rest()


def split_search_stage(site_dir: Path, config: SiteConfig, kit: Kit, context: object = None,
                       readings: Mapping[str, bytes] | None = None) -> Callable[[], None]:
    """The stage cut in two (``builder.build``'s split stages): the pages read now, as they
    are before the typography (``page_entries``), unless MkDocs' workers read them all
    (``readings``); returned, the rest (the index built and its files written under search/,
    nothing else), which may run in another process while the page pass rewrites the pages,
    and, when the workers read every page, the pages' files as its part for this process
    (``here``)."""
    pages = site_pages(site_dir, config)
    if readings is None or not all(url in readings for url in pages):
        with _cycle_collector_paused():
            entries = page_entries(site_dir, config, kit, readings)  # the pages as they are now

        def whole_rest() -> None:
            with _cycle_collector_paused():
                write_index_files(site_dir, config, entries)

        return whole_rest

    # Every page was read by MkDocs' workers: the child makes the entries from the readings
    # and the index, and this process meanwhile (``here``) the pages' files, which need no
    # index (40 % of the rest's work at 2,000 sheets, benchmarks/README.md, issue 15), from
    # the same readings, one entry at a time. Entries made here before the fork would be
    # copied into the child page by page as both went through them (copy on write: 400 MB
    # more at 10,000 sheets); each process makes its own.
    def rest() -> None:
        with _cycle_collector_paused():
            write_index_files(site_dir, config, list(each_entry(site_dir, config, kit, readings, pages)),
                              with_pages=False)

    rest.here = lambda: write_page_files(site_dir, each_entry(site_dir, config, kit, readings, pages))  # type: ignore[attr-defined]
    return rest


def read_page(address: str, html: str) -> bytes:
    """What the stage reads of one page (``page_sections``), for ``builder.build.PagePass``:
    computed by the MkDocs worker that built the page, before the typography; packed
    (pickled, then compressed by zlib at its fastest level): the readings of every page are
    held by the build until the search runs, some 100 MB of text at 10,000 sheets, a third
    of that packed (issue 15: a build under 1 GB). ``unpack_reading`` gives it back."""
    return zlib.compress(pickle.dumps(page_sections(html), protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack_reading(packed: bytes) -> tuple[str, list[tuple[str, str, str]]]:
    """``read_page``'s packed reading, as ``page_sections`` gave it."""
    return pickle.loads(zlib.decompress(packed))


search_stage.split = split_search_stage  # type: ignore[attr-defined]
search_stage.page_reading = read_page  # type: ignore[attr-defined]


def _write_index(site_dir: Path, config: SiteConfig, data: dict) -> None:
    data["links"] = _links(config)
    firsts, shards = shard_index(data["index"])
    for folder in (PAGES_DIR, TERMS_DIR, POSITIONS_DIR):
        (site_dir / folder).mkdir(parents=True, exist_ok=True)
    (site_dir / INDEX_FILE).write_text(render_script(data, firsts), encoding="utf-8")
    for number, shard in enumerate(shards):
        (site_dir / TERMS_DIR / f"{number}.js").write_text(render_terms(number, shard), encoding="utf-8")
    for number, shard in enumerate(shard_positions(firsts, data["positions"])):
        (site_dir / POSITIONS_DIR / f"{number}.js").write_text(render_positions(number, shard), encoding="utf-8")
    for number, (doc, sections) in enumerate(zip(data["docs"], data["pages"])):
        (site_dir / PAGES_DIR / f"{number}.js").write_text(render_page(number, doc, sections), encoding="utf-8")
    (site_dir / VOCABULARY_FILE).write_text(render_vocabulary(data["vocabulary"]), encoding="utf-8")


def _links(config: SiteConfig) -> dict[str, str]:
    # Where an empty result sends the reader: the catalogue and the case sheets, with their filters.
    urls = OutputPaths.of(config.sorties)
    return {"catalogue": urls.catalogue, "fiches": urls.cases_index}


def write_index_files(site_dir: Path, config: SiteConfig, entries: list[Entry], with_pages: bool = True) -> None:
    """The stage's files (``search_stage``) written from ``entries`` (``page_entries``): the
    same bytes as ``build_index`` then its files, but streamed, for memory (issue 15): the
    weights stay in integer arrays (``TermWeights``) and each term or position shard
    becomes lists of Python integers only while it is written; no copy of the pages'
    text is made. ``with_pages`` False: all but the pages' files (``write_page_files``).
    Raises OSError."""
    weights, positions, words = _analysed(entries)
    for folder in (PAGES_DIR, TERMS_DIR, POSITIONS_DIR):
        (site_dir / folder).mkdir(parents=True, exist_ok=True)
    firsts: list[str] = []
    for number, (shard, encoded) in enumerate(_cut_encoded(weights.shard_rows())):
        firsts.append(shard[0][0])
        (site_dir / TERMS_DIR / f"{number}.js").write_text(render_terms(number, shard, encoded), encoding="utf-8")
    index = {"fields": weights.fields, "version": LUNR_VERSION, "pipeline": []}  # weigh's compact index
    del weights  # its arrays freed before the positions are cut
    for number, shard in enumerate(_position_shards(firsts, positions)):
        (site_dir / POSITIONS_DIR / f"{number}.js").write_text(render_positions(number, shard), encoding="utf-8")
    del positions
    if with_pages:
        write_page_files(site_dir, entries)
    (site_dir / VOCABULARY_FILE).write_text(render_vocabulary(words.rows()), encoding="utf-8")
    (site_dir / INDEX_FILE).write_text(
        _main_script(french.PIPELINE, french.browser_rules(), _links(config), index, len(entries), firsts),
        encoding="utf-8")


def write_page_files(site_dir: Path, entries: Iterable[Entry]) -> None:
    """One file per page under search/pages/ (``render_page``: what a result shows of it),
    numbered in the order of ``entries``, as the index numbers them. Raises OSError."""
    (site_dir / PAGES_DIR).mkdir(parents=True, exist_ok=True)
    for number, entry in enumerate(entries):
        doc, sections = [entry.url, entry.title, entry.kind, entry.paths], [list(s) for s in entry.sections]
        (site_dir / PAGES_DIR / f"{number}.js").write_text(render_page(number, doc, sections), encoding="utf-8")


# Words of the index as written (before stemming), for the tests that compare stems.
def vocabulary(entries: list[Entry]) -> list[str]:
    found: set[str] = set()
    for entry in entries:
        for text in (entry.title, entry.text, " ".join(entry.fields)):
            for match in french.WORD.finditer(french.fold(text)):
                found.update(p for p in re.split(f"[{french.APOSTROPHES}{french.HYPHENS}]", match.group(0)) if p)
                found.add(re.sub(f"[{french.APOSTROPHES}{french.HYPHENS}]", "", match.group(0)))
    return sorted(found)
