"""French typography's no-break spaces (issue #16, « French typography »): the post-build
stage ``builder.typography`` on strings, on markup, and on every page of a built site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment, Doctype

from builder.typography import NBSP, NNBSP, VERBATIM, typeset, typeset_html

# A plain space (or line break) where French typography wants a no-break one.
DUE = re.compile(r"[ \t\r\n][;:!?»]|«[ \t\r\n]|\d[ \t\r\n]+%")


@pytest.mark.parametrize("plain, typeset_text", [
    ("Source : Le RAMEAU", f"Source{NBSP}: Le RAMEAU"),
    ("Pourquoi ? Parce que ; oui !", f"Pourquoi{NNBSP}? Parce que{NNBSP}; oui{NNBSP}!"),
    ("« co-construction »", f"«{NBSP}co-construction{NBSP}»"),
    ("«co-construction»", f"«{NBSP}co-construction{NBSP}»"),
    ("69 % des Français", f"69{NBSP}% des Français"),
    ("0,6 Mo et 12 ans", f"0,6{NBSP}Mo et 12{NBSP}ans"),
    ("1 283 places", f"1{NNBSP}283 places"),
    ("ligne\n: suite", f"ligne{NBSP}: suite"),
])
def test_typeset_puts_the_no_break_spaces(plain: str, typeset_text: str) -> None:
    assert typeset(plain) == typeset_text
    assert typeset(typeset_text) == typeset_text  # idempotent


@pytest.mark.parametrize("text", ["de 2014 à 2016", "2 ou 3 documents", "en 2015 150 entreprises", "https://exemple.fr/a?b=1"])
def test_typeset_leaves_what_is_not_due(text: str) -> None:
    assert typeset(text) == text


def test_only_text_nodes_change() -> None:
    page = ('<p title="Titre : sous-titre">Mot : <code>a : b</code> fin ?'
            '<a href="page.html?x=1 ;y" aria-label="Aller : ici">lien</a> &laquo; t &raquo; &amp; z !</p>'
            '<script>var a = b ? 1 : 2;</script><style>a:hover { color: red ; }</style>'
            '<pre>x : y</pre><kbd>Ctrl :</kbd><!-- note : laissée -->')
    done = typeset_html(page)
    assert f"Mot{NBSP}: " in done and f"fin{NNBSP}?" in done and f"z{NNBSP}!" in done
    assert f"«{NBSP}t{NBSP}»" in done and "&amp;" in done
    for untouched in ('title="Titre : sous-titre"', 'href="page.html?x=1 ;y"', 'aria-label="Aller : ici"',
                      "<code>a : b</code>", "var a = b ? 1 : 2;", "color: red ; }", "<pre>x : y</pre>",
                      "<kbd>Ctrl :</kbd>", "<!-- note : laissée -->"):
        assert untouched in done


def test_a_page_without_anything_due_is_returned_as_is() -> None:
    page = "<p>Rien&nbsp;à changer</p>"
    assert typeset_html(page) is page


def plain_spaces_due(html: str) -> list[str]:
    """Text nodes (outside verbatim elements, comments and the doctype) where a plain space
    stands where a no-break one is due; read with BeautifulSoup, not with the stage's parser."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for node in soup.find_all(string=True):
        if isinstance(node, (Comment, Doctype)) or any(p.name in VERBATIM for p in node.parents):
            continue
        for match in DUE.finditer(str(node)):
            found.append(str(node)[max(0, match.start() - 30):match.end() + 10])
    return found


def test_every_page_of_the_site_has_its_no_break_spaces(real_site: Path) -> None:
    pages = sorted(real_site.rglob("*.html"))
    assert len(pages) > 50
    faults = {}
    for path in pages:
        found = plain_spaces_due(path.read_text(encoding="utf-8"))
        if found:
            faults[path.relative_to(real_site).as_posix()] = found[:3]
    assert not faults, faults
    # the rule had work to do: the site's French text has colons and guillemets
    text = (real_site / "index.html").read_text(encoding="utf-8")
    assert NBSP in text or NNBSP in text


def test_scripts_are_untouched_and_the_policy_still_holds(real_site: Path) -> None:
    """The stage runs before the policy's one, which hashes the inline scripts as final."""
    import base64
    import hashlib

    from builder.csp import is_inline_script

    checked = 0
    for path in sorted(real_site.rglob("*.html"))[:40]:
        html = path.read_text(encoding="utf-8")
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        if not policy:
            continue
        for opening, script in re.findall(r"(<script[^>]*>)(.*?)</script>", html, re.S):
            if not is_inline_script(opening):
                continue
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            assert f"sha256-{digest}" in policy.group(1), path
            checked += 1
    assert checked


def test_terminal_figures_have_a_decimal_comma() -> None:
    from builder.build import Stopwatch
    from builder.typography import decimal

    assert decimal(0.14) == "0,1" and decimal(12.0) == "12,0" and decimal(1.25, 2) == "1,25"
    said: list[str] = []
    watch = Stopwatch(said.append, 2)
    watch("Site construit par MkDocs")
    assert re.fullmatch(r"\[1/2\] Site construit par MkDocs \(\d+,\d s\)", said[0]), said


def test_english_phrases_are_marked_in_text_only() -> None:
    page = ('<title>Kit en open source</title><p>mis à disposition « en open source »</p>'
            '<a href="x.html" title="open source">lien</a><code>open source</code><select><option>open source</option></select>')
    done = typeset_html(page)
    assert '<p>mis à disposition «\u00a0en <span lang="en">open source</span>\u00a0»</p>' in done
    for untouched in ("<title>Kit en open source</title>", 'title="open source"', "<code>open source</code>",
                      "<option>open source</option>"):
        assert untouched in done
    assert typeset_html(done) == done  # marked once


def test_the_site_marks_open_source_as_english(real_site: Path) -> None:
    marked = 0
    for path in sorted(real_site.rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        body = soup.body
        if body is None:
            continue
        for node in body.find_all(string=re.compile("open source", re.I)):
            if any(p.name in VERBATIM or p.name in ("option", "script") for p in node.parents):
                continue
            assert any(p.get("lang") == "en" for p in node.parents if p.name), (path.name, str(node)[:80])
            marked += 1
    assert marked  # the site's content says « open source » (content/index.md, le-kit/genese.md)
