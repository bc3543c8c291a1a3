"""Valid HTML (issue #16): the Nu HTML Checker (npm ``vnu-jar``, run by Java from Debian's
``default-jre-headless``; both installed by .ci/run) on one page of each type of the built
site: no error from our templates. Errors that Material for MkDocs writes itself are listed
below with the reason, and left (its templates are not ours to fork)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

VNU = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Material's own markup (material/templates/*.html), with why it is left.
MATERIAL_ERRORS = [
    # partials/... « <input class="md-toggle" type="checkbox" autocomplete="off"> »: Material
    # stops Firefox restoring the drawer and search toggles' state on reload.
    (re.compile(r"Attribute “autocomplete” is only allowed when the input type is"), r"md-toggle|md-option"),
    # partials/nav-item.html writes « tabindex="" » on a section's label outside the tab order.
    (re.compile(r"Bad value “” for attribute “tabindex” on element “label”"), "md-nav__link"),
    # partials/toc.html: the page's contents label points at the hidden « __toc » toggle.
    (re.compile(r"The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control"),
     "__toc"),
]


def page_types(site: Path) -> list[Path]:
    """One page of each type: home, path, document (one with a « Remarque »), sheet, indexes,
    reference pages, glossary, accessibility statement, not-found page."""
    def first(folder: str, needle: str | None = None) -> Path:
        for page in sorted((site / folder).glob("*.html")):
            if page.name != "index.html" and (needle is None or needle in page.read_text(encoding="utf-8")):
                return page
        raise AssertionError(f"no page in {folder}")

    return [site / "index.html", first("parcours"), first("documents"), first("documents", "Remarque"),
            first("fiches"), site / "catalogue" / "index.html", site / "fiches" / "index.html",
            site / "le-kit" / "glossaire.html", first("le-kit"), site / "accessibilite.html", site / "404.html"]


def material_reason(message: dict) -> str | None:
    for pattern, where in MATERIAL_ERRORS:
        if pattern.search(message["message"]) and re.search(where, message.get("extract", "")):
            return where
    return None


def test_every_page_type_is_valid_html(real_site: Path) -> None:
    java = shutil.which("java")
    if not java or not VNU.is_file():
        pytest.skip("Nu HTML Checker absent : Java (paquet Debian default-jre-headless) et "
                    "« npm install --prefix .tools vnu-jar » (fait par .ci/run).")
    pages = page_types(real_site)
    result = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, pages)],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stderr)
    errors = [m for m in report["messages"] if m["type"] == "error"]
    ours = [f"{m['url'].rpartition(real_site.name + '/')[2]}:"
            f"{m.get('lastLine')}: {m['message']} | {m.get('extract', '').strip()[:120]}"
            for m in errors if material_reason(m) is None]
    assert not ours, "\n".join(ours)
    # the checker ran on the pages (Material's known errors are found, so it read them)
    assert any(material_reason(m) for m in errors)
