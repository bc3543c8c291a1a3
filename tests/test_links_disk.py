"""Links that work from disk (issue #16): a link to a folder, written by an editor in
content/ or by the templates, points at the folder's index.html in both editions; a link
to a page that does not exist is a ``kit check`` error naming the file and the line."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from builder.build import build
from builder.cli import main
from builder.links import folder_links_to_index
from conftest import FIXTURES, copy_project

PAGE = "content/le-kit/co-construction.md"
LINKS = "\n\nVoir [le catalogue](../catalogue/), [les fiches](../fiches/#carte) et [l'accueil](../).\n"


@pytest.fixture
def project(tmp_path: Path):
    return copy_project(FIXTURES / "mini", tmp_path / "mini")


def add_to_page(project, text: str) -> None:
    path = project.root / PAGE
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def check(project, capsys) -> tuple[int, str]:
    code = main(["--projet", str(project.root), "check"])
    return code, capsys.readouterr().err


def test_folder_links_point_at_index_html() -> None:
    pages = {"index.html", "catalogue/index.html", "fiches/index.html"}.__contains__
    html = ('<a href="../catalogue/">c</a><a href="../fiches/?doc=a#carte">f</a><a href="..">h</a>'
            '<a href="https://exemple.fr/dossier/">e</a><a href="../absent/">x</a><a href="#haut">a</a>')
    done = folder_links_to_index(html, "le-kit/page.html", pages)
    assert ('<a href="../catalogue/index.html">c</a><a href="../fiches/index.html?doc=a#carte">f</a>'
            '<a href="../index.html">h</a>') in done
    for kept in ('href="https://exemple.fr/dossier/"', 'href="../absent/"', 'href="#haut"'):
        assert kept in done


def test_a_link_to_a_folder_page_passes_kit_check(project, capsys) -> None:
    add_to_page(project, LINKS)
    code, err = check(project, capsys)
    assert code == 0, err


def test_a_link_to_a_missing_page_is_a_check_error(project, capsys) -> None:
    add_to_page(project, "\n\nVoir [rien](../nulle-part/) et [rien non plus](absente.md).\n")
    code, err = check(project, capsys)
    assert code == 1
    lines = (project.root / PAGE).read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "nulle-part" in text)
    assert re.search(rf"co-construction\.md.*{line}.*« \.\./nulle-part/ ».*dossier sans page", err), err
    assert "« absente.md »" in err and "fichier absent" in err


def built_hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_both_editions_link_folders_to_their_index_and_open_from_disk(project, fixed_epoch, tmp_path, browser) -> None:
    add_to_page(project, LINKS)
    site = build(project, tmp_path / "site").site_dir
    online = (site / "le-kit" / "co-construction.html").read_text(encoding="utf-8")
    archive = next((site / "telechargements").glob("*.zip"))
    with zipfile.ZipFile(archive) as opened:
        name = next(n for n in opened.namelist() if n.endswith("/le-kit/co-construction.html"))
        offline = opened.read(name).decode("utf-8")
        opened.extractall(tmp_path / "hors-ligne")
    for html in (online, offline):
        hrefs = built_hrefs(html)
        assert "../catalogue/index.html" in hrefs and "../fiches/index.html#carte" in hrefs and "../index.html" in hrefs
        # no link of the page ends on a folder
        assert not [h for h in hrefs if not re.match(r"[a-z]+:|#", h) and h.split("#")[0].split("?")[0].endswith("/")]
    # from file:// in Chromium: the link opens the catalogue page, not a directory listing
    page_file = next((tmp_path / "hors-ligne").rglob("le-kit/co-construction.html"))
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.get_by_role("link", name="le catalogue").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/catalogue/index.html")
        assert page.locator("h1").first.is_visible()
        assert "Index of" not in page.content()
    finally:
        context.close()
