"""Accessibility of every page type (RGAA 4.1 / WCAG 2.1 AA), in headless Chromium.

- axe-core (bundled by axe-playwright-python, injected from disk: no CDN) with the
  WCAG 2.0 and 2.1 A and AA rules, on each page type, in the light and the dark
  palette: any violation fails, listed rule by rule with the elements at fault;
- the keyboard: Tab from the top reaches the skip link first, the skip link leads into
  the content, and every link and control shows where the focus is;
- what axe does not check: lang="fr", headings in order, permalinks named after their
  section, the accessibility line of the footer and the statement it links to;
- the 404 page: in French, over HTTP at any depth of the site and from file://.

The site is served under the path of its site_url (/kit/), as on its host, so that the
404 page, whose links start from that path, is tested as readers get it.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from builder.pages import CATALOGUE_PAGE, GLOSSARY_PAGE
from tests.conftest import REPO

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PALETTES = {"clair": ("light", "default"), "sombre": ("dark", "slate")}
SEARCH_QUERY = "partenariat"
EDITION = "25 novembre 2025"  # the date of conftest's SOURCE_DATE_EPOCH


# --- serving the built site as its host does -------------------------------------------

def site_settings() -> dict:
    return yaml.safe_load((REPO / "site_config.yml").read_text(encoding="utf-8"))


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, and the site's 404.html (status 404) for any missing address."""

    not_found_page: Path

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404 or not self.not_found_page.is_file():
            super().send_error(code, message, explain)
            return
        body = self.not_found_page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def hosted(real_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The repository's built kit at http://127.0.0.1:PORT/<path of site_url>."""
    prefix = urlsplit(site_settings()["site"]["url"]).path.strip("/")
    root = tmp_path_factory.mktemp("hote")
    mount = root / prefix if prefix else root
    mount.parent.mkdir(parents=True, exist_ok=True)
    if prefix:
        mount.symlink_to(real_site, target_is_directory=True)
    else:
        shutil.copytree(real_site, mount, dirs_exist_ok=True)
    handler = type("Handler", (_SiteHandler,), {"not_found_page": real_site / "404.html"})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{prefix + '/' if prefix else ''}"
    server.shutdown()


# --- the page types --------------------------------------------------------------------

def _first_page(site: Path, folder: str, but: str = "") -> str:
    pages = sorted(p.name for p in (site / folder).glob("*.html") if p.name != but)
    assert pages, f"aucune page dans {folder}/ du site construit"
    return f"{folder}/{pages[0]}"


def _page_with(site: Path, marker: str, what: str) -> str:
    for page in sorted(site.rglob("*.html")):
        if marker in page.read_text(encoding="utf-8"):
            return page.relative_to(site).as_posix()
    raise AssertionError(f"{what} : aucune page du site ne contient {marker!r}")


def _open_search(page, query: str = SEARCH_QUERY) -> None:
    """Open the search box from the keyboard, type, wait for the results."""
    assert page.locator("form[name=kit-search] .md-search__input").count() == 1, "pas de champ de recherche dans l'en-tête"
    page.keyboard.press("/")
    page.keyboard.type(query)
    page.wait_for_selector(".md-search-result__item", timeout=15_000)


def _choose_first_filter(page) -> None:
    """Pick the first value of the first filter, as a reader would, and wait for the count."""
    select = page.locator("form[data-kit-filtres] select").first
    select.wait_for(state="visible", timeout=5_000)
    value = select.locator("option").nth(1).get_attribute("value")
    select.select_option(value)
    page.wait_for_function("() => document.querySelector('form[data-kit-filtres] [role=status]').textContent.trim() !== ''")


def html(markdown_page: str) -> str:
    return markdown_page.removesuffix(".md") + ".html"


def page_types(site: Path) -> dict[str, tuple[str, Callable | None]]:
    """Each page type of the site: (address relative to the root, action before the audit)."""
    out = site_settings()["sorties"]
    return {
        "accueil": ("index.html", None),
        "parcours": (_first_page(site, out["dossier_parcours"]), None),
        "document": (_first_page(site, out["dossier_documents"]), None),
        "fiche": (_first_page(site, out["dossier_fiches"], but="index.html"), None),
        "catalogue": (html(CATALOGUE_PAGE), None),
        "catalogue filtré": (html(CATALOGUE_PAGE), _choose_first_filter),
        "index des fiches": (f"{out['dossier_fiches']}/index.html", None),
        "index des fiches filtré": (f"{out['dossier_fiches']}/index.html", _choose_first_filter),
        "carte": (_page_with(site, 'class="kit-carte"', "carte des fiches"), None),
        "page de référence": (html(GLOSSARY_PAGE), None),
        "page éditoriale": (html(site_settings()["rubriques"]["pages_a_propos"][0]), None),
        "déclaration d'accessibilité": ("accessibilite.html", None),
        "résultats de recherche": ("index.html", _open_search),
        "404": ("rubrique/page-qui-n-existe-pas.html", None),
    }


PAGE_TYPES = [
    "accueil", "parcours", "document", "fiche", "catalogue", "catalogue filtré", "index des fiches",
    "index des fiches filtré", "carte", "page de référence", "page éditoriale", "déclaration d'accessibilité",
    "résultats de recherche", "404",
]


def test_page_type_list_is_complete(real_site: Path) -> None:
    assert list(page_types(real_site)) == PAGE_TYPES


# --- axe -------------------------------------------------------------------------------

@functools.cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(page, tags: list[str] = AXE_TAGS) -> list[dict]:
    options = {"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    return _axe().run(page, options=options).response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}) : {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))} : {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … et {len(violation['nodes']) - 8} autres éléments")
    return "\n".join(lines)


def open_page(browser, hosted: str, address: str, palette: str):
    emulated, _ = PALETTES[palette]
    context = browser.new_context(color_scheme=emulated, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(hosted + address)
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("palette", list(PALETTES))
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_axe_violation(browser, hosted: str, real_site: Path, kind: str, palette: str) -> None:
    address, action = page_types(real_site)[kind]
    context, page = open_page(browser, hosted, address, palette)
    try:
        scheme = page.get_attribute("body", "data-md-color-scheme")
        assert scheme == PALETTES[palette][1], f"{kind} : le thème {palette} n'est pas appliqué (schéma {scheme!r})"
        if action:
            action(page)
        # Audit the settled page: Material fades search results in, and a colour caught
        # halfway through a transition is not what the reader ends up reading.
        page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        violations = axe_violations(page)
        assert not violations, f"{kind} ({address}), thème {palette} : {len(violations)} règle(s) d'axe-core enfreinte(s)\n{describe(violations)}"
    finally:
        context.close()


def test_palette_toggle_switches_and_stays_accessible(browser, hosted: str, real_site: Path) -> None:
    """The reader's choice (the toggle), not only the system's preference, gives an accessible page."""
    context, page = open_page(browser, hosted, "index.html", "clair")
    try:
        page.locator("label[for=__palette_1]").click()
        page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
        page.goto(hosted + page_types(real_site)["fiche"][0])
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("body", "data-md-color-scheme") == "slate", "le choix du thème sombre n'est pas gardé d'une page à l'autre"
        violations = axe_violations(page)
        assert not violations, f"thème sombre choisi par le bouton : {len(violations)} règle(s) enfreinte(s)\n{describe(violations)}"
    finally:
        context.close()


# --- keyboard --------------------------------------------------------------------------

FOCUS_STYLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  // Material's palette toggle is a hidden radio button: its label shows the focus.
  const shown = element.matches("input.md-option") ? element.nextElementSibling : element;
  const style = getComputedStyle(shown);
  const box = shown.getBoundingClientRect();
  let opacity = 1;  // a see-through ancestor hides the element as well
  for (let node = shown; node; node = node.parentElement) opacity *= parseFloat(getComputedStyle(node).opacity);
  return {
    what: element.tagName.toLowerCase() + (element.className ? "." + String(element.className.baseVal ?? element.className).trim().replace(/\\s+/g, ".") : ""),
    text: (element.getAttribute("aria-label") || element.textContent || element.value || "").trim().slice(0, 50),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    // on screen sideways (nothing scrolls a drawer's hidden panel into view), not hidden, not see-through
    visible: box.width > 0 && box.height > 0 && box.right > 0 && box.left < innerWidth && style.visibility !== "hidden" && opacity > 0,
    inDrawer: !!element.closest(".md-sidebar--primary"),
  };
}"""


@pytest.mark.parametrize("kind", ["accueil", "fiche", "404"])
def test_tab_reaches_the_skip_link_first_and_it_leads_to_the_content(browser, hosted: str, real_site: Path, kind: str) -> None:
    address, _ = page_types(real_site)[kind]
    context, page = open_page(browser, hosted, address, "clair")
    try:
        page.keyboard.press("Tab")
        skip = page.evaluate("() => [document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
        assert skip == ["Aller au contenu", "#kit-contenu"], f"{kind} : le premier arrêt de la touche Tab est {skip}"
        # Material shows it with a short transition: wait until it is fully opaque and on screen.
        page.wait_for_function("() => getComputedStyle(document.activeElement).opacity === '1'")
        box = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }")
        assert box[2] > 0 and box[3] > 0 and box[0] >= 0 and box[1] >= 0 and box[1] < 900, f"{kind} : lien d'évitement hors de l'écran {box}"
        url = page.url
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        inside = page.evaluate("() => document.querySelector('article.md-content__inner').contains(document.activeElement)")
        assert inside, f"{kind} : après « Aller au contenu », la touche Tab mène hors du contenu"
        assert page.url.split("#")[0] == url.split("#")[0], f"{kind} : le lien d'évitement a quitté la page ({page.url})"
    finally:
        context.close()


@pytest.mark.parametrize("palette", list(PALETTES))
@pytest.mark.parametrize("kind", ["accueil", "catalogue", "index des fiches", "fiche"])
def test_focus_is_visible_on_every_link_and_control(browser, hosted: str, real_site: Path, kind: str, palette: str) -> None:
    address, _ = page_types(real_site)[kind]
    context, page = open_page(browser, hosted, address, palette)
    try:
        # The styles at rest, not halfway through Material's fade-ins (skip link, permalinks).
        page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
        stops, problems = _tab_through(page)
        assert stops > 10, f"{kind} : seulement {stops} arrêts de la touche Tab"
        assert not problems, f"{kind}, thème {palette} : focus invisible ({len(problems)})\n" + "\n".join(sorted(set(problems)))
    finally:
        context.close()


# Links and buttons change colour on hover and on focus (Material's accent colour).
STATEFUL = {
    "lien du texte": ".md-content .md-typeset p a[href]",
    "bouton principal": ".md-content .md-typeset .md-button--primary",
    "bouton": ".md-content .md-typeset .md-button:not(.md-button--primary)",
    "lien de navigation": ".md-sidebar--primary .md-nav__link[href]:not(.md-nav__link--active)",
    "lien de la table des matières": ".md-sidebar--secondary .md-nav__link[href]",
    "onglet": ".md-tabs__link",
}


@pytest.mark.parametrize("palette", list(PALETTES))
def test_hovered_and_focused_links_and_buttons_keep_their_contrast(browser, hosted: str, palette: str) -> None:
    checked, failures = set(), []
    for address in ("index.html", "catalogue/index.html", "accessibilite.html"):
        context, page = open_page(browser, hosted, address, palette)
        try:
            page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
            for what, selector in STATEFUL.items():
                element = page.locator(selector).locator("visible=true").first
                if not element.count():
                    continue
                element.evaluate("e => e.setAttribute('data-kit-etat', '')")
                for state in ("survol", "focus"):
                    element.hover() if state == "survol" else element.focus()
                    result = _axe().run(page, context="[data-kit-etat]", options={"runOnly": ["color-contrast"], "resultTypes": ["violations"]})
                    checked.add(what)
                    for violation in result.response["violations"]:
                        failures.append(f"{address}, {what}, {state} :\n{describe([violation])}")
                    page.mouse.move(0, 899)
                    page.evaluate("() => document.activeElement && document.activeElement.blur()")
                element.evaluate("e => e.removeAttribute('data-kit-etat')")
        finally:
            context.close()
    assert checked == set(STATEFUL), f"éléments introuvables : {set(STATEFUL) - checked}"
    assert not failures, f"thème {palette} :\n" + "\n".join(failures)


def _tab_through(page, limit: int = 400, until: Callable[[dict], bool] = lambda focus: False) -> tuple[int, list[str]]:
    """Press Tab until the focus comes back to the page (or ``until``); say where focus is invisible."""
    stops, problems = 0, []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        if focus is None or until(focus):
            break
        stops += 1
        if not (focus["outline"] or focus["shadow"]):
            problems.append(f"{focus['what']} « {focus['text']} » : ni contour ni ombre au focus")
        if not focus["visible"]:
            problems.append(f"{focus['what']} « {focus['text']} » : reçoit le focus sans être visible")
    return stops, problems


def test_small_screen_navigation_drawer_works_from_the_keyboard(browser, hosted: str) -> None:
    """On a phone-sized screen the navigation is in a drawer that Material opens with a <label>."""
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    try:
        page.goto(hosted + "index.html")
        page.wait_for_load_state("networkidle")
        page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
        # drawer closed: its links are out of the tab order, every stop shows its focus
        stops, problems = _tab_through(page)
        assert stops > 10 and not problems, "petit écran, menu fermé :\n" + "\n".join(problems)
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")
        button = page.evaluate("() => [document.activeElement.tagName, document.activeElement.getAttribute('aria-label'), document.activeElement.getAttribute('aria-expanded')]")
        assert button == ["BUTTON", "Menu de navigation", "false"], f"le deuxième arrêt n'est pas le bouton du menu : {button}"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.getElementById('__drawer').checked"), "Entrée n'ouvre pas le menu"
        assert page.evaluate("() => !!document.activeElement.closest('.md-sidebar--primary')"), "le focus n'est pas dans le menu ouvert"
        stops, problems = _tab_through(page, until=lambda focus: not focus["inDrawer"])
        assert stops >= 5 and not problems, "petit écran, menu ouvert :\n" + "\n".join(problems)
        # with axe's best practices too, as Lighthouse runs them on a phone-sized screen
        violations = axe_violations(page, AXE_TAGS + ["best-practice"])
        assert not violations, f"petit écran, menu ouvert : {len(violations)} règle(s) enfreinte(s)\n{describe(violations)}"
        page.keyboard.press("Escape")
        assert not page.evaluate("() => document.getElementById('__drawer').checked"), "Échap ne ferme pas le menu"
        assert page.evaluate("() => document.activeElement.getAttribute('aria-expanded')") == "false"
        assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Menu de navigation"
    finally:
        context.close()


# --- what axe does not check ----------------------------------------------------------

HEADINGS = """() => Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
  .filter(h => h.getClientRects().length > 0)
  .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)])"""


@pytest.mark.parametrize("kind", [k for k in PAGE_TYPES if k != "résultats de recherche"])
def test_language_headings_and_link_names(browser, hosted: str, real_site: Path, kind: str) -> None:
    address, action = page_types(real_site)[kind]
    context, page = open_page(browser, hosted, address, "clair")
    try:
        if action:
            action(page)
        assert page.evaluate("() => document.documentElement.lang") == "fr"
        headings = page.evaluate(HEADINGS)
        assert [level for level, _ in headings].count(1) == 1, f"{kind} : il faut un seul titre de niveau 1 : {headings}"
        assert headings[0][0] == 1, f"{kind} : le premier titre n'est pas de niveau 1 : {headings}"
        for (before, _), (level, text) in zip(headings, headings[1:]):
            assert level <= before + 1, f"{kind} : saut de niveau de titre h{before} → h{level} (« {text} »)"
        names = page.evaluate("""() => Array.from(document.querySelectorAll("a[href]"))
            .filter(a => a.getClientRects().length > 0 || a.classList.contains("headerlink"))
            .map(a => [(a.getAttribute("aria-label") || a.textContent).trim(), a.getAttribute("class") || ""])""")
        meaningless = [name for name, _ in names if len(name) < 2 or name in {"¶", "ici", "cliquez ici", "lien"}]
        assert not meaningless, f"{kind} : liens sans intitulé explicite : {meaningless}"
        for name, classes in names:
            if "headerlink" in classes.split():
                assert re.fullmatch(r"Lien vers la section « .+ »", name), f"{kind} : lien de section mal nommé : {name!r}"
    finally:
        context.close()


def _html(site: Path, address: str) -> str:
    return (site / address).read_text(encoding="utf-8")


def test_every_page_states_its_accessibility_and_links_the_statement(real_site: Path) -> None:
    statement = _html(real_site, "accessibilite.html")
    state = yaml.safe_load((REPO / "content" / "accessibilite.md").read_text(encoding="utf-8").split("---")[1])["conformite"]
    assert state in ("non conforme", "partiellement conforme", "totalement conforme")
    assert f"<strong>{state}</strong>" in statement, "la déclaration ne dit pas l'état annoncé dans le pied de page"
    pages = sorted(real_site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if "<footer" not in text:
            continue  # not a page of the site (e.g. a file of the kit)
        match = re.search(r'<div class="kit-conformite">\s*<a href="([^"]+)">Accessibilité[ \u00a0]: ([^<]+)</a>', text)
        assert match, f"{page.relative_to(real_site)} : pas de mention « Accessibilité : … » liée à la déclaration"
        assert match.group(2).strip() == state
        assert match.group(1).endswith("accessibilite.html")
        if page.name != "404.html":
            target = (page.parent / match.group(1)).resolve()
            assert target == (real_site / "accessibilite.html").resolve(), f"{page} : lien {match.group(1)}"


def test_statement_follows_the_rgaa_model(real_site: Path) -> None:
    statement = _html(real_site, "accessibilite.html")
    for section in ("État de conformité", "Résultats des tests", "Contenus non accessibles",
                    "Établissement de cette déclaration d'accessibilité", "Retour d'information et contact", "Voies de recours"):
        assert f">{section}<" in statement, f"section « {section} » absente de la déclaration"
    assert f"Cette déclaration a été établie le {EDITION}" in statement, "la date de l'audit ne vient pas de l'édition"
    assert "<!-- kit:date-edition -->" not in statement
    assert "Défenseur des droits" in statement
    assert 'href="http://www.lerameau.fr/"' in statement
    assert "@" not in re.sub(r"<[^>]+>", "", statement.split('class="md-content__inner')[1].split("</article>")[0]), \
        "une adresse électronique est apparue dans la déclaration : seules celles des sources peuvent y figurer"


# --- 404 -------------------------------------------------------------------------------

def test_404_is_french_and_works_at_any_depth(browser, hosted: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        response = page.goto(hosted + "un/deux/trois/introuvable.html")
        page.wait_for_load_state("networkidle")
        assert response.status == 404
        assert page.title().startswith("Page introuvable")
        assert page.locator("article h1").inner_text() == "Page introuvable"
        assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position") == "sticky", \
            "la feuille de style de Material n'est pas chargée sur la page 404"
        home = page.get_by_role("link", name="Retourner à l'accueil du kit")
        assert home.evaluate("a => a.href") == hosted + "index.html"
        home.click()
        page.wait_for_load_state()
        assert page.url == hosted + "index.html"
    finally:
        context.close()


def test_404_opened_from_disk(browser, real_site: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto((real_site / "404.html").as_uri())
        page.wait_for_load_state("load")
        assert page.locator("article h1").inner_text() == "Page introuvable"
        assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position") == "sticky", \
            "depuis le disque, la page 404 s'affiche sans sa feuille de style"
        home = page.get_by_role("link", name="Retourner à l'accueil du kit").evaluate("a => a.href")
        assert home == (real_site / "index.html").as_uri()
    finally:
        context.close()
