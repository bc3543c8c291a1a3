"""The repository's own kit, checked against DOMAIN.md (read out of the sources) and for OCR debris."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from builder.validate import load_kit
from builder.pages import CASE_SECTION_TITLES
from tests.conftest import REPO

DOMAIN = REPO.parent / "shared" / "DOMAIN.md"

# DOMAIN.md's reading paths (documents by catalogue number), kept here too so the test
# still runs where shared/ is absent; when it is present, the two must agree.
PATHS = {
    "comprendre": [2, 3, 10, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30],
    "animer": [2, 4, 5, 6, 7, 8, 10, 11, 12, 13, 21, 22, 23, 24, 25, 34, 35, 36, 37],
    "accompagner": [2, 3, 9, 14, 15, 16, 17, 20, 21, 26, 27, 28, 30, 31, 32, 33, 38],
}
CASE_SHEETS = ["Coordin'Actions", "Le Labo régional des partenariats en Alsace", "FLDA",
               "Agir ensemble à Charenton-Saint-Maurice", "SilverGeek"]


def domain_table() -> list[dict[str, str]]:
    rows = []
    for line in DOMAIN.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].isdigit():
            rows.append(dict(zip(["number", "id", "title", "nature", "authors", "year", "paths"], cells)))
    return rows


@pytest.fixture(scope="module")
def kit():
    from builder.config import Project

    return load_kit(Project(REPO))[1]


def test_paths_here_match_domain_md() -> None:
    if not DOMAIN.exists():
        pytest.skip(f"{DOMAIN} absent : comparaison avec DOMAIN.md impossible ici")
    text = DOMAIN.read_text(encoding="utf-8")
    for path_id, numbers in PATHS.items():
        listed = re.search(rf"`{path_id}` — .*? — documents ([\d, ]+) \((\d+)\)", text)
        assert [int(n) for n in listed.group(1).split(",")] == numbers
        assert int(listed.group(2)) == len(numbers)


def test_the_catalogue_holds_the_38_documents_in_order(kit) -> None:
    assert len(kit.documents) == 38
    if DOMAIN.exists():
        rows = domain_table()
        assert [d.id for d in kit.documents] == [r["id"] for r in rows]
        for doc, row in zip(kit.documents, rows):
            nature = row["nature"].split(" / ")
            assert doc.nature == nature[0], doc.id
            assert doc.famille == (nature[1] if len(nature) > 1 else None), doc.id
            assert str(doc.annee) == row["year"][:4], doc.id


def test_each_path_lists_exactly_its_documents(kit) -> None:
    numbers = {n: d.id for n, d in enumerate(kit.documents, 1)}
    assert [p.id for p in kit.reading_paths] == list(PATHS)
    for path in kit.reading_paths:
        assert path.documents == [numbers[n] for n in PATHS[path.id]], path.id
    assert {d.id for d in kit.documents if not kit.reading_paths_of(d.id)} == {numbers[1], numbers[29]}


def test_the_five_case_sheets(kit) -> None:
    # DOMAIN.md writes « Charenton-Saint Maurice »; the site writes the place one way, hyphenated
    def same(text: str) -> str:
        return text.lower().replace("-", " ")

    titles = [same(c.sheet.titre) for c in kit.cases]
    for expected in CASE_SHEETS:
        assert any(same(expected) in t or t in same(expected) for t in titles), expected
    for case in kit.cases:
        assert case.sheet.sources, case.slug
        assert case.sheet.demarche is not None, case.slug


def test_built_site_shows_documents_paths_and_sheets(real_site: Path, kit) -> None:
    catalogue = BeautifulSoup((real_site / "catalogue" / "index.html").read_text(encoding="utf-8"), "html.parser")
    linked = {a["href"] for a in catalogue.select("article a[href^='../documents/']")}
    assert linked == {f"../documents/{d.id}.html" for d in kit.documents}
    for path in kit.reading_paths:
        page = BeautifulSoup((real_site / "parcours" / f"{path.id}.html").read_text(encoding="utf-8"), "html.parser")
        hrefs = []
        for a in page.select("article a[href^='../documents/']"):
            if a["href"] not in hrefs:
                hrefs.append(a["href"])
        assert sorted(hrefs) == sorted(f"../documents/{i}.html" for i in path.documents), path.id
    for case in kit.cases:
        page = BeautifulSoup((real_site / "fiches" / f"{case.slug}.html").read_text(encoding="utf-8"), "html.parser")
        headings = [h.get_text(strip=True).rstrip("¶") for h in page.select("article h2")]
        for _, title in CASE_SECTION_TITLES:
            assert title in headings, (case.slug, title)


# OCR debris seen in the seeds: a capital I read for l before an apostrophe, lost accents,
# stray symbols, broken hyphenation, the letter e read for a bullet.
OCR_DEBRIS = [
    r"\bI['’][aeiouyéèêh]", r"\bceuvre", r"\bcongu", r"\bétre\b", r"\bFrancais", r"écosystéme", r"considérent",
    r"[®\ufffd]", r"\w- (?!et |ou )\w", r"^\s*e [A-Z]", r"\bwena\b", r"\b(\w{3,}) \1\b", r"(?<!« )\bA4\b",
]


@pytest.mark.parametrize("path", sorted(
    [p for p in (REPO / "kit").rglob("*.yml")] + [p for p in (REPO / "content").rglob("*.md")]
), ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_ocr_debris(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for pattern in OCR_DEBRIS:
        found = re.search(pattern, text, re.MULTILINE)
        assert found is None, f"{path.name} : « {found.group(0)} » ({pattern})"


def test_every_key_figure_has_a_source(kit) -> None:
    assert kit.figures
    for figure in kit.figures:
        assert figure.source.strip() and str(figure.annee).strip(), figure.id
