"""The kit's Markdown dialect (builder/dialect.py), the same in catalogue text and in content/
pages: lists after a line, sub-lists at 2 spaces, bare addresses as links, headings of a
field below its section; raw HTML and addresses without « https:// » refused by kit check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder import dialect
from builder.build import build
from builder.markdown import MarkdownRenderer, unsafe_markup
from conftest import FIXTURES, copy_project


def render(text: str) -> str:
    return str(MarkdownRenderer()(text))


def flat(html: str) -> str:
    return re.sub(r"\s*\n\s*", "", html)


# --- lists --------------------------------------------------------------------------------------


def test_a_list_may_follow_a_line() -> None:
    assert flat(render("Nos activités :\n- des rencontres ;\n- des groupes de travail.")) == (
        "<p>Nos activités :</p><ul><li>des rencontres ;</li><li>des groupes de travail.</li></ul>")


def test_a_numbered_list_after_a_line_starts_at_one() -> None:
    # CommonMark's rule: « 1. » starts a list after a line; a wrapped « 2014. » does not
    assert flat(render("Deux étapes :\n1. le diagnostic ;\n2. le programme.")) == (
        "<p>Deux étapes :</p><ol><li>le diagnostic ;</li><li>le programme.</li></ol>")
    assert flat(render("Elle a été fondée en\n2014. Elle agit.")) == "<p>Elle a été fondée en2014. Elle agit.</p>"


@pytest.mark.parametrize("indent", ["  ", "   ", "    "])
def test_sub_lists_nest_at_two_spaces_and_more(indent: str) -> None:
    text = f"- emploi\n{indent}- insertion\n{indent}- formation\n- logement"
    assert flat(render(text)) == ("<ul><li>emploi<ul><li>insertion</li><li>formation</li></ul></li>"
                                  "<li>logement</li></ul>")


def test_three_levels_at_two_spaces_under_a_numbered_item() -> None:
    text = "1. Animer\n  - diagnostic\n    - enjeux\n2. Accompagner"
    assert flat(render(text)) == ("<ol><li>Animer<ul><li>diagnostic<ul><li>enjeux</li></ul></li></ul></li>"
                                  "<li>Accompagner</li></ol>")


def test_a_paragraph_indented_under_an_item_belongs_to_it() -> None:
    html = flat(render("- premier point\n\n  sa suite.\n- second point"))
    assert html == "<ul><li><p>premier point</p><p>sa suite.</p></li><li><p>second point</p></li></ul>"


def test_lines_in_code_are_left_alone() -> None:
    html = render("Exemple :\n\n    texte\n    - pas une liste")
    assert "<pre><code>texte\n- pas une liste" in html


# --- addresses ----------------------------------------------------------------------------------


def test_a_bare_address_becomes_a_link() -> None:
    html = render("Voir https://www.lerameau.fr/le-programme-phare/ pour le détail.")
    assert ('<a href="https://www.lerameau.fr/le-programme-phare/" rel="noopener noreferrer">'
            "https://www.lerameau.fr/le-programme-phare/</a> pour le détail.") in html


def test_an_address_in_code_stays_text() -> None:
    assert "<code>https://www.lerameau.fr/</code>" in render("`https://www.lerameau.fr/`")


@pytest.mark.parametrize(("target", "fixed"), [
    ("www.exemple.fr", "https://www.exemple.fr"),
    ("exemple.fr/notre-projet", "https://exemple.fr/notre-projet"),
    ("WWW.Exemple.org", "https://WWW.Exemple.org"),
])
def test_a_link_to_an_address_without_scheme_is_refused(target: str, fixed: str) -> None:
    assert unsafe_markup(f"Voir [notre site]({target}).") == (
        f"lien vers « {target} » sans « https:// » : le navigateur y chercherait une page du site ; écrivez {fixed}")


@pytest.mark.parametrize("target", ["../documents/etude.md", "rapport.pdf", "#genese", "https://www.exemple.fr",
                                    "mailto:contact@exemple.fr", "page.html"])
def test_links_that_are_not_addresses_without_scheme_pass(target: str) -> None:
    assert unsafe_markup(f"Voir [ceci]({target}).") is None


# --- headings and raw HTML ----------------------------------------------------------------------


def test_headings_of_a_field_sit_below_its_section() -> None:
    html = flat(render("# Titre\n\nTexte.\n\n## Sous-titre\n\nSuite."))
    assert html == "<h3>Titre</h3><p>Texte.</p><h4>Sous-titre</h4><p>Suite.</p>"


@pytest.mark.parametrize(("text", "shown"), [
    ("Du <b>gras</b>.", "<b>"),
    ('Un <span class="x">mot</span>.', '<span class="x">'),
    ("<div>\nun bloc\n</div>", "<div>"),
    ("Texte <!-- caché --> suite.", "<!-- … -->"),
])
def test_raw_html_is_refused_with_a_message(text: str, shown: str) -> None:
    assert unsafe_markup(text) == (
        f"HTML « {shown} » refusé : les textes s'écrivent en Markdown (**gras**, *italique*, listes « - », "
        "liens [texte](https://…)) ; retirez la balise")


def test_entities_and_automatic_links_are_not_raw_html() -> None:
    assert unsafe_markup("Le RAMEAU &amp; ses partenaires : <https://www.lerameau.fr/>.") is None


# --- one dialect: MkDocs reads content/ with the same extensions ---------------------------------


def test_the_site_and_the_catalogue_use_the_same_dialect(tmp_path: Path, fixed_epoch: str) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    page = project.content_dir / "le-kit" / "co-construction.md"
    page.write_text(page.read_text(encoding="utf-8") + (
        "\n\nTrois niveaux :\n- territoire\n  - acteurs\n    - associations\n\n"
        "Voir https://www.lerameau.fr/ pour le détail.\n"), encoding="utf-8")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(
        "resultats: |\n  142 dirigeants présents.\n",
        "resultats: |\n  Bilan :\n  - 142 dirigeants présents ;\n    - dont des associations.\n"
        "\n  Voir http://www.lerameau.fr/le-programme-phare/.\n"), encoding="utf-8")
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    content = flat((site / "le-kit" / "co-construction.html").read_text(encoding="utf-8"))
    assert "<p>Trois niveaux\u00a0:</p><ul><li>territoire<ul><li>acteurs<ul><li>associations</li></ul></li></ul></li></ul>" in content
    assert re.search(r'<a [^>]*href="https://www.lerameau.fr/"[^>]*class="kit-externe"[^>]*>https://www.lerameau.fr/<span', content)
    case = flat((site / "fiches" / "charenton.html").read_text(encoding="utf-8"))
    assert "<p>Bilan\u00a0:</p><ul><li>142 dirigeants présents\u202f;<ul><li>dont des associations.</li></ul></li></ul>" in case
    assert re.search(r'<a [^>]*href="http://www.lerameau.fr/le-programme-phare/"[^>]*class="kit-externe"', case)


def test_mkdocs_lists_every_extension_of_the_dialect(tmp_path: Path) -> None:
    import yaml

    from builder.build import render as render_site

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    (tmp_path / "travail").mkdir()
    *_, written = render_site(project, tmp_path / "travail")
    extensions = yaml.safe_load(written.read_text(encoding="utf-8"))["markdown_extensions"]
    listed = {e if isinstance(e, str) else next(iter(e)): (None if isinstance(e, str) else next(iter(e.values())))
              for e in extensions}
    for name in dialect.EXTENSIONS:
        assert name in listed, name
        assert listed[name] == dialect.EXTENSION_CONFIGS.get(name), name
