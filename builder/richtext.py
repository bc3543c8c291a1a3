r"""Rich text: a Markdown field of the catalogue, rendered once (bottom layer).

Each Markdown field (a document's ``resume``, a case sheet's ``objet``…) becomes a
``RichText`` when the model validates it: the field's value is still its Markdown source
(a ``str``, so schemas, JSON exports and comparisons are unchanged), and ONE conversion
gives everything its readers need:

- ``.html``: the sanitised HTML (``Markup``) that pages print;
- ``.text``: plain text taken FROM that HTML (link texts without their targets, no footnote
  call or note, no emphasis marks, list items joined by spaces), for the feed and the CSV;
- ``.summary``: ``.text`` cut at a word to ``SUMMARY_CHARS``, for a page's meta description
  and its JSON-LD description (the same string in both);
- ``.problem``: why ``kit check`` refuses the text (builder.models, code
  ``kit_unsafe_markup``), found in the same render.

This follows MkDocs, which renders each page once into ``page.content`` that every later
consumer reads (``mkdocs/structure/pages.py``). One extension set serves catalogue text
everywhere: ``CATALOGUE_EXTENSIONS`` (the content/ pages' set plus the kit's dialect, and
headings demoted below the page's sections).

Catalogue text comes from editors outside the team, so the HTML is cleaned by nh3 (bindings
to the Rust sanitiser ammonia; bleach is deprecated): whatever slipped past ``kit check``
cannot run or embed anything.

Footnote ids are rendered with the number 0 (``fn:0-1``); a page renumbers them for the
field's place on it (``RichText.html_on_page``), so that two fields of one page never share
an id while the render itself stays independent of the page.
"""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser
from urllib.parse import unquote

import markdown as md
import nh3
from markdown.extensions.footnotes import FootnoteExtension
from markupsafe import Markup

from builder import dialect

# The extensions MkDocs also uses for content/ pages, so both read the same; the kit's
# dialect (lists after a line, 2-space sub-lists, bare addresses as links) is builder.dialect.
EXTENSIONS = ["abbr", "attr_list", "def_list", "footnotes", "sane_lists", "tables", "smarty", *dialect.EXTENSIONS]
EXTENSION_CONFIGS = {
    "smarty": {
        # French quotes and apostrophes are typed as they should appear; keep them.
        "smart_quotes": False,
        "smart_angled_quotes": False,
    },
    **dialect.EXTENSION_CONFIGS,
}
# Catalogue text only: its headings sit below the page's sections (« # » → <h3>).
CATALOGUE_EXTENSIONS = [*EXTENSIONS, "toc"]
CATALOGUE_EXTENSION_CONFIGS = {**EXTENSION_CONFIGS, "toc": {"baselevel": dialect.CATALOGUE_HEADING_LEVEL}}
# The footnotes extension's link back to the text is titled in English by default.
FOOTNOTE_BACKLINK_TITLE = "Revenir à l'appel de note %d dans le texte"
# A meta description: search engines show about this many characters.
SUMMARY_CHARS = 200

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "section", "small",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "li": {"id"},
    "sup": {"id"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# Only the classes the footnotes extension writes: contributed text cannot borrow the
# theme's classes (a fake « bouton », a full-screen overlay).
ALLOWED_CLASSES = {"div": {"footnote"}, "a": {"footnote-ref", "footnote-backref"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Ids only for footnotes (fn:1, fnref:1): any other id could shadow a global the
# theme's scripts read (DOM clobbering) or steal an anchor of the page.
_FOOTNOTE_ID = re.compile(r"^fn(ref)?:[\w-]+$")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not _FOOTNOTE_ID.match(value):
        return None
    return value


def sanitise(html: str) -> str:
    """``html`` (str) with only the tags, attributes, classes and link schemes above (nh3)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# --- what ``kit check`` refuses, found in the HTML the sanitiser receives ---------------------
#
# The sanitiser removes whatever is dangerous, silently. ``kit check`` tells the editor
# instead, so it inspects the same thing: the Markdown rendered to HTML, parsed by an
# HTML parser (lower-cased tag names, entities decoded: « jav&#x61;script: », <SCRIPT>,
# a tag split across lines and attr_list's « {: onclick=… } » are all seen as what they are).

# Tags that run, embed or load something, or impersonate the page (forms, buttons).
FORBIDDEN_TAGS = {
    "script", "noscript", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
    "portal", "style", "link", "meta", "base", "svg", "math", "form", "input", "button", "select",
    "textarea", "option", "dialog", "video", "audio", "source", "track", "picture", "canvas", "img",
    "image", "area", "map",
}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "data", "poster", "background", "cite",
                  "xlink:href", "ping", "longdesc", "manifest", "codebase", "dynsrc", "lowsrc"}
# Browsers drop ASCII tabs and line breaks inside a URL, and leading spaces and control characters.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)

_HINT_LINK = "pour un lien, écrivez [texte](https://…)"


def url_scheme(url: str) -> str | None:
    """The scheme a browser would read in ``url`` (entities already decoded), lower-cased."""
    found = _SCHEME.match(_URL_NOISE.sub("", url))
    return found.group(1).lower() if found else None


def outside_link_problem(url: str, depth: int | None = None) -> str | None:
    """Why ``url`` (an ``href``/``src`` value without a scheme, entities decoded) leads out of the
    site, in French; None when it stays inside. « //hote/x » (scheme-relative: from the offline
    edition, file://hote/x, a network share on Windows) and an absolute path (« /etc/passwd »: from
    the disk, the reader's own files) are refused everywhere; a path climbing above the site root
    too, counted from ``depth`` (the page's folder depth; None for catalogue fields, shown on pages
    one folder deep). Rule: README « Sécurité » (issue 18)."""
    cleaned = _URL_NOISE.sub("", url).replace("\\", "/")  # browsers read « \ » as « / »
    if url_scheme(url) is not None:
        return None
    if cleaned.startswith("//"):
        return ("adresse « //… » refusée dans un lien : sans « https: » devant, elle mène ailleurs selon la façon "
                "dont le site est ouvert (depuis l'édition hors ligne, vers un partage réseau) ; écrivez l'adresse avec "
                "« https: » devant")
    path = unquote(re.split(r"[?#]", cleaned, maxsplit=1)[0])
    if path.startswith("/"):
        return ("chemin absolu « /… » refusé dans un lien : le site s'ouvre aussi depuis le disque, où il mènerait "
                "hors du site ; pour une adresse du web, écrivez-la avec « https:// » devant")
    level = depth if depth is not None else 1
    for part in path.split("/"):
        if part == "..":
            level -= 1
            if level < 0:
                return ("chemin « ../ » refusé dans un lien : il remonte au-dessus du dossier du site et mènerait "
                        "hors du site ; écrivez le chemin d'une page du site, ou une adresse avec « https:// » devant")
        elif part not in ("", "."):
            level += 1
    return None


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if ":" in tag:  # « <javascript:alert(1)> », meant as an automatic link
            attrs = [("href", tag), *attrs]
        if tag in ("img", "image", "picture"):
            self.problems.append(
                "image interdite : une fiche n'affiche pas d'image (le site ne charge rien d'un autre site) ; "
                f"remplacez-la par un lien vers elle, {_HINT_LINK}"
            )
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(
                f"balise HTML « <{tag}> » interdite : le texte ne peut contenir ni script, ni cadre, ni objet "
                "intégré, ni formulaire ; retirez-la"
            )
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"attribut HTML « {name} » interdit : un texte ne peut pas déclencher de script ; retirez-le")
            elif name == "style":
                self.problems.append("attribut HTML « style » interdit : la mise en forme vient du site ; retirez-le (pour du gras, écrivez **texte**)")
            elif name in URL_ATTRIBUTES and value:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in URL_SCHEMES:
                    self.problems.append(
                        f"adresse « {scheme}: » interdite dans un lien : seules les adresses https://, http:// "
                        f"et mailto: sont acceptées ; {_HINT_LINK}"
                    )
                elif (outside := outside_link_problem(value)) is not None:
                    self.problems.append(outside)

    handle_startendtag = handle_starttag


# --- plain text, from the sanitised HTML ------------------------------------------------------

# Elements that end a block of text: a space between them (« a</p><p>b » reads « a b »).
_BLOCK_ENDS = {"p", "li", "h3", "h4", "h5", "h6", "div", "dd", "dt", "td", "th", "blockquote", "br", "tr", "pre", "hr"}
# Footnote calls, back links and the notes themselves are not part of a one-line text.
_SKIPPED_CLASSES = {"footnote", "footnote-ref", "footnote-backref"}


class _PlainText(HTMLParser):
    """The text of sanitised HTML: entities decoded, block ends as spaces, footnotes left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []  # the open elements being skipped (a footnote and what it holds)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if self._skipping or classes & _SKIPPED_CLASSES:
            if tag not in ("br", "hr"):
                self._skipping.append(tag)
        elif tag in ("br", "hr"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag in self._skipping:
                del self._skipping[len(self._skipping) - 1 - self._skipping[::-1].index(tag):]
            return
        if tag in _BLOCK_ENDS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


# Characters no text of the site may carry: C0 controls but tab and line breaks, DEL, C1 controls,
# and the Unicode noncharacters (U+FDD0-U+FDEF, U+xFFFE/U+xFFFF of every plane). YAML files refuse
# them raw (builder.yamlio), but a character reference (« &#x1b; ») reaches the sanitiser, which
# decodes it: ESC then obeys a terminal reading catalogue.csv, U+FFFF breaks XML readers.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
                        + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
                        + "]")
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


# The same set within the Basic Multilingual Plane: a class of a few ranges is scanned some 15
# times faster than one that also lists the 34 astral noncharacters one by one (measured on a
# 2 KB French text: 40 µs against 600 µs; the exports ran it on every CSV cell).
_INVISIBLE_BMP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def strip_invisible(text: str) -> str:
    """``text`` (str) without the control characters and noncharacters above (tab, LF and CR
    kept): for whatever leaves the site as text (CSV, XML, meta descriptions)."""
    if _INVISIBLE_BMP.search(text) is None and len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):  # none astral (max(): 100x slower)
        return text  # the usual case, found without the slow class
    return _INVISIBLE.sub("", text)


def _invisible_problem(source: str, html: str) -> str | None:
    """Why ``kit check`` refuses a control character the sanitised ``html`` decoded from a
    character reference of the Markdown ``source``, in French; None if there is none."""
    # Only references: a control typed as a YAML escape (« \x01 ») in a Markdown field has long
    # been accepted and removed from the outputs (tests/test_exports_safety.py); it still is.
    if "&#" not in source or not _INVISIBLE.search(html):
        return None
    for ref in _CHARACTER_REFERENCE.finditer(source):
        char = _decoded(ref)
        if _INVISIBLE.fullmatch(char):
            return (f"caractère de contrôle invisible (U+{ord(char):04X}) écrit « {ref.group(0)} » : il passerait "
                    "dans les exports, le flux et la description des pages ; retirez cette référence")
    return None


def _decoded(reference: re.Match[str]) -> str:
    code = int(reference.group(1), 16) if reference.group(1) else int(reference.group(2))
    if 0x80 <= code <= 0x9F:  # what the HTML parser reads for these is Windows-1252's, except the holes
        try:
            return bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            return chr(code)
    return chr(code) if code <= 0x10FFFF else ""


def html_to_text(html: str) -> str:
    """Sanitised HTML (str) → one line of plain text (str): tags dropped, entities decoded,
    blocks separated by a space, footnote calls and notes left out."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def summarise(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` (one line) cut at a word to at most ``limit`` characters, « … » added when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# --- the one render -----------------------------------------------------------------------------

# Text in which no extension of CATALOGUE_EXTENSIONS finds anything to do: no character that
# starts inline syntax (emphasis, code, links, footnotes, abbreviations, attributes, tables,
# raw HTML, entities, escapes), no line a block parser would claim (lists, headings, quotes,
# definitions, code blocks: no line starting with a space of any kind, a digit, « - » or
# « : »; no line ending in one, a line break or stripped), nothing smarty rewrites (« -- », « ... »), no address
# magiclink links. Such text is only paragraphs: most of a case sheet's fields.
_NOT_PLAIN_CHARACTER = re.compile(r"[\\`*_\[\]{}<>&#+|~^=@\t\r\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]|--|\.\.\.|://|www\.|ftp\."
                                  r"|^(?:[^\S\n]|[\d:-])|[^\S\n]$", re.I | re.M)
_BLANK_LINES = re.compile(r"\n{2,}")
# The same search in parts (a match of one is a match of the alternation): one class scanned
# once, substrings, then the line edges, instead of every branch tried at every character.
_NOT_PLAIN_ONE = re.compile(r"[\\`*_\[\]{}<>&#+|~^=@\t\r\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")


def _not_plain(text: str) -> bool:
    """``_NOT_PLAIN_CHARACTER.search(text)`` found something (5x faster, tests/test_catalogue_cpu.py)."""
    if _NOT_PLAIN_ONE.search(text) or "--" in text or "..." in text or "://" in text:
        return True
    lower = text.lower()  # re.I's « www. », « ftp. »: no other character lowers to, or matches, w, f, t, p
    if "www." in lower or "ftp." in lower:
        return True
    # ^ and $ of re.M: each line's first and last character; \s and \d are str.isspace and str.isdecimal.
    return any(line[:1].isspace() or line[:1].isdecimal() or line[:1] in (":", "-") or line[-1:].isspace()
               for line in text.split("\n"))


def plain_paragraphs(source: str) -> str | None:
    """What Python-Markdown with ``CATALOGUE_EXTENSIONS`` makes of ``source`` when it holds no
    Markdown at all (see ``_NOT_PLAIN_CHARACTER``): its paragraphs, each in ``<p>…</p>``,
    joined by a line break, line breaks within a paragraph kept. None for any other text,
    which the converter reads. The same bytes as the converter (tested on every field of the
    kits and on generated sheets: tests/test_markup.py), at a twentieth of its cost: the
    converter's inline passes were two thirds of loading 2,000 sheets (issue 15)."""
    text = source.strip("\n")
    if not text or _not_plain(text):
        return None
    return "\n".join(f"<p>{block}</p>" for block in _BLANK_LINES.split(text))

_local = threading.local()  # one converter per thread (a Markdown instance is not thread-safe)


def _converter() -> tuple[md.Markdown, FootnoteExtension]:
    if not hasattr(_local, "converter"):
        # UNIQUE_IDS prefixes every footnote id with a number that reset() increments; we set it to 0.
        footnotes = FootnoteExtension(UNIQUE_IDS=True, BACKLINK_TITLE=FOOTNOTE_BACKLINK_TITLE)
        extensions = [footnotes if name == "footnotes" else name for name in CATALOGUE_EXTENSIONS]
        _local.converter = (md.Markdown(extensions=extensions, extension_configs=CATALOGUE_EXTENSION_CONFIGS), footnotes)
    return _local.converter


# A start tag of sanitised HTML (attribute values never hold « " »: the serialiser writes &quot;),
# and in it a footnote id or link rendered with the number 0.
_TAG = re.compile(r'<[a-z][a-z0-9]*(?:\s+[a-z][a-z0-9:-]*(?:="[^"]*")?)*\s*/?>')
_FOOTNOTE_NUMBER = re.compile(r'(\s(?:id|href)="#?fn(?:ref\d*)?:)0-')


class RenderMemo:
    """Renders kept by source text between the rounds of the incremental preview
    (``builder.incremental`` sets ``MEMO`` for a round): a render depends on its source
    only. Two generations: what a round did not use is dropped at the next one."""

    def __init__(self) -> None:
        self.previous: dict[str, tuple] = {}
        self.current: dict[str, tuple] = {}

    def get(self, source: str) -> tuple | None:
        kept = self.current.get(source) or self.previous.get(source)
        if kept is not None:
            self.current[source] = kept
        return kept

    def put(self, source: str, render: tuple) -> None:
        self.current[source] = render

    def next_round(self) -> None:
        self.previous, self.current = self.current, {}


# None outside the preview: ``kit build`` renders every field afresh.
MEMO: RenderMemo | None = None


class RichText(str):
    """A Markdown field: its value is the Markdown source; ``html``, ``text``, ``summary`` and
    ``problem`` come from one conversion, made on first use (at validation) and kept.

    Raises ``RecursionError`` on first use for text nested too deep for Python-Markdown
    (builder.models refuses it first with ``kit_markdown_nesting``)."""

    def _render(self) -> None:
        memo = MEMO
        kept = memo.get(str(self)) if memo is not None else None
        if kept is not None:  # the same source rendered in a previous preview round
            self._html, self._text, self._problem = kept
            return
        raw = plain_paragraphs(str(self))
        if raw is not None and len(strip_invisible(raw)) == len(raw):
            # No Markdown in it, nothing to remove: the sanitiser would only write each no-break
            # space « &nbsp; », and the text is the source's words (the same for every code
            # point, tests/test_catalogue_cpu.py): neither HTML parser needed (issue 15, partie E).
            self._html = Markup(raw.replace("\xa0", "&nbsp;"))
            self._text = " ".join(str(self).split())
            self._problem = None
            if memo is not None:
                memo.put(str(self), (self._html, self._text, self._problem))
            return
        if raw is not None:  # no Markdown in it: Python-Markdown would write these <p> alone
            problems = []
        else:
            converter, footnotes = _converter()
            converter.reset()
            footnotes.unique_prefix = 0
            raw = converter.convert(str(self))
            inspector = _Inspector()
            inspector.feed(raw)
            inspector.close()
            problems = [*inspector.problems, *dialect.raw_html_problems(converter), *dialect.link_problems(raw)]
        html = sanitise(raw)
        invisible = _invisible_problem(str(self), html)
        if invisible:  # refused by kit check
            problems.append(invisible)
        html = strip_invisible(html)  # and removed from the HTML and the text all the same
        self._html = Markup(html)
        self._text = html_to_text(html)
        self._problem = problems[0] if problems else None
        if memo is not None:
            memo.put(str(self), (self._html, self._text, self._problem))

    def _rendered(self) -> RichText:
        if "_html" not in self.__dict__:
            self._render()
        return self

    @property
    def html(self) -> Markup:
        """The sanitised HTML (Markup), footnote ids numbered 0."""
        return self._rendered()._html

    @property
    def text(self) -> str:
        """One line of plain text read from ``html`` (no Markdown syntax, no footnotes)."""
        return self._rendered()._text

    @property
    def summary(self) -> str:
        """``text`` cut at a word to ``SUMMARY_CHARS`` characters (meta and JSON-LD descriptions)."""
        return summarise(self.text)

    @property
    def problem(self) -> str | None:
        """Why the sanitiser would alter the text or a link lead nowhere, in French; None if fine."""
        return self._rendered()._problem

    def html_on_page(self, number: int) -> Markup:
        """``html`` with its footnote ids numbered ``number`` (the field's place on its page, 1-based)."""
        html = str(self.html)
        if "fn" not in html:
            return self.html
        return Markup(_TAG.sub(lambda tag: _FOOTNOTE_NUMBER.sub(rf"\g<1>{number}-", tag.group(0)), html))


def rich(text: str) -> RichText:
    """``text`` as a RichText (itself when it already is one: its render is kept)."""
    return text if isinstance(text, RichText) else RichText(text)
