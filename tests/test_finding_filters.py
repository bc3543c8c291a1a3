"""Filters of the catalogue and of the case-sheet index, in headless Chromium: combinations
over HTTP and from file://, the state in the query string, accessible controls, and the
full lists without JavaScript. Expected sets are computed from the catalogue files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from builder.config import Project
from builder.facets import document_years
from builder.validate import load_kit
from tests.conftest import FIXTURES, REPO

pytestmark = pytest.mark.browser

CATALOGUE = "catalogue/index.html"
CASES = "fiches/index.html"


@pytest.fixture(scope="module")
def real_kit():
    return load_kit(Project(REPO))


@pytest.fixture(scope="module")
def mini_kit():
    return load_kit(Project(FIXTURES / "mini"))


def shown_documents(page) -> list[str]:
    """Ids of the catalogue's documents a reader can see, in page order."""
    return page.eval_on_selector_all(
        "article a[data-kit-item]",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.kitItem)",
    )


def shown_sheets(page, where: str = ".kit-fiches") -> list[str]:
    return page.eval_on_selector_all(
        f"{where} a[data-kit-item]",
        "els => els.filter(e => e.getClientRects().length > 0).map(e => e.dataset.kitItem)",
    )


def status(page) -> str:
    return page.inner_text(".kit-filtres__bilan").strip()


def expected_documents(kit, **wanted: str) -> list[str]:
    result = []
    for doc in kit.documents:
        values = {
            "nature": [doc.nature],
            "famille": [doc.famille] if doc.famille else [],
            "parcours": [p.id for p in kit.reading_paths_of(doc.id)],
            "auteur": doc.auteurs,
            "annee": document_years(doc),
        }
        if all(v in values[k] for k, v in wanted.items()):
            result.append(doc.id)
    return result


def choose(page, **wanted: str) -> None:
    for key, value in wanted.items():
        page.select_option(f"form[data-kit-filtres] select[name='{key}']", value)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


COMBINATIONS = [
    {"nature": "methode"},
    {"nature": "boite-a-outils", "parcours": "animer"},
    {"famille": "guides-pratiques", "parcours": "accompagner"},
    {"auteur": "Le RAMEAU", "annee": "2016"},
    {"nature": "illustrations", "annee": "2012", "auteur": "Alsace Active"},
]


@pytest.mark.parametrize("wanted", COMBINATIONS, ids=lambda w: "+".join(f"{k}={v}" for k, v in w.items()))
def test_catalogue_filters_combine_over_http(page, real_url: str, real_kit, wanted: dict[str, str]) -> None:
    config, kit = real_kit
    page.goto(real_url + CATALOGUE)
    assert page.is_visible("form[data-kit-filtres]")
    assert len(shown_documents(page)) == len(kit.documents)
    choose(page, **wanted)
    expected = expected_documents(kit, **wanted)
    assert expected, "la combinaison de test doit garder au moins un document"
    assert shown_documents(page) == expected
    assert status(page) == (f"{len(expected)} documents sur {len(kit.documents)} correspondent à ces filtres."
                            if len(expected) > 1 else f"1 document sur {len(kit.documents)} correspond à ces filtres.")
    assert query_of(page.url) == {k: [v] for k, v in wanted.items()}

    # the address is shareable: opened afresh, it shows the same selection
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    assert shown_documents(page) == expected
    for key, value in wanted.items():
        assert page.input_value(f"select[name='{key}']") == value


def test_catalogue_sections_without_a_match_are_hidden(page, real_url: str, real_kit) -> None:
    config, kit = real_kit
    page.goto(real_url + CATALOGUE + "?famille=guides-pratiques")
    assert shown_documents(page) == expected_documents(kit, famille="guides-pratiques")
    assert page.is_visible("h2#boite-a-outils") and page.is_visible("h3#boite-a-outils-guides-pratiques")
    for hidden in ("h2#methode", "h2#cadre-de-reference", "h3#boite-a-outils-fiches-outil"):
        assert not page.is_visible(hidden), hidden
    # the table of contents follows
    toc = page.locator(".md-sidebar--secondary .md-nav--secondary")
    assert toc.locator("a[href='#boite-a-outils']").is_visible()
    assert not toc.locator("a[href='#methode']").is_visible()


def test_no_match_then_reset(page, real_url: str, real_kit) -> None:
    config, kit = real_kit
    page.goto(real_url + CATALOGUE)
    choose(page, nature="cadre-de-reference", famille="fiches-outil")  # a family of another nature
    assert shown_documents(page) == []
    assert status(page) == "Aucun document ne correspond à ces filtres."
    page.click("form[data-kit-filtres] button[type=reset]")
    # An arrow function, not a bare expression: Playwright evaluates a bare expression
    # again at each poll with eval(), which the site's CSP (no 'unsafe-eval') refuses.
    page.wait_for_function("() => document.querySelectorAll('article li[hidden]').length === 0")
    assert len(shown_documents(page)) == len(kit.documents)
    assert query_of(page.url) == {}
    assert status(page) == f"Les {len(kit.documents)} documents sont affichés."


def test_unknown_values_in_the_address_are_ignored(page, real_url: str, real_kit) -> None:
    config, kit = real_kit
    page.goto(real_url + CATALOGUE + "?nature=inconnue&annee=2015")
    assert page.input_value("select[name='nature']") == ""
    assert shown_documents(page) == expected_documents(kit, annee="2015")


def test_catalogue_filters_from_file(page, real_site: Path, real_kit) -> None:
    config, kit = real_kit
    url = (real_site / CATALOGUE).as_uri()
    page.goto(url)
    choose(page, nature="boite-a-outils", auteur="Le RAMEAU")
    expected = expected_documents(kit, nature="boite-a-outils", auteur="Le RAMEAU")
    assert shown_documents(page) == expected
    # the state reaches the address from file:// too, and is read back from it
    assert query_of(page.url) == {"nature": ["boite-a-outils"], "auteur": ["Le RAMEAU"]}
    page.goto(url + "?parcours=comprendre&annee=2016")
    assert shown_documents(page) == expected_documents(kit, parcours="comprendre", annee="2016")


def expected_sheets(kit, **wanted: str) -> list[str]:
    result = []
    for case in kit.cases:
        sheet = case.sheet
        values = {"forme": sheet.formes, "demarche": [sheet.demarche], "region": [sheet.region], "theme": sheet.themes}
        if all(v in values[k] for k, v in wanted.items()):
            result.append(case.slug)
    return result


@pytest.mark.parametrize("wanted", [
    {"forme": "experimentations-collectives"},
    {"forme": "dialogue-territorial", "region": "Île-de-France"},
    {"demarche": "co-innovation"},
    {"theme": "handicap", "forme": "partenariats"},
], ids=lambda w: "+".join(f"{k}={v}" for k, v in w.items()))
def test_case_filters_over_http(page, real_url: str, real_kit, wanted: dict[str, str]) -> None:
    config, kit = real_kit
    page.goto(real_url + CASES)
    choose(page, **wanted)
    expected = expected_sheets(kit, **wanted)
    assert expected
    assert shown_sheets(page) == expected
    # the map's markers and its text list follow the filters
    assert sorted(shown_sheets(page, ".kit-carte__svg")) == sorted(s for s in expected if kit_case(kit, s).sheet.region)
    assert sorted(shown_sheets(page, ".kit-carte__texte")) == sorted(expected)
    lit = page.eval_on_selector_all("path.kit-carte__region--fiches", "els => els.map(e => e.querySelector('title').textContent)")
    assert sorted(lit) == sorted({kit_case(kit, s).sheet.region for s in expected if kit_case(kit, s).sheet.region})
    assert query_of(page.url) == {k: [v] for k, v in wanted.items()}


def kit_case(kit, slug: str):
    return next(c for c in kit.cases if c.slug == slug)


def test_case_filters_from_file_on_the_mini_kit(page, mini_site: Path, mini_kit) -> None:
    config, kit = mini_kit
    page.goto((mini_site / CASES).as_uri() + "?forme=partenariats")
    assert shown_sheets(page) == expected_sheets(kit, forme="partenariats") == ["silvergeek"]
    assert status(page) == "1 fiche sur 2 correspond à ces filtres."
    choose(page, forme="")
    assert shown_sheets(page) == [c.slug for c in kit.cases]
    assert status(page) == "Les 2 fiches sont affichées."


def test_mini_catalogue_over_http(page, mini_url: str, mini_kit) -> None:
    config, kit = mini_kit
    page.goto(mini_url + CATALOGUE)
    choose(page, parcours="animer", nature="boite-a-outils")
    assert shown_documents(page) == expected_documents(kit, parcours="animer", nature="boite-a-outils") == ["phare"]


def test_controls_are_labelled_and_announced(page, real_url: str) -> None:
    for address in (CATALOGUE, CASES):
        page.goto(real_url + address)
        form = page.locator("form[data-kit-filtres]")
        assert form.locator("fieldset > legend").inner_text().startswith("Filtrer les ")
        for select in form.locator("select").all():
            label = form.locator(f"label[for='{select.get_attribute('id')}']")
            assert label.count() == 1 and label.inner_text().strip()
        live = form.locator("[role=status]")
        assert live.get_attribute("aria-live") == "polite"
        assert live.inner_text().strip()  # says how many items are shown
        # keyboard: Tab moves from control to control, and the focus is visible
        form.locator("select").first.focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == form.locator("select").nth(1).get_attribute("name")
        style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                              "return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
        assert style[0] == "solid" and style[1] > 0


def test_without_javascript_every_item_is_listed(browser, real_url: str, real_kit) -> None:
    config, kit = real_kit
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(real_url + CATALOGUE + "?nature=methode")
        assert not page.is_visible("form[data-kit-filtres]")  # useless without the script: not shown
        assert shown_documents(page) == [d.id for d in kit.documents]
        page.goto(real_url + CASES + "?forme=partenariats")
        assert not page.is_visible("form[data-kit-filtres]")
        assert shown_sheets(page) == [c.slug for c in kit.cases]
        assert sorted(shown_sheets(page, ".kit-carte__svg")) == sorted(c.slug for c in kit.cases if c.sheet.region)
    finally:
        context.close()


def test_filter_script_is_loaded_by_the_list_pages_only(real_site: Path) -> None:
    with_script = {p.relative_to(real_site).as_posix() for p in real_site.rglob("*.html")
                   if "assets/pages/filtres.js" in p.read_text(encoding="utf-8")}
    assert with_script == {CATALOGUE, CASES}
    assert (real_site / "assets" / "pages" / "filtres.js").stat().st_size < 8_000
