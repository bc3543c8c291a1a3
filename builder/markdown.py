r"""Catalogue HTML in the pages: placing each field's one render, and the acronyms.

Catalogue text comes from editors outside the team; each Markdown field is rendered
once, sanitised by nh3, when the models validate it (builder.richtext), and the pages
print that HTML: whatever slipped past ``kit check`` cannot run or embed anything.

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
from typing import Any

import markdown as md
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markupsafe import Markup

from builder.models import Abbreviation
# The one render of catalogue Markdown lives in the bottom layer (builder.richtext); its
# names are re-exported here for the modules and tests that read them from this one.
from builder.richtext import (  # noqa: F401
    ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, CATALOGUE_EXTENSION_CONFIGS, CATALOGUE_EXTENSIONS,
    EXTENSION_CONFIGS, EXTENSIONS, FOOTNOTE_BACKLINK_TITLE, FORBIDDEN_TAGS, URL_ATTRIBUTES, URL_SCHEMES,
    RichText, rich, sanitise, url_scheme,
)


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


class MarkdownRenderer:
    """Catalogue Markdown → sanitised HTML for one page, one field at a time.

    The HTML is the field's one render (builder.richtext: a field validated by the models
    is a ``RichText`` already rendered; any other text is rendered here once). Footnote ids
    carry the field's number on its page (``fn:2-1``): two fields with footnotes on one page
    never share an id. Call ``start_page()`` before each page so that the numbers, hence
    the ids, depend on the page alone (deterministic output).
    """

    def __init__(self) -> None:
        self._field = 0

    def start_page(self) -> None:
        self._field = 0

    def __call__(self, text: str | None) -> Markup:
        """``text`` (Markdown or RichText, or None) → sanitised HTML (Markup; empty for no text)."""
        if not text:
            return Markup("")
        self._field += 1
        return rich(text).html_on_page(self._field)


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


def unsafe_markup(text: str) -> str | None:
    """Why ``text`` (Markdown) would be altered by the sanitiser, or lead nowhere, in French;
    None if it is fine. Dangerous markup first; then raw HTML, which the sanitiser would drop
    without a word, and link targets that are addresses without « https:// » (builder.dialect).
    Read from the text's one render (builder.richtext)."""
    return rich(text).problem
