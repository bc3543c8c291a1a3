"""Markdown of the catalogue (summaries, case-sheet sections) → sanitised HTML.

Catalogue text comes from editors outside the team, so it is rendered here, before
MkDocs, and cleaned by nh3 (bindings to the Rust sanitiser ammonia; bleach is
deprecated): whatever slipped past ``kit check`` cannot run or embed anything.
The HTML is then placed in the generated pages as a raw block.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown as md
import nh3
from markupsafe import Markup

from builder.models import Abbreviation

# The extensions MkDocs also uses for content/ pages, so both read the same.
EXTENSIONS = ["abbr", "attr_list", "def_list", "footnotes", "sane_lists", "tables", "smarty"]
EXTENSION_CONFIGS = {
    "smarty": {
        # French quotes and apostrophes are typed as they should appear; keep them.
        "smart_quotes": False,
        "smart_angled_quotes": False,
    }
}

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


def abbreviation_definitions(abbreviations: list[Abbreviation]) -> str:
    """The Markdown ``*[RSE]: …`` lines that the abbr extension turns into hover titles."""
    return "\n".join(f"*[{a.sigle}]: {a.developpement}" for a in abbreviations)


class MarkdownRenderer:
    def __init__(self, abbreviations: list[Abbreviation] | None = None):
        self._abbreviations = Abbreviations(abbreviations or [])
        self._md = md.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)

    def __call__(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        self._md.reset()
        return Markup(self._abbreviations.mark(sanitise(self._md.convert(text))))


class Abbreviations:
    """Wraps known acronyms in ``<abbr title>`` in HTML text, in one pass.

    The abbr extension does the same from ``*[RSE]: …`` lines but costs one inline
    pattern per acronym on every text: ten times the whole rendering on a large kit.
    """

    _SKIPPED = {"abbr", "code", "pre", "a"}

    def __init__(self, abbreviations: list[Abbreviation]):
        self._titles = {a.sigle: a.developpement for a in abbreviations}
        words = sorted(self._titles, key=len, reverse=True)
        self._pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])") if words else None

    def mark(self, html: str) -> str:
        if self._pattern is None:
            return html
        parts = re.split(r"(<[^>]*>)", html)
        skipping = 0
        for index, part in enumerate(parts):
            if part.startswith("<"):
                name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
                if name and name.group(1).lower() in self._SKIPPED:
                    skipping += -1 if part.startswith("</") else 1
                continue
            if part and not skipping:
                parts[index] = self._pattern.sub(self._wrap, part)
        return "".join(parts)

    def _wrap(self, found: re.Match[str]) -> str:
        title = self._titles[found.group(1)].replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return f'<abbr title="{title}">{found.group(1)}</abbr>'


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


_CHECKER = md.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)


def unsafe_markup(text: str) -> str | None:
    """Why ``text`` (Markdown) would be altered by the sanitiser for safety, in French; None if safe."""
    _CHECKER.reset()
    inspector = _Inspector()
    inspector.feed(_CHECKER.convert(text))
    inspector.close()
    return inspector.problems[0] if inspector.problems else None
