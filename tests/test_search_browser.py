"""The site's search in headless Chromium: golden queries over HTTP and from file:// with
no network, the same pipeline and results as Python, lazy loading, keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from builder.config import Project
from builder.loader import load_kit
from builder.search import french
from builder.search.engine import SearchIndex
from builder.search.index import page_entries, vocabulary

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
GOLDEN = yaml.safe_load((Path(__file__).parent / "search_golden.yml").read_text(encoding="utf-8"))
# Files the search loads on demand: none of them may come with a page.
LAZY_FILES = ("search/index.js", "assets/vendor/lunr/", "assets/vendor/snowball/", "assets/search/")
PAGE_BUDGET = 350_000  # bytes of a page's first load, whatever the catalogue's size


class Guard:
    """Every request outside what is allowed is aborted and recorded."""

    def __init__(self, context, allowed):
        self.allowed = allowed
        self.outside: list[str] = []
        context.on("request", lambda request: None if allowed(request.url) else self.outside.append(request.url))
        context.route("**/*", lambda route: route.continue_() if allowed(route.request.url) else route.abort())


class SearchPage:
    """A page of the site with its search box opened and ready."""

    def __init__(self, page, root: str):
        self.page = page
        self.root = root

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.keyboard.press("/")
        self.page.wait_for_function("() => window.kitSearch && document.querySelector('.md-search-result__meta')"
                                    ".textContent.includes('Taper pour démarrer')")

    def results(self, query: str) -> list[str]:
        """The result URLs (relative to the site's root) once the page answered ``query``."""
        box = self.page.locator("input.md-search__input")
        box.fill("")
        box.fill(query)
        self.page.wait_for_function(
            "q => document.querySelector('.md-search-result').getAttribute('data-kit-query') === q", arg=query)
        hrefs = self.page.eval_on_selector_all(".md-search-result__link", "links => links.map(a => a.href)")
        assert all(h.startswith(self.root) for h in hrefs)
        return [h[len(self.root):] for h in hrefs]


@pytest.fixture(scope="module", params=["http", "file"])
def search_page(request, browser, real_site: Path, real_url: str) -> Iterator[tuple[SearchPage, Guard]]:
    if request.param == "http":
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        guard = Guard(context, lambda url: url.startswith(real_url))
        root = real_url
    else:
        # From disk with no network: anything but file:// is aborted, and recorded.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        guard = Guard(context, lambda url: url.startswith("file://"))
        root = real_site.as_uri() + "/"
    search = SearchPage(context.new_page(), root)
    search.open(root + "fiches/silvergeek.html")
    yield search, guard
    context.close()


@pytest.mark.parametrize("golden", GOLDEN, ids=[q["requete"] for q in GOLDEN])
def test_golden_query_in_the_browser(golden: dict, search_page: tuple[SearchPage, Guard]) -> None:
    search, _ = search_page
    top = search.results(golden["requete"])[:3]
    assert golden["attendu"] in top, f"{golden['requete']!r} ({golden['pourquoi']}) → {top}"


def test_no_request_left_the_site(search_page: tuple[SearchPage, Guard]) -> None:
    search, guard = search_page
    assert search.page.evaluate("typeof kitSearch.search") == "function"  # the search did load
    assert guard.outside == [], "requêtes hors du site tentées"


def test_the_guard_would_see_a_request_outside(search_page: tuple[SearchPage, Guard]) -> None:
    search, guard = search_page
    with search.page.expect_request("https://example.org/sonde.png"):
        search.page.evaluate("() => { const i = new Image(); i.src = 'https://example.org/sonde.png'; }")
    assert guard.outside == ["https://example.org/sonde.png"]
    guard.outside.clear()


# --- the browser and Python agree, word for word ---


@pytest.fixture(scope="module")
def pipeline_page(browser, real_site: Path) -> Iterator[SearchPage]:
    context = browser.new_context(offline=True)
    search = SearchPage(context.new_page(), real_site.as_uri() + "/")
    search.open(real_site.as_uri() + "/index.html")
    yield search
    context.close()


@pytest.fixture(scope="module")
def real_entries(real_site: Path):
    config, kit = load_kit(Project(REPO))
    return page_entries(real_site, config, kit)


def test_the_browser_stems_the_whole_vocabulary_as_python(pipeline_page: SearchPage, real_entries) -> None:
    words = vocabulary(real_entries)
    assert len(words) > 1000
    browser_stems = pipeline_page.page.evaluate("words => words.map(w => SnowballFrench.stem(w))", words)
    python_stems = [french.stem(w) for w in words]
    differences = [(w, p, b) for w, p, b in zip(words, python_stems, browser_stems) if p != b]
    assert differences == []
    # Accented words too, as Snowball would get them without folding.
    accented = ["âgées", "écosystèmes", "française", "réalisées", "maïs", "noël", "œuvrèrent", "qu'il"]
    assert pipeline_page.page.evaluate("ws => ws.map(w => SnowballFrench.stem(w))", accented) == \
        [french._stemmer.stemWord(w) for w in accented]


def test_the_browser_splits_every_page_as_python(pipeline_page: SearchPage, real_entries) -> None:
    texts = [t for e in real_entries for t in (e.title, e.text, " ; ".join(e.fields))]
    texts += ["L’Île-de-France d'aujourd'hui", "co‑construction (trait d'union insécable)", "ﬁnancement Œuvre ÆSOP",
              "qu'elles jusqu'au lorsqu'on", "Solid'Rnet, SPN, Uriopss…", "2015-2016 : 1 200 000 €"]
    browser_terms = pipeline_page.page.evaluate("ts => ts.map(t => kitSearch.pipeline.terms(t))", texts)
    assert browser_terms == [french.terms(t) for t in texts]


def test_the_browser_finds_what_kit_search_finds(pipeline_page: SearchPage, real_site: Path) -> None:
    index = SearchIndex.from_site(real_site)
    queries = [q["requete"] for q in GOLDEN] + [q["requete"] + " " for q in GOLDEN] + ["parten", "zzyzx", "les"]
    for query in queries:
        clauses = pipeline_page.page.evaluate("q => kitSearch.pipeline.queryClauses(q)", query)
        assert clauses == [vars(c) for c in french.query_clauses(query)], query
        in_browser = pipeline_page.page.evaluate("q => kitSearch.search(q).map(r => [r.url, r.score])", query)
        in_python = [(r.url, r.score) for r in index.search(query)]
        assert [u for u, _ in in_browser] == [u for u, _ in in_python], query
        assert all(abs(b - p) < 1e-9 for (_, b), (_, p) in zip(in_browser, in_python)), query


# --- the page does not pay for the search until the reader uses it ---


def test_pages_load_no_search_file_until_the_box_is_used(browser, real_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    loaded: dict[str, int] = {}

    def count(response) -> None:
        # Redirects (SimpleHTTPRequestHandler adds a slash to folders) have no body.
        loaded[response.url] = 0 if 300 <= response.status < 400 else len(response.body())

    page.on("response", count)
    for path in ("index.html", "fiches/silvergeek.html", "catalogue/index.html"):
        loaded.clear()
        page.goto(real_url + path, wait_until="networkidle")
        assert not [u for u in loaded if any(f in u for f in LAZY_FILES)], path
        assert sum(loaded.values()) < PAGE_BUDGET, (path, sum(loaded.values()))
    with page.expect_response(lambda response: response.url.endswith("search/index.js")):  # loaded last
        page.locator("input.md-search__input").focus()
    page.wait_for_function("() => window.kitSearch && document.querySelector('.md-search-result__meta')"
                           ".textContent.includes('Taper')")
    assert [f for f in LAZY_FILES if any(f in u for u in loaded)] == list(LAZY_FILES)
    context.close()


# --- Material's keyboard behaviour ---


def test_keyboard_opens_moves_through_results_and_closes(page, real_url: str) -> None:
    page.goto(real_url + "le-kit/genese.html")
    focused_box = "() => document.activeElement === document.querySelector('input.md-search__input')"
    is_open = "() => document.getElementById('__search').checked"
    for key in ("s", "f", "/"):
        page.keyboard.press(key)
        assert page.evaluate(focused_box) and page.evaluate(is_open), key
        assert page.locator("input.md-search__input").input_value() == ""  # the key opened, it did not type
        page.keyboard.press("Escape")
        assert not page.evaluate(focused_box) and not page.evaluate(is_open), key
    page.keyboard.press("/")
    page.keyboard.type("alsace active")
    page.wait_for_function("() => document.querySelector('.md-search-result').getAttribute('data-kit-query') === 'alsace active'")
    links = page.eval_on_selector_all(".md-search-result__link", "links => links.map(a => a.href)")
    assert len(links) >= 2
    assert page.locator(".md-search-result__item mark").count() > 0  # the words are marked
    active_href = "() => document.activeElement.href || null"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(active_href) == links[0]
    page.keyboard.press("ArrowDown")
    assert page.evaluate(active_href) == links[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused_box)
    page.keyboard.press("Enter")  # from the box: the first result
    page.wait_for_url(links[0])
    assert page.locator("article h1").first.inner_text().startswith("Retour d'expérience")


def test_results_say_what_each_page_is_and_its_reading_paths(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    page.locator("input.md-search__input").fill("Référentiel sur la co-construction en territoire ")
    page.wait_for_selector(".md-search-result__item")
    first = page.locator(".md-search-result__item").first
    assert first.locator("h1").inner_text() == "Référentiel sur la co-construction en territoire"
    assert first.locator(".kit-search-result__kind").inner_text() == \
        "Cadre de référence · Parcours : Comprendre, Animer, Accompagner"
    assert page.locator(".md-search-result__meta").inner_text().endswith("documents trouvés")


def test_long_result_lists_are_drawn_as_the_reader_goes(page, real_url: str, real_site: Path) -> None:
    expected = len(SearchIndex.from_site(real_site).search("partenariat "))
    assert expected > 40
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("partenariat ")
    page.wait_for_function("() => document.querySelector('.md-search-result').getAttribute('data-kit-query') === 'partenariat '")
    items = page.locator(".md-search-result__item")
    assert items.count() == 20
    assert page.locator(".md-search-result__meta").inner_text() == f"{expected} documents trouvés"
    page.eval_on_selector(".md-search__scrollwrap", "e => { e.scrollTop = e.scrollHeight; }")
    page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length === 40")
    for _ in range(41):  # to the 40th result, then one more: the next ones are drawn
        page.keyboard.press("ArrowDown")
    assert items.count() == min(expected, 60)
    assert page.evaluate("() => document.activeElement.href") == items.nth(40).locator("a").evaluate("a => a.href")
