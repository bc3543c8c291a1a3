"""The offline edition as files: what the zip holds, that it is reproducible, and that
every internal link and resource of the unpacked folder resolves to a file inside it."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import EPOCH, FIXTURES, copy_project
from offline_support import ARCHIVE, TOP, css_urls, is_outside, page_links, unpack

from builder import links
from builder.build import build, build_offline_edition
from builder.cli import main
from builder.package import size_label

ONLINE = "https://coconstructionterritoriale.github.io/kit/"
NOTE = "(nécessite une connexion internet)"
RESOURCE_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch", "apple-touch-icon"}
PDF = b"%PDF-1.4\n% fichier de test\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a3e1c1e90000000049454e44ae426082"
)


def enrich(project_root: Path) -> None:
    """The mini kit plus what the real one lacks today: a local document file, an image,
    external links in Markdown text (content page and case sheet), a raw link to the zip."""
    (project_root / "kit" / "fichiers").mkdir(parents=True)
    (project_root / "kit" / "fichiers" / "referentiel.pdf").write_bytes(PDF)
    documents = project_root / "kit" / "documents.yml"
    text = documents.read_text(encoding="utf-8")
    documents.write_text(text.replace("  mois: 11\n", "  mois: 11\n  fichier: referentiel.pdf\n", 1), encoding="utf-8")
    (project_root / "content" / "le-kit" / "images").mkdir()
    (project_root / "content" / "le-kit" / "images" / "schema.png").write_bytes(PNG)
    page = project_root / "content" / "le-kit" / "co-construction.md"
    page.write_text(
        page.read_text(encoding="utf-8")
        + "\n![Schéma de la co-construction](images/schema.png)\n\n"
        "Le site du [RAMEAU](http://www.lerameau.fr/) et [un autre](https://example.org/page?a=1&b=2).\n",
        encoding="utf-8",
    )
    sheet = project_root / "kit" / "cas" / "charenton.yml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace(
            "  142 dirigeants présents.\n", "  142 dirigeants présents ([compte rendu](https://example.org/compte-rendu)).\n"
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("offline-rich")
    project = copy_project(FIXTURES / "mini", root / "mini")
    enrich(project.root)
    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    return build(project, root / "site").site_dir


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory, real_site: Path, mini_site: Path, rich_site: Path) -> dict[str, Path]:
    sites = {"réel": real_site, "mini": mini_site, "enrichi": rich_site}
    return {name: unpack(site / ARCHIVE, tmp_path_factory.mktemp(f"unpacked-{i}")) for i, (name, site) in enumerate(sites.items())}


# --- the crawl: every internal href/src (HTML) and url() (CSS) resolves inside the folder ---


def check_reference(root: Path, source: Path, url: str, ids: dict[Path, set[str]], is_resource: bool) -> str | None:
    where = source.relative_to(root).as_posix()
    if url.startswith("#"):
        fragment = unquote(url[1:])
        return None if not fragment or fragment in ids[source] else f"{where} : ancre absente {url}"
    if is_outside(url):
        scheme = url.split(":", 1)[0].lower()
        if is_resource and scheme != "data":
            return f"{where} : ressource chargée hors du dossier {url}"
        return f"{where} : lien {url}" if scheme == "javascript" else None
    parts = urlsplit(url)
    target = (source.parent / unquote(parts.path)).resolve()
    if not target.is_relative_to(root.resolve()):
        return f"{where} : {url} sort du dossier"
    if not target.is_file():
        return f"{where} : {url} ne mène à aucun fichier"
    if parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids.setdefault(target, page_links(target.read_text(encoding="utf-8"))[1]):
        return f"{where} : ancre absente {url}"
    return None


def crawl(root: Path) -> tuple[int, list[str]]:
    problems: list[str] = []
    checked = 0
    ids: dict[Path, set[str]] = {}
    for source in sorted(root.rglob("*")):
        if source.suffix == ".html":
            references, ids[source.resolve()], styles = page_links(source.read_text(encoding="utf-8"))
            found = [(r.value, r.tag != "a" and not (r.tag == "link" and not (set(r.rel.split()) & RESOURCE_RELS))) for r in references]
            found += [(u, True) for css in styles for u in css_urls(css)]
        elif source.suffix == ".css":
            found = [(u, True) for u in css_urls(source.read_text(encoding="utf-8"))]
        else:
            continue
        for url, is_resource in found:
            checked += 1
            problem = check_reference(root, source.resolve(), url, ids, is_resource)
            if problem:
                problems.append(problem)
    return checked, problems


@pytest.mark.parametrize("kit", ["réel", "mini", "enrichi"])
def test_every_internal_link_and_resource_resolves_inside_the_unpacked_folder(unpacked: dict[str, Path], kit: str) -> None:
    checked, problems = crawl(unpacked[kit])
    assert checked > 500, f"trop peu de liens vérifiés ({checked}) : le parcours ne lit pas les pages"
    assert problems == [], "\n".join(problems[:30])


def test_crawl_notices_a_broken_link_and_an_external_resource(unpacked: dict[str, Path], tmp_path: Path) -> None:
    # The crawl itself must be able to fail: a page with a missing file and a CDN script.
    root = tmp_path / TOP
    root.mkdir()
    (root / "index.html").write_text(
        '<a href="absent.html">x</a><script src="https://cdn.example.org/x.js"></script>'
        '<style>body{background:url(img/absente.png)}</style><a href="#nulle-part">y</a>', encoding="utf-8"
    )
    _, problems = crawl(root)
    assert len(problems) == 4, problems


# --- what the zip holds ---


def zip_names(site: Path) -> list[str]:
    with zipfile.ZipFile(site / ARCHIVE) as opened:
        return opened.namelist()


def test_zip_has_one_top_folder_a_readme_first_and_the_site(real_site: Path) -> None:
    names = zip_names(real_site)
    assert names[0] == f"{TOP}/LISEZMOI.txt"
    assert all(n.startswith(f"{TOP}/") for n in names)
    assert names[1:] == sorted(names[1:]), "entrées dans un ordre stable (triées)"
    for page in ("index.html", "parcours/comprendre.html", "catalogue/index.html", "fiches/index.html",
                 "documents/rex-charenton.html", "fiches/agir-ensemble-charenton.html", "assets/css/kit-edition.css"):
        assert f"{TOP}/{page}" in names, page


def test_zip_leaves_out_itself_and_what_readers_do_not_need(real_site: Path, rich_site: Path) -> None:
    for site in (real_site, rich_site):
        names = [n.removeprefix(f"{TOP}/") for n in zip_names(site)]
        assert ARCHIVE not in names and not [n for n in names if n.endswith(".zip")]
        assert not [n for n in names if n.endswith((".map", ".gz"))], "cartes de sources ou fichiers compressés"
        assert not {"sitemap.xml", "404.html"} & set(names)
        assert not [n for n in names if any(part.startswith(".") for part in n.split("/"))]
        # Material's own search (worker, lunr in 30 languages) is not the site's: left out.
        assert 'data-md-component="search"' not in (site / "index.html").read_text(encoding="utf-8")
        assert not [n for n in names if n.startswith(("assets/javascripts/lunr/", "assets/javascripts/workers/"))]
        # Everything else of the built site is there.
        on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
        missing = {n for n in on_disk - set(names)
                   if not re.search(r"(\.map|\.gz|\.zip|^sitemap\.xml|^404\.html|^\.kit-site|^assets/javascripts/(lunr|workers)/.*)$", n)}
        assert missing == set()


def test_with_material_search_the_zip_keeps_its_worker_and_the_site_language_only() -> None:
    import yaml

    from builder.config import SiteConfig
    from builder.package import is_packed

    config = SiteConfig.model_validate(yaml.safe_load((Path(__file__).parent.parent / "site_config.yml").read_text(encoding="utf-8")))
    lunr = "assets/javascripts/lunr/"
    kept = [f for f in (f"{lunr}min/lunr.fr.min.js", f"{lunr}min/lunr.de.min.js", f"{lunr}min/lunr.stemmer.support.min.js",
                        f"{lunr}min/lunr.multi.min.js", f"{lunr}tinyseg.js", "assets/javascripts/workers/search.a1.min.js")
            if is_packed(f, config, material_search=True)]
    assert kept == [f"{lunr}min/lunr.fr.min.js", f"{lunr}min/lunr.stemmer.support.min.js", f"{lunr}min/lunr.multi.min.js",
                    "assets/javascripts/workers/search.a1.min.js"]


def test_zip_entries_have_fixed_dates_and_permissions(real_site: Path) -> None:
    with zipfile.ZipFile(real_site / ARCHIVE) as opened:
        infos = opened.infolist()
    assert {i.date_time for i in infos} == {(2025, 11, 25, 0, 0, 0)}  # SOURCE_DATE_EPOCH's day
    assert {i.external_attr >> 16 for i in infos} == {0o644}
    assert {i.create_system for i in infos} == {3}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}


def test_readme_says_what_it_is_how_to_open_it_the_date_and_the_address(real_site: Path) -> None:
    with zipfile.ZipFile(real_site / ARCHIVE) as opened:
        text = opened.read(f"{TOP}/LISEZMOI.txt").decode("utf-8-sig")
    assert "édition hors ligne" in text
    assert "Décompressez" in text and "index.html" in text
    assert "25 novembre 2025" in text
    assert ONLINE in text
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # Windows line ends throughout


# --- the pages: online edition and offline edition ---


def read_zip_page(site: Path, page: str) -> str:
    with zipfile.ZipFile(site / ARCHIVE) as opened:
        return opened.read(f"{TOP}/{page}").decode("utf-8")


def test_online_pages_link_the_zip_with_its_size_in_mo(real_site: Path) -> None:
    label = size_label(real_site / ARCHIVE)
    assert re.fullmatch(r"\d+,\d Mo", label)
    home = (real_site / "index.html").read_text(encoding="utf-8")
    assert f'href="{ARCHIVE}"' in home
    label = label.replace(" ", "\u00a0")  # in the pages, a no-break space before the unit (builder/typography.py)
    assert home.count(f"(zip, {label})") == 2  # the home block and the footer
    for page in ("documents/rex-charenton.html", "fiches/flda.html", "le-kit/genese.html"):
        html = (real_site / page).read_text(encoding="utf-8")
        assert f'href="../{ARCHIVE}" download>Télécharger l\'édition hors ligne (zip, {label})</a>' in html, page
    assert not [p for p in real_site.rglob("*.html") if "<!--kit:taille-->" in p.read_text(encoding="utf-8")]


def test_offline_pages_say_which_edition_instead_of_linking_the_zip(real_site: Path) -> None:
    for page in ("index.html", "documents/rex-charenton.html", "fiches/flda.html"):
        html = read_zip_page(real_site, page)
        assert ".zip" not in html, page
        assert "<!--kit:" not in html, page
        assert "Vous lisez l'édition hors ligne du kit, datée du 25 novembre 2025." in html
        assert f'<a class="kit-externe" href="{ONLINE}">{ONLINE}<span class="kit-externe__note"> {NOTE}</span></a>' in html


def external_anchors(html: str) -> list[tuple[dict[str, str | None], str]]:
    """(attributes, inner HTML) of every link to another site."""
    found = []
    for match in re.finditer(r"<a\s([^>]*)>(.*?)</a>", html, re.DOTALL):
        href = re.search(r'href="([^"]*)"', match.group(1))
        if href and re.match(r"^(https?:)?//", href.group(1)):
            found.append((match.group(1), match.group(2)))
    return found


@pytest.mark.parametrize("edition", ["en ligne", "hors ligne"])
def test_every_external_link_is_marked_as_needing_internet(real_site: Path, rich_site: Path, edition: str) -> None:
    count = 0
    for site in (real_site, rich_site):
        with zipfile.ZipFile(site / ARCHIVE) as opened:
            pages = {n.removeprefix(f"{TOP}/") for n in opened.namelist() if n.endswith(".html")}
            for page in sorted(pages):
                html = (site / page).read_text(encoding="utf-8") if edition == "en ligne" else opened.read(f"{TOP}/{page}").decode("utf-8")
                for attributes, inner in external_anchors(html):
                    count += 1
                    assert re.search(r'class="[^"]*\bkit-externe\b', attributes), (page, attributes)
                    assert inner.count(NOTE) == 1, (page, inner)
    assert count > 40
    # Links written in Markdown text (content page, case sheet) are among them.
    charenton = (rich_site / "fiches/charenton.html").read_text(encoding="utf-8")
    assert f'compte rendu<span class="kit-externe__note"> {NOTE}</span></a>' in charenton
    genese = (real_site / "le-kit/genese.html").read_text(encoding="utf-8")
    assert f'class="kit-externe">http://www.lerameau.fr/le-programme-phare/<span class="kit-externe__note"> {NOTE}' in genese


def test_local_document_files_and_images_are_in_the_zip(rich_site: Path) -> None:
    names = zip_names(rich_site)
    assert f"{TOP}/fichiers/referentiel.pdf" in names
    assert f"{TOP}/le-kit/images/schema.png" in names
    page = read_zip_page(rich_site, "documents/referentiel.html")
    assert 'href="../fichiers/referentiel.pdf"' in page


# --- reproducibility and `kit zip` ---


def test_two_builds_with_source_date_epoch_give_byte_identical_zips(tmp_path: Path, fixed_epoch: str) -> None:
    zips = []
    for name in ("un", "deux"):
        project = copy_project(FIXTURES / "mini", tmp_path / name / "projet")
        enrich(project.root)
        zips.append((build(project, tmp_path / name / "site").archive).read_bytes())
    assert zips[0] == zips[1]


def test_kit_zip_writes_the_same_zip_as_kit_build_and_leaves_site_alone(tmp_path: Path, fixed_epoch: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    built = build(project, tmp_path / "projet" / "site")
    before = {p: p.stat().st_mtime_ns for p in built.site_dir.rglob("*")}
    target = tmp_path / "sortie" / "kit.zip"
    assert main(["--projet", str(project.root), "zip", "--sortie", str(target)]) == 0
    assert target.read_bytes() == built.archive.read_bytes()
    assert {p: p.stat().st_mtime_ns for p in built.site_dir.rglob("*")} == before
    assert "Édition hors ligne" in capsys.readouterr().out
    default = build_offline_edition(project)
    assert default == project.root / "kit-co-construction-territoriale.zip"
    assert default.read_bytes() == built.archive.read_bytes()
    assert not list(tmp_path.glob("**/kit-zip-*")), "le dossier temporaire est supprimé"


def test_kit_build_prints_the_zip_and_its_size(tmp_path: Path, fixed_epoch: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    assert main(["--projet", str(project.root), "build", "--site-dir", str(tmp_path / "site")]) == 0
    out = capsys.readouterr().out
    label = size_label(tmp_path / "site" / ARCHIVE)
    assert f"Édition hors ligne : {tmp_path / 'site' / ARCHIVE} ({label})." in out


# --- the link rewriting itself ---


def test_marking_touches_only_external_links_and_is_idempotent() -> None:
    page = ('<p>é <a href="x.html">interne</a> <a class="b" href="https://a.org/?x=1&amp;y=2">A</a>'
            ' <a href="//b.org">B</a> <a href="mailto:x@y.fr">M</a>\n<a href="HTTP://C.ORG" download>C</a></p>')
    marked = links.mark_external_links(page)
    assert marked.count(links.EXTERNAL_NOTE) == 3
    assert '<a class="b kit-externe" href="https://a.org/?x=1&amp;y=2">A' in marked
    assert '<a href="HTTP://C.ORG" download class="kit-externe">C' in marked
    assert '<a href="x.html">interne</a>' in marked and '<a href="mailto:x@y.fr">M</a>' in marked
    assert links.mark_external_links(marked) == marked
    assert links.mark_external_links("<p>rien</p>") == "<p>rien</p>"


def test_link_target_resolves_relative_links_from_the_page() -> None:
    assert links.link_target("fiches/a.html", "../telechargements/k.zip#x") == "telechargements/k.zip"
    assert links.link_target("index.html", "documents/d%C3%A9.html") == "documents/dé.html"
    assert links.link_target("index.html", "#haut") is None
    assert links.link_target("index.html", "https://a.org/k.zip") is None


def test_a_build_without_zip_leaves_no_size_mark_and_no_zip(tmp_path: Path, fixed_epoch: str) -> None:
    # `kit serve` builds without the zip: the footer keeps its link, without a size.
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    result = build(project, tmp_path / "site", with_archive=False)
    assert result.archive is None and not (result.site_dir / ARCHIVE).exists()
    home = (result.site_dir / "index.html").read_text(encoding="utf-8")
    assert "<!--kit:taille-->" not in home and "(zip," not in home
    assert "Télécharger l'édition hors ligne</a>" in home


def test_kit_zip_on_a_broken_catalogue_says_so_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    documents = project.root / "kit" / "documents.yml"
    documents.write_text(documents.read_text(encoding="utf-8").replace("nature: illustrations", "nature: inconnue", 1), encoding="utf-8")
    target = tmp_path / "kit.zip"
    assert main(["--projet", str(project.root), "zip", "--sortie", str(target)]) == 1
    assert "documents.yml" in capsys.readouterr().err
    assert not target.exists() and not list(tmp_path.glob("*.zip*"))


def test_the_first_look_for_links_to_left_out_files_matches_whole_names_only() -> None:
    from builder.package import links_to_any

    pattern = links_to_any({"404.html", "telechargements/kit.zip"})
    assert pattern.search('<a href="../404.html">') and pattern.search("<a href=kit.zip#x>")
    assert not pattern.search('<a href="synthetique-00404.html">')  # would parse 2,000 pages for nothing
    assert not pattern.search('"search": "kit.zip"')  # only links count
