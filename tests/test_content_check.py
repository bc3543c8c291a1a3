"""``kit check`` on content/ pages: duplicate front-matter keys, links to anchors that do not
exist (with the right anchor suggested, accents folded), addresses without « https:// »."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import build
from builder.cli import main
from conftest import FIXTURES, copy_project

PAGE = "content/le-kit/co-construction.md"
ANCHOR_RULE = "Une ancre est l'intertitre en minuscules, sans accents ni ponctuation, avec « - » entre les mots."


@pytest.fixture
def project(tmp_path: Path):
    return copy_project(FIXTURES / "mini", tmp_path / "mini")


def edit(project, change) -> Path:
    path = project.root / PAGE
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def check(project, capsys) -> tuple[int, list[str]]:
    code = main(["--projet", str(project.root), "check"])
    return code, capsys.readouterr().err.splitlines()[:-2]


def test_a_key_twice_in_the_front_matter(project, capsys) -> None:
    edit(project, lambda t: t.replace("title: La co-construction territoriale\n",
                                      "title: La co-construction territoriale\ndescription: Les notions.\ntitle: Autre\n", 1))
    assert check(project, capsys) == (1, [
        f"{PAGE}:4 : la clé « title » apparaît deux fois dans l'en-tête de la page (entre les lignes « --- ») : MkDocs ne "
        "garderait que la dernière ; gardez-en une seule."])


@pytest.mark.parametrize(("start", "end"), [("", "\r\n"), ("\ufeff", "\n"), ("", "\r")],
                         ids=["windows-line-ends", "bom", "old-mac-line-ends"])
def test_front_matter_is_checked_whatever_the_line_ends_or_bom(project, capsys, start: str, end: str) -> None:
    # MkDocs reads pages with utf-8-sig and universal newlines: the check must see the same front matter.
    path = project.root / PAGE
    text = path.read_text(encoding="utf-8").replace(
        "title: La co-construction territoriale\n",
        "title: La co-construction territoriale\ndescription: '<script>x</script>'\ntitle: Autre\n", 1)
    path.write_bytes((start + text.replace("\n", end)).encode("utf-8"))
    code, err = check(project, capsys)
    assert code == 1
    assert f"{PAGE}:3 : caractère « < » refusé dans l'en-tête de la page" in "\n".join(err)
    assert f"{PAGE}:4 : la clé « title » apparaît deux fois dans l'en-tête de la page" in "\n".join(err)


@pytest.mark.parametrize(("line", "expected"), [
    ("title: 'L'accueil du kit'", "l'apostrophe après « L » ferme la valeur ouverte par une apostrophe"),
    ("title:Accueil", "il manque une espace après « title: »"),
    ("title: [Accueil", "erreur de syntaxe YAML"),
])
def test_a_yaml_mistake_in_the_front_matter_is_reported_on_its_line(project, capsys, line: str, expected: str) -> None:
    # MkDocs ignores a front matter it cannot read without a word (the page shows it as text).
    edit(project, lambda t: t.replace("title: La co-construction territoriale\n", line + "\n", 1))
    code, err = check(project, capsys)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"{PAGE}:2 : en-tête de la page (entre les lignes « --- ») : ")
    assert expected in err[0] and "MkDocs l'ignorerait sans rien dire" in err[0]


def test_a_link_to_a_missing_anchor_suggests_the_right_one(project, capsys) -> None:
    edit(project, lambda t: t + "\n## Genèse du kit\n\nVoir [la genèse](#genèse-du-kit).\n")
    code, err = check(project, capsys)
    line = len((project.root / PAGE).read_text(encoding="utf-8").splitlines())
    assert (code, err) == (1, [
        f"{PAGE}:{line} : lien vers l'ancre « #genèse-du-kit », qui n'existe pas dans cette page. Vouliez-vous dire "
        f"« #genese-du-kit » ? {ANCHOR_RULE}"])


def test_the_suggested_anchor_is_the_one_the_site_has(project, tmp_path: Path, fixed_epoch: str) -> None:
    edit(project, lambda t: t + "\n## Genèse du kit\n\nVoir [la genèse](#genese-du-kit).\n")
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    assert 'id="genese-du-kit"' in (site / "le-kit" / "co-construction.html").read_text(encoding="utf-8")


def test_a_link_to_a_missing_anchor_of_another_page(project, capsys) -> None:
    edit(project, lambda t: t + "\nVoir [l'accueil](../index.md#nulle-part).\n")
    code, err = check(project, capsys)
    assert code == 1
    assert err == [f"{PAGE}:{len((project.root / PAGE).read_text(encoding='utf-8').splitlines())} : lien vers l'ancre "
                   f"« #nulle-part », qui n'existe pas dans content/index.md. {ANCHOR_RULE}"]


def test_an_address_without_scheme_in_a_page(project, capsys) -> None:
    edit(project, lambda t: t + "\nVoir [Le RAMEAU](www.lerameau.fr).\n")
    code, err = check(project, capsys)
    assert (code, err[0].split(" : ", 1)[1]) == (1, "lien vers « www.lerameau.fr » sans « https:// » : le navigateur y "
                                                    "chercherait une page du site ; écrivez https://www.lerameau.fr.")


def test_good_anchors_pass(project, capsys) -> None:
    edit(project, lambda t: t + "\n## Genèse du kit\n\nVoir [la genèse](#genese-du-kit) et [x](../index.md).\n")
    assert main(["--projet", str(project.root), "check"]) == 0


@pytest.mark.parametrize("html", [
    '<meta http-equiv="refresh" content="0; url=https://ailleurs.example/">',
    "<style>body { display: none }</style>",
    '<form action="envoi.html"><input name="q"></form>',
    'Un mot <span style="color: red">rouge</span> dans la phrase.',
])
def test_raw_html_in_a_page_is_refused_on_its_line(project, capsys, html: str) -> None:
    # MkDocs publishes a page's raw HTML as it is; the policy lets styles and redirects through.
    path = edit(project, lambda t: t + "\nUn paragraphe.\n\n" + html + "\n")
    line = path.read_text(encoding="utf-8").splitlines().index(html) + 1
    tag = html[html.index("<"):].split(">", 1)[0][:40] + ">"
    code, err = check(project, capsys)
    assert code == 1
    assert f"{PAGE}:{line} : HTML « {tag} » refusé : les pages s'écrivent en Markdown" in "\n".join(err)


def test_comments_markers_and_autolinks_are_not_raw_html(project, capsys) -> None:
    edit(project, lambda t: t + "\n<!-- note de l'équipe -->\n\nVoir <https://www.lerameau.fr/>.\n")
    assert check(project, capsys)[0] == 0
