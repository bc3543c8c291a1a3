"""The home page in a phone's and a laptop's first screen (issue 16, « Home »), in Chromium.

At 375 × 812 and 1,280 × 800: the search box, the three reading paths as whole-card
links (heading, whom the path serves, number of documents counted from kit/parcours.yml),
then the latest case sheets and the key figures; the institutional text after. The H1
has the body's contrast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from builder.models import Case, CaseSheet
from builder.pages import first_clause, recent_cases
from tests.conftest import REPO

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1280, "height": 800}


def reading_paths() -> list[dict]:
    return yaml.safe_load((REPO / "kit" / "parcours.yml").read_text(encoding="utf-8"))


def open_home(browser, url: str, viewport: dict, scheme: str = "light"):
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    page.goto(url + "index.html")
    return context, page


CARD_GEOMETRY = """() => [...document.querySelectorAll('.kit-parcours-cartes > li')].map(li => {
  const links = li.querySelectorAll('a');
  const a = links[0], card = li.getBoundingClientRect(), box = a.getBoundingClientRect();
  const inset = 4;
  const probes = [[card.left + inset, card.top + inset], [card.right - inset, card.top + inset],
                  [card.left + inset, card.bottom - inset], [card.right - inset, card.bottom - inset],
                  [(card.left + card.right) / 2, (card.top + card.bottom) / 2]];
  return {
    links: links.length,
    href: a.getAttribute('href'),
    text: a.innerText,
    heading: a.querySelector('.kit-parcours-carte__titre').innerText,
    card: [card.left, card.top, card.right, card.bottom],
    link: [box.left, box.top, box.right, box.bottom],
    hits: probes.map(([x, y]) => { const hit = document.elementFromPoint(x, y); return !!hit && a.contains(hit); }),
  };
})"""


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375x812", "1280x800"])
def test_the_three_paths_are_whole_card_links_in_the_first_screen(browser, real_url: str, viewport: dict) -> None:
    context, page = open_home(browser, real_url, viewport)
    try:
        cards = page.evaluate(CARD_GEOMETRY)
        paths = reading_paths()
        assert len(cards) == len(paths) == 3
        for card, path in zip(cards, paths):
            assert card["links"] == 1, f"{path['id']} : la carte doit être un seul lien"
            assert card["href"] == f"parcours/{path['id']}.html"
            assert card["heading"] == path["titre_court"]
            count = len(path["documents"])
            assert f"{count} documents" in card["text"], f"{path['id']} : le nombre de documents ({count}) manque"
            assert "s'adresse" in card["text"], f"{path['id']} : la carte ne dit pas à qui le parcours s'adresse"
            # the link IS the card: same box, and every corner and the centre land on it
            assert all(abs(a - b) < 1 for a, b in zip(card["card"], card["link"])), card
            assert all(card["hits"]), f"{path['id']} : une partie de la carte n'est pas cliquable ({card['hits']})"
            left, top, right, bottom = card["link"]
            assert top >= 0 and bottom <= viewport["height"] and right <= viewport["width"], (
                f"{path['id']} : la carte sort du premier écran ({card['link']} dans {viewport})")
    finally:
        context.close()


def test_the_phone_first_screen_has_the_search_box_and_can_search(browser, real_url: str) -> None:
    context, page = open_home(browser, real_url, PHONE)
    try:
        box = page.locator("#kit-accueil-recherche")
        assert box.is_visible()
        rect = box.bounding_box()
        assert rect["y"] >= 0 and rect["y"] + rect["height"] <= PHONE["height"]
        assert page.get_by_label("Rechercher dans le kit", exact=True).count() >= 1
        box.type("partenariat")
        page.wait_for_function("() => document.getElementById('__search').checked")
        assert page.input_value("form[name=kit-search] .md-search__input") == "partenariat"
        page.wait_for_selector("#kit-search-results li a", timeout=10000)
    finally:
        context.close()


def test_the_order_paths_latest_sheets_figures_then_the_institutional_text(browser, real_url: str) -> None:
    context, page = open_home(browser, real_url, LAPTOP)
    try:
        order = page.evaluate("""() => {
          const at = (selector) => { const node = document.querySelector(selector);
            return node ? [...document.querySelectorAll('article *')].indexOf(node) : -1; };
          return [at('.kit-accueil-recherche'), at('.kit-parcours-cartes'), at('.kit-fiches-recentes'),
                  at('.kit-graphiques'), at('#presentation-du-kit')];
        }""")
        assert -1 not in order, order
        assert order == sorted(order), f"ordre de la page d'accueil inattendu : {order}"
        # the header's search box is on screen from 60em; the paths are in the first screen (test above)
        assert page.locator(".md-header .md-search__input").is_visible()
    finally:
        context.close()


def test_the_latest_sheets_are_the_ones_added_last(real_site: Path) -> None:
    html = (real_site / "index.html").read_text(encoding="utf-8")
    latest = html.split('class="kit-fiches-recentes"', 1)[1].split("</ul>", 1)[0]
    sheets = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (REPO / "kit" / "cas").glob("*.yml")}
    shown = [slug for slug in sheets if f'href="fiches/{slug}.html"' in latest]
    assert 1 <= len(shown) <= 3
    newest = max(str(s.get("date_ajout", "")) for s in sheets.values())
    assert all(str(sheets[slug].get("date_ajout", "")) == newest for slug in shown)


def _case(slug: str, title: str, added: str | None) -> Case:
    sheet = CaseSheet.model_construct(titre=title, date_ajout=dt.date.fromisoformat(added) if added else None)
    return Case(slug, sheet, Path(f"{slug}.yml"))


def test_recent_cases_newest_first_undated_last() -> None:
    cases = [_case("a", "Alpha", None), _case("b", "Bêta", "2026-01-02"), _case("c", "Gamma", "2026-03-01"),
             _case("d", "Delta", "2026-01-02")]
    assert [c.slug for c in recent_cases(cases, 3)] == ["c", "b", "d"]
    assert [c.slug for c in recent_cases(cases, 10)] == ["c", "b", "d", "a"]


def test_first_clause_says_whom_a_path_serves() -> None:
    assert first_clause("Ce parcours s'adresse aux décideurs des territoires, quelle que soit leur nature.") == \
        "Ce parcours s'adresse aux décideurs des territoires"
    assert first_clause("Pour les *élus* (maires, adjoints) qui veulent agir.") == "Pour les élus"
    assert first_clause("Une phrase. Une autre.") == "Une phrase"
    long = "mot " * 80
    assert len(first_clause(long)) <= 141 and first_clause(long).endswith("…")


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = map(channel, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_title_has_the_body_contrast(browser, real_url: str, scheme: str) -> None:
    context, page = open_home(browser, real_url, LAPTOP, scheme)
    try:
        colours = page.evaluate("""() => {
          const rgb = (text) => { const c = document.createElement('canvas').getContext('2d');
            c.fillStyle = text; c.fillRect(0, 0, 1, 1); return [...c.getImageData(0, 0, 1, 1).data].slice(0, 3); };
          const bg = getComputedStyle(document.body).backgroundColor;
          return {h1: rgb(getComputedStyle(document.querySelector('article h1')).color),
                  p: rgb(getComputedStyle(document.querySelector('article p')).color),
                  bg: rgb(bg === 'rgba(0, 0, 0, 0)' ? 'white' : bg)};
        }""")
        assert contrast(colours["h1"], colours["bg"]) >= contrast(colours["p"], colours["bg"]) - 0.05, colours
    finally:
        context.close()
