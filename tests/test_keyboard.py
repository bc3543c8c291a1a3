"""Keyboard use beyond axe (issue #16, « Accessibility beyond axe »), in Chromium: no single
key leaves the page, the search keys can be turned off, focus is never hidden under the
sticky header or the back-to-top button, the palette switch says what it does."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGE_KEYS = ["n", "p", ".", ","]


def open_page(browser, url: str, width: int = 1280, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    return context, page


def focus_the_page(page) -> None:
    """Keys go to the page itself (no click: on a loaded machine a click may follow a link)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_single_keys_do_not_change_page(browser, real_url: str, key: str) -> None:
    context, page = open_page(browser, real_url + "le-kit/genese.html")
    try:
        # the page has a next and a previous page for Material's shortcuts to follow
        assert page.locator("link[rel=next]").count() + page.locator("link[rel=prev]").count() > 0
        focus_the_page(page)
        before = page.url
        page.keyboard.press(key)
        page.wait_for_timeout(600)
        assert page.url == before
    finally:
        context.close()


def search_focused(page) -> bool:
    return page.evaluate("document.activeElement && document.activeElement.matches('.md-search__input')")


def test_search_keys_work_and_can_be_turned_off(browser, real_url: str) -> None:
    context, page = open_page(browser, real_url + "accessibilite.html")
    try:
        focus_the_page(page)
        page.keyboard.press("s")
        page.wait_for_timeout(300)
        assert search_focused(page)  # on by default (Material's shortcut)
        page.keyboard.press("Escape")
        page.goto(real_url + "accessibilite.html")
        switch = page.get_by_role("checkbox", name="Raccourcis de la recherche")
        assert switch.is_checked()
        switch.uncheck()
        page.goto(real_url + "catalogue/index.html")  # remembered on the other pages
        focus_the_page(page)
        for key in ("s", "f", "/"):
            page.keyboard.press(key)
            page.wait_for_timeout(200)
            assert not search_focused(page), key
    finally:
        context.close()


def test_search_keys_do_nothing_while_typing_in_a_field(browser, real_url: str) -> None:
    context, page = open_page(browser, real_url + "catalogue/index.html")
    try:
        field = page.locator(".md-search__input")
        field.click()
        field.type("sfn.p,/")
        assert field.input_value() == "sfn.p,/"  # typed, not taken as shortcuts
        assert page.url.endswith("catalogue/index.html")
    finally:
        context.close()


COVERED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = r.top + r.height / 2;
  if (y < 0 || y >= innerHeight) return "hors de la fenêtre : " + el.outerHTML.slice(0, 80);
  const top = document.elementFromPoint(x, y);
  if (!top || top === el || el.contains(top) || top.contains(el)) return null;
  // a label or wrapper of the focused control is not a cover
  if (top.closest("label") && top.closest("label").contains(el)) return null;
  return el.outerHTML.slice(0, 80) + " sous " + top.outerHTML.slice(0, 80);
}"""


@pytest.mark.parametrize("width, height", [(1280, 800), (375, 812)])
def test_focus_is_never_hidden_on_the_catalogue(browser, real_url: str, width: int, height: int) -> None:
    context, page = open_page(browser, real_url + "catalogue/index.html", width, height)
    try:
        covered = []
        deepest = 0
        for _ in range(150):  # the catalogue has about 90 stops: the walk goes round once
            page.keyboard.press("Tab")
            page.wait_for_timeout(30)
            problem = page.evaluate(COVERED)
            for _ in range(10):  # judged once the closing search box's fade-out (0.25 s) is over
                if not problem:
                    break
                page.wait_for_timeout(200)  # a loaded machine may need several frames
                problem = page.evaluate(COVERED)
            deepest = max(deepest, page.evaluate("scrollY"))
            if problem:
                covered.append(problem)
        # the walk went down the page, where the header and the back-to-top button cover
        assert deepest > 1000
        assert not covered, covered
    finally:
        context.close()


def test_palette_switch_says_what_it_does(browser, real_url: str) -> None:
    context, page = open_page(browser, real_url + "index.html")
    try:
        button = page.get_by_role("button", name="Passer au thème sombre")
        assert button.is_visible()
        # Chromium's accessibility tree (CDP): the switch is a button named for its action,
        # and no radio button (read « coché ») is left for the palette
        session = page.context.new_cdp_session(page)
        tree = session.send("Accessibility.getFullAXTree")["nodes"]
        nodes = [(n.get("role", {}).get("value"), n.get("name", {}).get("value"), n.get("ignored"))
                 for n in tree]
        assert ("button", "Passer au thème sombre", False) in nodes
        assert not [n for n in nodes if n[0] == "radio" and not n[2]]
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
        focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert focused == "Passer au thème clair"  # the focus follows the switch
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
    finally:
        context.close()


def test_tab_out_of_the_box_closes_it_before_the_search_has_loaded(browser, real_url: str) -> None:
    """On a slow phone, Tab may leave the box before search.js has arrived: the box must close
    anyway, or its overlay dims the page and covers the focused link (CI caught it once)."""
    context, page = open_page(browser, real_url + "catalogue/index.html")
    try:
        page.route("**/assets/search/search.js", lambda route: route.abort())  # never arrives
        page.focus(".md-search__input")
        assert page.evaluate("document.getElementById('__search').checked")
        page.keyboard.press("Tab")
        page.wait_for_timeout(100)
        assert page.evaluate("!window.kitSearch")  # the interface did not load
        assert not page.evaluate("document.getElementById('__search').checked")
        assert page.evaluate("document.querySelector('.md-search__input').getAttribute('aria-expanded')") == "false"
    finally:
        context.close()
