r"""Markdown of the catalogue (summaries, case-sheet sections) → sanitised HTML.

Catalogue text comes from editors outside the team, so it is rendered here, before
MkDocs, and cleaned by nh3 (bindings to the Rust sanitiser ammonia; bleach is
deprecated): whatever slipped past ``kit check`` cannot run or embed anything.

Sanitised HTML is never handed back to a Markdown parser: MkDocs would read it again
(« \*note\*\{: onfocus=… \} », once rendered, is live Markdown). The generated pages
hold a placeholder instead, ``<!--kit:bloc:…-->`` carrying the HTML in base64, and
the Python-Markdown extension of this module (listed in mkdocs.yml by builder.site)
swaps it in after MkDocs' Markdown stage, as its last postprocessor. A placeholder is
chosen over a raw HTML block because whether Markdown leaves a block alone depends on
where it sits (indented in an admonition or a list it is parsed again); an HTML
comment is kept as it is everywhere, and base64 has no character Markdown reads.
The same extension then marks the glossary's acronyms in the page's HTML (one pass,
text only, never inside a tag, an entity, a link or code).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.postprocessors import Postprocessor
from markupsafe import Markup

from builder import dialect
from builder.models import Abbreviation

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


# Plain text (a title, a place, a source) placed in a generated Markdown page must stay
# text: HTML-escaped AND with Markdown's punctuation as character references, so that
# « [x](javascript:…) », « {: onclick=… } », « --8<-- » or « !!! » typed in a title is
# shown as typed instead of becoming a link, an attribute, an include or a block.
_PLAIN_TEXT = str.maketrans(
    {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+!|~^="}
)


def plain_text(value: object) -> Markup:
    """``value`` as inert text for a Markdown page, on one line."""
    return Markup(" ".join(str(value).split()).translate(_PLAIN_TEXT))


# The footnotes extension's link back to the text is titled in English by default.
FOOTNOTE_BACKLINK_TITLE = "Revenir à l'appel de note %d dans le texte"


class MarkdownRenderer:
    """Catalogue Markdown → sanitised HTML, one field at a time.

    Footnote ids carry the field's number on its page (``fn:2-1``): two fields with
    footnotes on one page never share an id. Call ``start_page()`` before each page so
    that the numbers, hence the ids, depend on the page alone (deterministic output).
    """

    def __init__(self) -> None:
        # UNIQUE_IDS prefixes every id with a number that reset() increments; we set it.
        self._footnotes = FootnoteExtension(UNIQUE_IDS=True, BACKLINK_TITLE=FOOTNOTE_BACKLINK_TITLE)
        extensions = [self._footnotes if name == "footnotes" else name for name in CATALOGUE_EXTENSIONS]
        self._md = md.Markdown(extensions=extensions, extension_configs=CATALOGUE_EXTENSION_CONFIGS)
        self._field = 0

    def start_page(self) -> None:
        self._field = 0

    def __call__(self, text: str | None) -> Markup:
        """``text`` (Markdown, or None) → sanitised HTML (Markup; empty for no text)."""
        if not text:
            return Markup("")
        self._md.reset()
        self._field += 1
        self._footnotes.unique_prefix = self._field
        return Markup(sanitise(self._md.convert(text)))


# --- HTML placed after MkDocs' Markdown stage ------------------------------------------------

# A block placeholder alone in a paragraph loses the paragraph; an inline one (kit:ligne) stays
# where it is, inside its paragraph, list item or definition.
_BLOCK = re.compile(r"<p>\s*<!--kit:bloc:([A-Za-z0-9+/=]*)-->\s*</p>|<!--kit:(?:bloc|ligne):([A-Za-z0-9+/=]*)-->")


def _placeholder(kind: str, html: str) -> Markup:
    return Markup(f"<!--kit:{kind}:{base64.b64encode(str(html).encode('utf-8')).decode('ascii')}-->")


def raw_block(html: str) -> Markup:
    """A placeholder for block-level ``html`` (already sanitised, or built by us) in a generated
    Markdown page; the extension below puts ``html`` in its place once Markdown is done."""
    return _placeholder("bloc", html)


def raw_inline(html: str) -> Markup:
    """The same for inline ``html`` (a link with catalogue text inside a sentence or a list):
    Markdown's inline patterns (automatic links, emphasis) never see its text."""
    return _placeholder("ligne", html)


def _restore(found: re.Match[str]) -> str:
    try:
        return base64.b64decode(found.group(1) or found.group(2) or "", validate=True).decode("utf-8")
    except ValueError:  # a hand-written, broken placeholder in content/: drop it
        return ""


class Abbreviations:
    """Wraps known acronyms in ``<abbr title>`` in HTML, in one pass over its text.

    Used on every page instead of the abbr extension's ``*[RSE]: …`` lines (which would
    have to be injected into the pages' Markdown, and cost one inline pattern per
    acronym). Only text between tags is touched: never a tag or its attributes, an
    entity (« &lt; » stays whole whatever the acronyms), a comment, nor the content of
    an element where an ``<abbr>`` has no place (links, code, scripts, forms, SVG).
    """

    _SKIPPED = {"abbr", "code", "pre", "kbd", "samp", "a", "script", "style", "textarea", "select", "option",
                "optgroup", "button", "svg", "math", "title", "template"}
    # a tag whose quoted attributes may hold « > », a comment, or an entity
    _TOKEN = re.compile(r"(<!--.*?-->|<(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>|&(?:#\d+|#[xX][0-9a-fA-F]+|\w+);?)", re.S)
    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, abbreviations: Iterable[Abbreviation | tuple[str, str] | list[str]]):
        pairs = [(a.sigle, a.developpement) if isinstance(a, Abbreviation) else (a[0], a[1]) for a in abbreviations]
        self._titles = dict(pairs)
        words = sorted(self._titles, key=len, reverse=True)
        self._pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])") if words else None

    def mark(self, html: str) -> str:
        """``html`` with each known acronym in its text wrapped in ``<abbr title="…">``."""
        if self._pattern is None:
            return html
        parts = self._TOKEN.split(html)
        skipping: list[str] = []
        for index, part in enumerate(parts):
            if index % 2:  # a token: tag, comment or entity
                tag = re.match(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)", part)
                if tag:
                    name = tag.group(2).lower()
                    if tag.group(1):
                        if name in skipping:
                            del skipping[len(skipping) - 1 - skipping[::-1].index(name):]
                    elif name in self._SKIPPED and not part.endswith("/>") and name not in self._VOID:
                        skipping.append(name)
                continue
            if part and not skipping:
                parts[index] = self._pattern.sub(self._wrap, part)
        return "".join(parts)

    def _wrap(self, found: re.Match[str]) -> str:
        title = self._titles[found.group(1)]
        title = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<abbr title="{title}">{found.group(1)}</abbr>'


class _PlaceBlocks(Postprocessor):
    def run(self, text: str) -> str:
        return _BLOCK.sub(_restore, text)


class _MarkAbbreviations(Postprocessor):
    def __init__(self, md_instance: md.Markdown, abbreviations: Abbreviations):
        super().__init__(md_instance)
        self.abbreviations = abbreviations

    def run(self, text: str) -> str:
        return self.abbreviations.mark(text)


class KitHtmlExtension(Extension):
    """For MkDocs (``markdown_extensions: - builder.markdown: {abbreviations: [[RSE, …]]}``):
    places the catalogue's HTML blocks, then marks the acronyms, after every other stage."""

    def __init__(self, **kwargs: Any):
        self.config = {"abbreviations": [[], "The glossary's acronyms: [sigle, expansion] pairs"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md_instance: md.Markdown) -> None:  # noqa: N802 (Python-Markdown's API)
        # Raw HTML is restored at priority 30; these run after it, blocks first.
        md_instance.postprocessors.register(_PlaceBlocks(md_instance), "kit_blocks", 2)
        abbreviations = Abbreviations(self.getConfig("abbreviations"))
        md_instance.postprocessors.register(_MarkAbbreviations(md_instance, abbreviations), "kit_abbreviations", 1)


def makeExtension(**kwargs: Any) -> KitHtmlExtension:  # noqa: N802 (Python-Markdown's entry point)
    return KitHtmlExtension(**kwargs)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not _FOOTNOTE_ID.match(value):
        return None
    return value


def sanitise(html: str) -> str:
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


# --- what ``kit check`` refuses, found in the HTML the sanitiser would receive --------------
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

    handle_startendtag = handle_starttag


_CHECKER = md.Markdown(extensions=CATALOGUE_EXTENSIONS, extension_configs=CATALOGUE_EXTENSION_CONFIGS)


def unsafe_markup(text: str) -> str | None:
    """Why ``text`` (Markdown) would be altered by the sanitiser, or lead nowhere, in French;
    None if it is fine. Dangerous markup first; then raw HTML, which the sanitiser would drop
    without a word, and link targets that are addresses without « https:// » (builder.dialect)."""
    _CHECKER.reset()
    inspector = _Inspector()
    html = _CHECKER.convert(text)
    inspector.feed(html)
    inspector.close()
    problems = [*inspector.problems, *dialect.raw_html_problems(_CHECKER), *dialect.link_problems(html)]
    return problems[0] if problems else None
