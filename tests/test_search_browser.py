"""The site's search in headless Chromium: golden queries over HTTP and from file:// with
no network, the same pipeline and results as Python, lazy loading, keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError

from builder.config import Project
from builder.validate import load_kit
from builder.search import french
from builder.search.engine import SearchIndex
from builder.search.index import page_entries, vocabulary

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
GOLDEN = yaml.safe_load((Path(__file__).parent / "search_golden.yml").read_text(encoding="utf-8"))
# Files the search loads on demand: none of them may come with a page.
LAZY_FILES = ("search/index.js", "assets/vendor/lunr/", "assets/vendor/snowball/", "assets/search/", "search/pages/",
              "search/terms/", "search/positions/")
# Bytes of a page's first load (uncompressed), whatever the catalogue's size: Material's bundle and
# CSS, ours (issue 16 added the keyboard, bearings and home files), and the page itself.
PAGE_BUDGET = 375_000


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
        hrefs = self.page.eval_on_selector_all(".kit-search-result__main", "links => links.map(a => a.href)")
        assert all(h.startswith(self.root) for h in hrefs)
        return [h[len(self.root):] for h in hrefs]

    def marked(self, url: str) -> list[str]:
        """The words marked in the passages shown for the result at ``url``."""
        return self.page.evaluate(
            """href => [...document.querySelectorAll('.md-search-result__item')]
                 .filter(item => item.querySelector('a').href === href)
                 .flatMap(item => [...item.querySelectorAll('.kit-search-result__passage mark')])
                 .map(mark => mark.textContent)""", self.root + url)


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
    if "extrait" in golden:  # the word is visible, marked, in the passage shown for that page
        assert golden["extrait"] in search.marked(golden["attendu"])


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
    assert pipeline_page.page.evaluate("ts => ts.map(t => kitSearch.pipeline.terms(t))", texts) == \
        [french.terms(t) for t in texts]


# Issue 13: one normalisation both sides (NFKC, invisible characters, ligatures,
# apostrophes, dashes, quotes), from the rules written into the index at build time.
ODD_TEXTS = [
    "inter\u00adcommunalité", "cyber\u200bsécurité", "co\u200dconstruction\u2060s", "\ufeffpartenariat",
    "ﬁnancement ﬂux ﬀ", "Œuvre cæcum Straße", "l\u2019innovation l\u02bcétude d\u2018accord qu\u2032il",
    "co\u2010construction co\u2011construction 2015\u20132016 A\u2014B \u2212mot",
    "« guillemets » “anglais” „bas‟", "ＡＢＣ full\u00a0width\u202fspaces", "x\u0301 e\u0301",
]


def test_the_browser_normalises_odd_characters_as_python(pipeline_page: SearchPage) -> None:
    page = pipeline_page.page
    assert page.evaluate("ts => ts.map(t => kitSearch.pipeline.normalise(t))", ODD_TEXTS) == \
        [french.normalise(t) for t in ODD_TEXTS]
    assert page.evaluate("ts => ts.map(t => kitSearch.pipeline.fold(t))", ODD_TEXTS) == [french.fold(t) for t in ODD_TEXTS]
    assert page.evaluate("ts => ts.map(t => kitSearch.pipeline.terms(t))", ODD_TEXTS) == [french.terms(t) for t in ODD_TEXTS]
    # A pasted soft hyphen or zero-width space leaves the word whole.
    assert french.terms("inter\u00adcommunalité cyber\u200bsécurité") == french.terms("intercommunalité cybersécurité")


def test_the_browser_reads_its_rules_from_the_index_not_from_a_copy() -> None:
    script = (REPO / "theme" / "assets" / "search" / "search.js").read_text(encoding="utf-8")
    for rule in ("\\u00ad", "\\u200b", "\\u2019", "\\u2013", "\\u0153", "[a-z0-9]+(?:"):
        assert rule not in script, rule
    assert french.browser_rules()["characterMap"]  # they travel in search/index.js


# Issue 13: words typed in part, past their stem (« innovation » is indexed as « innov »), in a
# phrase being typed too, and the same words finished (with and without a space after them).
PARTLY_TYPED = ["innovat", "innovati", "innovatio", "associat", "collectivem", '"inn', '"innovat', '"innovation soc',
                '"innovation sociétal', "alsace innovat", "-alsace innovat", '"innovation de', "innovation de",
                "co-construct", "co-constructi", '"territoires ru', "territoires ru", "public", "réflexion", "collective",
                "associati alsace", "alsace associati", '"engagement associat', "personn", "charenten"]


WHOLE_WORDS = ["partenariat", "innovation", "considérés", "région", "Alsace", "silvergeek", "partenariats alsace"]
# Words whose every prefix of 3 letters or more must find their pages (test_search_cli.py too).
PREFIXED_WORDS = ["innovation", "association", "sociétale", "collectivement", "expérimentation", "accompagnement"]


def test_the_browser_parses_queries_as_python(pipeline_page: SearchPage) -> None:
    queries = ['"innovation sociétale" alsace', "« co-construction » -alsace", 'partenariats -"co-construction" x',
               "-les --", '"non fermé', "parte", "silvergek", "a -b c", 'mot"dans"mot'] + PARTLY_TYPED
    for query in queries:
        parsed = pipeline_page.page.evaluate("q => kitSearch.pipeline.plan(q)", query)
        expected = french.plan(query)
        assert parsed["parts"] == [vars(p) for p in expected.parts], query
        assert [(w["part"], w["clauses"], w["typed"], w["reach"], w["stem"]) for w in parsed["words"]] == \
            [(w.part, [vars(c) for c in w.clauses], w.typed, w.reach, w.stem) for w in expected.words], query
        assert parsed["phrases"] == [list(p) for p in expected.phrases], query
        assert parsed["excludedPhrases"] == [list(p) for p in expected.excluded_phrases], query
        assert parsed["openPhrase"] == expected.open_phrase, query



def test_the_browser_finds_the_shorter_stems_of_a_word_typed_as_python(pipeline_page: SearchPage, real_entries) -> None:
    """The endings the stemmer removes, rebuilt in the browser from the lists in search/index.js."""
    typed = [w[:n] for w in vocabulary(real_entries)[::7] for n in range(3, len(w) + 1)] + ["personn", "associat", "innovat"]
    assert pipeline_page.page.evaluate("ts => ts.map(t => kitSearch.pipeline.shorterStems(t))", typed) == \
        [french.shorter_stems(t) for t in typed]
    assert french.shorter_stems("associat") == ["associ"] and french.shorter_stems("personn") == ["person"]


def test_the_browser_measures_edits_and_finds_typos_as_python(pipeline_page: SearchPage, real_site: Path) -> None:
    pairs = [("partenairats", "partenariats"), ("alsase", "alsace"), ("silvergek", "silvergeek"), ("abc", "cba"),
             ("experimantation", "experimentation"), ("", "abc"), ("fragilte", "fragilites")]
    for a, b in pairs:
        for limit in (1, 2, 99):
            assert pipeline_page.page.evaluate("([a, b, l]) => kitSearch.pipeline.editDistance(a, b, l)", [a, b, limit]) \
                == french.edit_distance(a, b, limit), (a, b, limit)
    index = SearchIndex.from_site(real_site)
    for typed in ("silvergek", "charenten", "alsase", "fragilte", "partenairats", "coordinaktions"):
        assert pipeline_page.page.evaluate("t => kitSearch.pipeline.candidates(t)", typed) == \
            [list(c) for c in index.candidates(typed)], typed


def test_the_browser_finds_what_kit_search_finds(pipeline_page: SearchPage, real_site: Path) -> None:
    index = SearchIndex.from_site(real_site)
    queries = [q["requete"] for q in GOLDEN] + [q["requete"] + " " for q in GOLDEN] + ["parten", "zzyzx", "les", "-alsace"] \
        + ["cha", "char", "als", "terr", "entre", "coll", "parten -alsace"] \
        + PARTLY_TYPED + [w[:n] for w in ("innovation", "association", "sociétale") for n in range(3, len(w) + 1)] \
        + [q + " " for q in PARTLY_TYPED] + ["partena ", "partenarait ", "associat ", "innovat  "]
    # (prefixes of many terms: their order; words typed in part, past their stem, a space after them)
    for query in queries:
        clauses = pipeline_page.page.evaluate("q => kitSearch.pipeline.queryClauses(q)", query)
        assert clauses == [vars(c) for c in french.query_clauses(query)], query
        found = pipeline_page.page.evaluate(
            "q => kitSearch.search(q).then(f => ({results: f.results.map(r => [r.ref, r.score]), corrected: f.corrected,"
            " marks: {exact: f.marks.exact.slice().sort(), prefixes: f.marks.prefixes}}))", query)
        expected = index.search(query)
        assert [u for u, _ in found["results"]] == [r.ref for r in expected], query
        assert all(abs(b - p.score) < 1e-9 for (_, b), p in zip(found["results"], expected)), query
        assert found["corrected"] == expected.corrected, query
        if expected.marks:
            assert found["marks"] == {"exact": sorted(expected.marks.exact), "prefixes": expected.marks.prefixes}, query


def test_every_prefix_of_a_word_finds_its_pages_in_the_browser(pipeline_page: SearchPage, real_site: Path) -> None:
    """Issue 13: « innovation » is indexed as « innov »: « innovat » found nothing; « associat » only the
    pages of « associations-entreprises » (one term in one piece). The same cases as kit search's test."""
    index = SearchIndex.from_site(real_site)
    for word in PREFIXED_WORDS:
        whole = {r.ref for r in index.search(word + " ")}
        assert len(whole) >= 5, word
        for n in range(french.PREFIX_MIN, len(word) + 1):
            found = pipeline_page.page.evaluate("q => kitSearch.search(q).then(f => f.results.map(r => r.ref))", word[:n])
            assert whole <= set(found), word[:n]


def test_a_space_after_a_whole_word_does_not_reorder_its_results_in_the_browser(pipeline_page: SearchPage,
                                                                               real_site: Path) -> None:
    """The same cases as kit search's test (test_search_cli.py, WHOLE_WORDS)."""
    for query in WHOLE_WORDS:
        finished, typing = (pipeline_page.page.evaluate("q => kitSearch.search(q).then(f => f.results.map(r => r.ref))", q)
                            for q in (query + " ", query))
        assert finished and typing[:len(finished)] == finished, query
    # What the box shows: the same first result.
    search = SearchPage(pipeline_page.page, pipeline_page.root)
    assert search.results("partenariat")[0] == search.results("partenariat ")[0] == "le-kit/partenariats.html"


def test_the_browser_shows_the_passages_kit_search_prints(pipeline_page: SearchPage, real_site: Path) -> None:
    """Same passage (words, marks, ellipses) and same sub-results, for the first results of every query."""
    index = SearchIndex.from_site(real_site)
    compared = 0
    for query in [q["requete"] for q in GOLDEN]:
        expected = index.search(query)
        for result in expected[:3]:
            main, subs = index.passages(result.ref, expected.marks)
            shown = pipeline_page.page.evaluate(
                "([ref, q]) => kitSearch.search(q).then(f => kitSearch.passages(ref, f.marks))", [result.ref, query])
            assert shown["main"] == {"anchor": main.anchor, "heading": main.heading, "segments": main.segments}, query
            assert shown["subs"] == [{"anchor": s.anchor, "heading": s.heading, "segments": s.segments} for s in subs]
            compared += 1
    assert compared > 150


# --- the page does not pay for the search until the reader uses it ---


def test_pages_load_no_search_file_until_the_box_is_used(browser, real_url: str, real_site: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    loaded: dict[str, int] = {}

    def count(response) -> None:
        # Redirects (SimpleHTTPRequestHandler adds a slash to folders) have no body; the
        # search's scripts are removed from the page once run (their body then goes too).
        try:
            loaded[response.url] = 0 if 300 <= response.status < 400 else len(response.body())
        except PlaywrightError:
            loaded[response.url] = int(response.headers.get("content-length", 0))

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
    first_files = LAZY_FILES[:4]  # the scripts and search/index.js; shards, pages and positions come with queries
    assert [f for f in first_files if any(f in u for u in loaded)] == list(first_files)
    # A page's text comes with the results that show it; the words of the pages only for a typo.
    with page.expect_response(lambda response: "search/pages/" in response.url):
        page.locator("input.md-search__input").fill("partenariats alsace")
    page.wait_for_function("() => document.querySelector('.md-search-result').getAttribute('data-kit-query') === 'partenariats alsace'")
    page.wait_for_timeout(200)  # let the last responses reach the recorder (no timing is asserted)
    texts = [u for u in loaded if "search/pages/" in u]
    assert 1 <= len(texts) <= 20 and not any("vocabulary" in u for u in loaded)
    # Only the shards of the index that hold the query's terms.
    shards = [u for u in loaded if "search/terms/" in u]
    assert 1 <= len(shards) <= 2 < len(list((real_site / "search" / "terms").glob("*.js")))
    # The positions of the terms only for a phrase, and only those of its terms' shards.
    assert not any("search/positions/" in u for u in loaded)
    with page.expect_response(lambda response: "search/positions/" in response.url):
        page.locator("input.md-search__input").fill('"innovation sociétale"')
    page.wait_for_function("q => document.querySelector('.md-search-result').getAttribute('data-kit-query') === q",
                           arg='"innovation sociétale"')
    positions = [u for u in loaded if "search/positions/" in u]
    assert 1 <= len(positions) <= 2 < len(list((real_site / "search" / "positions").glob("*.js")))
    with page.expect_response(lambda response: response.url.endswith("search/vocabulary.js")):
        page.locator("input.md-search__input").fill("silvergek")
    context.close()


# --- the keyboard, the screen reader (issue 13) ---

WAIT_QUERY = "q => document.querySelector('.md-search-result').getAttribute('data-kit-query') === q"
FOCUSED_BOX = "() => document.activeElement === document.querySelector('input.md-search__input')"
IS_OPEN = "() => document.getElementById('__search').checked"


def test_keyboard_opens_moves_through_results_and_closes(page, real_url: str) -> None:
    page.goto(real_url + "le-kit/genese.html")
    for key in ("s", "f", "/"):
        page.keyboard.press(key)
        assert page.evaluate(FOCUSED_BOX) and page.evaluate(IS_OPEN), key
        assert page.locator("input.md-search__input").input_value() == ""  # the key opened, it did not type
        page.keyboard.press("Escape")
        # Closed, and the focus back in the box (not lost on the page's body).
        assert page.evaluate(FOCUSED_BOX) and not page.evaluate(IS_OPEN), key
        page.evaluate("() => document.activeElement.blur()")  # back to the page, for the next key
    page.keyboard.press("/")
    page.keyboard.type("alsace active")
    page.wait_for_function(WAIT_QUERY, arg="alsace active")
    links = page.eval_on_selector_all(".md-search-result__list a", "links => links.map(a => a.href)")
    assert len(links) >= 2
    assert page.locator(".md-search-result__item mark").count() > 0  # the words are marked
    active_href = "() => document.activeElement.href || null"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(active_href) == links[0]
    page.keyboard.press("ArrowDown")
    assert page.evaluate(active_href) == links[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate(FOCUSED_BOX)
    page.keyboard.press("Enter")  # from the box: the first result
    page.wait_for_url(links[0])
    assert page.locator("article h1").first.inner_text().startswith("Retour d'expérience")


def test_tab_reaches_the_results_and_escape_returns_to_the_box(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("silvergeek")
    page.wait_for_function(WAIT_QUERY, arg="silvergeek")
    first = page.eval_on_selector(".md-search-result__list a", "a => a.href")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.href") == first
    assert page.evaluate(IS_OPEN)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.md-search-result__list') !== null")
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED_BOX) and not page.evaluate(IS_OPEN)
    page.keyboard.type(" ")  # typing in the box opens it again
    page.wait_for_function(IS_OPEN)


def test_results_are_named_links_with_a_count_in_a_live_region(page, real_url: str, real_site: Path) -> None:
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("SilverGeek ")
    page.wait_for_function(WAIT_QUERY, arg="SilverGeek ")
    meta = page.locator(".md-search-result__meta")
    assert meta.get_attribute("role") == "status"  # announced as it changes
    count = len(SearchIndex.from_site(real_site).search("SilverGeek "))  # all found, not only those drawn
    assert count > 1 and meta.inner_text() == f"{count} résultats"
    assert page.locator(".kit-search-result__main").count() == min(count, 10)
    box = page.locator("input.md-search__input")
    help_text = page.locator("#" + box.get_attribute("aria-describedby")).inner_text()
    assert "Tab" in help_text and "Échap" in help_text and '"innovation sociétale"' in help_text and "-alsace" in help_text
    assert "« innovat » trouve « innovation »" in help_text  # a word typed in part (issue 13)
    # The names Chromium gives the links, as a screen reader gets them.
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    names = {n["name"]["value"] for n in nodes if n.get("role", {}).get("value") == "link" and "name" in n}
    titles = page.eval_on_selector_all(".kit-search-result__main", "links => links.map(a => a.getAttribute('aria-label'))")
    assert titles[0] == "SilverGeek" and set(titles) <= names
    subs = page.eval_on_selector_all(".kit-search-result__sub", "links => links.map(a => a.getAttribute('aria-label'))")
    assert subs and all(" — " in name for name in subs) and set(subs) <= names


def test_results_say_what_each_page_is_and_its_reading_paths(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    page.locator("input.md-search__input").fill("Référentiel sur la co-construction en territoire ")
    page.wait_for_selector(".md-search-result__item")
    first = page.locator(".md-search-result__item").first
    assert first.locator(".kit-search-result__title").inner_text() == "Référentiel sur la co-construction en territoire"
    assert first.locator(".kit-search-result__kind").inner_text() == \
        "Cadre de référence · Parcours : Comprendre, Animer, Accompagner"
    assert page.locator(".md-search-result__meta").inner_text().endswith(" résultats")
    assert "documents trouvés" not in page.locator(".md-search-result").inner_text()


def test_passages_show_the_words_marked_but_not_like_links(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("consoles de jeux")
    page.wait_for_function(WAIT_QUERY, arg="consoles de jeux")
    passage = page.locator(".kit-search-result__main .kit-search-result__passage").first
    assert "consoles de jeux" in passage.inner_text()
    assert passage.locator("mark").all_inner_texts() == ["consoles", "jeux"]
    style = passage.locator("mark").first.evaluate(
        "m => { const s = getComputedStyle(m); return [s.textDecorationLine, s.color, s.backgroundColor]; }")
    link_colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.md-content a[href]')).color")
    assert style[0] == "none" and style[1] != link_colour and style[2] not in ("rgba(0, 0, 0, 0)", "transparent")


def test_a_typo_says_what_was_searched_and_offers_the_word_as_typed(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("silvergek")
    page.wait_for_function(WAIT_QUERY, arg="silvergek")
    notice = page.locator("#kit-search-notice")
    assert notice.inner_text().startswith("Résultats pour « silvergeek »")
    assert page.locator(".kit-search-result__main").first.get_attribute("href").endswith("fiches/silvergeek.html")
    page.locator(".kit-search-as-typed").click()
    page.wait_for_function("() => document.querySelector('.md-search-result__meta').textContent === 'Aucun résultat'")
    assert page.locator(".kit-search-result__main").count() == 0


def test_an_empty_result_suggests_the_catalogue_and_the_sheet_filters(page, real_url: str) -> None:
    page.goto(real_url + "fiches/silvergeek.html")
    page.keyboard.press("/")
    page.keyboard.type("zzyzx")
    page.wait_for_function(WAIT_QUERY, arg="zzyzx")
    assert page.locator(".md-search-result__meta").inner_text() == "Aucun résultat"
    hrefs = page.eval_on_selector_all("#kit-search-notice a", "links => links.map(a => a.href)")
    assert hrefs == [real_url + "catalogue/index.html", real_url + "fiches/index.html"]


def test_a_query_of_stop_words_or_exclusions_only_says_why_nothing_is_found(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    for query, why in (("les de la", french.STOP_WORDS_ONLY), ("-alsace", french.EXCLUSIONS_ONLY), ("zzyzx", None)):
        page.locator("input.md-search__input").fill(query)
        page.wait_for_function(WAIT_QUERY, arg=query)
        assert page.locator(".md-search-result__meta").inner_text() == "Aucun résultat"
        reasons = page.locator("#kit-search-notice .kit-search-why").all_inner_texts()
        assert reasons == ([why] if why else []), query
        assert page.locator("#kit-search-notice a").count() == 2  # the catalogue and the sheets, still
    queries = ["les de la", '"pour les"', "-alsace", "-alsace -les", '-"co-construction"', "zzyzx", "le partenariat", ""]
    assert page.evaluate("qs => qs.map(q => kitSearch.pipeline.nothingToLookFor(q))", queries) == \
        [french.nothing_to_look_for(q) for q in queries]


def test_long_result_lists_are_drawn_as_the_reader_goes(page, real_url: str, real_site: Path) -> None:
    expected = len(SearchIndex.from_site(real_site).search("partenariat "))
    assert expected > 40
    page.goto(real_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("partenariat ")
    page.wait_for_function(WAIT_QUERY, arg="partenariat ")
    items = page.locator(".md-search-result__item")
    assert items.count() == 10  # about what the box shows: each needs its page's file
    assert page.locator(".md-search-result__meta").inner_text() == f"{expected} résultats"
    page.eval_on_selector(".md-search__scrollwrap", "e => { e.scrollTop = e.scrollHeight; }")
    page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length === 30")
    # From the last link drawn, one more arrow: the next ones are drawn, and focused.
    page.locator(".md-search-result__list a").last.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("n => document.querySelectorAll('.md-search-result__item').length === n", arg=min(expected, 50))
    assert page.evaluate("() => document.activeElement.href") == items.nth(30).locator("a").first.evaluate("a => a.href")


def _ax_nodes(page) -> list[dict]:
    """Chromium's accessibility tree of the page (what a screen reader is given)."""
    return page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]


def _ax_property(node: dict, name: str):
    return next((p["value"].get("value") for p in node.get("properties", []) if p["name"] == name), None)


def test_the_box_is_a_combobox_whose_popup_of_named_links_it_controls(page, real_url: str) -> None:
    page.goto(real_url + "index.html")
    box = page.locator("input.md-search__input")
    combos = [n for n in _ax_nodes(page) if n.get("role", {}).get("value") == "combobox"]
    assert len(combos) == 1 and combos[0]["name"]["value"] == box.get_attribute("aria-label")
    assert not _ax_property(combos[0], "expanded") and _ax_property(combos[0], "hasPopup") == "dialog"
    page.keyboard.press("/")
    page.keyboard.type("partenariat ")
    page.wait_for_function(WAIT_QUERY, arg="partenariat ")
    nodes = _ax_nodes(page)
    combo = next(n for n in nodes if n.get("role", {}).get("value") == "combobox")
    assert _ax_property(combo, "expanded") is True
    # The popup it controls is a named dialog holding the results, each a named link.
    popup = page.locator("#" + box.get_attribute("aria-controls"))
    assert popup.get_attribute("role") == "dialog" and popup.get_attribute("aria-label")
    assert popup.locator(".kit-search-result__main").count() == 10
    names = {n["name"]["value"] for n in nodes if n.get("role", {}).get("value") == "link" and n.get("name", {}).get("value")}
    labels = popup.locator(".kit-search-result__main").evaluate_all("links => links.map(a => a.getAttribute('aria-label'))")
    assert all(labels) and set(labels) <= names
    page.keyboard.press("Escape")
    combo = next(n for n in _ax_nodes(page) if n.get("role", {}).get("value") == "combobox")
    assert not _ax_property(combo, "expanded") and page.evaluate(FOCUSED_BOX)
