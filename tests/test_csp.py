"""Content-Security-Policy (builder/csp.py): on every page of the site and of the zip,
strict for scripts, and the site still works under it in Chromium, online (HTTP) and
from the disk (file://): no violation while searching, filtering, switching the theme,
using the map; an inline script smuggled into a page is refused."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from offline_support import ARCHIVE, unpack

from builder import csp

# --- the policy in the files ------------------------------------------------------------------


class _Head(HTMLParser):
    """The page's policies, what precedes the first one in <head>, and its inline scripts
    (written independently of builder/csp.py: the tests do not reuse the builder's parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.policies: list[str] = []
        self.before_policy: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.in_content = False
        self.articles = 0
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(values.get("content") or "")
        elif not self.policies and tag in ("script", "base", "link", "style", "iframe", "img"):
            self.before_policy.append(tag)
        if tag == "span" and values.get("id") == "kit-contenu":
            self.in_content = True
        if tag == "article":
            self.articles += 1
        if tag == "script":
            self._script = {**values, "kit-in-content": "1" if self.in_content else None}
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.articles -= 1
            if self.articles == 0:
                self.in_content = False  # Material's content block ends with its <article>
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def parse(text: str) -> _Head:
    parser = _Head()
    parser.feed(text)
    parser.close()
    return parser


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def sha256(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def is_javascript(attrs: dict[str, str | None]) -> bool:
    return "src" not in attrs and (attrs.get("type") or "text/javascript").lower() in ("text/javascript", "module")


def assert_page_policy(name: str, text: str) -> None:
    page = parse(text)
    assert len(page.policies) == 1, f"{name} : {len(page.policies)} politiques de sécurité au lieu d'une"
    assert not page.before_policy, f"{name} : {page.before_policy} avant la politique, hors de sa portée"
    rules = directives(page.policies[0])
    assert rules["default-src"] == ["'self'"], name
    assert rules["object-src"] == ["'none'"] and rules["base-uri"] == ["'self'"], name
    scripts = rules["script-src"]
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:]), f"{name} : {scripts}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "'unsafe-hashes'" not in scripts
    # no third-party origin anywhere: only keywords, hashes and the data: scheme for images
    for name_, values in rules.items():
        for value in values:
            assert value.startswith("'") or (name_ == "img-src" and value == "data:"), f"{name} : {name_} {value}"
    inline = [code for attrs, code in page.scripts if is_javascript(attrs) and not attrs["kit-in-content"]]
    assert inline, f"{name} : aucun script en ligne trouvé (Material en écrit sur chaque page)"
    for code in inline:
        assert sha256(code) in scripts, f"{name} : script en ligne sans son empreinte dans la politique : {code[:80]!r}"
    assert len(scripts) - 1 == len({sha256(code) for code in inline}), f"{name} : empreintes en trop"


def test_every_page_of_the_site_and_of_the_zip_carries_a_strict_policy(mini_site: Path) -> None:
    pages = sorted(mini_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        assert_page_policy(page.relative_to(mini_site).as_posix(), page.read_text(encoding="utf-8"))
    with zipfile.ZipFile(mini_site / ARCHIVE) as archive:
        zipped = [n for n in archive.namelist() if n.endswith(".html")]
        assert len(zipped) > 10
        for name in zipped:
            assert_page_policy(name, archive.read(name).decode("utf-8"))


def test_policy_precedes_everything_but_the_charset_within_its_first_bytes(mini_site: Path) -> None:
    for page in (mini_site / "index.html", mini_site / "fiches" / "index.html", mini_site / "404.html"):
        raw = page.read_bytes()
        assert raw.index(b"Content-Security-Policy") < raw.index(b"<script")
        assert b'<meta charset="utf-8">' in raw[:1024], f"{page.name} : l'encodage doit rester dans les 1 024 premiers octets"


def test_scripts_in_the_content_get_no_hash_and_data_blocks_none() -> None:
    theme = "var palette=1;"
    page = (
        "<!doctype html><html><head><meta charset=\"utf-8\"><script>" + theme + "</script>"
        '<script type="application/ld+json">{"a": 1}</script></head><body>'
        + '<article>' + csp.CONTENT_START + "<script>alert('contenu')</script></article><script>alert(2)</script>"
        + "</article>" + '<script src="x.js"></script><script type="module">import "./y.js";</script></body></html>'
    )
    rules = directives(parse(csp.with_policy(page)).policies[0])
    assert sorted(rules["script-src"][1:]) == sorted([sha256(theme), sha256('import "./y.js";')])
    assert sha256("alert('contenu')") not in rules["script-src"]
    assert sha256("alert(2)") not in rules["script-src"]  # after a fake </article>: still content
    # run again (a second build stage, a rebuilt page): one policy, the same
    assert csp.with_policy(csp.with_policy(page)) == csp.with_policy(page)


def test_a_page_without_head_gets_the_policy_first() -> None:
    page = "<!DOCTYPE html><p>fragment</p><script>alert(1)</script>"
    result = csp.with_policy(page)
    assert result.startswith("<!DOCTYPE html>\n  <meta http-equiv=\"Content-Security-Policy\"")
    assert sha256("alert(1)") in result


# --- in Chromium --------------------------------------------------------------------------------

VIOLATIONS = """() => { window.kitViolations = [];
  document.addEventListener("securitypolicyviolation",
    e => window.kitViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber)); }"""


def watch_violations(context) -> list[str]:
    """CSP reports of a browser context: the console's messages, and the events (read with ``seen``)."""
    console: list[str] = []
    context.add_init_script(f"({VIOLATIONS})()")
    context.on("console", lambda message: console.append(message.text)
               if "Content Security Policy" in message.text else None)
    return console


def seen(page, console: list[str]) -> list[str]:
    return console + page.evaluate("() => window.kitViolations || []")


def use_the_site(page, base: str) -> None:
    """Search, filters, map, theme switch and a case sheet, as a reader would."""
    page.goto(base + "index.html")
    page.wait_for_function("() => window.document$ !== undefined")  # Material's bundle runs
    page.keyboard.press("s")
    page.keyboard.type("Charenton")
    page.wait_for_function("() => typeof window.lunr === 'function'")  # the search's scripts loaded
    page.keyboard.press("Escape")
    scheme = page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function(f"() => document.body.getAttribute('data-md-color-scheme') !== {scheme!r}")

    page.goto(base + "fiches/index.html")
    form = page.locator("form.kit-filtres")
    form.wait_for(state="visible")  # shown by assets/pages/filtres.js
    select = form.locator("select").first
    select.select_option(index=1)
    page.wait_for_function("() => document.querySelector('.kit-filtres__bilan').textContent.trim() !== ''")
    assert page.locator(".kit-carte svg").count() == 1
    page.locator(".kit-carte svg a").first.click()
    page.wait_for_load_state()
    assert "/fiches/" in page.url and not page.url.endswith("index.html")

    page.goto(base + "catalogue/index.html")
    page.locator("form.kit-filtres").wait_for(state="visible")
    page.goto(base + "le-kit/glossaire.html")
    page.wait_for_function("() => window.document$ !== undefined")


def assert_enforced_and_quiet(page, console: list[str], where: str) -> None:
    assert not seen(page, console), f"{where} : violations de la politique : {seen(page, console)}"
    # The policy is really enforced: an inline script added now is refused, with a report.
    page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.kitInline = 1"; document.body.append(s); }""")
    page.wait_for_function("() => (window.kitViolations || []).length > 0")
    assert page.evaluate("() => window.kitInline") is None, f"{where} : un script en ligne a été exécuté"
    assert any(v.startswith("script-src") for v in page.evaluate("() => window.kitViolations"))


@pytest.mark.browser
def test_site_works_online_under_the_policy(browser, mini_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    console = watch_violations(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        use_the_site(page, mini_url)
        assert_enforced_and_quiet(page, console, "en ligne")
    finally:
        context.close()


@pytest.mark.browser
def test_offline_zip_works_from_disk_under_the_policy(browser, mini_site: Path, tmp_path: Path) -> None:
    folder = unpack(mini_site / ARCHIVE, tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    console = watch_violations(context)
    page = context.new_page()
    try:
        use_the_site(page, folder.as_uri() + "/")
        assert_enforced_and_quiet(page, console, "hors ligne (file://)")
    finally:
        context.close()


@pytest.mark.browser
def test_not_found_page_keeps_its_base_fix_from_disk(browser, mini_site: Path) -> None:
    """404.html moves its <base> when opened from the disk: allowed by base-uri 'self' under file://."""
    context = browser.new_context()
    console = watch_violations(context)
    page = context.new_page()
    try:
        page.goto((mini_site / "404.html").as_uri())
        page.wait_for_function("() => window.document$ !== undefined")
        assert page.evaluate("() => document.baseURI") == (mini_site.as_uri() + "/")
        assert not seen(page, console)
    finally:
        context.close()


def test_policy_hashes_are_deterministic(mini_site: Path) -> None:
    text = (mini_site / "index.html").read_text(encoding="utf-8")
    policy = parse(text).policies[0]
    assert policy == parse(csp.with_policy(text)).policies[0]
    assert re.fullmatch(r"default-src 'self'; script-src 'self'( 'sha256-[A-Za-z0-9+/=]{44}')+; .*", policy)
    hashes = directives(policy)["script-src"][1:]
    assert hashes == sorted(hashes)
