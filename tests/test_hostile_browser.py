"""A case sheet written to harm readers runs nothing in a real browser.

Two sheets are built into the fixture kit and opened in headless Chromium:
- « piege » passes ``kit check``: hostile text that the check lets through (plain-text
  fields full of Markdown tricks, Markdown that is odd but not dangerous);
- « contournement » skips the check (its model is built without validation and handed to
  the renderer), with every payload the check refuses: what is left is the sanitiser's
  and the templates' work alone.
Every payload calls alert(), sets window.kitPwned or loads an outside address: the test
listens for dialogs and requests, and stirs every element of the page (mouse, focus,
click, toggle) and the search box.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from builder import build as build_module
from builder.config import Project
from builder.validate import load_kit
from builder.models import Case, CaseSheet
from conftest import EPOCH, serve_directory
from test_untrusted_content import HOSTILE_MARKDOWN, HOSTILE_PLAIN, write_hostile_plain_sheet

pytestmark = pytest.mark.browser

TOKEN = "zorglub"  # a word to find the sheets with the site's search

# Markdown that kit check accepts although it looks like an attack.
ACCEPTED_ODDITIES = "\n\n".join([
    f"{TOKEN} : des mots qui ressemblent à une attaque.",
    "Du code : `<script>alert('code')</script>` et `<img src=x onerror=alert(1)>`.",
    "    <iframe src=https://exfiltration.exemple/></iframe>",
    "Une adresse écrite sans lien : javascript:alert('texte').",
])

# Every payload kit check refuses, made to be seen if it ever ran.
BYPASS_MARKDOWN = "\n\n".join([
    f"{TOKEN} contournement.",
    "Une balise coupée <scr\nipt>alert('coupée')</script> (refusée par kit check : du HTML écrit à la main).",
    "Un lien relatif au protocole (refusé par kit check depuis l'issue 18) : [ailleurs](//exfiltration.exemple/x).",
    *HOSTILE_MARKDOWN.values(),
    '<img src="https://exfiltration.exemple/pixel.gif" onerror="window.kitPwned=1">',
    '<a href="https://exemple.fr" onmouseover="window.kitPwned=2" onfocus="window.kitPwned=3">survol</a>',
    '<div onclick="window.kitPwned=4">clic</div>',
    "<video src=x onerror=alert('video')></video><audio src=x onerror=alert('audio')></audio>",
    "<style>@import url(https://exfiltration.exemple/x.css);</style>",
    '<link rel="prefetch" href="https://exfiltration.exemple/prefetch">',
    "<noscript><p title=\"</noscript><img src=x onerror=alert('mxss')>\"></noscript>",
    '<svg><animate onbegin="alert(\'svg\')" attributeName="x" dur="1s"/></svg>',
])


def build_bypassing_the_check(project: Project, site_dir: Path, change) -> Path:
    """Build ``project`` (SOURCE_DATE_EPOCH fixed) after ``change(project, kit)`` has put into the
    loaded kit what ``kit check`` refuses: the templates must make it inert all the same."""
    original = build_module.load_kit

    def load_with_bypass(project: Project, *args):  # the edition date, since the build context
        config, kit = original(project, *args)
        change(project, kit)
        return config, kit

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    build_module.load_kit = load_with_bypass
    try:
        return build_module.build(project, site_dir, with_archive=False).site_dir
    finally:
        build_module.load_kit = original
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous



@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from conftest import FIXTURES, copy_project

    root = tmp_path_factory.mktemp("hostile")
    project = copy_project(FIXTURES / "mini", root / "projet")
    sheet = write_hostile_plain_sheet(project)
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("genese: Une étude.", "genese: |-\n  " + ACCEPTED_ODDITIES.replace("\n", "\n  ")),
                     encoding="utf-8")
    config, kit = load_kit(project)  # « piege » passes the check: that is the point
    piege = next(c for c in kit.cases if c.slug == "piege")
    assert TOKEN in piege.sheet.genese

    bypass = CaseSheet.model_construct(
        titre=f"{TOKEN} </title><script>alert('titre')</script>",
        territoire="<img src=x onerror=alert('territoire')>",
        region=None,
        statut='"><script>alert("statut")</script>',
        objet=BYPASS_MARKDOWN,
        formes=["dialogue-territorial"],
        demarche=None,
        themes=["<svg onload=alert('theme')>"],
        genese=BYPASS_MARKDOWN,
        objectif=BYPASS_MARKDOWN,
        activites=BYPASS_MARKDOWN,
        resultats=BYPASS_MARKDOWN,
        prochaines_etapes=BYPASS_MARKDOWN,
        site_web="javascript:alert('site')",
        documents=["etude"],
        sources=["<iframe src=https://exfiltration.exemple/></iframe>"],
        date_ajout=None,
    )
    def add_bypass(project: Project, kit) -> None:
        kit.cases.append(Case("contournement", bypass, project.kit_dir / "cas" / "contournement.yml"))

    site = build_bypassing_the_check(project, root / "site", add_bypass)
    assert (site / "fiches" / "contournement.html").is_file() and (site / "fiches" / "piege.html").is_file()
    url, server = serve_directory(site)
    yield url
    server.shutdown()


class Watch:
    """Dialogs opened and requests that leave the site (aborted), for one browser context."""

    def __init__(self, context, base: str):
        self.dialogs: list[str] = []
        self.outside: list[str] = []

        def route(route) -> None:
            if route.request.url.startswith(base):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        context.on("page", lambda page: page.on("dialog", self._dialog))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


STIR = """() => {
  const events = ["mouseover", "mouseenter", "mousemove", "mousedown", "mouseup", "focus", "focusin", "toggle",
                  "animationstart", "transitionend", "load", "error"];
  for (const element of document.querySelectorAll("article *")) {
    for (const type of events) element.dispatchEvent(new Event(type, {bubbles: true}));
    if (!element.closest("a")) element.dispatchEvent(new MouseEvent("click", {bubbles: true}));
    if (element.tagName === "DETAILS") element.open = true;
  }
  return document.querySelectorAll("article *").length;
}"""


@pytest.fixture
def watched(browser, hostile_site: str) -> Iterator[tuple[object, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch(context, hostile_site)
    page = context.new_page()
    yield page, watch
    context.close()


# The page's script elements, without the search's own files, which search-loader.js adds when
# the search box gets the focus (on a loaded machine that may happen on one page of the two).
PAGE_SCRIPTS = ("() => [...document.scripts].filter(s => !/assets\\/(vendor\\/(lunr|snowball)|search)\\/|\\/search\\//"
                ".test(s.src)).length")


@pytest.mark.parametrize("slug", ["piege", "contournement"])
def test_a_hostile_sheet_runs_nothing(watched, hostile_site: str, slug: str) -> None:
    page, watch = watched
    page.goto(f"{hostile_site}fiches/{slug}.html", wait_until="networkidle")
    scripts = page.evaluate(PAGE_SCRIPTS)
    assert page.evaluate(STIR) > 20
    for link in page.locator("article a").all():
        link.hover()
        link.focus()
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(300)
    assert watch.dialogs == []
    assert watch.outside == []
    assert page.evaluate("() => window.kitPwned") is None
    assert page.evaluate("() => document.querySelectorAll('article iframe, article object, article embed, article img, "
                         "article svg, article video, article audio, article form, article style, article link, "
                         "article script, article [style], article [onclick], article [onerror], article [onmouseover]')"
                         ".length") == 0
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:", "vbscript:"))]
    # no script element beyond the theme's own (same count as an ordinary sheet)
    page.goto(f"{hostile_site}fiches/charenton.html", wait_until="networkidle")
    assert page.evaluate(PAGE_SCRIPTS) == scripts
    assert watch.dialogs == [] and watch.outside == []


def test_what_is_shown_is_the_text_typed(watched, hostile_site: str) -> None:
    page, watch = watched
    page.goto(f"{hostile_site}fiches/contournement.html")
    assert page.title().startswith(f"{TOKEN} </title><script>alert('titre')</script>")
    assert page.locator("article h1").inner_text().startswith(f"{TOKEN} </title><script>alert('titre')</script>")
    assert "<img src=x onerror=alert('territoire')>" in page.locator("article").inner_text()
    page.goto(f"{hostile_site}fiches/piege.html")
    assert HOSTILE_PLAIN["territoire"] in page.locator("article").inner_text()
    assert watch.dialogs == []


def test_searching_the_hostile_sheets_runs_nothing(watched, hostile_site: str) -> None:
    page, watch = watched
    page.goto(f"{hostile_site}index.html")
    page.keyboard.press("/")
    page.wait_for_function("() => window.kitSearch && document.querySelector('.md-search-result__meta')")
    page.locator("input.md-search__input").fill(TOKEN)
    page.wait_for_function(f"() => document.querySelector('.md-search-result').getAttribute('data-kit-query') === '{TOKEN}'")
    links = page.eval_on_selector_all(".md-search-result__link", "links => links.map(a => a.href)")
    assert {f"{hostile_site}fiches/piege.html", f"{hostile_site}fiches/contournement.html"} <= {l.split("#")[0] for l in links}
    page.evaluate(STIR.replace("article *", ".md-search-result *"))
    page.wait_for_timeout(300)
    assert watch.dialogs == [] and watch.outside == []
    assert page.evaluate("() => window.kitPwned") is None


def test_the_watch_would_see_a_script(watched, hostile_site: str) -> None:
    # The listeners work: a page that does run a payload is caught.
    page, watch = watched
    page.goto(f"{hostile_site}fiches/piege.html")
    page.evaluate("() => { setTimeout(() => alert('vu'), 0); }")
    for _ in range(50):  # polled: a loaded machine may take a while to show the dialog
        if watch.dialogs:
            break
        page.wait_for_timeout(100)
    assert watch.dialogs == ["vu"]
    # A fetch to another site no longer leaves the page at all: the Content-Security-Policy
    # (builder/csp.py) refuses it first. A navigation, which the policy does not govern, is seen.
    refused = page.evaluate("() => fetch('https://exfiltration.exemple/').then(() => false, () => true)")
    assert refused and watch.outside == []
    page.evaluate("() => { location.href = 'https://exfiltration.exemple/'; }")
    for _ in range(50):
        if watch.outside:
            break
        page.wait_for_timeout(100)
    assert watch.outside == ["https://exfiltration.exemple/"]


# --- every Markdown field of every template ------------------------------------------------------


@pytest.fixture(scope="module")
def everywhere_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mini kit with hostile text in every field that kit check accepts
    (test_untrusted_content.write_hostile_everywhere), plus, skipping the check, every payload
    it refuses in the Markdown of a document (summary and « Remarque »), a path's introduction
    and a glossary definition, and acronyms that collide with HTML's entities."""
    from builder.models import Abbreviation, Glossary
    from conftest import FIXTURES, copy_project
    from test_untrusted_content import assert_site_inert, write_hostile_everywhere

    root = tmp_path_factory.mktemp("partout")
    project = copy_project(FIXTURES / "mini", root / "projet")
    write_hostile_everywhere(project)
    def add_bypass(project: Project, kit) -> None:
        kit.documents[1] = kit.documents[1].model_copy(update={"resume": BYPASS_MARKDOWN, "remarque": BYPASS_MARKDOWN})
        kit.reading_paths[1] = kit.reading_paths[1].model_copy(update={"introduction": BYPASS_MARKDOWN})
        terms = [kit.glossary.termes[0].model_copy(update={"definition": BYPASS_MARKDOWN}), *kit.glossary.termes[1:]]
        abbreviations = [*kit.glossary.abreviations,
                         Abbreviation.model_construct(sigle="lt", developpement="\" onmouseover=\"alert('lt')"),
                         Abbreviation.model_construct(sigle="amp", developpement="<img src=x onerror=alert('amp')>")]
        kit.glossary = Glossary.model_construct(termes=terms, abreviations=abbreviations)

    site = build_bypassing_the_check(project, root / "site", add_bypass)
    assert_site_inert(site)  # in the files first
    assert TOKEN in (site / "documents" / "film.html").read_text(encoding="utf-8")  # the bypass reached the page
    url, server = serve_directory(site)
    yield url
    server.shutdown()


@pytest.mark.parametrize("relative", [
    "documents/referentiel.html", "documents/film.html", "parcours/comprendre.html", "parcours/animer.html",
    "fiches/partout.html", "le-kit/glossaire.html", "catalogue/index.html", "fiches/index.html", "index.html",
    "le-kit/co-construction.html",
])
def test_hostile_text_in_every_field_runs_nothing_in_chromium(browser, everywhere_site: str, relative: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch(context, everywhere_site)
    console: list[str] = []
    context.add_init_script("""window.kitViolations = [];
        document.addEventListener("securitypolicyviolation", e => window.kitViolations.push(e.violatedDirective));""")
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(f"{everywhere_site}{relative}", wait_until="networkidle")
        assert page.evaluate(STIR) > 5
        for link in page.locator("article a, article abbr").all()[:60]:
            if link.is_visible():
                link.hover()
        for link in page.locator("article a").all()[:60]:
            link.focus()
        page.mouse.wheel(0, 5000)
        page.wait_for_timeout(300)
        assert watch.dialogs == [] and watch.outside == []
        assert page.evaluate("() => window.kitPwned") is None
        # nothing was even tried: no script, handler or address reached the page for the policy to stop
        assert page.evaluate("() => window.kitViolations") == []
        assert not [m for m in console if "Content Security Policy" in m]
        assert page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])
            .filter(a => a.name.startsWith('on') || a.name === 'autofocus'
                         || /^\\s*(javascript|data|vbscript):/i.test(a.value)).map(a => a.name)""") == []
        # (the list pages' own filter form, its data and its script are the team's)
        assert page.evaluate("() => document.querySelectorAll('article script:not([type=\"application/json\"])"
                             ":not([src$=\"assets/pages/filtres.js\"]), article iframe, article object, article embed, "
                             "article img, article form:not(.kit-filtres), article style, article link').length") == 0
        if relative == "documents/referentiel.html":  # acronyms colliding with entities left the text whole
            from test_untrusted_content import HOSTILE_LINE

            text = page.locator("article").inner_text()
            assert "<script>window.kitPwned=1</script>" in text and HOSTILE_LINE in text
            assert "&<abbr" not in page.locator("article").inner_html()
    finally:
        context.close()
