"""Issue 18, second audit: the paths around the sanitiser that the first round left open.

- site_config.yml's texts are printed by MkDocs' theme into every page unescaped (the
  site's name in ``<title>``, its description and author in ``<meta content="…">``, tab
  titles): a ``</title><script>`` there was even hashed by the Content-Security-Policy as
  one of the theme's scripts. They follow the front-matter rule: no tag, no ``"``, no
  control character; addresses are https://, http:// or mailto: only.
- content/ pages are Markdown read by MkDocs unsanitised: raw HTML was refused, but an
  attribute list (« {: onclick=… } ») and a ``javascript:`` link were not.
- content/ pages up to 1 MB stalled ``kit check`` and the build (each unclosed « [ » or
  « < » rescans the paragraph) or crashed them (deep nesting).

Inputs are written for these tests. Inputs that could hang run in a subprocess with a
timeout (a guard against a hang, not a timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder.cli import main
from builder.config import Project
from conftest import FIXTURES, REPO, copy_project

# The mini project, kit check in-process and in a subprocess: the hostile-files tests' own helpers.
from test_hostile_files import CHECK_END, check, check_in_subprocess, project  # noqa: E402,F401 (project: a fixture)

THEME_MARKUP = ("refusé : le thème écrit ce réglage tel quel dans le HTML de chaque page ; écrivez les guillemets « » "
                "et retirez les balises.")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_number(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# --- site_config.yml: what the theme prints unescaped ---------------------------------------------

SETTINGS = [  # (line as in the mini fixture, field, hostile value as a YAML double-quoted string)
    ('  titre: "Kit « co-construction territoriale »"', "titre", r'Kit </title><script>alert(1)</script>', "</title>"),
    ('  titre_court: "Co-construction territoriale"', "titre_court", r'<img src=x onerror=alert(2)>',
     "<img src=x onerror=alert(2)>"),
    ('  auteur: "Le RAMEAU"', "auteur", r'Le RAMEAU\" autofocus onfocus=\"alert(3)', '"'),
    ('  catalogue: "Catalogue"', "catalogue", r'Catalogue<svg/onload=alert(4)>', "<svg/onload=alert(4)>"),
    ("  fiches: \"Fiches d'expérience\"", "fiches", r'Fiches\" title=\"x', '"'),
    ('  a_propos: "Le kit"', "a_propos", r'<!-- x', "<!-- x>"),
]


@pytest.mark.parametrize("old, field, value, mark", SETTINGS, ids=[s[1] for s in SETTINGS])
def test_markup_in_a_setting_the_theme_prints_is_refused(project: Project, old: str, field: str, value: str,
                                                         mark: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = project.config_file
    line = line_number(config, old)
    replace_in(config, old, f'{old.split(":")[0]}: "{value}"')
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines == [f"site_config.yml:{line} : « {field} » : « {mark} » {THEME_MARKUP}", "1 erreur trouvée.", CHECK_END]


def test_markup_in_the_description_and_publisher_settings_is_refused(project: Project,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = project.config_file
    replace_in(config, "  description: >-\n", '  description: >-\n    <script>alert(5)</script>\n')
    replace_in(config, '  editeur_url: "http://www.lerameau.fr/"',
               '  editeur_url: "javascript:alert(6)"\n  editeur_adresse: "1 rue\\" onmouseover=\\"alert(7)"')
    code, lines = check(project.root, capsys)
    assert code == 1
    assert f"site_config.yml:7 : « description » : « <script> » {THEME_MARKUP}" in lines
    assert any(line.startswith("site_config.yml:14 : « editeur_url » : adresse « javascript:alert(6) » refusée : seules "
                               "les adresses commençant par https://, http:// ou mailto: sont acceptées") for line in lines)
    assert f"site_config.yml:15 : « editeur_adresse » : « \" » {THEME_MARKUP}" in lines


@pytest.mark.parametrize("escape, code", [("\\e]0;titre\\a", "001B"), ("\\u202e", "202E"), ("\\x85", "0085")])
def test_control_characters_in_settings_are_refused(project: Project, escape: str, code: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    replace_in(project.config_file, '  titre_court: "Co-construction territoriale"',
               f'  titre_court: "Co-construction{escape} territoriale"')
    status, lines = check(project.root, capsys)
    assert status == 1
    assert lines[0] == (f"site_config.yml:6 : « titre_court » : caractère de contrôle invisible (U+{code}) interdit : ce "
                        "champ est un texte simple, sur une ligne ; retirez-le (il vient souvent d'un copier-coller ou "
                        "d'un « \\x… » entre guillemets).")


def test_control_characters_in_taxonomy_labels_are_refused(project: Project,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    config = project.config_file
    line = line_number(config, '      libelle: "Cadre de référence"')
    replace_in(config, '      libelle: "Cadre de référence"', '      libelle: "Cadre\\x1b[2J de référence"')
    status, lines = check(project.root, capsys)
    assert status == 1
    assert lines[0].startswith(f"site_config.yml:{line} : « libelle » : caractère de contrôle invisible (U+001B) interdit")


def test_a_language_that_is_not_a_tag_is_refused(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    replace_in(project.config_file, "  langue: fr", "  langue: 'fr\" onload=\"alert(8)'")
    status, lines = check(project.root, capsys)
    assert status == 1
    assert lines[0].startswith("site_config.yml:11 : « langue » :")


def test_ordinary_settings_are_accepted(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """French text with « », an apostrophe, an ampersand and a lone « < » stays allowed."""
    replace_in(project.config_file, '  titre: "Kit « co-construction territoriale »"',
               "  titre: \"Kit « co-construction » d'Île-de-France & d'ailleurs : 2 < 3\"")
    assert check(project.root, capsys)[0] == 0


# --- content/: script written in Markdown ----------------------------------------------------------

UNSAFE_MARKDOWN = [  # (Markdown, what is refused, the line named, counted from the text's first line)
    ("Un [lien](javascript:alert(11)) ici.", "adresse « javascript: »", 0),
    ("Un [lien]( JaVaScRiPt:alert(12)) ici.", "adresse « javascript: »", 0),
    ("Un [lien][cible] ici.\n\n[cible]: javascript:alert(13)", "adresse « javascript: »", 2),
    ("Une [page](data:text/html;base64,PHNjcmlwdD5hbGVydCgxNCk8L3NjcmlwdD4=) ici.", "adresse « data: »", 0),
    ("Un paragraphe.\n{: onclick=\"alert(15)\" }", "attribut « onclick »", 1),
    ("## Intertitre {: tabindex=1 autofocus onfocus=alert(16) }", "attribut « onfocus »", 0),
    ("Une [adresse](https://exemple.org/){: onmouseover=\"alert(17)\" } ici.", "attribut « onmouseover »", 0),
    ("| a |\n|---|\n| b {: onclick=alert(18) } |", "attribut « onclick »", 2),
]


@pytest.mark.parametrize("markdown, what, offset", UNSAFE_MARKDOWN)
def test_script_written_in_markdown_in_a_content_page_is_refused(project: Project, markdown: str, what: str,
                                                                 offset: int, capsys: pytest.CaptureFixture[str]) -> None:
    page = project.content_dir / "le-kit" / "co-construction.md"
    before = page.read_text(encoding="utf-8") + "\n\n"
    page.write_text(before + markdown + "\n", encoding="utf-8")
    line = before.count("\n") + 1 + offset
    code, lines = check(project.root, capsys)
    assert code == 1
    refusals = [entry for entry in lines if what in entry]
    assert refusals, lines
    assert refusals[0].startswith(f"content/le-kit/co-construction.md:{line} : {what} refusé")
    assert ("corrigez le lien." if "adresse" in what else "de la liste d'attributs « {: … } ».") in refusals[0]


def test_a_page_with_script_in_markdown_is_not_built(project: Project, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    page = project.content_dir / "le-kit" / "co-construction.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\nTexte.\n{: onclick=\"alert(19)\" }\n", encoding="utf-8")
    site = tmp_path / "site-construit"
    assert main(["--projet", str(project.root), "build", "--dossier-site", str(site)]) == 1
    assert "attribut « onclick » refusé" in capsys.readouterr().err
    assert not site.exists()


def test_links_the_site_needs_are_still_accepted(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    page = project.content_dir / "le-kit" / "co-construction.md"
    page.write_text(page.read_text(encoding="utf-8")
                    + "\n\nVoir [le site](https://exemple.org/){: title=\"Exemple\" }, [écrire](mailto:a@exemple.org) "
                      "et [le catalogue](../catalogue/index.md#documents).\n{: .kit-note }\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 0, lines


# --- content/: pages made to stall or crash the Markdown parser -------------------------------------

STALLS = [
    ("[" * 200_000, 3, "trop de crochets « [ » dans la page (200000, 100 au plus)"),
    ("![" * 50_000, 3, "trop de crochets « [ » dans la page (50000, 100 au plus)"),
    ("<a\t" * 100_000, 3, "trop de chevrons « < » dans la page (100000, 100 au plus)"),
    ("1. " * 3_000 + "texte", 3, "imbrication trop profonde (plus de 20 listes ou citations les unes dans les autres)"),
    ("> " * 5_000 + "texte", 3, "imbrication trop profonde (plus de 20 listes ou citations les unes dans les autres)"),
    ("un mot " * 50_000, 3, "paragraphe trop long (350000 caractères sans ligne vide, 10000 au plus)"),
]


@pytest.mark.parametrize("body, line, message", STALLS, ids=["crochets", "images", "chevrons", "listes", "citations",
                                                             "paragraphe"])
def test_a_content_page_that_would_stall_the_parser_is_refused_unparsed(project: Project, body: str, line: int,
                                                                       message: str) -> None:
    page = project.content_dir / "le-kit" / "a-propos.md"
    page.write_text(f"# À propos\n\n{body}\n", encoding="utf-8")
    result = check_in_subprocess(project.root)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Erreur inattendue" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(f"content/le-kit/a-propos.md:{line} : {message}")


# --- output folders: a generated page replacing another ---------------------------------------------

FOLDERS = [  # (setting changed, new value, French reason)
    ("dossier_fiches", "documents", "est déjà le dossier de « dossier_documents » ;"),
    ("dossier_parcours", "fiches", "est déjà le dossier de « dossier_fiches » ;"),
    ("dossier_telechargements", "parcours", "est déjà le dossier de « dossier_parcours » ;"),
    ("dossier_fiches", "catalogue", "est déjà le dossier du catalogue (sa page et ses exports) ;"),
    ("dossier_documents", "le-kit", "est déjà le dossier des pages rédigées « le kit » et du glossaire ;"),
    ("dossier_parcours", "search", "est déjà le dossier de l'index de recherche ;"),
    ("dossier_fiches", "fichiers", "est déjà le dossier des fichiers des documents (kit/fichiers/) ;"),
]


@pytest.mark.parametrize("field, folder, reason", FOLDERS)
def test_output_folders_that_would_replace_pages_are_refused(project: Project, field: str, folder: str, reason: str,
                                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = project.config_file
    text = config.read_text(encoding="utf-8")
    if f"  {field}:" not in text:
        text = text.replace("  dossier_parcours: parcours\n", f"  dossier_parcours: parcours\n  {field}: x\n")
    lines = [f"  {field}: {folder}" if line.startswith(f"  {field}:") else line for line in text.splitlines()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = line_number(config, f"  {field}: {folder}")
    code, err = check(project.root, capsys)
    assert code == 1
    assert err[0].startswith(f"site_config.yml:{line} : « {field} » : « {folder} » {reason}")
    site = tmp_path / "site-construit"
    assert main(["--projet", str(project.root), "build", "--dossier-site", str(site)]) == 1
    assert not site.exists()


def test_a_sheet_named_like_a_document_in_a_shared_folder_is_no_longer_lost(project: Project,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The case the rule was written for: « etude » as a document and as a sheet, one folder."""
    replace_in(project.config_file, "  dossier_fiches: fiches", "  dossier_fiches: documents")
    (project.kit_dir / "cas" / "etude.yml").write_text(
        (project.kit_dir / "cas" / "charenton.yml").read_text(encoding="utf-8"), encoding="utf-8")
    code, err = check(project.root, capsys)
    assert code == 1
    assert "« dossier_fiches » : « documents » est déjà le dossier de « dossier_documents »" in err[0]


# --- terminal: every command that prints catalogue (or issue) text ---------------------------------

ESCAPES = "\x1b]0;titre\x07\x1b[2J\u202e"
SHOWN = "\\x1b]0;titre\\x07\\x1b[2J\\u202e"


def test_from_issue_messages_show_escapes_instead_of_obeying_them(project: Project, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    body = (Path(__file__).parent / "from_issue" / "agir-ensemble.md").read_text(encoding="utf-8")
    old = "Dialogue territorial (dialogue-territorial)"
    assert old in body
    issue = tmp_path / "demande.md"
    issue.write_text(body.replace(old, f"Inconnue{ESCAPES}", 1), encoding="utf-8")
    assert main(["--projet", str(project.root), "from-issue", str(issue)]) == 1
    err = capsys.readouterr().err
    assert f"« Inconnue{SHOWN} » n'est pas l'un des choix proposés" in err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err


def test_new_case_shows_a_hostile_name_escaped(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(project.root), "new-case", f"nom{ESCAPES}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Nom « nom{SHOWN} » invalide")
    assert "\x1b" not in err


def test_build_errors_show_escapes(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / f"absent{ESCAPES}" / "site"
    assert main(["--projet", str(project.root), "build", "--dossier-site", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"absent{SHOWN} n'existe pas" in err
    assert "\x1b" not in err and "\u202e" not in err


# --- the blocks of content/ pages: fragilites, objectifs, chiffres (absent from the mini kit) -----

ESCAPED_MARKDOWN = ("Texte \\*note\\*\\{: autofocus onfocus=alert('md') \\} et \\[source\\](javascript:alert('md')) "
                    "puis `{: onclick=alert('code') }`.\n\n- \\<b onmouseover=alert('li')\\>liste\\</b\\>\n")
ESCAPED_LINE = ("PIEGE {: onclick=alert('ligne') } \\*x\\*\\{: onfocus=alert('ligne') \\} "
                "&lt;img src=x onerror=alert('ligne')&gt; \" onmouseover=\"alert('ligne')")
_BLOCK_MARKDOWN_KEYS = {"introduction", "remarque", "logiques_introduction"}
_BLOCK_KEPT_KEYS = {"id", "groupe", "annee", "valeur", "logique", "nature", "famille"}  # ids, numbers, references


def write_hostile_blocks(root: Path) -> None:
    """Hostile text that kit check accepts in every text of kit/fragilites.yml, objectifs.yml
    and chiffres.yml (Markdown fields: escaped punctuation; one-line fields: the same as text)."""
    from ruamel.yaml import YAML

    yaml = YAML()

    def walk(node: object) -> None:
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        for key, value in items:
            if key in _BLOCK_KEPT_KEYS:
                continue
            if isinstance(value, str):
                node[key] = value + "\n\n" + ESCAPED_MARKDOWN if key in _BLOCK_MARKDOWN_KEYS else ESCAPED_LINE
            else:
                walk(value)

    for name in ("fragilites.yml", "objectifs.yml", "chiffres.yml"):
        path = root / "kit" / name
        data = yaml.load(path.read_text(encoding="utf-8"))
        walk(data)
        with path.open("w", encoding="utf-8") as out:
            yaml.dump(data, out)


@pytest.fixture(scope="module")
def hostile_blocks_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from builder.build import build
    from conftest import EPOCH, repo_project_copy

    root = tmp_path_factory.mktemp("blocs")
    project = repo_project_copy(root / "projet")
    write_hostile_blocks(project.root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.delenv("GITHUB_ACTIONS", raising=False)
        assert main(["--projet", str(project.root), "check"]) == 0  # all of it is accepted...
        return build(project, root / "site").site_dir


BLOCK_PAGES = ["le-kit/fragilites.html", "le-kit/co-construction.html", "index.html"]


def _live_markup(html: str) -> list[tuple[str, str]]:
    from html.parser import HTMLParser
    import re

    found: list[tuple[str, str]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if name.startswith("on") or name == "autofocus" or (
                        name in ("href", "src", "action", "formaction", "xlink:href")
                        and re.match(r"\s*(javascript|data|vbscript):", value or "", re.I)):
                    found.append((tag, name))

        handle_startendtag = handle_starttag

    Parser().feed(html)
    return found


def test_hostile_text_in_the_blocks_stays_text_in_the_files(hostile_blocks_site: Path) -> None:
    for relative in BLOCK_PAGES:
        html = (hostile_blocks_site / relative).read_text(encoding="utf-8")
        assert "PIEGE" in html, relative  # the one-line texts, shown as typed
        if relative != "index.html":  # (the home's figures have no Markdown field)
            assert "*note*{: autofocus onfocus=alert(" in html, relative
        assert _live_markup(html) == [], relative
    for page in hostile_blocks_site.rglob("*.html"):
        assert _live_markup(page.read_text(encoding="utf-8")) == [], page


@pytest.mark.parametrize("relative", BLOCK_PAGES)
def test_hostile_text_in_the_blocks_runs_nothing_in_chromium(browser, hostile_blocks_site: Path, relative: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    console: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(message.text))
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(("file:", "data:")) else None)
    try:
        page.goto((hostile_blocks_site / relative).as_uri(), wait_until="load")
        for element in page.locator("article p, article li, article td").all()[:80]:
            if element.is_visible():
                element.hover()
        page.keyboard.press("Tab")
        page.wait_for_timeout(300)
        assert dialogs == [] and outside == []
        assert not [m for m in console if "Content Security Policy" in m]
        assert page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])
            .filter(a => a.name.startsWith('on') || a.name === 'autofocus').length""") == 0
        assert "PIEGE" in page.inner_text("article")
    finally:
        context.close()


# --- no silent loss: YAML files of kit/ the builder does not read ----------------------------------

UNREAD_START = ("fichier ignoré : kit/ ne lit que documents.yml, parcours.yml, chiffres.yml, glossaire.yml, "
                "fragilites.yml, objectifs.yml ; une fiche d'expérience va dans kit/cas/. Renommez-le ou déplacez-le.")


@pytest.mark.parametrize("name, hint", [("ma-fiche.yml", ""), ("Documents.YAML", " Vouliez-vous dire « documents.yml » ?"),
                                        ("glossaire.yaml", " Vouliez-vous dire « glossaire.yml » ?")])
def test_yaml_files_of_kit_that_are_not_read_are_reported(project: Project, name: str, hint: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (project.kit_dir / name).write_text((project.kit_dir / "cas" / "charenton.yml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert f"kit/{name} : {UNREAD_START}{hint}" in lines


def test_other_files_of_kit_are_left_alone(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    (project.kit_dir / "LISEZMOI.txt").write_text("Notes de l'équipe.\n", encoding="utf-8")
    assert check(project.root, capsys)[0] == 0


# --- no silent loss: content/ files at the address of files the builder writes ----------------------

WRITTEN = "ce fichier a l'adresse d'un fichier que le site produit lui-même ({what}), qui le remplacerait : renommez-le ou déplacez-le."


@pytest.mark.parametrize("relative, what", [
    ("catalogue/catalogue.csv", "un export du catalogue"),
    ("catalogue/catalogue-virgules.csv", "un export du catalogue"),
    ("404.md", "la page « introuvable » du site, 404.html"),
    ("fichiers/guide.pdf", "le fichier du document « phare », copié de kit/fichiers/"),
])
def test_content_files_the_build_would_replace_are_refused(project: Project, relative: str, what: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (project.kit_dir / "fichiers").mkdir()
    (project.kit_dir / "fichiers" / "guide.pdf").write_bytes(b"%PDF-1.4 du kit")
    replace_in(project.kit_dir / "documents.yml", "  lien: http://www.lerameau.fr/le-programme-phare/", "  fichier: guide.pdf")
    target = project.content_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("---\ntitle: Perdu\n---\n\n# Perdu\n" if relative.endswith(".md") else "a;b\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines == [f"content/{relative} : {WRITTEN.format(what=what)}", "1 erreur trouvée.", CHECK_END]
    site = tmp_path / "site-construit"
    assert main(["--projet", str(project.root), "build", "--dossier-site", str(site)]) == 1
    assert not site.exists()


# --- reading bounded: kit from-issue ----------------------------------------------------------------


def test_from_issue_reads_neither_a_device_nor_a_huge_file(project: Project, tmp_path: Path) -> None:
    huge = tmp_path / "demande.md"
    huge.write_text("### Nom de l'initiative\n\n" + "x" * 3_000_000 + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for source, reason in (("/dev/zero", "ce n'est pas un fichier ordinaire"), (str(huge), "fichier trop gros (3 Mo")):
        result = subprocess.run([sys.executable, "-m", "builder", "--projet", str(project.root), "from-issue", source],
                                capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 1
        assert result.stderr.startswith(f"Le fichier « {source} » n'est pas lu : {reason}")
    assert sorted(p.name for p in (project.kit_dir / "cas").iterdir()) == ["charenton.yml", "silvergeek.yml"]


# --- a document's « fichier » naming a folder, or reaching outside ----------------------------------


@pytest.mark.parametrize("name, message", [
    ("dossier", "« fichier » : « dossier » est un dossier de kit/fichiers/, pas un fichier : indiquez le fichier lui-même "
                "(par exemple « dossier/rapport.pdf »)."),
    ("../site_config.yml", "« fichier » : fichier « ../site_config.yml » refusé : indiquez seulement un nom de fichier "
                           "placé dans kit/fichiers/ (sans « .. » ni chemin absolu)."),
    ("%2e%2e/site_config.yml", "« fichier » : nom de fichier « %2e%2e/site_config.yml » refusé : utilisez seulement"),
    ("/etc/passwd", "« fichier » : fichier « /etc/passwd » refusé : indiquez seulement un nom de fichier placé dans "
                    "kit/fichiers/"),
])
def test_a_document_file_must_be_a_file_inside_kit_fichiers(project: Project, name: str, message: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    (project.kit_dir / "fichiers" / "dossier").mkdir(parents=True)
    (project.kit_dir / "fichiers" / "dossier" / "rapport.pdf").write_bytes(b"%PDF-1.4")
    documents = project.kit_dir / "documents.yml"
    line = line_number(documents, "  lien: http://www.lerameau.fr/le-programme-phare/")
    replace_in(documents, "  lien: http://www.lerameau.fr/le-programme-phare/", f'  fichier: "{name}"')
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0].startswith(f"kit/documents.yml:{line} : {message}")


@pytest.mark.parametrize("kind", ["fifo", "lien vers /dev/zero"])
def test_a_special_site_config_is_named_and_never_opened(project: Project, kind: str) -> None:
    config = project.config_file
    config.unlink()
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to("/dev/zero")
    result = check_in_subprocess(project.root)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{config} n'est pas un fichier ordinaire (lien, tube nommé, périphérique ou dossier) : "
                                    "remplacez-le par le fichier de réglages du projet lui-même.")


# --- slugs of generated pages in a kit with other output folders (tests/fixtures/autre-kit) ---------


@pytest.mark.parametrize("slug", ["index", "flux"])
def test_generated_names_are_reserved_in_every_kit(tmp_path: Path, slug: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    other = copy_project(FIXTURES / "autre-kit", tmp_path / "autre")
    sheet = next((other.kit_dir / "cas").glob("*.yml"))
    (other.kit_dir / "cas" / f"{slug}.yml").write_text(sheet.read_text(encoding="utf-8"), encoding="utf-8")
    code, lines = check(other.root, capsys)
    assert code == 1
    assert lines[0] == (f"kit/cas/{slug}.yml : nom de fiche « {slug} » réservé : le site écrit déjà une page "
                        f"experiences/{slug}.html, que cette fiche écraserait ; renommez le fichier (par exemple "
                        f"« {slug}-territoire.yml »).")


@pytest.mark.parametrize("field, folder", [("dossier_fiches", "ressources"), ("dossier_documents", "catalogue")])
def test_output_folders_are_checked_in_every_kit(tmp_path: Path, field: str, folder: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    other = copy_project(FIXTURES / "autre-kit", tmp_path / "autre")
    lines = [f"  {field}: {folder}" if line.startswith(f"  {field}:") else line
             for line in other.config_file.read_text(encoding="utf-8").splitlines()]
    other.config_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = check(other.root, capsys)
    assert code == 1
    assert err[0].startswith(f"site_config.yml:{line_number(other.config_file, f'  {field}: {folder}')} : « {field} » : "
                             f"« {folder} » est déjà le dossier")


# --- file names that reorder their own text ---------------------------------------------------------


@pytest.mark.parametrize("mark", ["\u202e", "\u2067", "\u200f"])
def test_file_names_with_bidirectional_marks_are_refused(project: Project, mark: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """« rapport‮fdp.exe » shows as « rapportexe.pdf »: a reader would open what it is not."""
    folder = project.kit_dir / "fichiers"
    folder.mkdir()
    (folder / f"rapport{mark}fdp.txt").write_bytes(b"texte")
    code, lines = check(project.root, capsys)
    assert code == 1
    shown = f"\\u{ord(mark):04x}"
    assert lines[0] == (f"kit/fichiers/rapport{shown}fdp.txt : nom de fichier refusé : il contient un caractère de "
                        f"contrôle (U+{ord(mark):04X}) ; renommez-le avec des lettres, des chiffres, « - » et « _ ».")


# --- backtick runs: Python-Markdown's code-span search is quadratic --------------------------------


def test_backtick_runs_are_refused_before_parsing_in_fields_and_pages(project: Project,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """« ``a` » repeated through a field's length: 30 s of kit check for one sheet before the cap."""
    sheet = project.kit_dir / "cas" / "silvergeek.yml"
    replace_in(sheet, "objectif: |\n", "objectif: |\n  Voir " + "`x``" * 40 + "\n\n")
    page = project.root / "content" / "le-kit" / "co-construction.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nDu `code` ici.\n\n" + "``b`" * 40 + "\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    page_line = len(page.read_text(encoding="utf-8").splitlines())
    assert lines[0] == (f"content/le-kit/co-construction.md:{page_line} : trop d'accents graves « ` » dans la page (122, "
                        "100 au plus) : chacun fait relire la suite du paragraphe au convertisseur Markdown ; retirez "
                        "ceux qui ne servent pas à un extrait de code, ou répartissez le texte sur plusieurs pages.")
    assert lines[1] == (f"kit/cas/silvergeek.yml:{line_number(sheet, 'objectif:')} : « objectif » : trop d'accents graves "
                        "« ` » (120, 100 au plus) : chacun ouvre un extrait de code ; retirez ceux qui ne servent pas, "
                        "ou écrivez l'apostrophe « ’ ».")
    assert lines[2:] == ["2 erreurs trouvées.", CHECK_END]


def test_a_hundred_backticks_are_accepted(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = project.kit_dir / "cas" / "silvergeek.yml"
    replace_in(sheet, "objectif: |\n", "objectif: |\n  Voir " + "`x`" * 50 + "\n\n")
    code, lines = check(project.root, capsys)
    assert code == 0, lines


# --- huge integers: PyYAML's int() stops at 4,300 digits with a bare ValueError ------------------

NUMBER_TOO_LONG = ("nombre trop long : écrivez-le entre guillemets s'il s'agit d'un texte, sinon retirez les "
                   "chiffres collés par erreur.")


def test_a_huge_integer_in_any_catalogue_file_is_a_french_problem_collected_with_the_others(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    digits = "7" * 4_400 + "31"  # past Python's limit (4,300), short of the 1 MB file limit
    kit = project.kit_dir
    replace_in(kit / "cas" / "charenton.yml", 'titre: "Agir ensemble à Charenton-Saint Maurice"', f"titre: {digits}")
    replace_in(kit / "documents.yml", "  annee: 2015", f"  annee: -{digits}")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert f"kit/cas/charenton.yml:1 : {NUMBER_TOO_LONG}" in lines
    assert f"kit/documents.yml:{line_number(kit / 'documents.yml', digits)} : {NUMBER_TOO_LONG}" in lines
    assert not any("inattendue" in line or "ValueError" in line for line in lines)
    assert any(line.startswith("kit/cas/silvergeek.yml") for line in lines)  # the run went on to the other files


def test_a_huge_integer_in_the_settings_is_a_french_problem(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    replace_in(project.config_file, "  langue: fr", "  langue: fr\n  annee: " + "4" * 4_301)
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines == [f"site_config.yml:12 : {NUMBER_TOO_LONG}", "1 erreur trouvée.", CHECK_END]


def test_a_huge_integer_in_a_page_front_matter_is_named_with_its_line(project: Project,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    page = project.content_dir / "index.md"
    replace_in(page, "title: Accueil\n", "title: Accueil\nordre: " + "12" * 2_500 + "\n")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == f"content/index.md:3 : en-tête de la page (entre les lignes « --- ») : {NUMBER_TOO_LONG}"


# --- control characters in content/ front matter (typed as YAML escapes) ---------------------------

FRONT_CONTROL = ("caractère de contrôle invisible (U+{code}) refusé dans l'en-tête de la page ({where}) : le thème "
                 "l'écrit tel quel dans le titre et la navigation de chaque page ; retirez-le (il vient souvent d'un "
                 "copier-coller ou d'un « \\e », « \\x… » ou « \\u… » entre guillemets).")
BETWEEN = "entre les lignes « --- »"

FRONT_MATTERS = [  # (front matter lines after « --- », expected (line, key, code) problems)
    ('title: "Accueil\\e]0;PWN\\a \\e[2J"\n', [(2, "title", "001B")]),
    ("title: Accueil\ndescription: \"Un texte\\x85suivi\"\n", [(3, "description", "0085")]),
    ('title: "Accueil\\u2028bis"\nextra:\n  - "\\u202Eetatlusér"\n', [(2, "title", "2028"), (4, "extra", "202E")]),
    ('title: Accueil\n"cl\\x9bé": "valeur"\n', [(3, "cl?é", "009B")]),
    ('title: "\\0Accueil\\uFFFF"\n', [(2, "title", "0000")]),
]


@pytest.mark.parametrize("bom, newline", [("", "\n"), ("\ufeff", "\r\n")], ids=["plain", "bom-crlf"])
@pytest.mark.parametrize("front, expected", FRONT_MATTERS, ids=[str(n) for n in range(len(FRONT_MATTERS))])
def test_control_characters_in_a_page_front_matter_are_refused(project: Project, front: str, expected: list,
                                                               bom: str, newline: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    page = project.content_dir / "index.md"
    body = page.read_text(encoding="utf-8").split("---\n", 2)[2]
    page.write_bytes((bom + f"---\n{front}---\n{body}").replace("\n", newline).encode("utf-8"))
    code, lines = check(project.root, capsys)
    assert code == 1
    problems = [line for line in lines if line.startswith("content/")]
    assert problems == [f"content/index.md:{line} : « {key} » : " + FRONT_CONTROL.format(code=code_point, where=BETWEEN)
                        for line, key, code_point in expected]


def test_control_characters_in_multimarkdown_meta_lines_are_refused(project: Project,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    page = project.content_dir / "le-kit" / "meta.md"
    page.write_text("Title: Le kit\x1b[2J\nAuteur: x\n\n# Le kit\n\nTexte.\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert f"content/le-kit/meta.md:1 : « title » : " + FRONT_CONTROL.format(
        code="001B", where="ses premières lignes « clé: valeur »") in lines


# --- character references that decode to control characters (« &#x1b; » passes the YAML reader) ---

from builder.exports import _cell, xml_text  # noqa: E402
from builder.richtext import RichText  # noqa: E402

# Every character no text of the site may carry: C0 but tab/LF/CR, DEL, C1, noncharacters.
FORBIDDEN = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                              *range(0xFDD0, 0xFDF0)]] + [chr(p * 0x10000 + e) for p in range(17) for e in (0xFFFE, 0xFFFF)]
REFERENCES = ["&#x1b;]0;PWN&#x7;", "&#27;[2J", "&#X9D;31m", "&#xFFFE;", "&#65535;", "&#x10FFFF;", "&#xfdd5;",
              "&#x81;", "&#x8d", "&#127;", "&#x0c;"]


@pytest.mark.parametrize("reference", REFERENCES)
def test_a_character_reference_to_a_control_character_is_refused_and_never_reaches_text_or_html(reference: str) -> None:
    text = RichText(f"Une *initiative* {reference} du territoire.\n\nSecond paragraphe {reference}.")
    assert text.problem is not None and text.problem.startswith("caractère de contrôle invisible (U+")
    assert f"écrit « {reference.split(';')[0].split('[')[0].rstrip(';')}" in text.problem
    for out in (str(text.html), text.text, text.summary):
        assert not any(char in out for char in FORBIDDEN), repr(out)
    assert text.text.startswith("Une initiative") and "Second paragraphe" in text.text


def test_harmless_references_are_kept() -> None:
    text = RichText("Caf&#233; &amp; th&#xE9; &#x85; &#155; &#8212; fin")  # 0x85, 0x9B: « … », « › » in HTML (Windows-1252)
    assert text.problem is None
    assert text.text == "Café & thé … › — fin"


def test_case_sheet_and_document_fields_with_such_references_are_refused_by_check(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    kit = project.kit_dir
    replace_in(kit / "cas" / "charenton.yml", "du territoire.\n", "du territoire &#x1B;]0;TITRE&#x7; &#xFFFF;.\n")
    replace_in(kit / "documents.yml", "co-construction.\n", "co-construction &#157;31m.\n")
    code, lines = check(project.root, capsys)
    assert code == 1
    tail = " : il passerait dans les exports, le flux et la description des pages ; retirez cette référence."
    assert "kit/cas/charenton.yml:5 : « objet » : caractère de contrôle invisible (U+001B) écrit « &#x1B; »" + tail in lines
    assert "kit/documents.yml:7 : « resume » : caractère de contrôle invisible (U+009D) écrit « &#157; »" + tail in lines


@pytest.mark.parametrize("char", FORBIDDEN[::7] + ["\uffff", "\U0010fffe"])
def test_exports_strip_control_characters_and_noncharacters_defensively(char: str) -> None:
    assert _cell(f"Titre{char}]0;x") == "Titre]0;x"
    assert _cell(f"{char}=SOMME(A1)") == "'=SOMME(A1)"  # the formula rule judged after the removal
    assert xml_text(f"a{char}b") == "ab"
    assert _cell("ligne\tune\nligne deux") == "ligne\tune\nligne deux"


# --- content/ addresses that differ from generated ones only by case --------------------------------

CASE_ONLY = ("(que le site produit lui-même) que par les majuscules ou les accents : Windows et macOS n'y voient qu'un "
             "seul nom, et l'un remplacerait l'autre ; renommez-le ou déplacez-le.")


@pytest.mark.parametrize("relative, shown", [
    ("FICHES/index.md", "le dossier « FICHES » ne diffère de « fiches »"),
    ("fiches/CHARENTON.md", "l'adresse « fiches/CHARENTON.html » ne diffère de « fiches/charenton.html »"),
    ("catalogue/Catalogue.CSV", "l'adresse « catalogue/Catalogue.CSV » ne diffère de « catalogue/catalogue.csv »"),
    ("Search/index.txt", "le dossier « Search » ne diffère de « search »"),
    ("ASSETS/x.png", "le dossier « ASSETS » ne diffère de « assets »"),
    ("404.MD", "l'adresse « 404.MD » ne diffère de « 404.md »"),
    ("Parcours/page.md", "le dossier « Parcours » ne diffère de « parcours »"),
])
def test_content_files_differing_from_generated_addresses_only_by_case_are_refused(
        project: Project, relative: str, shown: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = project.root / "content" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("---\ntitle: Page\n---\n\n# Page\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines == [f"content/{relative} : {shown} {CASE_ONLY}", "1 erreur trouvée.", CHECK_END]


def test_content_files_with_their_own_names_in_generated_folders_pass(project: Project,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / "content" / "le-kit" / "Méthode.md").write_text("---\ntitle: M\n---\n\n# M\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 0, lines


def test_a_content_page_at_a_sheet_address_is_reported_on_the_page_not_the_sheet(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    page = project.root / "content" / "fiches" / "silvergeek.md"
    page.parent.mkdir()
    page.write_text("---\ntitle: Silver\n---\n\n# Silver\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines == ["content/fiches/silvergeek.md : cette page a l'adresse d'une page produite par le site "
                     "(fiches/silvergeek.html), qui la remplacerait sans rien dire : renommez-la ou déplacez-la.",
                     "1 erreur trouvée.", CHECK_END]


def test_controls_typed_as_yaml_escapes_in_a_markdown_field_are_removed_from_html_and_text() -> None:
    text = RichText("Titre\x1b]0;PWN\x07 \x9b31m suite\uffff \U0001fffe fin")
    for out in (str(text.html), text.text, text.summary):
        assert not any(char in out for char in FORBIDDEN), repr(out)
    assert text.text == "Titre]0;PWN 31m suite fin"


# --- links that leave the site: scheme-relative, absolute paths, climbing above the root ----------

SCHEME_RELATIVE = ("adresse « //… » refusée dans un lien : sans « https: » devant, elle mène ailleurs selon la façon "
                   "dont le site est ouvert (depuis l'édition hors ligne, vers un partage réseau) ; écrivez l'adresse "
                   "avec « https: » devant")
ABSOLUTE = ("chemin absolu « /… » refusé dans un lien : le site s'ouvre aussi depuis le disque, où il mènerait hors du "
            "site ; pour une adresse du web, écrivez-la avec « https:// » devant")
CLIMBING = ("chemin « ../ » refusé dans un lien : il remonte au-dessus du dossier du site et mènerait hors du site ; "
            "écrivez le chemin d'une page du site, ou une adresse avec « https:// » devant")


@pytest.mark.parametrize("link, message", [
    ("[r](//partage.example/x)", SCHEME_RELATIVE),
    ("[r]( \\\\\\\\partage.example\\\\x)", SCHEME_RELATIVE),  # Markdown « \\\\ » is « \\ »: browsers read « // »
    ("[r](\\\\partage.example)", ABSOLUTE),  # one escaped backslash: « \partage… », read « /partage… »
    ("[r](/%2Fpartage.example/x)", ABSOLUTE),
    ("<//partage.example/y>", None),  # not a link for Markdown: plain text, accepted
    ("[r](/home/user/.ssh/id_rsa)", ABSOLUTE),
    ("[r](../../../etc/hosts)", CLIMBING),
    ("[r](%2e%2e/%2e%2e/x.pdf)", CLIMBING),
    ("[r](../documents/phare.html#resume)", None),
    ("[r](https://www.lerameau.fr/)", None),
])
def test_links_leaving_the_site_are_refused_in_catalogue_fields(project: Project, link: str, message: str | None,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    sheet = project.kit_dir / "cas" / "silvergeek.yml"
    replace_in(sheet, "objectif: |\n", f"objectif: |\n  Voir {link}.\n\n")
    code, lines = check(project.root, capsys)
    if message is None:
        assert code == 0, lines
        return
    assert code == 1
    assert lines == [f"kit/cas/silvergeek.yml:{line_number(sheet, 'objectif:')} : « objectif » : {message}.",
                     "1 erreur trouvée.", CHECK_END]


@pytest.mark.parametrize("link, address, message", [
    ("[r](//partage.example/x)", "//partage.example/x", SCHEME_RELATIVE),
    ('[r][ref]\n\n[ref]: //partage.example/ref "t"', "//partage.example/ref", SCHEME_RELATIVE),
    ("[r](/etc/passwd)", "/etc/passwd", ABSOLUTE),
    ("[r](../../x.md)", "../../x.md", CLIMBING),
    ("![i](../../../secret.png)", "../../../secret.png", CLIMBING),
])
def test_links_leaving_the_site_are_refused_in_content_pages(project: Project, link: str, address: str, message: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    page = project.root / "content" / "le-kit" / "co-construction.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nVoir {link}\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 1
    assert lines[0] == f"content/le-kit/co-construction.md:{line_number(page, address)} : « {address} » : {message}."


def test_relative_links_to_site_files_stay_allowed_in_content_pages(project: Project,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    page = project.root / "content" / "le-kit" / "co-construction.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nVoir [le catalogue](../catalogue/index.md) et "
                    "[l'accueil](../index.md).\n", encoding="utf-8")
    code, lines = check(project.root, capsys)
    assert code == 0, lines
