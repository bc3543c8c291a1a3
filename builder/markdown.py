"""Markdown of the catalogue (summaries, case-sheet sections) → sanitised HTML.

Catalogue text comes from editors outside the team, so it is rendered here, before
MkDocs, and cleaned by nh3 (bindings to the Rust sanitiser ammonia; bleach is
deprecated): whatever slipped past ``kit check`` cannot run or embed anything.
The HTML is then placed in the generated pages as a raw block.
"""

from __future__ import annotations

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
    "div": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def abbreviation_definitions(abbreviations: list[Abbreviation]) -> str:
    """The Markdown ``*[RSE]: …`` lines that the abbr extension turns into hover titles."""
    return "\n".join(f"*[{a.sigle}]: {a.developpement}" for a in abbreviations)


class MarkdownRenderer:
    def __init__(self, abbreviations: list[Abbreviation] | None = None):
        self._suffix = "\n\n" + abbreviation_definitions(abbreviations or [])
        self._md = md.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)

    def __call__(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        self._md.reset()
        html = self._md.convert(text + self._suffix)
        return Markup(sanitise(html))


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
