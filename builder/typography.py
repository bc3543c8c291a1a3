"""Post-build stage: French typography's no-break spaces in every HTML page of the site.

As French publishers set text (Imprimerie nationale, « Lexique des règles typographiques en
usage à l'Imprimerie nationale », and the rules CSS cannot apply by itself):

- a narrow no-break space (U+202F) before ``;``, ``!``, ``?`` and before the closing ``»``'s
  neighbour rules below are applied where a plain space (or a line break) stands there;
- a no-break space (U+00A0) before ``:``, after ``«`` and before ``»`` (inserted when missing);
- a no-break space between a number and its unit or ``%`` (« 69 % », « 2,3 Mo », « 12 ans »),
  and a narrow one between the groups of a large number (« 1 283 »).

So a line never starts with « : » or « » ». Only text nodes change: never markup, attributes
(URLs, ``aria-label``…), nor the text of ``code``, ``pre``, ``kbd``, ``samp``, ``script``,
``style``, ``textarea`` (what a reader copies or a program runs must stay as typed).

The pages are read with the standard library's HTML tokenizer (``html.parser``): it is a
real HTML parser (tags, comments, raw-text elements, character references), already there
(no dependency), and unlike a parse-and-serialise library (lxml, html5lib) it lets the stage
rewrite the text runs in place, so every byte outside them stays as MkDocs wrote it (the
policy's hashes of inline scripts, ``builder.csp``, are computed after this stage anyway).
One pass per page, linear in its size: see ``benchmarks/typography.py``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: a worker process (builder.pool) imports this module, kept light
    from builder.config import SiteConfig
    from builder.models import Kit

NBSP = "\u00a0"
NNBSP = "\u202f"
# Elements whose text is left as typed.
VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style", "textarea", "var"})
PLAIN_TEXT = frozenset({"title", "option"})
# English phrases of the site's French text (content/, kit/), marked ``lang="en"`` so that a
# screen reader says them in English (WCAG 3.1.2); editors cannot write the span themselves
# (raw HTML is refused in content/). A phrase already inside an element with a ``lang`` is
# rare enough here to be marked twice harmlessly.
ENGLISH_PHRASES = ("open source",)
_ENGLISH = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in ENGLISH_PHRASES) + r")(?![\w-])", re.IGNORECASE)
# Units written after a number (SI symbols, currencies, and the counted words of the site's
# sources: years, months, pages…). Longest first so that « Mo » wins over « M ».
UNITS = sorted({
    "%", "‰", "€", "k€", "M€", "Md€", "$", "°C",
    "o", "Ko", "Mo", "Go", "octets", "kB", "KB", "MB", "GB",
    "mm", "cm", "m", "km", "m²", "km²", "ha", "kg",
    "ms", "s", "min", "h",
    "an", "ans", "mois", "jour", "jours", "semaine", "semaines", "heure", "heures", "minute", "minutes",
    "seconde", "secondes", "page", "pages",
    "million", "millions", "milliard", "milliards", "habitant", "habitants", "salarié", "salariés",
}, key=len, reverse=True)
_SPACES = "[ \t\r\n]+"
# Plain spaces (or a line break) that typography wants no-break.
_BEFORE_NARROW = re.compile(_SPACES + "(?=[;!?])")
_BEFORE_COLON = re.compile(_SPACES + "(?=:)")
_AFTER_OPEN_QUOTE = re.compile("«(?:" + _SPACES + "|(?=[^\u00a0\u202f]))")
_BEFORE_CLOSE_QUOTE = re.compile("(?:" + _SPACES + "|(?<=[^\u00a0\u202f]))»")
_UNIT = re.compile(r"(?<=\d)" + _SPACES + "(?=(?:" + "|".join(re.escape(u) for u in UNITS) + r")(?![\w]))")
_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})(?:" + _SPACES + r"(?=\d{3}(?![\d])))")


# What a run must hold for a rule to apply: a character the rules put a space before or
# after, a digit (units, thousands), a character reference (it may stand for one of them),
# or an English phrase.
_DUE = re.compile(r"[;!?:«»&\d]|" + _ENGLISH.pattern, re.IGNORECASE)

_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)")


def typeset(text: str) -> str:
    """``text`` (plain text, no markup) with French typography's no-break spaces (see the
    module's rules). Idempotent: a second pass changes nothing."""
    if not text.strip():
        return text
    text = _BEFORE_NARROW.sub(NNBSP, text)
    text = _BEFORE_COLON.sub(NBSP, text)
    text = _AFTER_OPEN_QUOTE.sub("«" + NBSP, text)
    text = _BEFORE_CLOSE_QUOTE.sub(NBSP + "»", text)
    text = _UNIT.sub(NBSP, text)
    text = _THOUSANDS.sub(lambda m: m.group(1) + NNBSP, text)
    return text


def decimal(value: float, digits: int = 1) -> str:
    """``value`` written with ``digits`` decimals and a decimal comma, as French writes it
    (« 0,1 », never « 0.1 »): for the figures the terminal prints (seconds, sizes)."""
    return f"{value:.{digits}f}".replace(".", ",")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _TextRuns(HTMLParser):
    """Collects the (start, end) offsets of the page's text runs outside verbatim elements.

    A run is raw page text between two tags, character references included. Two costs of
    the tokenizer that this pass does not need are skipped (3 times faster, measured in
    benchmarks/typography.py): attribute parsing (start tags are only named), and line and
    column counting (the tokenizer reports each token's end through ``updatepos``; the
    next token starts there)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.verbatim = 0
        self.plain = 0  # inside <title> or <option>: text only, no element may be added
        self.runs: list[tuple[int, int, bool]] = []
        self._base = 0  # offset in the page of the tokenizer's buffer
        self._at = 0  # end of the last token, in the buffer

    def feed(self, data: str) -> None:
        super().feed(data)
        self._base += len(data) - len(self.rawdata)  # what remains is kept for close()
        self._at = 0

    def updatepos(self, i: int, j: int) -> int:
        self._at = j
        return j

    def parse_starttag(self, i: int) -> int:
        end = self.check_for_whole_start_tag(i)
        if end < 0:
            return end
        rawdata = self.rawdata
        match = _TAG_NAME.match(rawdata, i + 1)
        tag = self.lasttag = match.group(1).lower() if match else ""
        if rawdata.endswith("/>", 0, end) or not tag:
            return end
        self.handle_starttag(tag, [])
        if tag in self.CDATA_CONTENT_ELEMENTS:
            self.set_cdata_mode(tag)
        return end

    def _text(self, raw_length: int) -> None:
        if self.verbatim:
            return
        start = self._base + self._at
        if self.runs and self.runs[-1][1] == start:
            self.runs[-1] = (self.runs[-1][0], start + raw_length, self.runs[-1][2])
        else:
            self.runs.append((start, start + raw_length, not self.plain))

    def handle_data(self, data: str) -> None:
        self._text(len(data))

    def _reference(self, prefix: int, name: str) -> None:
        end = self._at + prefix + len(name)
        self._text(end + (1 if self.rawdata.startswith(";", end) else 0) - self._at)

    def handle_entityref(self, name: str) -> None:
        self._reference(1, name)

    def handle_charref(self, name: str) -> None:
        self._reference(2, name)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in VERBATIM:
            self.verbatim += 1
        elif tag in PLAIN_TEXT:
            self.plain += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VERBATIM and self.verbatim:
            self.verbatim -= 1
        elif tag in PLAIN_TEXT and self.plain:
            self.plain -= 1


# The tokens of a page that are not text, as html.parser tells them apart (its rules for
# where a tag, a comment or a declaration starts and ends), in one compiled expression:
# group 1 names an end tag, group 2 a start tag.
_MARKUP = re.compile(r"""<(?:
    !--.*?(?:--\s*>|\Z)                                    # comment
  | [!?][^>]*>                                              # declaration, processing instruction
  | /([a-zA-Z][^\t\n\r\f\ />\x00]*)[^>]*>                  # end tag
  | ([a-zA-Z][^\t\n\r\f\ />\x00]*)(?:[^>"']|"[^"]*"|'[^']*')*>  # start tag, quoted values may hold >
)""", re.S | re.X)
# html.parser's raw-text elements: their text runs to the closing tag, never parsed.
_RAW_TEXT_END = {tag: re.compile(rf"</\s*{tag}\s*>", re.I) for tag in HTMLParser.CDATA_CONTENT_ELEMENTS}


def text_runs(page: str) -> list[tuple[int, int, bool]]:
    """The (start, end, markup allowed) offsets of the page's text runs outside verbatim
    elements, as ``_TextRuns`` (html.parser) finds them on the pages MkDocs writes, in one
    regular-expression scan: 4 to 5 times faster (benchmarks/README.md, issue 15), and the
    site is ours (Material's templates, sanitised catalogue HTML). ``tests/test_build_speed.py``
    compares both on every page of a built site."""
    return _scan(page, None)


def _scan(page: str, skip: Any) -> list[tuple[int, int, bool]]:
    # text_runs' scan; ``skip`` (a compiled pattern's match, or None): what may be stepped
    # over from a run's start before looking for the next markup (runs_to_typeset).
    runs: list[tuple[int, int, bool]] = []
    verbatim = plain = 0
    at = 0
    search = _MARKUP.search
    while True:
        if skip is not None:
            stepped = skip(page, at).end()
            if stepped > at and page[stepped - 1] != ">":
                # Stepped over text last, up to a character to typeset or a « < » that may open no
                # markup (then the run goes on past it): the run is scanned from its start.
                stepped = page.rfind(">", at, stepped) + 1 or at
            at = stepped
        found = search(page, at)
        if found is None:
            if at < len(page) and not verbatim:
                runs.append((at, len(page), not plain))
            return runs
        if found.start() > at and not verbatim:
            runs.append((at, found.start(), not plain))
        at = found.end()
        ending, opening = found.group(1), found.group(2)
        if opening is not None:
            tag = opening.lower()
            if page.endswith("/>", 0, at):
                continue  # self-closing: html.parser reports no start
            if tag in VERBATIM:
                verbatim += 1
            elif tag in PLAIN_TEXT:
                plain += 1
            if tag in _RAW_TEXT_END:  # <script>, <style>: verbatim, up to their end tag
                close = _RAW_TEXT_END[tag].search(page, at)
                if close is None:
                    return runs
                at = close.end()
                verbatim -= 1
        elif ending is not None:
            tag = ending.lower()
            if tag in VERBATIM and verbatim:
                verbatim -= 1
            elif tag in PLAIN_TEXT and plain:
                plain -= 1


# What ``runs_to_typeset`` steps over without a Python step, in one match: markup that no
# rule of ``text_runs`` counts (the very alternatives of _MARKUP, but for tags whose name
# starts like one of VERBATIM or PLAIN_TEXT, which change the state, and for comments left
# open, which run to the end), and text in which no rule could change anything: no character
# of _DUE's class, no « o » starting « open » (ENGLISH_PHRASES' only first word: none of its
# letters has another case-blind match in Python's re), and no « < » nor « > ». So a match
# that does not end with « > » ends in text, which started after its last « > ».
_STATE_PREFIX = "|".join(sorted(VERBATIM | PLAIN_TEXT))
_SKIPPABLE = re.compile(rf"""(?:
    [^<>;!?:«»&\doO]++ | [oO](?![pP][eE][nN]\ )
  | <(?:
      !--.*?--\s*>
    | !(?!--)[^>]*> | \?[^>]*>
    | /(?!(?i:{_STATE_PREFIX}))[a-zA-Z][^\t\n\r\f\ />\x00]*[^>]*>
    | (?!(?i:{_STATE_PREFIX}))[a-zA-Z][^\t\n\r\f\ />\x00]*(?:[^>"']++|"[^"]*"|'[^']*')*>
  )
)*+""", re.S | re.X)
assert ENGLISH_PHRASES == ("open source",), "_SKIPPABLE steps over text by the phrases' first word"


def runs_to_typeset(page: str) -> list[tuple[int, int, bool]]:
    """The runs of ``text_runs(page)`` that ``_DUE`` finds something in, and maybe some others
    (the caller checks each run): the same scan, but markup that changes no state and text
    runs with nothing to typeset are stepped over inside the regular-expression engine, a
    page of ~1,000 tags and runs in a few dozen Python steps (issue 15: the typography was
    2.5 ms of each page's build, mostly this scan, 1.1 ms with this one).
    ``tests/test_build_speed.py`` compares both on every page of a built site."""
    return _scan(page, _SKIPPABLE.match)


# Set by the incremental preview (builder.incremental) during its partial rounds only, never
# by kit build: each text run's result (``_typeset_run``) by its inputs, kept between rounds
# (a builder.richtext.RenderMemo). The case index at 2,000 sheets has 8,000 runs to typeset,
# the same from one round to the next but for the saved sheet's: 0.2 s of each round.
RUN_MEMO: Any = None
# Outside the preview, the short runs met on earlier pages of this process: the theme's
# labels, the navigation's titles, dates and figures come back on every page (at 2,000
# sheets, 61,000 runs to typeset, 15,000 distinct). Bounded: emptied when full.
_RECENT_RUN_CHARS = 120
_RECENT_RUNS_KEPT = 20_000


class _RecentRuns(dict):
    """RUN_MEMO's get and put over a dict: a long run (a paragraph, met once) is not kept."""

    def put(self, key: tuple[str, bool, bool], kept: tuple[str | None]) -> None:
        if len(key[0]) <= _RECENT_RUN_CHARS:
            if len(self) >= _RECENT_RUNS_KEPT:
                self.clear()
            self[key] = kept


_RECENT_RUNS = _RecentRuns()


def _typeset_run(raw: str, markup: bool, after_span: bool) -> str | None:
    """What a text run ``raw`` (as written in the page) becomes, None when it stays as it is.
    ``markup``: elements may be added in it; ``after_span``: it opens right after our own
    English span (marked by an earlier pass)."""
    text = html.unescape(raw) if "&" in raw else raw
    done = typeset(text)
    english = markup and _ENGLISH.search(done) and not after_span
    if done == text and not english:
        return None
    written = _escape_text(done) if "&" in raw or "<" in done or ">" in done else done
    if english:
        written = _ENGLISH.sub(lambda m: f'<span lang="en">{m.group(0)}</span>', written)
    return written


def typeset_html(page: str) -> str:
    """``page`` (an HTML document) with its text runs typeset (``typeset``); everything else,
    byte for byte, as it was. A run that needs no change is left exactly as written (its
    character references too); a changed one is written back decoded, ``&``, ``<``, ``>``
    escaped. A run already typeset is not again: kept by the preview's rounds (``RUN_MEMO``),
    or else by this process (``_RECENT_RUNS``, short runs)."""
    pieces: list[str] = []
    last = 0
    memo = RUN_MEMO if RUN_MEMO is not None else _RECENT_RUNS
    for start, end, markup in runs_to_typeset(page):
        raw = page[start:end]
        if raw.isspace() or not _DUE.search(raw):
            continue  # most runs (the spaces between tags): nothing any rule could change
        after_span = page.endswith('<span lang="en">', 0, start)
        key = (raw, markup, after_span)
        kept = memo.get(key)
        if kept is None:
            kept = (_typeset_run(raw, markup, after_span),)
            memo.put(key, kept)
        written = kept[0]
        if written is not None:
            pieces.append(page[last:start])
            pieces.append(written)
            last = end
    if not pieces:
        return page
    pieces.append(page[last:])
    return "".join(pieces)


def typography_stage(site_dir: Path, config: SiteConfig, kit: Kit, context: object = None) -> None:
    """Post-build stage (``builder.build.POST_BUILD_STAGES``), before the policy's stage
    (``builder.csp``, which hashes the final inline scripts; this one never touches them):
    every ``.html`` file under ``site_dir`` typeset in place (``typeset_html``). A build runs
    it fused with the other page-local stages (``page_transform``, ``builder.pool.rewrite_pages``)."""
    for path in sorted(site_dir.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        done = typeset_html(page)
        if done != page:
            path.write_text(done, encoding="utf-8")


# What the stage does to one page, alone: the pipeline fuses consecutive page-local stages
# into one read and one write of each page (builder.build.run_post_build_stages).
typography_stage.page_transform = typeset_html  # type: ignore[attr-defined]
