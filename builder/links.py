"""Surgical rewrites of the links of built pages.

Each ``<a>`` is found with the standard library's HTML parser, and only the tags we
change are written anew, spliced in at their offsets: the rest of the page stays
byte for byte what MkDocs wrote (no re-serialisation by a DOM library, which would
reformat every page and cost far more time at 2,000 pages).
"""

from __future__ import annotations

import html as htmllib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from builder import pool
from builder.paths import DIRECTORY_INDEX

EXTERNAL_CLASS = "kit-externe"
NOTE_CLASS = "kit-externe__note"
EXTERNAL_NOTE = f'<span class="{NOTE_CLASS}"> (nécessite une connexion internet)</span>'
EXTERNAL_PREFIX = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
# A cheap first look, as parsing costs 2 to 7 ms a page: most pages have no external
# link, or only links the templates already marked.
EXTERNAL_START_TAG = re.compile(r"""<a\s[^>]*href=["']?\s*(?:https?:)?//[^>]*>""", re.IGNORECASE)


@dataclass
class Anchor:
    start: int  # offset of "<a"
    open_end: int  # offset just after the start tag
    close: int | None  # offset of "</a>", None when the tag is never closed
    attrs: dict[str, str | None]

    @property
    def href(self) -> str:
        return self.attrs.get("href") or ""

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class _AnchorFinder(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.anchors: list[Anchor] = []
        self._open: Anchor | None = None
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            start = self._offset()
            self._open = Anchor(start, start + len(self.get_starttag_text() or ""), None, dict(attrs))
            self.anchors.append(self._open)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self._open.close = self._offset()
            self._open = None


def anchors(text: str) -> list[Anchor]:
    return _AnchorFinder(text).anchors if "<a" in text else []


Edit = Callable[[Anchor, str], tuple[dict[str, str | None], str] | None]


def rewrite_anchors(text: str, edit: Edit) -> str:
    """Apply ``edit(anchor, inner_html)`` to each link: it returns the new attributes
    and the HTML to add before ``</a>``, or None to leave the link as it is."""
    pieces: list[str] = []
    last = 0
    for anchor in anchors(text):
        if anchor.close is None:
            continue
        change = edit(anchor, text[anchor.open_end:anchor.close])
        if change is None:
            continue
        attrs, suffix = change
        pieces += [text[last:anchor.start], start_tag(attrs), text[anchor.open_end:anchor.close], suffix]
        last = anchor.close
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def start_tag(attrs: dict[str, str | None]) -> str:
    parts = [name if value is None else f'{name}="{htmllib.escape(value)}"' for name, value in attrs.items()]
    return "<a " + " ".join(parts) + ">"


def is_external(href: str) -> bool:
    return bool(EXTERNAL_PREFIX.match(href.strip()))


def as_external(attrs: dict[str, str | None], inner: str) -> tuple[dict[str, str | None], str]:
    """The link marked as leading out of the site: a class (CSS icon) and a note in words."""
    classes = (attrs.get("class") or "").split()
    new = dict(attrs)
    if EXTERNAL_CLASS not in classes:
        new["class"] = " ".join([*classes, EXTERNAL_CLASS])
    return new, "" if NOTE_CLASS in inner else EXTERNAL_NOTE


def mark_external_links(text: str) -> str:
    """Every link to another site says that it needs internet (same words as the templates)."""

    def edit(anchor: Anchor, inner: str) -> tuple[dict[str, str | None], str] | None:
        if not is_external(anchor.href) or (EXTERNAL_CLASS in anchor.classes and NOTE_CLASS in inner):
            return None
        return as_external(anchor.attrs, inner)

    unmarked = any(EXTERNAL_CLASS not in tag.group() for tag in EXTERNAL_START_TAG.finditer(text))
    return rewrite_anchors(text, edit) if unmarked else text


def external_links_stage(site_dir: Path, config: object = None, kit: object = None, context: object = None) -> None:
    """Post-build stage (``builder.build.POST_BUILD_STAGES``), after the typography (the note
    is not typeset, as when the package marked the links) and before the policy (it touches
    no script): every page's links to other sites marked (``mark_external_links``), each
    page rewritten in place if it changed. A build runs it fused with the other page-local
    stages (``page_transform``), in MkDocs' workers: the package, which marks the pages it
    reads again (the mark is kept as it is), then has no page left to rewrite for it."""
    pool.rewrite_pages(site_dir, [mark_external_links], workers=1)


external_links_stage.page_transform = mark_external_links  # type: ignore[attr-defined]


def link_target(page: str, href: str) -> str | None:
    """The site path a relative link of ``page`` (a site path) points to, or None
    for external links, anchors on the same page and other schemes."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))


# A link to a folder: « ../catalogue/ », « ./ », « .. » (with a query or an anchor, or not).
# Case-blind as re.IGNORECASE is, spelt out: that flag made the search 6 times slower (it is
# run on every page of the zip; issue 15). [a-z] under it also matches U+0130, U+0131, U+017F
# and U+212A; « href »'s letters have no other match (tests/test_build_speed.py compares both).
_LETTER = "a-zA-Z\u0130\u0131\u017f\u212a"
_FOLDER_HREF = re.compile(rf"""[hH][rR][eE][fF]=["']?(?![{_LETTER}][{_LETTER}0-9+.-]*:|//|#)[^"'\s>]*?(?:/|\.\.?)(?=[?#"'\s>])""")


def folder_links_to_index(text: str, page: str, is_page: Callable[[str], bool]) -> str:
    """Links of ``page`` (a site path) to a folder of the site point at its ``index.html``:
    from disk (the offline edition, ``file://``) a folder opens as a directory listing, and a
    web server may not serve ``index.html`` for it either (``use_directory_urls: false``).
    ``is_page(site_path)`` says whether the site has that page; other links are left alone."""
    if not _FOLDER_HREF.search(text):
        return text  # most pages: parsing costs milliseconds

    def edit(anchor: Anchor, inner: str) -> tuple[dict[str, str | None], str] | None:
        href = anchor.href
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            return None
        path = parts.path
        if not (path.endswith("/") or posixpath.basename(path) in (".", "..")):
            return None
        target = link_target(page, path.rstrip("/") or ".")
        index = DIRECTORY_INDEX if target in (None, ".") else f"{target}/{DIRECTORY_INDEX}"
        if not is_page(index):
            return None
        new_path = path + ("" if path.endswith("/") else "/") + DIRECTORY_INDEX
        rebuilt = new_path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        return {**anchor.attrs, "href": rebuilt}, ""

    return rewrite_anchors(text, edit)
