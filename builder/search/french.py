"""The French text pipeline of the search, shared by the index, ``kit search`` and the site.

The site's JavaScript (``theme/assets/search/search.js``) implements the same steps; every
table and pattern below travels inside ``search/index.js`` (``browser_rules``, written at
build time), so the two sides read one definition, and tests compare both sides' output
word for word.

0. normalise: Unicode NFKC (ligatures ﬁ → fi, full-width letters, non-breaking spaces),
   then invisible characters removed (soft hyphen, zero-width space/joiners, word joiner,
   BOM: « inter\u00adcommunalité » is one word), typographic apostrophes → ', dashes and
   Unicode hyphens → -, quotation marks (« » “ ” „) → " (the phrase operator).
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

Queries (``parse_query``): ``"…"`` (or « … ») is a phrase, ``-mot`` excludes a word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Bumped whenever tokenisation changes: search/index.js names the pipeline that built it.
PIPELINE = "fr-3"

COMBINING = "\u0300-\u036f"
_COMBINING = re.compile(f"[{COMBINING}]")
# Step 0, after NFKC (which already maps U+2011, U+FE63, U+FF0D, U+FF07… to ASCII forms).
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero widths, BOM
APOSTROPHE_LIKE = "\u2018\u2019\u201b\u02bc\u2032\u0060"
DASH_LIKE = "\u2010\u2012\u2013\u2014\u2015\u2212"
QUOTE_LIKE = "\u00ab\u00bb\u201c\u201d\u201e\u201f\u2039\u203a"
CHARACTER_MAP: dict[str, str] = {
    **{c: "" for c in INVISIBLE},
    **{c: "'" for c in APOSTROPHE_LIKE},
    **{c: "-" for c in DASH_LIKE},
    **{c: '"' for c in QUOTE_LIKE},
}
# Step 1, after lower case: letters that NFKD does not split.
LIGATURES: dict[str, str] = {"\u0153": "oe", "\u00e6": "ae", "\u00df": "ss"}
APOSTROPHES = "'"
HYPHENS = "\\-"
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
# A word typed in part (issue 13): « innovat » begins no index term, « innovation » being
# indexed as its stem « innov ». The search then reaches the stems of the words of the pages
# that begin with the letters typed (the vocabulary, ``engine.reach_terms``). It also does
# when the letters typed begin some term (« associat » begins « associationsentrepris », a
# hyphenated word in one piece) but may also continue a shorter term, as a word of its
# stem: Snowball's French stemmer removes one of these endings (steps 1, with what it
# removes before the suffix, 2a, 2b and 4; folded, as the stemmer reads folded words:
# snowballstem.org/algorithms/french/stemmer.html), or step 5 a doubled letter (« personn »
# → person). These endings only decide whether to read the vocabulary, which decides.
SUFFIXES = """
able ables amment ance ances ateur ateurs ation ations atrice atrices aux eaux ement ements emment
ence ences euse euses eux if ifs ique iques isme ismes issement issements iste istes ite ites ive
ives logie logies ment ments oux usion usions ution utions
"""
BEFORE_SUFFIX = ("abl", "abil", "at", "ativ", "eus", "ic", "ier", "iqu", "iv")
VERB_ENDINGS = """
i ie ies imes ir ira irai iraient irais irait iras irent irez iriez irions irons iront is issaient
issais issait issant issante issantes issants isse issent isses issez issiez issions issons it ites
a ai aient ais aise aises ait ames ant ante antes ants as asse assent asses assiez assions at ates
e eais ee ees er era erai eraient erais erait eras erent erez eriez erions erons eront es ez iez ions
"""
RESIDUAL = ("e", "es", "ier", "iere", "ieres", "iers", "ion", "ions", "s")
UNDOUBLED = ("eil", "el", "en", "et", "on")  # step 5 drops the last letter of eill, ell, enn, ett, onn


# The terms reached so, when the letters typed also begin some terms: little weight, so that
# the pages of those keep their order (they rank above the others anyway).
REACH_BOOST = 0.1


def ending_starts() -> frozenset[str]:
    """The beginnings (the empty one and whole endings included) of every ending above."""
    suffixes = SUFFIXES.split()
    endings = {b + x for b in ("", *BEFORE_SUFFIX) for x in suffixes} | set(VERB_ENDINGS.split()) | set(RESIDUAL)
    return frozenset(e[:n] for e in endings for n in range(len(e) + 1))


_ENDING_STARTS = ending_starts()


def continues(term: str, typed: str) -> bool:
    """Whether the folded letters ``typed`` (which start with ``term`` and are longer) may
    begin a word whose stem is ``term``: the letters past it begin an ending, or a letter
    undoubled then an ending (see SUFFIXES)."""
    past = typed[len(term):]
    if past in _ENDING_STARTS:
        return True
    return term.endswith(UNDOUBLED) and past[:1] == term[-1:] and past[1:] in _ENDING_STARTS


def shorter_stems(typed: str) -> list[str]:
    """The beginnings of ``typed``, longest first, of ``PREFIX_MIN`` letters or more, that it
    ``continues``: the index terms among them are a binary search (or a lookup) away each."""
    return [typed[:n] for n in range(len(typed) - 1, PREFIX_MIN - 1, -1) if continues(typed[:n], typed)]


# Typos (issue 13): a word of 5+ letters that finds fewer than TYPO_FEW pages also looks for the
# words of the index 1 edit away (2 edits from 9 letters; a swap of two letters is one edit),
# the TYPO_CANDIDATES closest, ranked below the pages that have the word as typed.
TYPO_MIN_ONE = 5
TYPO_MIN_TWO = 9
TYPO_FEW = 2
TYPO_CANDIDATES = 3
TYPO_BOOST = 0.1
# Passages: PASSAGE_WORDS words around the best match, starting PASSAGE_BEFORE words before
# it; up to SUBRESULTS other sections of the page (by heading) as sub-results.
PASSAGE_WORDS = 30
PASSAGE_BEFORE = 8
SUBRESULTS = 3
# Characters around a word that are not part of it when it is highlighted.
PUNCTUATION = "\"'([{<)]}>,.;:!?\u2026*/\u00ab\u00bb\u201c\u201d\u2018\u2019"


# str.translate looks every character of the text up in a dict (the index stage folds
# whole pages); str.replace of each character present, its search in C, gives the same
# text (no replacement is itself replaced) several times faster.
_MAPPED = re.compile("[" + re.escape("".join(CHARACTER_MAP)) + "]")
_LIGATURED = re.compile("[" + "".join(LIGATURES) + "]")


def _replaced(text: str, found: re.Pattern, table: dict[str, str]) -> str:
    for character in set(found.findall(text)):
        text = text.replace(character, table[character])
    return text


def normalise(text: str) -> str:
    """Step 0: NFKC, invisible characters removed, apostrophes, dashes and quotes unified."""
    return _replaced(unicodedata.normalize("NFKC", text), _MAPPED, CHARACTER_MAP)


def fold_normalised(text: str) -> str:
    """Step 1 of a text that went through ``normalise``: see ``fold``."""
    return _replaced(_COMBINING.sub("", unicodedata.normalize("NFKD", text).lower()), _LIGATURED, LIGATURES)


def fold(text: str) -> str:
    """Steps 0 and 1: the text as the index compares it (no accents, lower case, no ligature)."""
    return fold_normalised(normalise(text))


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
    return folded_words(fold(text))


def folded_words(folded: str) -> list[Word]:
    """``words`` of a text already folded."""
    found = (_word(written) for written in WORD.findall(folded))
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


def terms(text: str, joined: bool = True) -> list[str]:
    """The index terms of a text, in order (``joined=False``: without the joined form of
    hyphenated words, the sequence phrases are matched against)."""
    result: list[str] = []
    for written in WORD.findall(fold(text)):
        word = _word(written)
        if word is not None:
            result.extend(word.terms if joined else word.parts)
    return result


@dataclass(frozen=True)
class Clause:
    term: str
    required: bool
    boost: float = 1
    prefix: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class Part:
    """One item of a query as typed: a word, a ``"phrase"`` (or « phrase »), or ``-excluded``."""

    text: str  # normalised, without its operator
    phrase: bool = False
    excluded: bool = False


QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_query(query: str) -> list[Part]:
    """The items of a query: ``"…"`` is a phrase (closed or not), ``-mot`` or ``-"…"`` excluded."""
    parts = []
    for match in QUERY_PART.finditer(normalise(query)):
        if match.group(3) is None:
            parts.append(Part(match.group(2), True, bool(match.group(1))))
        else:
            text = match.group(3)
            excluded = text.startswith("-") and text.lstrip("-") != ""
            parts.append(Part(text.lstrip("-") if excluded else text, False, excluded))
    return parts


@dataclass(frozen=True)
class QueryWord:
    """The clauses of one word of the query; ``typed`` is the folded word when a typo in it
    may be forgiven (a plain word of one piece, long enough), else ""."""

    part: int  # its item in parse_query's list
    clauses: tuple[Clause, ...]
    typed: str = ""
    # While its last part is being typed (a prefix): the folded letters typed and their stem,
    # the term of its required prefix clause; when no term starts with either, the search
    # looks for the words of the pages that start with the letters typed (« innovat » →
    # innovation, indexed as « innov »). "" otherwise.
    reach: str = ""
    stem: str = ""


@dataclass(frozen=True)
class Plan:
    """What a query asks: lunr clauses by word, phrases that must (or must not) appear."""

    parts: tuple[Part, ...]
    words: tuple[QueryWord, ...]
    phrases: tuple[tuple[str, ...], ...]
    excluded_phrases: tuple[tuple[str, ...], ...]
    # The last phrase's last word is being typed (« "innovation soci »): its last term is the
    # terms that word reaches (its prefix clauses, or the term it reaches past its stem).
    open_phrase: bool = False

    @property
    def clauses(self) -> list[Clause]:
        return [c for w in self.words for c in w.clauses]


def _word_clauses(word: Word, last: bool) -> list[Clause]:
    clauses: list[Clause] = []
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


def plan(query: str) -> Plan:
    """Every word required; the last one, while it is still being typed (no space after
    it), also matches as a prefix (« parten » → partenariat), inside a phrase not closed
    too (« "innovation soci »); a phrase requires its words, in order; an excluded word
    removes the pages that have it."""
    parts = parse_query(query)
    typing = fold(query)[-1:] not in ("", " ", "\t", "\n", "\r", '"')
    found_words: list[QueryWord] = []
    phrases: list[tuple[str, ...]] = []
    excluded_phrases: list[tuple[str, ...]] = []
    open_phrase = False
    for number, part in enumerate(parts):
        sequence = tuple(terms(part.text, joined=False))
        if part.excluded:
            if len(sequence) == 1 and not part.phrase:
                found_words.append(QueryWord(number, (Clause(sequence[0], False, excluded=True),)))
            elif sequence:
                excluded_phrases.append(sequence)
            continue
        found = words(part.text)
        written = WORD.findall(fold(part.text))
        # The last word typed, unless it is a stop word (« innovation de » : « de » is not
        # a prefix, and « innovation » was finished).
        last_part = typing and number == len(parts) - 1 and bool(written) and _word(written[-1]) is not None
        for position, word in enumerate(found):
            last = last_part and position == len(found) - 1
            typed = ""
            if (not part.phrase and len(found) == 1 and len(word.parts) == 1 and not word.joined
                    and len(word.tail) >= TYPO_MIN_ONE):
                typed = word.tail
            open_word = last and bool(word.parts) and len(word.tail) >= PREFIX_MIN
            found_words.append(QueryWord(number, tuple(_word_clauses(word, last)), typed,
                                         word.tail if open_word else "", word.parts[-1] if open_word else ""))
        if part.phrase and len(sequence) > 1:
            phrases.append(sequence)
            open_phrase = last_part and bool(found_words[-1].reach)
    return Plan(tuple(parts), tuple(found_words), tuple(phrases), tuple(excluded_phrases), open_phrase)


STOP_WORDS_ONLY = ("Ces mots sont trop courants pour être cherchés (le, la, de, pour, avec…) ; "
                   "ajoutez un mot plus précis.")
EXCLUSIONS_ONLY = "Des exclusions seules (« -mot ») ne trouvent rien ; ajoutez un mot à chercher."


def nothing_to_look_for(query: str) -> str:
    """Why ``query`` can find nothing whatever the pages (French, for the reader), or "":
    its words are all stop words, or it only excludes. The browser says the same."""
    found = plan(query)
    if found.phrases or any(not c.excluded for c in found.clauses):
        return ""
    if found.words or found.excluded_phrases:
        return EXCLUSIONS_ONLY
    return STOP_WORDS_ONLY if WORD.search(fold(query)) else ""


def query_clauses(query: str) -> list[Clause]:
    """The lunr clauses of a query (see ``plan``)."""
    return plan(query).clauses


def relaxed(clauses: list[Clause]) -> list[Clause]:
    """The same clauses, none required (exclusions stay): the fallback when no page has every word."""
    return [Clause(c.term, False, c.boost, c.prefix, c.excluded) for c in clauses]


def typo_distance(typed: str) -> int:
    """Edits forgiven in a typed (folded) word: 0 under 5 letters, 1, or 2 from 9 letters."""
    return 2 if len(typed) >= TYPO_MIN_TWO else 1 if len(typed) >= TYPO_MIN_ONE else 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, replace, swap two neighbours),
    or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[len(b)]


def browser_rules() -> dict:
    """Every table and setting the browser's copy of this pipeline needs, written into
    ``search/index.js`` at build time: the two sides read one definition."""
    return {
        "characterMap": sorted(CHARACTER_MAP.items()),
        "ligatures": sorted(LIGATURES.items()),
        "combining": COMBINING,
        "word": WORD.pattern,
        "apostrophe": APOSTROPHE.pattern,
        "hyphen": HYPHEN.pattern,
        "queryPart": QUERY_PART.pattern,
        "stopWords": list(STOP_WORDS),
        "elisions": list(ELISIONS),
        "prefixMin": PREFIX_MIN,
        "suffixes": SUFFIXES.split(),
        "beforeSuffix": list(BEFORE_SUFFIX),
        "verbEndings": VERB_ENDINGS.split(),
        "residual": list(RESIDUAL),
        "undoubled": list(UNDOUBLED),
        "reachBoost": REACH_BOOST,
        "stopWordsOnly": STOP_WORDS_ONLY,
        "exclusionsOnly": EXCLUSIONS_ONLY,
        "exactBoost": EXACT_BOOST,
        "typedBoost": TYPED_BOOST,
        "joinedBoost": JOINED_BOOST,
        "typoMinOne": TYPO_MIN_ONE,
        "typoMinTwo": TYPO_MIN_TWO,
        "typoFew": TYPO_FEW,
        "typoCandidates": TYPO_CANDIDATES,
        "typoBoost": TYPO_BOOST,
        "passageWords": PASSAGE_WORDS,
        "passageBefore": PASSAGE_BEFORE,
        "subresults": SUBRESULTS,
        "punctuation": PUNCTUATION,
    }
