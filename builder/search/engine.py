"""Queries on the built site's search files with lunr.py: what ``kit search`` and the tests run.

The browser runs the same steps with lunr.js on the same files (see
``theme/assets/search/search.js``; tests compare both, result for result):

1. ``french.plan``: every word required (the last one also as a prefix while typed),
   ``"…"`` phrases, ``-mot`` exclusions; the word being typed also reaches the stems of
   the pages' words that begin with its letters when no term does (« innovat »: innovation
   is indexed as « innov ») or when they may continue a shorter term (``_reach``);
2. typos: a word of 5+ letters reaching fewer than ``TYPO_FEW`` pages also looks for the
   closest words of the vocabulary (1 edit, 2 from 9 letters), ranked below it;
3. lunr query; if no page has every word, any of them will do; while the last word is
   typed and whole (``search``), the results of the query followed by a space first;
4. phrases checked on every page found, with the positions of their terms stored in
   the index (``index.term_positions``);
5. for a shown result, the passage of ~30 words around the best match, and up to
   ``SUBRESULTS`` other sections of the page (``passages``).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lunr.index import Index
from lunr.query import Query, QueryPresence
from lunr.token_set import TokenSet

from builder.search import french
from builder.search.index import expand_index, read_site


class IndexOutdated(Exception):
    pass


# A passage: (text, marked) pieces in order; marked pieces are words of the query.
Segments = list[list]


@dataclass(frozen=True)
class Passage:
    anchor: str  # the section's heading anchor ("" before the first heading)
    heading: str
    segments: Segments

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.segments)


@dataclass(frozen=True)
class Result:
    ref: int  # the page's position in the index
    url: str
    title: str
    kind: str
    paths: list[str]
    score: float


@dataclass
class Highlight:
    """Index terms a word of the text must give to be marked."""

    exact: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)

    def __call__(self, word: str) -> bool:
        return any(t in self.exact or any(t.startswith(p) for p in self.prefixes) for t in french.terms(word))


class Results(list):
    """Results, best first; ``corrected`` is the query with its typos corrected (what
    « Résultats pour … » shows) when a word found nothing as typed, else None."""

    corrected: str | None = None
    as_typed: str | None = None  # the same query that searches the corrected words as typed
    marks: Highlight | None = None  # what to mark in the results' passages


class SearchIndex:
    def __init__(self, data: dict):
        """``data``: what ``index.build_index`` returns (or ``read_site`` reads back).

        Raises IndexOutdated when another version of the builder wrote it."""
        if data.get("pipeline") != french.PIPELINE:
            raise IndexOutdated(
                f"l'index de recherche a été produit par une autre version du constructeur "
                f"(« {data.get('pipeline')} », attendu « {french.PIPELINE} ») : relancez « kit build »."
            )
        self.docs = data["docs"]
        self.pages = data["pages"]
        self.vocabulary = data["vocabulary"]
        self.links = data.get("links", {})
        self.index = Index.load(expand_index(data["index"]))
        # term -> page -> positions of the term in the page (for phrases)
        self.positions = {term: dict(pages) for term, pages in data.get("positions", {}).items()}
        self._written: dict[str, list[str]] | None = None

    @classmethod
    def from_site(cls, site_dir: Path) -> SearchIndex:
        try:
            data = read_site(site_dir)
        except (OSError, ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
            raise IndexOutdated(
                f"{site_dir / 'search'} ne contient pas un index de recherche lisible par cette version "
                "du constructeur : relancez « kit build »."
            ) from error
        return cls(data)

    # --- lunr ---

    def _run(self, clauses: list[french.Clause]) -> list[tuple[float, int, set[str]]]:
        query = self.index.create_query()
        for clause in clauses:
            query.term(
                clause.term,
                use_pipeline=False,
                boost=clause.boost,
                wildcard=Query.WILDCARD_TRAILING if clause.prefix else Query.WILDCARD_NONE,
                presence=(QueryPresence.PROHIBITED if clause.excluded
                          else QueryPresence.REQUIRED if clause.required else QueryPresence.OPTIONAL),
            )
        return [(m["score"], int(m["ref"]), set(m["match_data"].metadata)) for m in self.index.query(query)]

    def expand(self, clauses: tuple[french.Clause, ...]) -> set[str]:
        """The index terms the (not excluded) clauses reach, prefixes expanded."""
        found: set[str] = set()
        for clause in clauses:
            if clause.excluded:
                continue
            if clause.prefix:
                found.update(self.index.token_set.intersect(TokenSet.from_string(clause.term + "*")).to_list())
            elif clause.term in self.index.inverted_index:
                found.add(clause.term)
        return found

    def pages_with(self, terms: set[str]) -> set[str]:
        refs: set[str] = set()
        for term in terms:
            posting = self.index.inverted_index[term]
            for name in self.index.fields:
                refs.update(posting[name])
        return refs

    # --- typos ---

    def written_forms(self) -> dict[str, list[list]]:
        """Index term → the vocabulary rows (words of the pages) that stem to it."""
        if self._written is None:
            self._written = {}
            for row in self.vocabulary:
                self._written.setdefault(french.stem(row[0]), []).append(row)
        return self._written

    def candidates(self, typed: str) -> list[tuple[str, str]]:
        """(index term, word as written) of the closest words to a typed folded word, best
        first: fewest edits, then most pages, then alphabetical; distinct terms. Close
        are the words of the pages within ``typo_distance(typed)`` edits of it, and the
        terms within as many edits of its stem (« fragilté » → fragilt → fragil); each
        is shown as the word of the pages closest to what was typed. Reads only the
        vocabulary (rows: folded word, pages of its stem, as written if different)."""
        limit = french.typo_distance(typed)
        written = self.written_forms()
        close: dict[str, tuple[int, str, list]] = {}
        for row in self.vocabulary:
            distance = french.edit_distance(typed, row[0], limit)
            if 0 < distance <= limit:
                term = french.stem(row[0])
                if (distance, row[0]) < close.get(term, (limit + 1, ""))[:2]:
                    close[term] = (distance, row[0], row)
        typed_stem = french.stem(typed)
        for term, rows in written.items():
            if term not in close:
                distance = french.edit_distance(typed_stem, term, limit)
                if 0 < distance <= limit:
                    row = min(rows, key=lambda r: (french.edit_distance(typed, r[0], 99), r[0]))
                    close[term] = (distance, row[0], row)
        ranked = sorted((d, -row[1], word, t) for t, (d, word, row) in close.items())
        return [(t, close[t][2][-1] if len(close[t][2]) > 2 else close[t][2][0])
                for *_, t in ranked[:french.TYPO_CANDIDATES]]

    # --- phrases ---

    def has_phrase(self, ref: int, phrase: tuple[str, ...], last: set[str] | None = None) -> bool:
        """Whether page ``ref`` has the terms of ``phrase`` next to each other, in order,
        read from the positions stored in the index (``index.phrase_sequence``); with
        ``last`` (a phrase whose last word is being typed), any of these terms ends it."""
        found = [self.positions.get(term, {}).get(ref) for term in phrase[:-1]]
        ends = [phrase[-1]] if last is None else sorted(last)
        found.append([p for term in ends for p in self.positions.get(term, {}).get(ref, [])])
        if not all(found):
            return False
        later = [set(positions) for positions in found[1:]]
        return any(all(start + i + 1 in positions for i, positions in enumerate(later)) for start in found[0])

    # --- search ---

    def search(self, query: str, limit: int | None = None, typos: bool = True) -> Results:
        """The pages that answer ``query``, best first (ties by page order, as in the browser).

        ``typos=False``: the words exactly as typed (« Rechercher … tel quel »). While the
        last word is typed, when it is a whole word as far as the index can tell (its stem
        is a term, and its letters are that term, « partenariat », or begin no term,
        « considérés » → consider; not « parte » → part, which begins partenariat), the pages
        that the same query followed by a space finds come first, in its order and with its
        scores, then the others (those of the longer words): a space typed after a whole
        word does not reorder its results. A query ending in a space that finds nothing, or
        only by correcting a word, gives the pages it finds read as still being typed, if
        those need no correction (« innovat » followed by a space)."""
        results = self._search_merged(query, typos)
        trimmed = query.rstrip()
        if trimmed != query and trimmed and (not results or results.corrected):
            # A space typed after a word only partly typed (« innovat », « partena ») does not
            # finish it: when the query with the space finds nothing, or only by correcting a
            # word, the query read as still being typed is taken if it finds pages as typed.
            typing = self._search_merged(trimmed, typos)
            if typing and not typing.corrected:
                results = typing
        if limit is not None:
            del results[limit:]
        return results

    def _search_merged(self, query: str, typos: bool) -> Results:
        """``search`` before its trailing-space rule: the query's results, with those of the
        query followed by a space first when its last word is whole (see ``search``)."""
        results = self._search(query, typos)
        if self._whole_word(french.plan(query)):
            finished = self._search(query + " ", typos)
            if finished:
                seen = {r.ref for r in finished}
                merged = Results([*finished, *(r for r in results if r.ref not in seen)])
                merged.corrected, merged.as_typed, merged.marks = results.corrected, results.as_typed, results.marks
                results = merged
        return results

    def _whole_word(self, plan: french.Plan) -> bool:
        """Whether the word being typed is whole as far as the index can tell (see ``search``)."""
        word = next((w for w in plan.words if w.reach), None)
        return (word is not None and word.stem in self.index.inverted_index
                and (word.reach == word.stem or not self.expand((french.Clause(word.reach, False, prefix=True),))))

    def _search(self, query: str, typos: bool) -> Results:
        """``search`` with the query's own words only (see there)."""
        plan = french.plan(query)
        results = Results()
        if not plan.phrases and all(c.excluded for c in plan.clauses):
            return results  # nothing to look for: exclusions alone find nothing
        words = list(plan.words)
        reaching, checks, open_terms = self._reach(words)
        corrected: dict[int, str] = {}
        # Pages lacking one of these sets rank below: the own terms of a word that reached
        # further (see _reach), of each word whose typos are tried.
        for number, word in enumerate(words if typos else []):
            if not word.typed:
                continue
            own = self.expand(word.clauses)
            reached = len(self.pages_with(own))
            if reached >= french.TYPO_FEW:
                continue
            close = self.candidates(word.typed)
            if not close:
                continue
            # The word's clauses become optional: pages that have one of its close words count
            # too, below the word as typed when it found some (TYPO_BOOST), as it when not.
            boost = french.TYPO_BOOST if reached else 1
            words[number] = french.QueryWord(word.part, tuple(
                [french.Clause(c.term, False, c.boost, c.prefix) for c in word.clauses]
                + [french.Clause(stem, False, boost) for stem, _ in close]), word.typed)
            checks.append(own)
            reaching.pop(number, None)  # its close words' pages count too
            if reached == 0:
                corrected[word.part] = close[0][1]
        if corrected:
            shown = []
            for number, part in enumerate(plan.parts):
                text = corrected.get(number, part.text)
                shown.append(("-" if part.excluded else "") + (f"« {text} »" if part.phrase else text))
            results.corrected = " ".join(shown)
            # A quoted word is searched exactly as typed (a phrase forgives no typo).
            results.as_typed = " ".join(
                f'"{part.text}"' if number in corrected
                else ("-" if part.excluded else "") + (f'"{part.text}"' if part.phrase else part.text)
                for number, part in enumerate(plan.parts))
        clauses = [c for w in words for c in w.clauses]
        results.marks = Highlight()
        for clause in clauses:
            if not clause.excluded:
                if clause.prefix:
                    results.marks.prefixes.append(clause.term)
                else:
                    results.marks.exact.add(clause.term)
        matches = self._filter(self._run(clauses), plan, open_terms) if clauses else []
        # A word that reached past its stem: one of its terms on each page (its clauses are
        # optional, for lunr), as a required clause would (the relaxed query has none).
        matches = [m for m in matches if all(m[2] & terms for terms in reaching.values())]
        if not matches and clauses:
            matches = self._filter(self._run(french.relaxed(clauses)), plan, open_terms)
        # Pages that have the words as typed rank above those found by a close word only.
        ranked = sorted(matches, key=lambda m: (sum(not (m[2] & own) for own in checks), -m[0], m[1]))
        for score, ref, _ in ranked:
            url, title, kind, paths = self.docs[ref]
            results.append(Result(ref, url, title, kind, paths, score))
        return results

    def reach_terms(self, typed: str) -> list[str]:
        """The index terms of the words of the pages (the vocabulary) that start with the
        folded letters ``typed``, sorted: what a word being typed reaches when no term
        starts with it (« innovat » → innov, the stem of innovation, innovant…)."""
        rows = self.vocabulary
        start = bisect.bisect_left(rows, [typed])
        found = set()
        for row in itertools.islice(rows, start, None):
            if not row[0].startswith(typed):
                break
            found.add(french.stem(row[0]))
        return sorted(t for t in found if t in self.index.inverted_index)

    def _reach(self, words: list[french.QueryWord]) -> tuple[dict[int, set[str]], list[set[str]], set[str]]:
        """The word being typed also reaches the terms of the words of the pages that start
        with the letters typed (``reach_terms``) when no term starts with them (« innovat »:
        innovation is indexed as « innov »), or when they may continue a shorter term
        (``french.shorter_stems``: « associat » → associ) that they do not reach yet. Its
        required prefix clause becomes optional, followed by an optional clause for each
        term reached so; a page must have one of the word's terms (``words`` is changed in
        place). Returns those sets of terms by word (one of each on every page), the sets of terms
        that rank a page above the others (the word's own, when it had some: pages found
        only by the terms reached so come after), and the terms the last word reaches (the
        end of a phrase being typed)."""
        required: dict[int, set[str]] = {}
        above: list[set[str]] = []
        reached: set[str] = set()
        for number, word in enumerate(words):
            if not word.reach:
                continue
            own = [c for c in word.clauses if c.term in (word.stem, word.reach) and not c.excluded]
            reached = self.expand(tuple(own))
            if reached and not any(t in self.index.inverted_index and t not in reached
                                   for t in french.shorter_stems(word.reach)):
                continue
            extra = [t for t in self.reach_terms(word.reach) if t not in reached]
            if not extra:
                continue
            clauses: list[french.Clause] = []
            for c in word.clauses:
                if c.term == word.stem and c.required and c.prefix:
                    clauses.append(french.Clause(c.term, False, c.boost, True))
                    clauses.extend(french.Clause(t, False, french.REACH_BOOST if reached else 1) for t in extra)
                else:
                    clauses.append(c)
            words[number] = french.QueryWord(word.part, tuple(clauses), word.typed, word.reach, word.stem)
            if reached:
                above.append(set(reached))
            reached = reached | set(extra)
            required[number] = reached
        return required, above, reached

    def _filter(self, matches: list, plan: french.Plan, open_terms: set[str] | None = None) -> list:
        if not plan.phrases and not plan.excluded_phrases:
            return matches
        last = len(plan.phrases) - 1 if plan.open_phrase else -1
        return [m for m in matches
                if all(self.has_phrase(m[1], p, open_terms if n == last else None) for n, p in enumerate(plan.phrases))
                and not any(self.has_phrase(m[1], p) for p in plan.excluded_phrases)]

    # --- passages ---

    def highlight(self, query: str, typos: bool = True) -> Highlight:
        """What to mark in the passages of a query's results (its typo candidates included)."""
        return self.search(query, typos=typos).marks or Highlight()

    def passages(self, ref: int, marks: Highlight) -> tuple[Passage, list[Passage]]:
        """The passage of page ``ref`` around its best match, and up to SUBRESULTS other
        sections with a match (by score, then order), each its own passage."""
        return page_passages(self.pages[ref], marks)


def page_passages(sections: list, marks: Highlight) -> tuple[Passage, list[Passage]]:
    """See ``SearchIndex.passages``; ``sections``: [anchor, heading, text] rows of a page."""
    hit = lru_cache(maxsize=None)(marks)
    scored = []
    for number, (anchor, heading, text) in enumerate(sections):
        tokens = text.split(" ") if text else []
        hits = [i for i, token in enumerate(tokens) if hit(token)]
        best, start = (0, 0), 0
        for h in hits:
            first = max(0, min(h - french.PASSAGE_BEFORE, len(tokens) - french.PASSAGE_WORDS))
            inside = [i for i in hits if first <= i < first + french.PASSAGE_WORDS]
            score = (len({french.fold(tokens[i].strip(french.PUNCTUATION)) for i in inside}), len(inside))
            if score > best:
                best, start = score, first
        scored.append((best, number, start, tokens, hit))
    with_text = [s for s in scored if s[3]]
    if not with_text:
        return Passage("", "", []), []
    ranked = sorted(with_text, key=lambda s: (-s[0][0], -s[0][1], s[1]))
    main = ranked[0] if ranked[0][0] > (0, 0) else with_text[0]
    subs = [s for s in ranked if s is not main and s[0] > (0, 0) and sections[s[1]][0]][:french.SUBRESULTS]

    def passage(item) -> Passage:
        _, number, start, tokens, _ = item
        end = min(len(tokens), start + french.PASSAGE_WORDS)
        segments: Segments = []

        def add(text: str, marked: bool) -> None:
            if segments and not marked and not segments[-1][1]:
                segments[-1][0] += text
            elif text:
                segments.append([text, marked])

        add("… " if start > 0 else "", False)
        for i in range(start, end):
            token = tokens[i]
            if i > start:
                add(" ", False)
            if hit(token):
                core = token.strip(french.PUNCTUATION)
                before = token[:len(token) - len(token.lstrip(french.PUNCTUATION))]
                add(before, False)
                add(core, True)
                add(token[len(before) + len(core):], False)
            else:
                add(token, False)
        add(" …" if end < len(tokens) else "", False)
        anchor, heading, _ = sections[number]
        return Passage(anchor, heading, segments)

    return passage(main), [passage(s) for s in subs]
