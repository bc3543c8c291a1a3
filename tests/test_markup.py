"""Catalogue HTML reaches the pages without a second Markdown pass; the glossary's acronyms
are marked by the builder's own HTML pass (never Markdown lines added to pages), on valid
sigles only; footnote ids are unique on a page."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from builder.config import Project
from builder.markdown import Abbreviations, MarkdownRenderer, raw_block
from builder.models import Abbreviation, Glossary

# --- sigles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigle", ["RSE", "BoP", "DATA", "ESS", "CAP", "COVID-19", "S.A.", "PTCE", "É2C"])
def test_real_sigles_are_accepted(sigle: str) -> None:
    assert Abbreviation(sigle=sigle, developpement="Un développement").sigle == sigle


@pytest.mark.parametrize("sigle, message", [
    ("lt", "le sigle « lt » est le nom d'une entité HTML (« &lt; »"),
    ("amp", "le sigle « amp » est le nom d'une entité HTML"),
    ("nbsp", "le sigle « nbsp » est le nom d'une entité HTML"),
    ("quot", "le sigle « quot » est le nom d'une entité HTML"),
    ("GT", "le sigle « GT » est le nom d'une entité HTML"),
    ("span", "le sigle « span » est un nom de balise ou d'attribut HTML"),
    ("href", "le sigle « href » est un nom de balise ou d'attribut HTML"),
    ("onclick", "le sigle « onclick » est un nom de balise ou d'attribut HTML"),
    ("R\\E", "sigle « R\\E » invalide"),
    ("R&D", "sigle « R&D » invalide"),
    ("RS*E", "sigle « RS*E » invalide"),
    ("[RSE]", "sigle « [RSE] » invalide"),
    ("-RSE", "sigle « -RSE » invalide"),
    ("R SE", "sigle « R SE » invalide"),
    ("rse", "sigle « rse » sans majuscule"),
])
def test_sigles_that_are_not_plain_letters_or_collide_with_html_are_refused(sigle: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Abbreviation(sigle=sigle, developpement="Un développement")
    [error] = caught.value.errors()
    assert error["loc"] == ("sigle",) and error["msg"].startswith(message), error["msg"]


def test_a_sigle_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Glossary.model_validate({"abreviations": [{"sigle": "RSE", "developpement": "a"}, {"sigle": "RSE", "developpement": "b"}]})
    assert "le sigle « RSE » figure deux fois" in str(caught.value)


def test_kit_check_names_the_file_and_line_of_a_bad_sigle(mini_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    from builder.cli import main

    glossary = mini_project.kit_dir / "glossaire.yml"
    before = glossary.read_text(encoding="utf-8")
    glossary.write_text(before + "  - sigle: lt\n    developpement: \"Moins que\"\n", encoding="utf-8")
    lines = glossary.read_text(encoding="utf-8").splitlines()
    assert main(["--projet", str(mini_project.root), "check"]) == 1
    output = capsys.readouterr()
    line = lines.index("  - sigle: lt") + 1
    assert f"kit/glossaire.yml:{line}" in output.out + output.err
    assert "le sigle « lt » est le nom d'une entité HTML" in output.out + output.err
    assert glossary.read_text(encoding="utf-8").startswith(before)  # nothing lost


# --- the acronym pass ----------------------------------------------------------------------------


def test_acronym_pass_touches_text_only() -> None:
    # Sigles the check refuses are used here on purpose: the pass itself must not corrupt HTML.
    marks = Abbreviations([("lt", "x"), ("amp", "y"), ("title", "z"), ("RSE", 'Resp. "sociétale" <b> & co')])
    html = ('<p title="RSE &amp; lt">a &lt; b &amp; c &#60; d &#x3C; RSE</p>'
            '<a href="https://exemple.fr/RSE" title="RSE">RSE</a><code>RSE</code><!-- RSE lt -->'
            "<pre>lt</pre><p>lt amp, title</p>")
    marked = marks.mark(html)
    assert marked.startswith('<p title="RSE &amp; lt">a &lt; b &amp; c &#60; d &#x3C; '
                             '<abbr title="Resp. &quot;sociétale&quot; &lt;b&gt; &amp; co">RSE</abbr></p>')
    assert '<a href="https://exemple.fr/RSE" title="RSE">RSE</a><code>RSE</code><!-- RSE lt --><pre>lt</pre>' in marked
    assert marked.endswith('<p><abbr title="x">lt</abbr> <abbr title="y">amp</abbr>, <abbr title="z">title</abbr></p>')


def test_acronym_pass_keeps_quoted_angle_brackets_and_nested_skips() -> None:
    marks = Abbreviations([("RSE", "R")])
    html = '<p title="a > RSE">x</p><pre><code>RSE</code> RSE</pre> RSE'
    assert marks.mark(html) == '<p title="a > RSE">x</p><pre><code>RSE</code> RSE</pre> <abbr title="R">RSE</abbr>'


# --- no second Markdown pass ---------------------------------------------------------------------

# Text that kit check accepts (escaped Markdown, entities) and that a second pass would turn
# into live markup: emphasis with an attribute list, a javascript: link, raw HTML.
ESCAPED = (
    "\\*note\\*\\{: autofocus onfocus=alert('remarque') \\}\n\n"
    "Voir \\[source\\](javascript:alert('lien')) et &lt;img src=x onerror=alert('entite')&gt;."
)


def test_escaped_markdown_survives_mkdocs_unchanged(mini_project: Project, tmp_path: Path, fixed_epoch: str) -> None:
    from builder.build import build
    from builder.markdown import unsafe_markup

    assert unsafe_markup(ESCAPED) is None  # the check lets it through: it is text
    documents = mini_project.kit_dir / "documents.yml"
    text = documents.read_text(encoding="utf-8")
    block = "\n".join("    " + line if line else "" for line in ESCAPED.splitlines())
    text = text.replace("  resume: |\n    Trois exemples filmés de l'écosystème territorial.\n",
                        "  resume: |\n    Trois exemples filmés.\n\n" + block + "\n  remarque: |\n" + block + "\n", 1)
    documents.write_text(text, encoding="utf-8")
    page = (build(mini_project, tmp_path / "site", with_archive=False).site_dir / "documents" / "film.html").read_text(encoding="utf-8")
    article = page.split("<article", 1)[1].split("</article>", 1)[0]
    assert not re.search(r"<[^>]*\son\w+=", article), "un attribut d'événement est vivant"
    assert not re.search(r"""href=["']?\s*javascript:""", article, re.I)
    assert "<img" not in article and "autofocus" not in re.sub(r">[^<]*<", "><", article)
    # shown as typed, in the summary and in the « Remarque » box
    assert article.count("*note*{: autofocus onfocus=alert(&#x27;remarque&#x27;) }") + \
        article.count("*note*{: autofocus onfocus=alert('remarque') }") == 2
    box = article.split('class="admonition note"', 1)[1]
    assert 'class="admonition-title">Remarque</p>' in box and "[source](javascript:" in box
    assert "kit:bloc" not in page  # every placeholder was replaced


def test_content_pages_get_no_markdown_lines_and_keep_their_acronyms(mini_site: Path) -> None:
    page = (mini_site / "le-kit" / "co-construction.html").read_text(encoding="utf-8")
    assert '<abbr title="Responsabilité sociétale des entreprises">RSE</abbr>' in page
    assert "*[RSE]" not in page and "*[" not in page


def test_generated_markdown_holds_placeholders_not_html(mini_project: Project, tmp_path: Path) -> None:
    from builder.validate import load_kit
    from builder.pages import generate

    config, kit = load_kit(mini_project)
    docs = generate(mini_project, config, kit, tmp_path).docs_dir
    document = (docs / "documents" / "film.md").read_text(encoding="utf-8")
    assert "<!--kit:bloc:" in document and "kit-texte" not in document
    for page in docs.rglob("*.md"):
        assert "*[RSE]" not in page.read_text(encoding="utf-8"), page
    assert str(raw_block("<p>é</p>")) == "<!--kit:bloc:PHA+w6k8L3A+-->"


# --- footnotes -----------------------------------------------------------------------------------


def test_footnote_ids_are_unique_on_a_page(mini_project: Project, tmp_path: Path, fixed_epoch: str) -> None:
    from builder.build import build

    sheet = mini_project.kit_dir / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    for key in ("genese", "objectif", "resultats"):
        text = re.sub(rf"^{key}: .*$|^{key}: \|\n(?:  .*\n|\n)*", f"{key}: |\n  Un fait[^1] et un autre[^2].\n\n  [^1]: Source A.\n  [^2]: Source B.\n",
                      text, count=1, flags=re.M)
    sheet.write_text(text, encoding="utf-8")
    site = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    page = (site / "fiches" / "charenton.html").read_text(encoding="utf-8")
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sum(1 for i in ids if i.startswith("fn:")) == 6, ids
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"identifiants en double : {duplicates}"
    # every footnote link leads to an id of the page
    for target in re.findall(r'href="#(fn(?:ref)?:[^"]+)"', page):
        assert target in ids, target
    assert "Revenir à l&#x27;appel de note 1" in page or "Revenir à l'appel de note 1" in page
    # the same page built again: the same ids (numbered per page, not per build)
    again = build(mini_project, tmp_path / "site2", with_archive=False).site_dir
    assert (again / "fiches" / "charenton.html").read_text(encoding="utf-8") == page


def test_renderer_numbers_fields_per_page() -> None:
    renderer = MarkdownRenderer()
    renderer.start_page()
    first = str(renderer("a[^1]\n\n[^1]: n"))
    second = str(renderer("b[^1]\n\n[^1]: n"))
    renderer.start_page()
    assert str(renderer("a[^1]\n\n[^1]: n")) == first
    assert 'id="fn:1-1"' in first and 'id="fn:2-1"' in second
