"""Accessibility (RGAA / WCAG 2.1 AA) in the Markdown the site is made of.

A Python-Markdown extension, listed in mkdocs.yml by ``builder.site`` (a standard
extension entry, which Zensical reads too):

- the section permalinks that the ``toc`` extension adds to headings are links whose
  text is « ¶ »: a screen reader announces "pilcrow" in its list of links. Each one
  gets an accessible name that says where it leads: « Lien vers la section « Genèse » ».
- ``<!-- kit:date-edition -->`` in a page of ``content/`` is replaced by the date of
  the edition (SOURCE_DATE_EPOCH when set, as in the footer): the accessibility
  statement dates its audit from the build instead of from a hand-written date.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

PERMALINK_LABEL = "Lien vers la section « {} »"
EDITION_MARKER = re.compile(r"<!--\s*kit:date-edition\s*-->")
HEADING = re.compile(r"[Hh][1-6]")


class EditionDate(Preprocessor):
    def __init__(self, md: Markdown, edition: str):
        super().__init__(md)
        self.edition = edition

    def run(self, lines: list[str]) -> list[str]:
        return [EDITION_MARKER.sub(self.edition, line) for line in lines]


class PermalinkNames(Treeprocessor):
    """Runs after ``toc`` (priority 5), which leaves each heading's plain name in ``md.toc_tokens``."""

    def run(self, root: etree.Element) -> None:
        names: dict[str, str] = {}
        pending = list(getattr(self.md, "toc_tokens", []))
        while pending:
            token = pending.pop()
            names[token["id"]] = html.unescape(token["name"])
            pending += token.get("children", [])
        for heading in root.iter():
            if not isinstance(heading.tag, str) or not HEADING.fullmatch(heading.tag):
                continue
            name = names.get(heading.get("id", ""))
            for link in heading.findall("a"):
                if name and "headerlink" in (link.get("class") or "").split():
                    link.set("aria-label", PERMALINK_LABEL.format(name))


class AccessibilityExtension(Extension):
    def __init__(self, **kwargs: Any):
        self.config = {"edition": ["", "Date of the edition, written out in French"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        edition = self.getConfig("edition")
        if not edition:
            from builder.context import edition_date, french_date

            edition = french_date(edition_date())  # used outside a build (a build passes its context's date)
        md.preprocessors.register(EditionDate(md, edition), "kit_edition_date", 28)
        md.treeprocessors.register(PermalinkNames(md), "kit_permalink_names", 4)


def makeExtension(**kwargs: Any) -> AccessibilityExtension:  # noqa: N802 (Python-Markdown's entry point)
    return AccessibilityExtension(**kwargs)
