"""The catalogue's CSV for spreadsheets (``;``, UTF-8 with a byte-order mark) and its comma
version for programs (issue #16, « Exports »)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bs4 import BeautifulSoup

from builder.config import Project
from builder.exports import LIST_SEPARATOR, csv_columns
from builder.validate import load_kit
from tests.conftest import REPO


def rows(path: Path, delimiter: str, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def test_spreadsheet_csv_reads_back_with_semicolons(real_site: Path) -> None:
    _, kit = load_kit(Project(REPO))
    path = real_site / "catalogue" / "catalogue.csv"
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header == ";".join(csv_columns())  # one column per field, not one cell per line
    read = rows(path, ";", "utf-8-sig")
    documents = [r for r in read if r["type"] == "document"]
    assert [r["id"] for r in documents] == [d.id for d in kit.documents]  # one row per document
    for row, doc in zip(documents, kit.documents):
        assert row["titre"] == doc.titre and row["annee"] == str(doc.annee)
        assert row["auteurs"] == LIST_SEPARATOR.join(doc.auteurs)
    assert any(len(d.auteurs) > 1 for d in kit.documents)  # the list rule is exercised
    assert [r["id"] for r in read if r["type"] == "fiche"] == [c.slug for c in kit.cases]


def test_comma_version_for_programs_has_the_same_rows(real_site: Path) -> None:
    comma = real_site / "catalogue" / "catalogue-virgules.csv"
    assert not comma.read_bytes().startswith(b"\xef\xbb\xbf")
    assert rows(comma, ",", "utf-8") == rows(real_site / "catalogue" / "catalogue.csv", ";", "utf-8-sig")


def test_csv_paragraph_comes_after_the_results(real_site: Path) -> None:
    page = BeautifulSoup((real_site / "catalogue" / "index.html").read_text(encoding="utf-8"), "html.parser")
    article = page.select_one("article")
    exports = article.select_one(".kit-exports")
    assert exports is not None
    for name in ("catalogue.csv", "catalogue-virgules.csv", "catalogue.json"):
        assert exports.select_one(f"a[href='{name}']") is not None, name
    groups = article.select(".kit-groupe")
    assert groups, "no result group on the catalogue page"
    # every result comes before the paragraph in document order
    order = list(article.descendants)
    assert all(order.index(g) < order.index(exports) for g in groups)
    form = article.select_one("form")
    if form is not None:
        assert order.index(form) < order.index(groups[0])
