"""End-to-end builds of small kits, asserting on the produced HTML and on the build's guarantees."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from builder.build import build
from builder.cli import main
from builder.config import Project
from builder.problems import CatalogueError
from builder.validate import load_kit
from builder.site import MkDocsFailed
from tests.conftest import FIXTURES, copy_project


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_reading_paths_are_the_top_level_tabs(mini_site: Path) -> None:
    tabs = [a.get_text(strip=True) for a in soup(mini_site / "index.html").select(".md-tabs__link")]
    assert tabs == ["Accueil", "Comprendre", "Animer", "Accompagner", "Catalogue", "Fiches d'expérience", "Le kit"]
    page = soup(mini_site / "documents" / "phare.html")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".md-tabs__link")}
    assert links["Animer"] == "../parcours/animer.html"


def test_path_page_groups_its_documents_by_nature_then_family(mini_site: Path) -> None:
    page = soup(mini_site / "parcours" / "comprendre.html")
    content = page.select_one(".md-content article")
    outline = []
    for element in content.find_all(["h2", "h3", "li"]):
        if element.name in ("h2", "h3"):
            outline.append(f"{element.name}:{element.get_text(strip=True).rstrip('¶')}")
        elif element.find("a", href=lambda h: h and h.startswith("../documents/")):
            outline.append("doc:" + element.find("a")["href"].removeprefix("../documents/").removesuffix(".html"))
    assert outline == [
        "h2:Cadre de référence", "doc:referentiel",
        "h2:Illustrations", "doc:film",
        "h2:Méthode", "h3:Se former", "doc:mooc",
        "h2:Boîte à outils", "h3:Documents contexte", "doc:phare", "h3:Guides pratiques", "doc:guide",
    ]
    # the animer path holds etude, not mooc: only a path's own documents are listed
    animer = (mini_site / "parcours" / "animer.html").read_text(encoding="utf-8")
    assert "../documents/etude.html" in animer and "../documents/mooc.html" not in animer


def test_catalogue_lists_every_document_under_its_nature(mini_site: Path) -> None:
    page = soup(mini_site / "catalogue" / "index.html")
    hrefs = [a["href"] for a in page.select("article a[href^='../documents/']")]
    assert hrefs == [f"../documents/{i}.html" for i in ("referentiel", "film", "mooc", "etude", "phare", "guide")]
    assert page.find(id="boite-a-outils") is not None


def test_document_page(mini_site: Path) -> None:
    page = soup(mini_site / "documents" / "mooc.html")
    text = page.select_one("article").get_text(" ", strip=True)
    assert page.find("h1").get_text(strip=True).rstrip("¶") == "Se former aux enjeux des partenariats"
    assert "ESSEC, Le RAMEAU" in text and "2015" in text and "Méthode — Se former" in text
    assert "Un MOOC sur les partenariats associations-entreprises." in text
    # its two paths, with its neighbours along each
    assert "Comprendre — document 3 sur 5" in text and "Accompagner — document 2 sur 3" in text
    assert page.find("a", href="film.html") and page.find("a", href="guide.html")  # neighbours, same folder
    # no link of its own: the page says where to obtain it
    assert "Pour l'obtenir, adressez-vous à son éditeur" in text
    assert page.find("html")["lang"] == "fr"


def test_case_page_shows_every_section(mini_site: Path) -> None:
    page = soup(mini_site / "fiches" / "charenton.html")
    headings = [h.get_text(strip=True).rstrip("¶") for h in page.select("article h2")]
    assert headings == ["Fiche d'identité", "Genèse", "Objectif", "Activités en matière de partenariats",
                        "Résultats", "Prochaines étapes", "Documents du kit liés", "Sources"]
    text = page.select_one("article").get_text(" ", strip=True)
    for fact in ("Charenton-Saint Maurice (Val-de-Marne)", "Collectivité territoriale", "Dialogue territorial",
                 "Expérimentation collective", "142 dirigeants présents.", "Une étude de l'Observatoire en 2010."):
        assert fact in text
    assert page.find("a", href="../documents/etude.html")
    # and the document page links back to the sheet
    assert soup(mini_site / "documents" / "etude.html").find("a", href="../fiches/charenton.html")


def test_abbreviations_are_explained_on_hover(mini_site: Path) -> None:
    abbr = soup(mini_site / "le-kit" / "co-construction.html").find("abbr")
    assert abbr.get_text() == "RSE" and abbr["title"] == "Responsabilité sociétale des entreprises"


def test_documents_and_sheets_stay_out_of_the_sidebar(mini_site: Path) -> None:
    for page in ("index.html", "fiches/charenton.html", "parcours/comprendre.html"):
        nav = soup(mini_site / page).select_one("nav.md-nav--primary")
        assert not nav.find("a", href=lambda h: h and "/documents/" in h or h and h.startswith("documents/"))


def test_failed_build_leaves_the_previous_site_untouched(mini_project: Project, tmp_path: Path) -> None:
    site_dir = tmp_path / "site"
    build(mini_project, site_dir)
    before = tree_digest(site_dir)
    sheet = mini_project.kit_dir / "cas" / "charenton.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("formes: [dialogue-territorial]", "formes: [rien]"), encoding="utf-8")
    with pytest.raises(CatalogueError):
        build(mini_project, site_dir)
    assert tree_digest(site_dir) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []  # no staging left behind


def test_failed_mkdocs_stage_leaves_the_previous_site_untouched(mini_project: Project, tmp_path: Path) -> None:
    site_dir = tmp_path / "site"
    build(mini_project, site_dir)
    before = tree_digest(site_dir)
    page = mini_project.content_dir / "le-kit" / "co-construction.md"
    # An anchor of a generated page: only MkDocs knows them (a missing file is kit check's, builder.validate).
    page.write_text(page.read_text(encoding="utf-8") + "\n[lien cassé](../catalogue/index.md#ancre-absente)\n",
                    encoding="utf-8")
    with pytest.raises(MkDocsFailed) as failure:
        build(mini_project, site_dir)
    assert "ancre-absente" in str(failure.value)
    assert tree_digest(site_dir) == before


def test_cli_build_failure_says_so_in_french(mini_project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mini_project.kit_dir / "cas" / "charenton.yml").write_text("titre: [\n", encoding="utf-8")
    code = main(["--projet", str(mini_project.root), "build", "--site-dir", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code == 1
    assert "kit/cas/charenton.yml:" in err and "Le site n'a pas été modifié." in err
    assert not (tmp_path / "site").exists()


def test_two_builds_are_byte_identical(mini_project: Project, tmp_path: Path, fixed_epoch: str) -> None:
    first = build(mini_project, tmp_path / "one").site_dir
    second = build(mini_project, tmp_path / "two").site_dir
    assert tree_digest(first) == tree_digest(second)
    assert "Édition du 25 novembre 2025" in (first / "index.html").read_text(encoding="utf-8")


def test_another_kit_with_its_own_taxonomy(tmp_path: Path) -> None:
    """The taxonomy is data: a different kit builds with its own natures, families, forms and paths."""
    project = copy_project(FIXTURES / "autre-kit", tmp_path / "autre")
    config, kit = load_kit(project)
    assert [n.id for n in config.taxonomie.natures] == ["etudes", "outils"]
    site_dir = build(project, tmp_path / "site").site_dir
    tabs = [a.get_text(strip=True) for a in soup(site_dir / "index.html").select(".md-tabs__link")]
    assert tabs[:3] == ["Accueil", "Découvrir", "Agir"]
    path_page = soup(site_dir / "itineraires" / "agir.html")
    assert [h.get_text(strip=True).rstrip("¶") for h in path_page.select("article h2, article h3")] == [
        "Études", "Outils", "Fiches pratiques"]
    case = soup(site_dir / "experiences" / "jardin-partage.html").get_text(" ", strip=True)
    assert "Coopération de voisinage" in case
    # a value of the first kit's taxonomy is unknown here
    sheet = project.kit_dir / "cas" / "jardin-partage.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("[voisinage]", "[dialogue-territorial]"), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_kit(project)
    assert "« dialogue-territorial » n'est pas une valeur connue. Valeurs possibles : voisinage, reseau." in str(caught.value)


def test_document_page_size_does_not_grow_with_its_case_sheets(mini_project: Project, tmp_path: Path, page) -> None:
    """Past ten sheets, a document page links to the index filtered on it instead of listing them all."""
    cases = mini_project.kit_dir / "cas"
    model = (cases / "charenton.yml").read_text(encoding="utf-8")
    for number in range(1, 16):
        (cases / f"copie-{number:02d}.yml").write_text(
            model.replace('titre: "Agir ensemble à Charenton-Saint Maurice"', f'titre: "Copie {number}"')
            .replace("documents: [etude]", "documents: [guide]"), encoding="utf-8")
    site_dir = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    document = soup(site_dir / "documents" / "guide.html")
    listed = document.select("article a[href^='../fiches/'][href$='.html']")
    assert len(listed) == 10
    more = document.find("a", href="../fiches/index.html?document=guide")
    assert more.get_text(strip=True) == "Voir les 15 fiches liées à ce document"
    page.goto((site_dir / "fiches" / "index.html").as_uri() + "?document=guide")
    page.wait_for_function("() => document.querySelector('form[data-kit-filtres] [role=status]').textContent.includes('15')")
    assert page.locator("form[data-kit-filtres] [role=status]").inner_text().startswith("15 fiches sur 17")


def test_the_command_line_speaks_french_even_for_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0  # « kit » alone prints the help (issue 11)
    assert capsys.readouterr().out.startswith("utilisation : kit ")
    with pytest.raises(SystemExit) as missing:
        main(["new-case"])
    assert missing.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : kit new-case ") and "kit new-case : erreur : arguments obligatoires manquants : SLUG" in err
    with pytest.raises(SystemExit):
        main(["serve", "--port", "abc"])
    assert "kit serve : erreur : argument --port : nombre entier attendu, pas « abc »" in capsys.readouterr().err
