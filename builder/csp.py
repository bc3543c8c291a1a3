"""Post-build stage: a Content-Security-Policy on every page of the built site.

The site is static (GitHub Pages, a zip opened from the disk): no server sends headers,
so the policy is a ``<meta http-equiv="Content-Security-Policy">`` element, the first
thing in each page's ``<head>`` (a meta policy only governs what comes after it).

What the policy allows, and why (CSP Level 3, https://www.w3.org/TR/CSP3/):
- ``default-src 'self'``: the site loads nothing from a third party (team rule).
- ``script-src 'self'`` plus the SHA-256 hash of each inline script that the theme writes
  on that page (Material's ``__md_scope`` and palette scripts, our ResizeObserver loader,
  the 404 page's base fix). No ``'unsafe-inline'``: a script smuggled into a page runs
  nowhere, and event-handler attributes (``onclick=…``) and ``javascript:`` URLs are
  refused by the browser. The hashes are computed here, over the built HTML, so they
  follow Material's updates; pages written in MkDocs' order, hashes sorted: deterministic.
  Inline scripts inside the page's content (after ``<span id="kit-contenu">``, written by
  theme/main.html before the content, up to the last ``</article>``, which closes
  Material's content block) are not hashed: only the theme's own scripts run. Data blocks (``type="application/json"``, JSON-LD) are not
  scripts and need no hash.
- ``style-src 'self' 'unsafe-inline'``: Material and the France map use ``style``
  attributes, and Material's bundle sets styles; styles cannot run script, and
  catalogue text never reaches a style (the sanitiser drops ``style``).
- ``img-src 'self' data:``: Material's icons are ``data:`` SVG images in its CSS.
- ``object-src 'none'``, ``base-uri 'self'``, ``form-action 'self'``.

Opened from the disk, Chromium and Firefox match ``'self'`` against other ``file:``
URLs, so the same policy serves the online site and the offline zip
(tests/test_csp.py checks both, for violations, in Chromium).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

META_NAME = "Content-Security-Policy"
# An inline script's text: the browser hashes exactly what lies between the tags.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_CHARSET = re.compile(r"\s*<meta charset=[^>]*>", re.I)


_HEAD_END = re.compile("</head>", re.I)


def _end_of_head(html: str) -> int:
    end = _HEAD_END.search(html)  # not html.lower(): a copy of the whole page for each
    return end.start() if end else len(html)


_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.I)
_EXISTING = re.compile(r'\s*<meta http-equiv="Content-Security-Policy"[^>]*>')
CONTENT_START = '<span id="kit-contenu" class="kit-contenu"></span>'
CONTENT_END = "</article>"  # the last one: content cannot come after it
# Types a browser runs as script (HTML § 4.12.1: empty, a JavaScript MIME type, or module).
_JAVASCRIPT_TYPES = {"", "module", "text/javascript", "application/javascript", "application/x-javascript",
                     "text/ecmascript", "application/ecmascript"}

FIXED_DIRECTIVES = [
    ("default-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
]


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = dict(attrs)


def _attributes(opening: str) -> dict[str, str | None]:
    parser = _Attributes()
    parser.feed(f"<script{opening}>")
    parser.close()
    return parser.attrs


@functools.lru_cache(maxsize=1024)  # the theme writes the same few tags on every page
def is_inline_script(opening: str) -> bool:
    """Whether a ``<script…>`` tag with these attributes (the text after ``<script``) holds
    inline code the browser would run: no ``src``, a JavaScript type or none."""
    attrs = _attributes(opening)
    kind = (attrs.get("type") or "").strip().lower().split(";")[0].strip()
    return "src" not in attrs and kind in _JAVASCRIPT_TYPES


def script_hash(code: str) -> str:
    """The CSP source expression for an inline script: ``'sha256-<base64>'`` of its UTF-8 text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def _content_span(html: str) -> tuple[int, int]:
    start = html.find(CONTENT_START)
    end = html.rfind(CONTENT_END)
    return (start, end) if 0 <= start < end else (-1, -1)


def theme_script_hashes(html: str) -> list[str]:
    """Sorted, distinct hashes of the inline scripts of a page, outside its content."""
    start, end = _content_span(html)
    hashes = set()
    for found in _SCRIPT.finditer(html):
        if start <= found.start() < end:
            continue  # in the page's content: not the theme's, never allowed to run
        if is_inline_script(found.group(1)):
            hashes.add(script_hash(found.group(2)))
    return sorted(hashes)


def policy(hashes: list[str]) -> str:
    """The policy's text for a page whose inline scripts have these hashes."""
    directives = [("script-src", " ".join(["'self'", *hashes]))] + FIXED_DIRECTIVES
    directives.sort(key=lambda d: d[0] != "default-src")  # default-src first, then script-src
    return "; ".join(f"{name} {value}" for name, value in directives)


def with_policy(html: str) -> str:
    """``html`` with its policy as the first element of ``<head>`` (a previous one replaced)."""
    if META_NAME in html:  # the regex's leading \s* would be tried at every space of the page
        html = _EXISTING.sub("", html)
    meta = f'\n  <meta http-equiv="{META_NAME}" content="{policy(theme_script_hashes(html))}">'
    # Without <head>, a <meta> first in the document opens the implied head: still honoured.
    place = _HEAD.search(html) or _DOCTYPE.match(html)
    at = place.end() if place else 0
    # <meta charset> goes first, then the policy: the charset must stay within the first
    # 1024 bytes, and 404.html writes its <base> and a script before Material's charset.
    charset = _CHARSET.search(html, at)
    if charset and charset.start() < _end_of_head(html):
        html = html[:charset.start()] + html[charset.end():]
        meta = "\n  " + charset.group(0).strip() + meta
    return html[:at] + meta + html[at:]


def csp_stage(site_dir: Path, config: Any = None, kit: Any = None, context: Any = None) -> None:
    """Post-build stage (``builder.build.POST_BUILD_STAGES``, run last): every ``.html``
    file of ``site_dir`` gets its Content-Security-Policy, rewritten in place."""
    for page in sorted(site_dir.rglob("*.html")):
        if not page.is_file() or page.is_symlink():
            continue
        page.write_text(with_policy(page.read_text(encoding="utf-8")), encoding="utf-8")


# What the stage does to one page, alone: the pipeline fuses consecutive page-local stages
# into one read and one write of each page (builder.build.run_post_build_stages).
csp_stage.page_transform = with_policy  # type: ignore[attr-defined]
