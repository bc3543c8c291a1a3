"""Helpers shared by the offline-edition tests: unpack the zip, list a page's links.

The link lister is written independently of builder/links.py on purpose: the tests
must not check the builder's output with the builder's own parser.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

ARCHIVE = "telechargements/kit-co-construction-territoriale.zip"
TOP = "kit-co-construction-territoriale"
URL_ATTRIBUTES = {"href", "src", "poster", "data"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")


def unpack(archive: Path, target: Path) -> Path:
    """Unpack as a reader would; returns the single top folder."""
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(target)
    tops = sorted(p for p in target.iterdir())
    assert [p.name for p in tops] == [TOP], f"le zip doit avoir un seul dossier de tête, il a : {tops}"
    return tops[0]


class Reference:
    def __init__(self, tag: str, attribute: str, value: str, attrs: dict[str, str | None]):
        self.tag = tag
        self.attribute = attribute
        self.value = value
        self.attrs = attrs

    @property
    def rel(self) -> str:
        return (self.attrs.get("rel") or "").lower()


class _Lister(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[Reference] = []
        self.ids: set[str] = set()
        self.inline_styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                self.references.append(Reference(tag, name, value, values))
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    if candidate.strip():
                        self.references.append(Reference(tag, name, candidate.split()[0], values))
            elif name == "style":
                self.inline_styles.append(value)
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def page_links(html: str) -> tuple[list[Reference], set[str], list[str]]:
    """(references with a URL, ids and names of the page, CSS written in the page)."""
    lister = _Lister()
    lister.feed(html)
    lister.close()
    return lister.references, lister.ids, lister.inline_styles


def css_urls(css: str) -> list[str]:
    found = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(css)]
    found += [next(g for g in m.groups() if g is not None) for m in CSS_IMPORT.finditer(css)]
    return [u for u in found if u]


def is_outside(url: str) -> bool:
    """A URL that leaves the folder: another scheme than a relative path."""
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:|//)", url.strip(), re.IGNORECASE))
