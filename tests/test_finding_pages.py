"""Key-figure charts, cross-links between documents, paths and case sheets, and print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from builder import charts
from builder.config import Project
from builder.validate import load_kit
from tests.conftest import REPO

SITE_URL = "https://coconstructionterritoriale.github.io/kit/"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def real_kit():
    return load_kit(Project(REPO))


# --- charts ---------------------------------------------------------------------------------


def test_key_figures_are_charts_with_sources_and_text(real_site: Path, real_kit) -> None:
    config, kit = real_kit
    home = soup(real_site / "index.html")
    figures = home.select(".kit-graphiques figure.kit-graphique")
    groups = charts.charts(kit.figures, config.rubriques.groupes_chiffres)
    assert len(figures) == len(groups) == len({f.groupe or f.id for f in kit.figures})
    for figure, chart in zip(figures, groups):
        caption = figure.find("figcaption").get_text(" ", strip=True).replace("\u00a0", " ").replace("\u202f", " ")  # no-break spaces: builder/typography.py
        for item in chart.figures:
            assert item.source in caption
        bars = figure.select_one("ul.kit-barres")
        if not chart.drawn:  # a lone figure that is not a share: a number, no bar
            assert bars is None
            assert charts.format_number(chart.figures[0].valeur) in figure.get_text()
            continue
        # one list item per figure: its value and label as text, then a text-free bar
        items = bars.select("li.kit-barres__ligne")
        assert len(items) == len(chart.figures)
        scale = 100.0 if chart.percent else max(f.valeur for f in chart.figures)
        for item, key_figure in zip(items, chart.figures):
            def flat(text: str) -> str:  # no-break spaces: builder/typography.py
                return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
            text = flat(item.get_text(" ", strip=True))
            assert flat(charts.value_text(key_figure)) in text and flat(key_figure.libelle) in text
            bar_svg = item.find("svg")
            assert bar_svg["aria-hidden"] == "true" and not bar_svg.get_text(strip=True)
            bar = bar_svg.select_one("rect.kit-barres__barre")
            assert float(bar["width"]) == pytest.approx(100 * key_figure.valeur / scale, abs=0.1)
    # every key figure of the file is on the home page
    assert sum(len(g.figures) for g in groups) == len(kit.figures)
    titles = [f.select_one(".kit-graphique__titre") for f in figures]
    assert "Les alliances, source d'innovation" in [t.get_text() for t in titles if t]


def test_chart_titles_fall_back_on_the_group_id() -> None:
    from builder.models import KeyFigure

    figures = [KeyFigure(id="a", valeur=10, unite="%", libelle="x", source="S", annee=2015, groupe="modes-action"),
               KeyFigure(id="b", valeur=2.5, unite="millions", libelle="y", source="T", annee=2016, groupe="modes-action")]
    [chart] = charts.charts(figures)
    assert chart.title == "Modes action" and not chart.percent and chart.drawn
    assert chart.sources() == ["S, 2015", "T, 2016"]
    html = str(charts.bars(chart, "c"))
    widths = [float(w) for w in re.findall(r'class="kit-barres__barre" width="([\d.]+)"', html)]
    # not a share: scaled to the largest value, which takes the whole track (and the scale is said)
    assert widths == pytest.approx([100, 100 * 2.5 / 10], abs=0.1)
    assert "plus grande valeur" in html


# --- cross-links ----------------------------------------------------------------------------


def test_document_pages_link_their_neighbours_along_each_path(real_site: Path, real_kit) -> None:
    config, kit = real_kit
    for path in kit.reading_paths:
        for index, doc_id in enumerate(path.documents):
            page = soup(real_site / "documents" / f"{doc_id}.html")
            section = page.find(id="dans-les-parcours-de-lecture")
            assert section is not None, doc_id
            entry = next(li for li in section.find_next("ul").find_all("li", recursive=False)
                         if li.find("a", href=f"../parcours/{path.id}.html"))
            text = entry.get_text(" ", strip=True)
            assert f"document {index + 1} sur {len(path.documents)}" in text
            links = {a["href"] for a in entry.find_all("a")}
            if index > 0:
                assert "précédent" in text and f"{path.documents[index - 1]}.html" in links
            else:
                assert "précédent" not in text
            if index + 1 < len(path.documents):
                assert "suivant" in text and f"{path.documents[index + 1]}.html" in links
            else:
                assert "suivant" not in text


def test_sheets_and_documents_link_each_other(real_site: Path, real_kit) -> None:
    config, kit = real_kit
    for case in kit.cases:
        sheet = soup(real_site / "fiches" / f"{case.slug}.html")
        for doc_id in case.sheet.documents:
            assert sheet.find("a", href=f"../documents/{doc_id}.html"), (case.slug, doc_id)
            assert soup(real_site / "documents" / f"{doc_id}.html").find("a", href=f"../fiches/{case.slug}.html")
    for doc in kit.documents:
        page = soup(real_site / "documents" / f"{doc.id}.html")
        linked = {a["href"] for a in page.select("article a[href^='../fiches/']")}
        assert linked == {f"../fiches/{c.slug}.html" for c in kit.cases_of(doc.id)}


def test_path_pages_tell_how_far_each_document_is(real_site: Path, real_kit) -> None:
    config, kit = real_kit
    for path in kit.reading_paths:
        page = soup(real_site / "parcours" / f"{path.id}.html")
        seen = {}
        for li in page.select("article li"):
            link = li.find("a", href=re.compile(r"^\.\./documents/"))
            step = li.select_one(".kit-etape")
            if link and step:
                seen[link["href"].removeprefix("../documents/").removesuffix(".html")] = step.get_text(strip=True)
        assert seen == {d: f"étape {n} sur {len(path.documents)}" for n, d in enumerate(path.documents, 1)}


# --- print ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("address", ["fiches/silvergeek.html", "parcours/animer.html"])
def test_pages_print_cleanly_on_a4(page, real_url: str, address: str, tmp_path: Path) -> None:
    page.goto(real_url + address)
    page.emulate_media(media="print")
    shot = page.screenshot(full_page=True)
    assert shot.startswith(b"\x89PNG")
    hidden = page.evaluate("""['.md-header', '.md-tabs', '.md-sidebar--primary', '.md-sidebar--secondary', '.md-footer']
        .map(s => document.querySelector(s)).filter(Boolean).map(e => getComputedStyle(e).display)""")
    assert hidden and set(hidden) == {"none"}
    # a link to a page of the site is followed by its web address
    link = page.locator("article a[data-adresse]").first
    address_shown = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert SITE_URL in address_shown and link.get_attribute("data-adresse") in address_shown
    # blocks are not cut across two sheets
    assert page.evaluate("getComputedStyle(document.querySelector('article li')).breakInside") == "avoid"
    # the content takes the width of the sheet
    width = page.evaluate("document.querySelector('.md-content').getBoundingClientRect().width")
    assert width > 0.9 * page.evaluate("document.body.getBoundingClientRect().width")
    pdf = page.pdf(prefer_css_page_size=True)  # the stylesheet sets A4 (Chromium would default to Letter)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)  # A4 in points
    (tmp_path / "page.pdf").write_bytes(pdf)


@pytest.mark.browser
def test_a_sheets_own_site_address_is_not_printed_twice(page, real_url: str, real_kit) -> None:
    config, kit = real_kit
    case = next(c for c in kit.cases if c.sheet.site_web)
    page.goto(real_url + f"fiches/{case.slug}.html")
    page.emulate_media(media="print")
    link = page.locator(f"article .kit-fiche-identite a[href='{case.sheet.site_web}']")
    assert link.evaluate("a => getComputedStyle(a, '::after').content") in ("none", "normal")
    assert case.sheet.site_web in link.inner_text()
    # on screen nothing is added
    page.emulate_media(media="screen")
    other = page.locator("article a[data-adresse]").first
    assert other.evaluate("a => getComputedStyle(a, '::after').content") in ("none", "normal")
