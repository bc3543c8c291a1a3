"""The Markdown dialect of the kit: one for catalogue text and for content/ pages alike.

What contributors expect, from e-mail and from GitHub's own editor:

- a list may follow a line directly (« Nos activités :⏎- des rencontres ») — CommonMark's
  rule: a bullet list, or a numbered list starting at 1, interrupts a paragraph (so that
  a wrapped « fondée en⏎2014. Elle… » stays a sentence). Python-Markdown wants a blank
  line; the small preprocessor below adds it, outside fenced code. (mdx-breakless-lists
  does the same but makes a list of any « 2014. » at the start of a line.)
- sub-lists nest at 2 spaces, the indentation our guides show (4 still works), and a
  paragraph indented under an item belongs to it. mdx_truly_sane_lists (``nested_indent:
  2``) was tried first: it turns our own pages' 4-space sub-lists into text and swallows
  the item after an indented paragraph, so the same preprocessor rewrites indentations
  into Python-Markdown's steps of 4;
- a bare ``https://…`` address becomes a link: pymdownx.magiclink (pymdown-extensions,
  which Material already needs); builder.links marks it external like any other;
- in catalogue text, headings are demoted below the section they sit in (« # Titre » in
  a case sheet's « Genèse » is an <h3> under the <h2> « Genèse »): the toc extension's
  ``baselevel``;
- ``kit check`` refuses what would be dropped or broken without a word: raw HTML (the
  sanitiser removes it) and a link target that is an address without its scheme
  (« [site](www.exemple.fr) » would lead to a missing page of the site).

``EXTENSIONS``/``EXTENSION_CONFIGS`` are listed both by builder.markdown (catalogue) and by
builder.site (mkdocs.yml, for content/).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import markdown as md
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

# Shared by the catalogue renderer and mkdocs.yml.
EXTENSIONS = ["builder.dialect", "pymdownx.magiclink"]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # Addresses only: no « @user » or « #123 » shorthands of a code host.
    "pymdownx.magiclink": {"repo_url_shortener": False, "social_url_shortener": False, "hide_protocol": False},
}
# Catalogue text sits under the page's <h2> sections: its « # » is an <h3>.
CATALOGUE_HEADING_LEVEL = 3

_FENCE = re.compile(r"^[ ]*(`{3,}|~{3,})")
_ITEM = re.compile(r"^(?P<indent>[ ]*)(?P<marker>[-*+]|\d{1,9}[.)])(?:[ \t]+\S|[ \t]*$)")
# CommonMark: a bullet list, or a numbered list starting at 1, may interrupt a paragraph.
_INTERRUPTS = re.compile(r"^(?:[-*+]|1[.)])[ \t]+\S")
STEP = 4  # Python-Markdown's nesting step (tab_length)


class ListPreprocessor(Preprocessor):
    """Lists as contributors type them, rewritten into what Python-Markdown reads:

    - a blank line is added before a list that follows a line of text (CommonMark's rule);
    - inside a list, each deeper item is a sub-list whatever its indentation (2 spaces, as
      our guides show, 3 under « 1. », or 4), and a paragraph or a line indented under an
      item belongs to it: indentations are rewritten to Python-Markdown's steps of 4.
    Fenced code is left alone."""

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        fence: str | None = None
        # (indentation typed, indentation written) of the open items, outermost first
        items: list[tuple[int, int]] = []
        previous_blank = True
        paragraph_in_item = False  # a blank line since the last item: the next one must not be lazy text
        for line in lines:
            opening = _FENCE.match(line)
            if fence is not None:
                if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                    fence = None
                result.append(line)
                continue
            blank = not line.strip()
            item = _ITEM.match(line)
            indent = len(line) - len(line.lstrip(" "))
            if blank:
                paragraph_in_item = bool(items)
                result.append(line)
            elif item and (items or _INTERRUPTS.match(line.lstrip(" ")) or previous_blank) and not (
                    not items and indent >= STEP):  # an indented code block stays code
                if not previous_blank and (not items or paragraph_in_item):
                    result.append("")
                paragraph_in_item = False
                while items and items[-1][0] > indent:
                    items.pop()
                if items and items[-1][0] == indent:
                    items.pop()
                written = items[-1][1] + STEP if items else 0
                items.append((indent, written))
                result.append(" " * written + line.lstrip(" "))
            elif items and indent > items[0][0]:
                # under an item: belongs to the deepest item it is indented past
                while len(items) > 1 and items[-1][0] >= indent:
                    items.pop()
                result.append(" " * (items[-1][1] + STEP) + line.lstrip(" "))
            else:
                if items and previous_blank:
                    items = []  # a paragraph at the margin after a blank line ends the list
                if opening:
                    fence = opening.group(1)
                result.append(line)
            previous_blank = blank
        return result


class DialectExtension(Extension):
    def extendMarkdown(self, md_instance: md.Markdown) -> None:  # noqa: N802 (Python-Markdown's API)
        # Before the block parser (normalize_whitespace is 30, html_block 20).
        md_instance.preprocessors.register(ListPreprocessor(md_instance), "kit_lists", 25)


def makeExtension(**kwargs: Any) -> DialectExtension:  # noqa: N802 (Python-Markdown's entry point)
    return DialectExtension(**kwargs)


# --- what kit check refuses --------------------------------------------------------------------

# A link target that is an address without its scheme: « www.… », or « nom.fr/… », « nom.org ».
_WWW = re.compile(r"^www\.", re.I)
_BARE_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?P<tld>[a-z]{2,})(?::\d+)?(?:[/?#]|$)", re.I)
# Endings of a file next to the page, not top-level domains.
_FILE_ENDINGS = {"md", "html", "htm", "pdf", "png", "jpg", "jpeg", "gif", "svg", "csv", "json", "xml", "zip",
                 "txt", "doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "yml", "yaml", "js", "css"}


def scheme_less_address(href: str) -> bool:
    """True for a link target like « www.exemple.fr » or « exemple.fr/page », which a browser
    reads as a page of the site itself."""
    target = href.strip()
    if _WWW.match(target):
        return True
    found = _BARE_HOST.match(target)
    return bool(found) and found.group("tld").lower() not in _FILE_ENDINGS


def complete_address(href: str) -> str:
    return "https://" + href.strip()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.targets.extend(value for name, value in attrs if name == "href" and value)


def link_problems(html: str) -> list[str]:
    """French messages for the scheme-less addresses used as link targets in ``html``."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return [
        f"lien vers « {href} » sans « https:// » : le navigateur y chercherait une page du site ; "
        f"écrivez {complete_address(href)}"
        for href in parser.targets if scheme_less_address(href)
    ]


def raw_html_problems(converter: md.Markdown) -> list[str]:
    """French messages for the raw HTML that the last ``converter.convert`` stashed (the
    sanitiser would remove it without a word). Entities (« &amp; ») are stashed too: skipped."""
    problems = []
    for raw in converter.htmlStash.rawHtmlBlocks:
        text = str(raw).strip()
        if not text.startswith("<") or text.startswith("</"):  # entities; a closing tag is told by its opening one
            continue
        if text.startswith("<!--"):
            shown = "<!-- … -->"
        else:
            shown = text.split(">", 1)[0][:40] + ">"
        problems.append(
            f"HTML « {shown} » refusé : les textes s'écrivent en Markdown (**gras**, *italique*, listes « - », "
            "liens [texte](https://…)) ; retirez la balise"
        )
    return problems
