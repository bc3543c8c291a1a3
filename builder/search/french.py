"""The French text pipeline of the search, shared by the index, ``kit search`` and the site.

The site's JavaScript (``theme/assets/search/search.js``) implements the same steps;
the stop words and elisions travel inside ``search/index.js`` so the two sides read
one list, and tests compare both sides' output word for word.

1. fold: Unicode NFKD, lower case, combining accents removed (é → e, ç → c), œ → oe,
   æ → ae. Done *before* stemming, on pages and queries alike: ``agees`` and ``âgées``
   become the same word whichever way the reader types it.
2. words: runs of ``[a-z0-9]`` joined by apostrophes or hyphens (« l'innovation »,
   « co-construction », « aujourd'hui »).
3. elisions: a leading l', d', qu', jusqu'… is dropped (« l'innovation » → innovation);
   other apostrophes join (« aujourd'hui » → aujourdhui).
4. hyphens: a hyphenated word gives its parts and its joined form
   (« co-construction » → co, construction, coconstruction), so that
   ``co-construction``, ``co construction`` and ``coconstruction`` all find it.
5. stop words (Snowball's French list, folded) are dropped.
6. stem: Snowball's French stemmer (``snowballstemmer``; the site uses its line-by-line
   JavaScript translation, see ``snowball_js.py``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Bumped whenever tokenisation changes: search/index.js names the pipeline that built it.
PIPELINE = "fr-2"

COMBINING = re.compile("[\u0300-\u036f]")
APOSTROPHES = "'\u2018\u2019\u02bc"
HYPHENS = "\\-\u2010\u2011"
WORD = re.compile(f"[a-z0-9]+(?:[{APOSTROPHES}{HYPHENS}][a-z0-9]+)*")
APOSTROPHE = re.compile(f"[{APOSTROPHES}]")
HYPHEN = re.compile(f"[{HYPHENS}]")

# Elided words dropped before an apostrophe (the list of Lucene's French analyser).
ELISIONS = ("c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu")

# Snowball's French stop-word list (snowballstem.org, BSD), minus « est »: it is also a
# cardinal point, and a region's name (« Grand Est ») must stay searchable.
_STOP_WORDS = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes suis
es sommes êtes sont serai seras sera serons serez seront serais serait serions seriez seraient
étais était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse
fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez
ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions
aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions
eussiez eussent
"""

# Shortest typed word that gets prefix matching while the reader types (« parten » → partenariat).
PREFIX_MIN = 3
EXACT_BOOST = 4  # while typing: the exact stem ranks above the words that merely start with it
TYPED_BOOST = 8  # … and the words that start with the very letters typed rank above both
JOINED_BOOST = 2  # « co-construction » typed with its hyphen: pages that have the joined word first


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    text = COMBINING.sub("", text)
    return text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


STOP_WORDS: tuple[str, ...] = tuple(sorted({fold(w) for w in _STOP_WORDS.split()}))
_STOP = frozenset(STOP_WORDS)
_stemmer = snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball French stem of a folded word (cached: a catalogue has a few thousand words)."""
    return _stemmer.stemWord(word)


@dataclass(frozen=True)
class Word:
    """One word as written or typed, ready for the index or a query."""

    parts: tuple[str, ...]  # stems of its parts that are not stop words
    joined: str | None  # stem of a hyphenated word written in one piece (None without hyphen)
    tail: str  # the folded last part as typed, for prefix matching ("" if it is a stop word)
    terms: tuple[str, ...]  # what the index holds for it: the parts, then the joined word


def words(text: str) -> list[Word]:
    found = (_word(written) for written in WORD.findall(fold(text)))
    return [word for word in found if word is not None]


@lru_cache(maxsize=200_000)
def _word(written: str) -> Word | None:
    """One folded word as written (« l'innovation », « co-construction »); None for a stop word."""
    pieces = APOSTROPHE.split(written)
    while len(pieces) > 1 and pieces[0] in ELISIONS:
        pieces.pop(0)
    parts = HYPHEN.split("".join(pieces))
    stems = tuple(stem(p) for p in parts if p not in _STOP)
    joined = "".join(parts) if len(parts) > 1 else None
    joined_stem = stem(joined) if joined and joined not in _STOP else None
    if not stems and not joined_stem:
        return None
    return Word(stems, joined_stem, "" if parts[-1] in _STOP else parts[-1], stems + ((joined_stem,) if joined_stem else ()))


def terms(text: str) -> list[str]:
    """The index terms of a text, in order."""
    result: list[str] = []
    for written in WORD.findall(fold(text)):
        word = _word(written)
        if word is not None:
            result.extend(word.terms)
    return result


@dataclass(frozen=True)
class Clause:
    term: str
    required: bool
    boost: float = 1
    prefix: bool = False


def query_clauses(query: str) -> list[Clause]:
    """The lunr clauses of a query: every word required; the last one, while it is still
    being typed (no space after it), also matches as a prefix (« parten » → partenariat)."""
    found = words(query)
    typing = fold(query)[-1:] not in ("", " ", "\t", "\n", "\r")
    clauses: list[Clause] = []
    for position, word in enumerate(found):
        last = typing and position == len(found) - 1
        for index, part in enumerate(word.parts):
            if last and index == len(word.parts) - 1 and len(word.tail) >= PREFIX_MIN:
                clauses.append(Clause(part, True, 1, prefix=True))
                clauses.append(Clause(part, False, EXACT_BOOST))
                if word.tail != part:
                    # « parte » stems to « part »: words that start with the letters typed
                    # (partenariat) rank above the stem itself (part).
                    clauses.append(Clause(word.tail, False, TYPED_BOOST, prefix=True))
            else:
                clauses.append(Clause(part, True))
        if word.joined:
            # Optional: a page that writes « coconstruction » in one piece still matches by its parts.
            clauses.append(Clause(word.joined, not word.parts, JOINED_BOOST, prefix=last))
    return clauses


def relaxed(clauses: list[Clause]) -> list[Clause]:
    """The same clauses, none required: the fallback when no page has every word."""
    return [Clause(c.term, False, c.boost, c.prefix) for c in clauses]
