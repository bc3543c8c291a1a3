"""Key figures and the map read on a phone (issue 16, « Figures and map »), in Chromium.

No text under 12 CSS px on the home page and the case-sheet index at 320 and 375 px wide
(an SVG's text measured at its drawn scale); the charts are HTML text with bars and keep
working under WCAG text spacing; map markers are at least 24 × 24 CSS px and do not
overlap; inset names are not overlapped by their region; markers and bars have 3:1
against what surrounds them in the light and the dark palette.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.test_home import contrast

pytestmark = pytest.mark.browser

PALETTES = {"clair": "light", "sombre": "dark"}
HOME, CASES = "index.html", "fiches/index.html"
# WCAG 2.1 SC 1.4.12 (text spacing), as its bookmarklet applies it
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }"""

SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, title')) continue;  // every drawn text: header, nav, footer too
    const range = document.createRange(); range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;  // not drawn (or a visually hidden label)
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement) { const m = el.getScreenCTM(); size *= Math.hypot(m.a, m.b); }
    if (size < 11.95) small.push([node.textContent.trim().slice(0, 40), el.tagName, Math.round(size * 10) / 10]);
  }
  return small;
}"""


def open_page(browser, url: str, width: int, scheme: str = "light", height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    return context, context.new_page()


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("target", [HOME, CASES])
def test_no_text_under_12_css_px(browser, real_url: str, target: str, width: int) -> None:
    context, page = open_page(browser, real_url, width)
    try:
        page.goto(real_url + target)
        page.wait_for_selector(".kit-carte__svg" if target == CASES else ".kit-barres")
        small = page.evaluate(SMALL_TEXT)
        assert not small, f"{target} à {width} px : texte sous 12 px CSS : {small[:10]}"
    finally:
        context.close()


MARKERS = """() => [...document.querySelectorAll('a.kit-carte__repere')].map(a => {
  const c = a.querySelector('circle').getBoundingClientRect();
  return {slug: a.dataset.kitItem, w: c.width, h: c.height, x: c.left + c.width / 2, y: c.top + c.height / 2};
})"""


@pytest.mark.parametrize("width", [320, 375, 600, 1280])
def test_map_markers_are_at_least_24_px_and_apart(browser, real_url: str, width: int) -> None:
    context, page = open_page(browser, real_url, width)
    try:
        page.goto(real_url + CASES)
        markers = page.evaluate(MARKERS)
        assert markers
        for marker in markers:
            assert marker["w"] >= 24 and marker["h"] >= 24, f"à {width} px : repère trop petit {marker}"
        for first, second in itertools.combinations(markers, 2):
            distance = ((first["x"] - second["x"]) ** 2 + (first["y"] - second["y"]) ** 2) ** 0.5
            assert distance >= (first["w"] + second["w"]) / 2, f"à {width} px : repères superposés {first} {second}"
    finally:
        context.close()


INSETS = """() => [...document.querySelectorAll('.kit-carte__encart-nom')].map(text => {
  const name = text.textContent;
  const label = text.getBBox();
  const frame = [...document.querySelectorAll('.kit-carte__encart')].find(r => { const b = r.getBBox();
    return label.x >= b.x && label.x < b.x + b.width && label.y >= b.y && label.y < b.y + b.height; });
  const shape = [...document.querySelectorAll('path.kit-carte__region')].find(p => p.querySelector('title').textContent === name);
  const s = shape.getBBox(), f = frame.getBBox();
  return {name, label: [label.x, label.y, label.width, label.height], shape: [s.x, s.y, s.width, s.height],
          frame: [f.x, f.y, f.width, f.height]};
})"""


def overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("spacing", [False, True], ids=["normal", "espacement-wcag"])
@pytest.mark.parametrize("width", [320, 1280])
def test_inset_names_fit_their_frame_and_no_shape_covers_them(browser, real_url: str, width: int, spacing: bool) -> None:
    context, page = open_page(browser, real_url, width)
    try:
        page.goto(real_url + CASES)
        if spacing:
            page.add_style_tag(content=TEXT_SPACING)
        insets = page.evaluate(INSETS)
        assert {i["name"] for i in insets} == {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"}
        for inset in insets:
            label, frame = inset["label"], inset["frame"]
            assert not overlap(label, inset["shape"]), f"{inset['name']} : le nom est recouvert par la région"
            assert label[0] + label[2] <= frame[0] + frame[2], f"{inset['name']} : le nom dépasse son encart ({width} px)"
    finally:
        context.close()


def test_charts_survive_wcag_text_spacing_at_320_px(browser, real_url: str) -> None:
    context, page = open_page(browser, real_url, 320)
    try:
        page.goto(real_url + HOME)
        page.add_style_tag(content=TEXT_SPACING)
        result = page.evaluate("""() => ({
          scroll: document.documentElement.scrollWidth - innerWidth,
          clipped: [...document.querySelectorAll('.kit-graphique, .kit-graphique *')].filter(e =>
            e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible').map(e => e.className),
          outside: [...document.querySelectorAll('.kit-barres__texte, .kit-graphique__titre')].filter(e =>
            e.getBoundingClientRect().right > e.closest('.kit-graphique').getBoundingClientRect().right + 1).length,
          texts: document.querySelectorAll('.kit-barres__valeur').length})""")
        assert result["texts"] > 0
        assert result["scroll"] <= 0 and not result["clipped"] and result["outside"] == 0, result
    finally:
        context.close()


COLOURS = """() => {
  const rgb = (text) => { const c = document.createElement('canvas').getContext('2d');
    c.fillStyle = '#000'; c.fillStyle = text; c.fillRect(0, 0, 1, 1); return [...c.getImageData(0, 0, 1, 1).data]; };
  const page = rgb(getComputedStyle(document.body).backgroundColor);
  const fill = (selector) => { const el = document.querySelector(selector); return el && getComputedStyle(el).fill; };
  return {page, marker: fill('.kit-carte__repere circle'), digit: fill('.kit-carte__repere text'),
          lit: fill('path.kit-carte__region--fiches'), unlit: fill('path.kit-carte__region:not(.kit-carte__region--fiches)'),
          bar: fill('.kit-barres__barre'), track: fill('.kit-barres__fond')};
}"""


def parse(colour: str) -> tuple[float, float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", colour)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def over(colour: str, background: tuple) -> tuple[float, float, float]:
    """A colour with its alpha, as drawn over ``background``."""
    r, g, b, a = parse(colour)
    return tuple(a * c + (1 - a) * k for c, k in zip((r, g, b), background[:3]))


@pytest.mark.parametrize("palette", PALETTES)
def test_markers_and_bars_have_3_to_1_in_both_palettes(browser, real_url: str, palette: str) -> None:
    context, page = open_page(browser, real_url, 1280, PALETTES[palette])
    try:
        page.goto(real_url + CASES)
        expected = "slate" if palette == "sombre" else "default"
        assert page.get_attribute("body", "data-md-color-scheme") == expected
        found = page.evaluate(COLOURS)
        page.goto(real_url + HOME)
        found.update({k: v for k, v in page.evaluate(COLOURS).items() if k in ("bar", "track")})
        background = tuple(found["page"][:3]) if found["page"][3] else (255, 255, 255)
        marker = over(found["marker"], background)
        lit, unlit = over(found["lit"], background), over(found["unlit"], background)
        bar, track = over(found["bar"], background), over(found["track"], background)
        ratios = {
            "repère / page": contrast(marker, background),
            "repère / région avec fiches": contrast(marker, lit),
            "repère / région sans fiche": contrast(marker, unlit),
            "barre / page": contrast(bar, background),
            "barre / piste": contrast(bar, track),
        }
        low = {k: round(v, 2) for k, v in ratios.items() if v < 3}
        assert not low, f"thème {palette} : contraste non textuel sous 3:1 : {low}"
        assert contrast(over(found["digit"], marker), marker) >= 4.5, f"thème {palette} : numéro des repères peu lisible"
    finally:
        context.close()
