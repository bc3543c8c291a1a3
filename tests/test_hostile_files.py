"""Files a hostile pull request could add under kit/ and content/ (issue 18, « Files »):
links, devices and FIFOs, script-bearing types, names other systems cannot open, sizes,
sheets that would be lost or overwritten, and files made to stall ``kit check``.

Each is refused by ``kit check`` naming the file, and nothing of it reaches the built site.
Inputs that could hang are checked in a subprocess with a timeout (a guard against a hang,
not a timing): a regression then fails instead of blocking the suite."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from builder import files
from builder.build import build
from builder.cli import main
from builder.config import Project
from builder.files import FileRefused, FileTooBig, name_refusal, read_bounded
from conftest import FIXTURES, REPO, copy_project

LINK = ("lien symbolique refusé : il pourrait publier un fichier extérieur au projet ; remplacez le lien par une copie "
        "du fichier lui-même.")
SPECIAL = ("ce n'est pas un fichier ordinaire (périphérique, tube nommé ou socket) : retirez-le ; le catalogue ne "
           "contient que des fichiers ordinaires.")
CHECK_END = "Corrigez ces erreurs puis relancez « kit check »."


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return copy_project(FIXTURES / "mini", tmp_path / "projet")


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["--projet", str(root), "check"])
    return code, capsys.readouterr().err.splitlines()


def check_in_subprocess(root: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "builder", "--projet", str(root), "check"],
                          capture_output=True, text=True, env=env, timeout=timeout)


def name_document_file(project: Project, name: str, document: str = "phare") -> None:
    """documents.yml with the document ``document`` naming ``name`` as its local file."""
    path = project.kit_dir / "documents.yml"
    text = path.read_text(encoding="utf-8")
    old = "  lien: http://www.lerameau.fr/le-programme-phare/"
    assert old in text and document == "phare"
    path.write_text(text.replace(old, f"  fichier: {name}"), encoding="utf-8")


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


# --- links, devices, FIFOs ---------------------------------------------------------------------


def test_links_anywhere_under_kit_and_content_are_refused_by_name(project: Project, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "dehors"
    outside.mkdir()
    (outside / "secret.txt").write_text("CLE_SECRETE=42\n", encoding="utf-8")
    fichiers = project.kit_dir / "fichiers"
    fichiers.mkdir()
    (fichiers / "environnement.txt").symlink_to("/proc/self/environ")
    (fichiers / "mots-de-passe.txt").symlink_to("/etc/passwd")
    (fichiers / "dossier").symlink_to(outside, target_is_directory=True)
    (fichiers / "config.txt").symlink_to("../../.git/config")  # relative, dangling here: refused all the same
    (project.content_dir / "le-kit" / "annexe.md").symlink_to(outside / "secret.txt")
    (project.kit_dir / "glossaire-lien.yml").symlink_to(outside / "secret.txt")
    code, lines = check(project.root, capsys)
    assert code == 1
    for name in ("kit/fichiers/environnement.txt", "kit/fichiers/mots-de-passe.txt", "kit/fichiers/dossier",
                 "kit/fichiers/config.txt", "content/le-kit/annexe.md", "kit/glossaire-lien.yml"):
        assert f"{name} : {LINK}" in lines
    assert lines[-2:] == ["6 erreurs trouvées.", CHECK_END]
    assert not any("CLE_SECRETE" in line or "root:" in line for line in lines)


def test_a_case_sheet_linked_to_dev_zero_is_refused_without_reading_it(project: Project) -> None:
    (project.kit_dir / "cas" / "zero.yml").symlink_to("/dev/zero")
    result = check_in_subprocess(project.root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"kit/cas/zero.yml : {LINK}"


def test_fifos_are_refused_without_blocking(project: Project) -> None:
    os.mkfifo(project.content_dir / "tube.md")
    os.mkfifo(project.kit_dir / "cas" / "tube.yml")
    (project.kit_dir / "chiffres.yml").unlink()
    os.mkfifo(project.kit_dir / "chiffres.yml")  # a file the loader reads by name
    result = check_in_subprocess(project.root)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for name in ("content/tube.md", "kit/cas/tube.yml", "kit/chiffres.yml"):
        assert f"{name} : {SPECIAL}" in lines
    assert "Traceback" not in result.stderr


def test_read_bounded_checks_the_opened_file_not_the_path(tmp_path: Path) -> None:
    (tmp_path / "zero.yml").symlink_to("/dev/zero")
    with pytest.raises(FileRefused, match="lien symbolique"):
        read_bounded(tmp_path / "zero.yml", 1000)
    with pytest.raises(FileRefused, match="pas un fichier ordinaire"):
        read_bounded(Path("/dev/zero"), 1000)  # a device named directly: fstat, not the size of the path
    os.mkfifo(tmp_path / "tube")
    with pytest.raises(FileRefused, match="pas un fichier ordinaire"):
        read_bounded(tmp_path / "tube", 1000)  # O_NONBLOCK: no writer, no wait
    (tmp_path / "gros.md").write_bytes(b"x" * 1001)
    with pytest.raises(FileTooBig) as refused:
        read_bounded(tmp_path / "gros.md", 1000)
    assert refused.value.size == 1001
    (tmp_path / "juste.md").write_bytes(b"y" * 1000)
    assert read_bounded(tmp_path / "juste.md", 1000) == b"y" * 1000


# --- types, references, sizes ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["page.html", "dessin.svg", "script.js", "note.md", "page.xhtml", "sans-extension",
                                  "carte.SVG", "ancien.doc"])
def test_types_outside_the_document_list_are_refused(project: Project, name: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    fichiers = project.kit_dir / "fichiers"
    fichiers.mkdir()
    (fichiers / name).write_text("<svg onload=alert(1)><script>alert(1)</script></svg>", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0].startswith(f"kit/fichiers/{name} : type de fichier ")
    assert "refusé dans kit/fichiers/ : seuls ces formats sont publiés : csv, docx," in lines[0]
    assert lines[1:] == ["1 erreur trouvée.", CHECK_END]


def test_a_script_page_in_content_is_refused(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    (project.content_dir / "piege.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0].startswith("content/piege.html : type de fichier « .html » refusé dans content/ : ")


def test_only_referenced_regular_documents_are_published(project: Project, tmp_path: Path) -> None:
    fichiers = project.kit_dir / "fichiers"
    (fichiers / "annexes").mkdir(parents=True)
    (fichiers / "rapport.pdf").write_bytes(b"%PDF-1.4 rapport")
    (fichiers / "brouillon.odt").write_bytes(b"PK brouillon")  # allowed type, named by no document
    (fichiers / "annexes" / "tableau.csv").write_text("a;b\n", encoding="utf-8")
    (fichiers / ".gitkeep").write_bytes(b"")
    (project.content_dir / ".cache.md").write_text("# cache\n", encoding="utf-8")
    name_document_file(project, "rapport.pdf")
    result = build(project, tmp_path / "site")
    published = site_files(result.site_dir)
    assert "fichiers/rapport.pdf" in published
    assert (result.site_dir / "fichiers" / "rapport.pdf").read_bytes() == b"%PDF-1.4 rapport"
    assert not {"fichiers/brouillon.odt", "fichiers/annexes/tableau.csv", "fichiers/.gitkeep"} & published
    assert not any(".cache" in p for p in published)
    with zipfile.ZipFile(result.archive) as archive:
        names = archive.namelist()
    assert any(n.endswith("fichiers/rapport.pdf") for n in names)
    assert not any("brouillon" in n or "tableau" in n for n in names)


def test_the_copy_itself_never_follows_a_link(project: Project, tmp_path: Path) -> None:
    """Even if a link appears after ``kit check`` (between check and build), the copy refuses it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("CLE_SECRETE=42\n", encoding="utf-8")
    (project.content_dir / "fuite.md").symlink_to(secret)
    target = tmp_path / "docs"
    with pytest.raises(Exception) as refused:
        files.copy_content(project.content_dir, target, project.root)
    assert f"content/fuite.md : {LINK}" in str(refused.value)
    assert not (target / "fuite.md").exists()
    fichiers = project.kit_dir / "fichiers"
    fichiers.mkdir()
    (fichiers / "rapport.pdf").symlink_to(secret)
    with pytest.raises(Exception) as refused:
        files.publish_files(["rapport.pdf"], fichiers, tmp_path / "publies", project.root)
    assert f"kit/fichiers/rapport.pdf : {LINK}" in str(refused.value)
    assert not (tmp_path / "publies" / "rapport.pdf").exists()


def test_a_total_size_limit_for_kit_fichiers(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    fichiers = project.kit_dir / "fichiers"
    fichiers.mkdir()
    for number in range(6):  # 6 × 19 MB, each under the 20 MB limit of one file; sparse, nothing on disk
        with (fichiers / f"partie-{number}.pdf").open("wb") as stream:
            stream.truncate(19_000_000)
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == ("kit/fichiers : les fichiers de kit/fichiers/ pèsent ensemble 114 Mo (maximum 100 Mo) : ils sont "
                        "tous publiés et mis dans l'édition hors ligne ; déposez les plus gros ailleurs et indiquez "
                        "leur adresse avec « lien ».")


def test_a_huge_markdown_page_in_content_is_refused(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    with (project.content_dir / "enorme.md").open("w", encoding="utf-8") as stream:
        stream.write("---\ntitle: Énorme\n---\n" + "mot " * 400_000)
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0].startswith("content/enorme.md : fichier trop gros (1,6 Mo, maximum 1 Mo).")


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, reason", [
    ("con.pdf", "« con » est un nom réservé sous Windows"),
    ("AUX.txt", "« AUX » est un nom réservé sous Windows"),
    ("nul", "« nul » est un nom réservé sous Windows"),
    ("com1.pdf", "« com1 » est un nom réservé sous Windows"),
    ("LPT9.png", "« LPT9 » est un nom réservé sous Windows"),
    ("rapport.pdf.", "il finit par un point ou une espace"),
    ("rapport.pdf ", "il finit par un point ou une espace"),
    ("a\\b.pdf", "le caractère « \\ » est interdit sous Windows"),
    ("question?.pdf", "le caractère « ? » est interdit sous Windows"),
    ("deux:points.pdf", "le caractère « : » est interdit sous Windows"),
    ("ligne\nsuite.pdf", "caractère de contrôle (U+000A)"),
    ("echap\x1b[2J.pdf", "caractère de contrôle (U+001B)"),
])
def test_names_other_systems_cannot_open_are_refused(project: Project, name: str, reason: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    fichiers = project.kit_dir / "fichiers"
    fichiers.mkdir()
    (fichiers / name).write_bytes(b"%PDF-1.4")
    code, lines = check(project.root, capsys)
    assert code == 1
    shown = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\x1b", "\\x1b") if name != "a\\b.pdf" else name
    assert any(line.startswith(f"kit/fichiers/{shown} : nom de fichier refusé") and reason in line for line in lines), lines
    assert all("\x1b" not in line for line in lines)


def test_name_rules_accept_ordinary_names() -> None:
    for name in ("rapport-2024.pdf", "Étude_finale.odt", "console.pdf", "auxiliaire.txt", "com10.pdf", ".gitkeep"):
        assert name_refusal(name) is None, name


def test_names_differing_only_by_case_or_accents_are_refused(project: Project,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    fichiers = project.kit_dir / "fichiers"
    fichiers.mkdir()
    (fichiers / "Rapport.pdf").write_bytes(b"%PDF-1.4")
    (fichiers / "rapport.pdf").write_bytes(b"%PDF-1.4")
    (fichiers / "e\u0301tude.pdf").write_bytes(b"%PDF-1.4")  # decomposed, as macOS writes it
    (fichiers / "\u00e9tude.pdf").write_bytes(b"%PDF-1.4")  # composed
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == ("kit/fichiers/rapport.pdf : nom de fichier refusé : il ne diffère de « Rapport.pdf » que par "
                        "les majuscules ou les accents, et Windows et macOS n'y voient qu'un seul fichier ; renommez "
                        "l'un des deux.")
    assert sum("ne diffère de" in line for line in lines) == 2


# --- sheets that would be lost or overwritten --------------------------------------------------


@pytest.mark.parametrize("slug", ["index", "flux"])
def test_sheet_names_of_generated_pages_are_refused(project: Project, slug: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(project.kit_dir / "cas" / "charenton.yml", project.kit_dir / "cas" / f"{slug}.yml")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == (f"kit/cas/{slug}.yml : nom de fiche « {slug} » réservé : le site écrit déjà une page "
                        f"fiches/{slug}.html, que cette fiche écraserait ; renommez le fichier (par exemple "
                        f"« {slug}-territoire.yml »).")


def test_a_sheet_named_like_a_content_page_of_its_folder_is_refused(project: Project,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # The page of content/ is the intruder at the sheet's address: the error names it, not the sheet.
    (project.content_dir / "fiches").mkdir()
    (project.content_dir / "fiches" / "methode.md").write_text("---\ntitle: Méthode\n---\n\nTexte.\n", encoding="utf-8")
    shutil.copy(project.kit_dir / "cas" / "charenton.yml", project.kit_dir / "cas" / "methode.yml")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0].startswith("content/fiches/methode.md : cette page a l'adresse d'une page produite par le site "
                               "(fiches/methode.html)")
    assert not any(line.startswith("kit/cas/methode.yml") for line in lines)


def test_sheets_in_sub_folders_are_reported(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    nested = project.kit_dir / "cas" / "alsace" / "2024"
    nested.mkdir(parents=True)
    shutil.copy(project.kit_dir / "cas" / "charenton.yml", nested / "labo.yml")
    shutil.copy(project.kit_dir / "cas" / "charenton.yml", nested.parent / "strasbourg.yml")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[:2] == [
        "kit/cas/alsace/2024/labo.yml : fichier ignoré : les fiches sont lues dans kit/cas/ même, pas dans ses "
        "sous-dossiers ; déplacez-le dans kit/cas/ (« kit/cas/labo.yml »).",
        "kit/cas/alsace/strasbourg.yml : fichier ignoré : les fiches sont lues dans kit/cas/ même, pas dans ses "
        "sous-dossiers ; déplacez-le dans kit/cas/ (« kit/cas/strasbourg.yml »).",
    ]


@pytest.mark.parametrize("day", ["2999-12-31", "2100-01-01"])
def test_a_date_added_in_the_future_is_refused(project: Project, day: str, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = project.kit_dir / "cas" / "charenton.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("date_ajout: 2026-11-25", f"date_ajout: {day}"),
                     encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0].startswith(f"kit/cas/charenton.yml:24 : « date_ajout » : le {day} est postérieur à la date de "
                               "construction du site (")


def test_a_date_added_today_is_accepted(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    sheet = project.kit_dir / "cas" / "charenton.yml"
    today = dt.date.today().isoformat()
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("date_ajout: 2026-11-25", f"date_ajout: {today}"),
                     encoding="utf-8")
    assert check(project.root, capsys)[0] == 0


# --- bounded work ------------------------------------------------------------------------------


def test_many_unknown_keys_are_counted_not_all_named(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = project.kit_dir / "cas" / "charenton.yml"
    (project.kit_dir / "cas" / "cles.yml").write_text(
        sheet.read_text(encoding="utf-8") + "".join(f"inconnue{n}: x\n" for n in range(5_000)), encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    named = [line for line in lines if "clé inconnue « inconnue" in line]
    assert len(named) == 10
    assert lines[0] == ("kit/cas/cles.yml:1 : 5000 clés inconnues dans ce bloc (4990 de plus que les 10 nommées) : "
                        "retirez-les ; les clés possibles sont celles du modèle créé par « kit new-case ».")
    assert lines[-2] == "11 erreurs trouvées."


def test_99000_unknown_keys_in_under_1_mb_do_not_stall_kit_check(project: Project) -> None:
    sheet = project.kit_dir / "cas" / "charenton.yml"
    target = project.kit_dir / "cas" / "cles.yml"
    target.write_text(sheet.read_text(encoding="utf-8") + "".join(f"k{n}: 1\n" for n in range(99_000)),
                      encoding="utf-8")
    assert target.stat().st_size < 1_000_000
    result = check_in_subprocess(project.root, timeout=60)  # took 260 s before
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(
        "kit/cas/cles.yml:20006 : fichier trop chargé (plus de 40\u202f000 clés, valeurs et éléments de liste)")
    assert len(result.stderr.splitlines()) == 3


@pytest.mark.parametrize("text, message", [
    ("<a\t" * 6_000, "« genese » : trop de chevrons « < » (6000, 100 au plus)"),
    ("<abbr\t" * 3_000, "« genese » : trop de chevrons « < » (3000, 100 au plus)"),
    ("1. " * 2_000 + "fin", "« genese » : imbrication trop profonde (plus de 20 listes ou citations"),
    ("+ " * 5_000 + "fin", "« genese » : imbrication trop profonde (plus de 20 listes ou citations"),
    ("> " * 9_000 + "fin", "« genese » : imbrication trop profonde (plus de 20 listes ou citations"),
], ids=["a-tabulation", "abbr-tabulation", "listes-numerotees", "listes-plus", "citations"])
def test_markdown_that_would_stall_or_crash_the_parser_is_refused(project: Project, text: str, message: str) -> None:
    import json

    sheet = project.kit_dir / "cas" / "charenton.yml"
    lines = sheet.read_text(encoding="utf-8").splitlines()
    start = lines.index("genese: |")
    lines[start:start + 2] = [f"genese: {json.dumps(text)}"]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check_in_subprocess(project.root, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(f"kit/cas/charenton.yml:10 : {message}")


def test_the_fixture_kits_are_still_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("mini", "autre-kit"):
        assert main(["--projet", str(FIXTURES / name), "check"]) == 0, capsys.readouterr().err


def test_checked_files_keep_their_mode(project: Project) -> None:
    """The check opens nothing for writing: a read-only catalogue is checked as it is."""
    sheet = project.kit_dir / "cas" / "charenton.yml"
    sheet.chmod(0o444)
    before = sheet.stat()
    assert main(["--projet", str(project.root), "check"]) == 0
    after = sheet.stat()
    assert stat.S_IMODE(after.st_mode) == 0o444 and after.st_mtime == before.st_mtime


def test_links_in_the_project_theme_are_refused(project: Project, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """MkDocs copies theme files following links: a link there would publish its target too."""
    assets = project.root / "theme" / "assets"
    assets.mkdir(parents=True)
    (assets / "environnement.txt").symlink_to("/proc/self/environ")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == f"theme/assets/environnement.txt : {LINK}"


def test_a_huge_document_in_content_is_refused(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    with (project.content_dir / "annexe.pdf").open("wb") as stream:
        stream.truncate(21_000_000)  # sparse
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == ("content/annexe.pdf : fichier trop gros (21 Mo, maximum 20 Mo). Déposez-le ailleurs et donnez "
                        "son adresse dans la page.")


def test_markup_and_template_in_a_content_page_front_matter_are_refused(project: Project, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Material prints page.meta unescaped before the content (a <script> there would be hashed
    by the policy as the theme's), and « template » would drop the policy's content boundary."""
    (project.content_dir / "annonce.md").write_text(
        "---\ntitle: Annonce\nhide: [toc]\ndescription: 'Rencontre\"><script>fetch(\"/x\")</script>'\n---\n\nTexte.\n",
        encoding="utf-8")
    (project.content_dir / "le-kit" / "gabarit.md").write_text(
        "---\ntitle: Gabarit\ntemplate: blog.html\n---\n\n<script>document.title = 1</script>\n", encoding="utf-8")
    (project.content_dir / "liste.md").write_text(
        "---\ntitle: Liste\nhide:\n  - '<img src=x>'\n---\n\nTexte.\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    refused = ("refusé dans l'en-tête de la page (entre les lignes « --- ») : le thème l'écrit tel quel dans le HTML ; "
               "écrivez les guillemets « » et retirez les balises.")
    assert lines[:4] == [
        f"content/annonce.md:4 : caractère « < » {refused}",
        "content/le-kit/gabarit.md:3 : la clé « template » est refusée dans l'en-tête d'une page : toutes les pages "
        "utilisent le gabarit du site ; retirez cette ligne.",
        "content/le-kit/gabarit.md:6 : HTML « <script> » refusé : les pages s'écrivent en Markdown (**gras**, "
        "*italique*, listes « - », liens [texte](https://…)) ; retirez la balise.",
        f"content/liste.md:4 : caractère « < » {refused}",
    ]
    site = tmp_path / "site"
    from builder.loader import CatalogueError

    with pytest.raises(CatalogueError):
        build(project, site_dir=site)
    assert not (site / "annonce.html").exists()
    # Apostrophes, « » and ampersands stay welcome.
    for name in ("annonce.md", "liste.md", "le-kit/gabarit.md"):
        (project.content_dir / name).unlink()
    (project.content_dir / "annonce.md").write_text(
        "---\ntitle: L'annonce\ndescription: « Rencontre » R&D > tout\n---\n\nTexte.\n", encoding="utf-8")
    assert check(project.root, capsys)[0] == 0


def test_nested_aliases_in_a_content_page_front_matter_are_refused_without_walking_them(project: Project) -> None:
    """Ten lines of nested aliases are 10^10 values for the front-matter checks (duplicate keys,
    markup): refused from the parse events, in a subprocess guarded by a timeout."""
    rows = ["p0: &p0 [rire, rire, rire, rire, rire, rire, rire, rire, rire, rire]"]
    rows += [f"p{n}: &p{n} [{', '.join([f'*p{n - 1}'] * 10)}]" for n in range(1, 10)]
    (project.content_dir / "rires.md").write_text("---\ntitle: Rires\n" + "\n".join(rows) + "\n---\n\nTexte.\n",
                                                  encoding="utf-8")
    result = check_in_subprocess(project.root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "content/rires.md:4 : raccourci YAML (ancre « &nom » et alias « *nom ») refusé dans l'en-tête de la page : "
        "recopiez la valeur elle-même (une valeur qui commence par « * » ou « & » se met entre guillemets).")


def test_content_pages_at_the_address_of_a_generated_page_are_refused(project: Project,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The builder writes its pages over content/'s copy: such a page vanished without a word."""
    names = ("documents/guide.md", "parcours/animer.md", "catalogue/index.md", "fiches/index.md", "le-kit/glossaire.md")
    for name in names:
        (project.content_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (project.content_dir / name).write_text("---\ntitle: Remplacée\n---\n\nTexte.\n", encoding="utf-8")
    (project.content_dir / "documents" / "guide-bis.md").write_text("---\ntitle: Voisine\n---\n\nTexte.\n",
                                                                    encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[:-2] == [f"content/{name} : cette page a l'adresse d'une page produite par le site "
                          f"({name.removesuffix('.md')}.html), qui la remplacerait sans rien dire : renommez-la ou "
                          "déplacez-la." for name in sorted(names)]


def test_multimarkdown_meta_lines_follow_the_front_matter_rules(project: Project,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Without « --- », MkDocs reads a page's first « clé: valeur » lines as its meta-data."""
    (project.content_dir / "sans-tirets.md").write_text(
        "Title: Sans tirets\nDescription: Atelier\"><script>fetch(\"/y\")</script>\nTemplate: blog.html\n\n# Sans tirets\n",
        encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[:2] == [
        "content/sans-tirets.md:2 : caractère « < » refusé dans l'en-tête de la page (ses premières lignes « clé: "
        "valeur », que MkDocs lit comme un en-tête) : le thème l'écrit tel quel dans le HTML ; écrivez les guillemets "
        "« » et retirez les balises.",
        "content/sans-tirets.md:3 : la clé « template » est refusée dans l'en-tête d'une page : toutes les pages "
        "utilisent le gabarit du site ; retirez cette ligne.",
    ]
    (project.content_dir / "sans-tirets.md").write_text("Title: Sans tirets\nDescription: L'atelier, R&D\n\nTexte.\n",
                                                        encoding="utf-8")
    assert check(project.root, capsys)[0] == 0
