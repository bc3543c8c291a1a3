"""Bearings on the pages outside the nav (issue 16, « Bearings »), in Chromium.

Document and case-sheet pages highlight their tab (Catalogue, Fiches d'expérience), show
a breadcrumb (nav « Fil d'Ariane ») back to their index (for a document through its nature
and family); a sheet shows the previous and next sheets in the index's order and its
region in its identity card. At 320 px wide no page type scrolls sideways.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.browser


def settings() -> dict:
    return yaml.safe_load((REPO / "site_config.yml").read_text(encoding="utf-8"))


def documents() -> list[dict]:
    return yaml.safe_load((REPO / "kit" / "documents.yml").read_text(encoding="utf-8"))


def label(kind: str, ident: str) -> tuple[str, dict]:
    for nature in settings()["taxonomie"]["natures"]:
        if kind == "nature" and nature["id"] == ident:
            return nature["libelle"], nature
        for family in nature.get("familles", []):
            if kind == "famille" and family["id"] == ident:
                return family["libelle"], family
    raise KeyError(ident)


TRAIL = """() => { const nav = document.querySelector('nav.kit-fil');
  return nav && {label: nav.getAttribute('aria-label'),
    links: [...nav.querySelectorAll('a')].map(a => [a.textContent.trim(), a.href])}; }"""
ACTIVE_TAB = "() => [...document.querySelectorAll('.md-tabs__item--active')].map(li => li.textContent.trim())"


def check_target(page, href: str) -> None:
    """The link leads to a page that exists and, with a fragment, to an element with that id."""
    response = page.request.get(href.split("#")[0])
    assert response.ok, f"{href} : page introuvable"
    fragment = urlsplit(href).fragment
    if fragment:
        assert f'id="{fragment}"' in response.text(), f"{href} : pas d'élément « {fragment} » dans la page"


@pytest.mark.parametrize("with_family", [True, False], ids=["avec-famille", "sans-famille"])
def test_a_document_highlights_the_catalogue_tab_and_has_its_trail(page, real_url: str, with_family: bool) -> None:
    doc = next(d for d in documents() if bool(d.get("famille")) == with_family)
    page.goto(f"{real_url}documents/{doc['id']}.html")
    assert page.evaluate(ACTIVE_TAB) == [settings()["rubriques"]["catalogue"]]
    trail = page.evaluate(TRAIL)
    assert trail and trail["label"] == "Fil d'Ariane"
    texts = [text for text, _ in trail["links"]]
    expected = ["Accueil", settings()["rubriques"]["catalogue"], label("nature", doc["nature"])[0]]
    if with_family:
        expected.append(label("famille", doc["famille"])[0])
    assert texts == expected
    assert trail["links"][1][1] == urljoin(real_url, "catalogue/index.html")
    for _, href in trail["links"]:
        check_target(page, href)


def index_order(page, real_url: str) -> list[str]:
    page.goto(real_url + "fiches/index.html")
    return page.evaluate("() => [...document.querySelectorAll('ol.kit-fiches > li > a')].map(a => a.getAttribute('href'))")


def test_a_sheet_highlights_its_tab_links_back_and_to_its_neighbours(page, real_url: str) -> None:
    order = index_order(page, real_url)
    assert len(order) >= 3
    for position, href in enumerate(order):
        page.goto(real_url + "fiches/" + href)
        assert page.evaluate(ACTIVE_TAB) == [settings()["rubriques"]["fiches"]], href
        trail = page.evaluate(TRAIL)
        assert trail and [t for t, _ in trail["links"]] == ["Accueil", settings()["rubriques"]["fiches"]]
        assert trail["links"][1][1] == urljoin(real_url, "fiches/index.html")
        neighbours = page.evaluate("""() => { const nav = document.querySelector('nav.kit-voisines');
          const href = (rel) => { const a = nav && nav.querySelector(`a[rel=${rel}]`); return a ? a.getAttribute('href') : null; };
          return {label: nav && nav.getAttribute('aria-label'), prev: href('prev'), next: href('next')}; }""")
        assert neighbours["label"] == "Fiches voisines"
        assert neighbours["prev"] == (order[position - 1] if position > 0 else None), href
        assert neighbours["next"] == (order[position + 1] if position + 1 < len(order) else None), href


def test_a_sheet_gives_its_region_in_its_identity_card(real_site: Path) -> None:
    sheets = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (REPO / "kit" / "cas").glob("*.yml")}
    with_region = {slug: s for slug, s in sheets.items() if s.get("region")}
    assert with_region
    for slug, sheet in with_region.items():
        html = (real_site / "fiches" / f"{slug}.html").read_text(encoding="utf-8")
        card = html.split('class="kit-fiche-identite"', 1)[1].split("</dl>", 1)[0]
        assert "<dt>Région</dt>" in card, slug
        region = card.split("<dt>Région</dt>", 1)[1].split("</dd>", 1)[0]
        assert sheet["region"] in region, slug


def test_pages_in_the_nav_keep_material_s_own_highlight(page, real_url: str) -> None:
    page.goto(real_url + "catalogue/index.html")
    assert page.evaluate(ACTIVE_TAB) == [settings()["rubriques"]["catalogue"]]
    page.goto(real_url + "parcours/animer.html")
    assert page.evaluate(ACTIVE_TAB) == ["Animer"]
    assert page.evaluate(TRAIL) is None  # in the nav: the tabs are its bearings


PAGE_TYPES = {
    "accueil": "index.html",
    "parcours": "parcours/comprendre.html",
    "catalogue": "catalogue/index.html",
    "document": "documents/mooc-partenariats.html",
    "index des fiches": "fiches/index.html",
    "fiche": "fiches/agir-ensemble-charenton.html",
    "glossaire": "le-kit/glossaire.html",
    "à propos": "le-kit/co-construction.html",
    "accessibilité": "accessibilite.html",
}


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_sideways_scroll_at_320_px(browser, real_url: str, kind: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(real_url + PAGE_TYPES[kind])
        widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth, view: innerWidth,
          wide: [...document.querySelectorAll('.md-content *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
                && !e.closest('.md-typeset__scrollwrap, pre, .md-search, [hidden]')).slice(0, 5).map(e => e.outerHTML.slice(0, 120))})""")
        assert widths["page"] <= widths["view"], f"{kind} : défilement horizontal à 320 px ({widths})"
        assert not widths["wide"], f"{kind} : des éléments dépassent à droite à 320 px : {widths['wide']}"
    finally:
        context.close()
