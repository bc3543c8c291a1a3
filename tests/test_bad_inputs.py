"""The mistakes an editor can make, one file each (tests/bad_inputs/): ``kit check`` gives
the exact French message with its file and line and exits with 1; ``kit build`` fails the
same way and leaves the previously built site/ byte for byte as it was.

The corpus files are copies of the fixture kit's files with one mistake each: cas/*.yml
go into kit/cas/, kit/documents-*.yml replace kit/documents.yml. Inputs that are big or
need a link are made at test time (a 10 MB sheet, a 21 MB file, a symbolic link)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.build import build
from builder.cli import main
from conftest import FIXTURES, built_mini, tree_hash

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
REPO = Path(__file__).resolve().parent.parent
CHECK_END = "Corrigez ces erreurs puis relancez « kit check »."
BUILD_END = "Le site n'a pas été modifié."


@dataclass(frozen=True)
class BadInput:
    name: str
    problems: tuple[str, ...]  # the exact lines of the report, « file:line : message »

    @property
    def source(self) -> Path:
        return CORPUS / ("cas" if (CORPUS / "cas" / f"{self.name}.yml").exists() else "kit") / f"{self.name}.yml"

    @property
    def target(self) -> str:
        return f"kit/cas/{self.name}.yml" if self.source.parent.name == "cas" else "kit/documents.yml"


SYNTAX = "erreur de syntaxe YAML : "
INDENT = SYNTAX + "indentation incohérente : alignez cette ligne sur les clés voisines (2 espaces par niveau)."
FILE_OUTSIDE = "refusé : indiquez seulement un nom de fichier placé dans kit/fichiers/ (sans « .. » ni chemin absolu)."
URL_REFUSED = "refusée : seules les adresses commençant par https://, http:// ou mailto: sont acceptées."
KEYS = ("titre, territoire, region, statut, objet, formes, formes_source, demarche, themes, genese, objectif, activites, resultats, "
        "prochaines_etapes, site_web, documents, sources, date_ajout")
DATE = "n'est pas une date existante au format AAAA-MM-JJ (par exemple 2026-01-31 : l'année, le mois de 01 à 12, le jour)."
FORMS = "Valeurs possibles : dialogue-territorial, partenariats, experimentations-collectives."

CASES = [
    BadInput("yaml-guillemet-ouvert", (
        "kit/cas/yaml-guillemet-ouvert.yml:4 : " + SYNTAX + "le guillemet ouvert sur cette ligne n'est jamais refermé ; "
        "ajoutez le guillemet fermant en fin de valeur.",)),
    BadInput("deux-points", (
        "kit/cas/deux-points.yml:4 : " + SYNTAX + "deux-points inattendu : vérifiez l'indentation de cette ligne, ou mettez "
        "la valeur entre guillemets si elle contient « : ».",)),
    BadInput("valeur-etoile", (
        "kit/cas/valeur-etoile.yml:4 : " + SYNTAX + "une valeur qui commence par « * » est lue comme un raccourci YAML : "
        "mettez-la entre guillemets.",)),
    BadInput("indentation-cle", ("kit/cas/indentation-cle.yml:2 : " + INDENT,)),
    BadInput("indentation-liste", ("kit/cas/indentation-liste.yml:16 : " + INDENT,)),
    BadInput("indentation-formes", (
        "kit/cas/indentation-formes.yml:8 : « formes » : « dialogue-territorial - partenariats » n'est pas une valeur "
        f"connue. {FORMS} La ligne suivante commence sans doute par « - » avec un retrait différent : alignez les « - » "
        "de la liste les uns sous les autres.",)),
    BadInput("tabulation", (
        "kit/cas/tabulation.yml:13 : caractère de tabulation dans l'indentation : YAML n'accepte que des espaces ; "
        "remplacez chaque tabulation par deux espaces.",)),
    BadInput("cle-manquante", (
        "kit/cas/cle-manquante.yml:1 : clé obligatoire « objectif » absente : ajoutez une ligne « objectif: … » "
        "(voir le modèle créé par « kit new-case »).",)),
    BadInput("cle-mal-orthographiee", (
        "kit/cas/cle-mal-orthographiee.yml:1 : clé obligatoire « territoire » absente : la ligne 2 porte « teritoire », "
        "sans doute la même clé mal orthographiée ; renommez-la « territoire ».",
        f"kit/cas/cle-mal-orthographiee.yml:2 : clé inconnue « teritoire ». Vouliez-vous dire « territoire » ? Clés possibles : {KEYS}.",
    )),
    BadInput("cle-en-double", (
        "kit/cas/cle-en-double.yml:25 : la clé « titre » apparaît deux fois dans le même bloc : supprimez ou renommez "
        "l'une des deux.",)),
    BadInput("forme-inconnue", (
        f"kit/cas/forme-inconnue.yml:7 : « formes » : « dialogue-teritorial » n'est pas une valeur connue. {FORMS} "
        "Vouliez-vous dire « dialogue-territorial » ?",)),
    BadInput("document-inconnu", (
        "kit/cas/document-inconnu.yml:21 : document « etudes » inconnu : il n'existe pas dans kit/documents.yml. "
        "Vouliez-vous dire « etude » ?",)),
    BadInput("document-deux-fois", (
        "kit/cas/document-deux-fois.yml:21 : « documents » : le document « etude » figure deux fois dans cette fiche "
        "(déjà en position 1, ligne 21) : gardez-le une seule fois, à la place voulue.",)),
    BadInput("script-genese", (
        "kit/cas/script-genese.yml:10 : « genese » : balise HTML « <script> » interdite : le texte ne peut contenir ni "
        "script, ni cadre, ni objet intégré, ni formulaire ; retirez-la.",)),
    BadInput("lien-javascript", (
        "kit/cas/lien-javascript.yml:19 : « prochaines_etapes » : adresse « javascript: » interdite dans un lien : "
        "seules les adresses https://, http:// et mailto: sont acceptées ; pour un lien, écrivez [texte](https://…).",)),
    BadInput("site-web-data", (
        "kit/cas/site-web-data.yml:21 : « site_web » : adresse « data:text/html,<script>alert(1)</script> » " + URL_REFUSED,)),
    BadInput("date-impossible", (
        "kit/cas/date-impossible.yml:24 : « date_ajout » : « 2026-13-01 » " + DATE,)),
    BadInput("date-francaise", (
        "kit/cas/date-francaise.yml:24 : « date_ajout » : « 25/11/2026 » " + DATE,)),
    BadInput("titre-vide", (
        "kit/cas/titre-vide.yml:1 : « titre » est vide : écrivez sa valeur après « titre: » (cette rubrique est obligatoire).",)),
    BadInput("titre-nombre", (
        'kit/cas/titre-nombre.yml:1 : « titre » doit être un texte : mettez la valeur entre guillemets, par exemple titre: "2024".',)),
    BadInput("documents-vide", (
        "kit/cas/documents-vide.yml:21 : « documents » est vide : écrivez ses éléments en dessous, un par ligne commençant "
        "par « - », ou « documents: [] » pour une liste vide.",)),
    BadInput("source-vide", (
        "kit/cas/source-vide.yml:23 : un élément de « sources » est vide : écrivez sa valeur après le « - », ou retirez "
        "cette ligne.",)),
    BadInput("site-web-sans-https", (
        "kit/cas/site-web-sans-https.yml:21 : « site_web » : adresse « www.exemple.fr » " + URL_REFUSED
        + " Écrivez l'adresse complète : « https://www.exemple.fr ».",)),
    BadInput("liste-au-lieu-de-fiche", (
        "kit/cas/liste-au-lieu-de-fiche.yml:1 : une fiche est un bloc de clés (« titre: … », « territoire: … ») et non "
        "une liste ou un texte : partez du modèle créé par « kit new-case ».",)),
    BadInput("non-utf8", (
        "kit/cas/non-utf8.yml:1 : le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 (dans votre éditeur : "
        "« Enregistrer sous », encodage UTF-8).",)),
    BadInput("vide", (
        "kit/cas/vide.yml : le fichier est vide : remplissez-le à partir du modèle (commande « kit new-case »), ou "
        "supprimez-le.",)),
    # issue 18: a sheet that would overwrite a generated page, a date in the future, controls
    # in a title, Markdown that would stall or crash the parser
    BadInput("index", (
        "kit/cas/index.yml : nom de fiche « index » réservé : le site écrit déjà une page fiches/index.html, que cette "
        "fiche écraserait ; renommez le fichier (par exemple « index-territoire.yml »).",)),
    BadInput("date-future", (
        f"kit/cas/date-future.yml:24 : « date_ajout » : le 2999-01-01 est postérieur à la date de construction du site "
        f"({dt.date.today().isoformat()}) : indiquez le jour où la fiche a été ajoutée (AAAA-MM-JJ), pas une date à "
        "venir, qui placerait la fiche en tête du fil d'actualité.",)),
    BadInput("titre-controle", (
        "kit/cas/titre-controle.yml:1 : « titre » : caractère de contrôle invisible (U+001B) interdit : ce champ est un "
        "texte simple, sur une ligne ; retirez-le (il vient souvent d'un copier-coller ou d'un « \\x… » entre "
        "guillemets).",)),
    BadInput("chevrons", (
        "kit/cas/chevrons.yml:10 : « genese » : trop de chevrons « < » (120, 100 au plus) : le texte n'a pas besoin de "
        "balises HTML ; pour comparer, écrivez « inférieur à ».",)),
    BadInput("listes-imbriquees", (
        "kit/cas/listes-imbriquees.yml:14 : « activites » : imbrication trop profonde (plus de 20 listes ou citations "
        "les unes dans les autres) : une ligne ne commence que par un ou deux « - », « 1. » ou « > ».",)),
    BadInput("documents-fichier-parent", ("kit/documents.yml:41 : « fichier » : fichier « ../../site_config.yml » " + FILE_OUTSIDE,)),
    BadInput("documents-fichier-absolu", ("kit/documents.yml:41 : « fichier » : fichier « /etc/passwd » " + FILE_OUTSIDE,)),
    BadInput("documents-fichier-absent", (
        "kit/documents.yml:41 : « fichier » : fichier « rapport-phare.pdf » introuvable dans kit/fichiers/ : ajoutez-le "
        "à ce dossier ou corrigez son nom.",)),
    BadInput("documents-id-en-double", (
        "kit/documents.yml:50 : identifiant « film » en double (document déjà défini ligne 9) : chaque identifiant doit "
        "être unique.",)),
    BadInput("documents-lien-javascript", ("kit/documents.yml:41 : « lien » : adresse « javascript:alert(1) » " + URL_REFUSED,)),
    # the mistakes of contributors who do not write YAML every day, each on its line, with the fix
    BadInput("yaml-apostrophe-entre-apostrophes", (
        "kit/cas/yaml-apostrophe-entre-apostrophes.yml:1 : " + SYNTAX + "l'apostrophe après « L » ferme la valeur ouverte "
        "par une apostrophe : doublez l'apostrophe ou mettez des guillemets droits : titre: \"L'association des Passeurs\".",)),
    BadInput("yaml-guillemets-dans-guillemets", (
        "kit/cas/yaml-guillemets-dans-guillemets.yml:1 : " + SYNTAX + "le guillemet « \" » après « Le » ferme la valeur : "
        "dans une valeur entre guillemets, citez avec « » ou avec l'apostrophe, par exemple titre: \"Le « club » des "
        "patrons\".",)),
    BadInput("yaml-cle-sans-espace", (
        "kit/cas/yaml-cle-sans-espace.yml:4 : " + SYNTAX + "il manque une espace après « statut: » : écrivez "
        "« statut: Association ».",)),
    BadInput("yaml-espace-insecable", (
        "kit/cas/yaml-espace-insecable.yml:4 : " + SYNTAX + "l'espace après « statut: » est une espace insécable (collée "
        "d'un traitement de texte, ou tapée avec Alt+Espace), que YAML ne reconnaît pas : remplacez-la par une espace "
        "ordinaire.",)),
    BadInput("yaml-texte-sur-la-barre", (
        "kit/cas/yaml-texte-sur-la-barre.yml:10 : " + SYNTAX + "le texte commence sur la ligne de « | » : laissez "
        "« genese: | » seul sur sa ligne et écrivez le texte en dessous, décalé de deux espaces.",)),
    BadInput("yaml-paragraphe-non-decale", (
        "kit/cas/yaml-paragraphe-non-decale.yml:13 : " + SYNTAX + "cette ligne continue sans doute le texte de « genese » "
        "mais n'est pas décalée : décalez-la de deux espaces, comme les lignes au-dessus (une ligne vide, sans espace, "
        "sépare deux paragraphes).",)),
    BadInput("yaml-guillemets-typographiques", (
        "kit/cas/yaml-guillemets-typographiques.yml:1 : " + SYNTAX + "la valeur commence par un guillemet typographique "
        "« “ », que YAML ne reconnaît pas, et contient « : » : entourez-la de guillemets droits, par exemple "
        "titre: \"Agir ensemble : Charenton-Saint Maurice\".",)),
    BadInput("liste-sous-cle-texte", (
        "kit/cas/liste-sous-cle-texte.yml:14 : « activites » est un texte, pas une liste YAML : écrivez « activites: | » "
        "puis, en dessous, les lignes « - … » décalées de deux espaces ; elles deviendront une liste dans le texte.",)),
    BadInput("themes-booleen", (
        "kit/cas/themes-booleen.yml:9 : « themes » doit être un texte : mettez la valeur entre guillemets, car YAML lit "
        "« off » comme un booléen (faux) ; écrivez themes: [culture, \"off\"].",)),
    BadInput("zero-initial", (
        "kit/cas/zero-initial.yml:2 : « territoire » doit être un texte : mettez la valeur entre guillemets, car YAML lit "
        "« 01000 » comme le nombre 512 ; écrivez territoire: \"01000\".",)),
    BadInput("heure", (
        "kit/cas/heure.yml:4 : « statut » doit être un texte : mettez la valeur entre guillemets, car YAML lit « 12:30 » "
        "comme le nombre 750 ; écrivez statut: \"12:30\".",)),
    # the Markdown dialect (builder/dialect.py)
    BadInput("markdown-lien-sans-https", (
        "kit/cas/markdown-lien-sans-https.yml:12 : « objectif » : lien vers « www.lerameau.fr » sans « https:// » : le "
        "navigateur y chercherait une page du site ; écrivez https://www.lerameau.fr.",)),
    BadInput("markdown-html", (
        "kit/cas/markdown-html.yml:17 : « resultats » : HTML « <b> » refusé : les textes s'écrivent en Markdown (**gras**, "
        "*italique*, listes « - », liens [texte](https://…)) ; retirez la balise.",)),
]


def test_every_corpus_file_has_its_case() -> None:
    files = sorted(p.stem for p in CORPUS.rglob("*.yml"))
    assert files == sorted(c.name for c in CASES)


# --- a project built once; each case breaks it, checks, tries to build, then repairs it -----------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    yield built_mini(tmp_path_factory.mktemp("mauvaises-saisies") / "projet")


def broken(root: Path, relative: str, write: Callable[[Path], None]) -> Iterator[None]:
    target = root / relative
    saved = target.read_bytes() if target.exists() else None
    write(target)
    try:
        yield
    finally:
        if saved is None:
            target.unlink()
        else:
            target.write_bytes(saved)


def run_kit(root: Path, command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["--projet", str(root), command])
    return code, capsys.readouterr().err.splitlines()


def assert_reported(lines: list[str], problems: tuple[str, ...], end: str) -> None:
    count = len(problems)
    assert lines[:count] == list(problems)
    assert lines[count:count + 1] == [f"{count} erreur trouvée." if count == 1 else f"{count} erreurs trouvées."]
    assert lines[-1] == end


def assert_refused(root: Path, site_hash: str, problems: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """``kit check`` reports exactly ``problems``; ``kit build`` fails too and keeps the site.
    Returns what ``kit build`` printed."""
    code, lines = run_kit(root, "check", capsys)
    assert code == 1
    assert_reported(lines, problems, CHECK_END)
    code, lines = run_kit(root, "build", capsys)
    assert code == 1
    assert tree_hash(root / "site") == site_hash
    return lines


@contextlib.contextmanager
def local_file(root: Path, name: str, make: Callable[[Path], None]) -> Iterator[None]:
    """A file ``name`` in kit/fichiers/ for the duration of the block."""
    files = root / "kit" / "fichiers"
    files.mkdir(exist_ok=True)
    make(files / name)
    try:
        yield
    finally:
        (files / name).unlink()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_is_reported_and_the_site_kept(case: BadInput, built: tuple[Path, str],
                                                 capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root, site_hash = built
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    for _ in broken(root, case.target, lambda target: shutil.copyfile(case.source, target)):
        assert_reported(assert_refused(root, site_hash, case.problems, capsys), case.problems, BUILD_END)
    # repaired: the kit is valid again (no case leaks into the next)
    assert run_kit(root, "check", capsys)[0] == 0


# --- inputs made at test time ----------------------------------------------------------------


def test_a_10_mb_sheet(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, site_hash = built

    def write(target: Path) -> None:
        with target.open("w", encoding="utf-8") as stream:
            stream.write('titre: "')
            stream.write("x" * 10_000_000)
            stream.write('"\n')

    problem = ("kit/cas/enorme.yml : fichier trop gros (10,0 Mo, maximum 1 Mo) : un fichier du catalogue ne contient "
               "que du texte ; retirez ce qui a été collé par erreur.")
    for _ in broken(root, "kit/cas/enorme.yml", write):
        assert_reported(assert_refused(root, site_hash, (problem,), capsys), (problem,), BUILD_END)


def test_nested_yaml_aliases_are_refused_at_once(built: tuple[Path, str]) -> None:
    """Nine lines of nested aliases would expand to 387 million values: refused before any
    work, in a subprocess with a timeout so that a regression fails instead of hanging."""
    root, site_hash = built
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    lines.append("titre: *a8")
    for _ in broken(root, "kit/cas/bombe.yml", lambda target: target.write_text("\n".join(lines) + "\n", encoding="utf-8")):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("GITHUB_ACTIONS", None)
        result = subprocess.run([sys.executable, "-m", "builder", "--projet", str(root), "check"],
                                capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 1
        assert result.stderr.splitlines()[0] == (
            "kit/cas/bombe.yml:2 : raccourci YAML (ancre « &nom » et alias « *nom ») refusé dans le catalogue : recopiez "
            "la valeur elle-même (une valeur qui commence par « * » ou « & » se met entre guillemets).")
        assert tree_hash(root / "site") == site_hash


@pytest.mark.parametrize("text, line", [
    ("titre: " + "[" * 50_000 + "]" * 50_000 + "\n", 1),
    ("titre:\n" + "- " * 50_000 + "x\n", 2),
], ids=["crochets", "tirets"])
def test_deep_nesting_is_refused_without_crashing(built: tuple[Path, str], text: str, line: int) -> None:
    """Tens of thousands of levels crashed the C parser (segmentation fault): refused first."""
    root, site_hash = built
    for _ in broken(root, "kit/cas/profonde.yml", lambda target: target.write_text(text, encoding="utf-8")):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("GITHUB_ACTIONS", None)
        result = subprocess.run([sys.executable, "-m", "builder", "--projet", str(root), "check"],
                                capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 1
        assert result.stderr.splitlines()[0] == (
            f"kit/cas/profonde.yml:{line} : imbrication trop profonde (plus de 100 niveaux de listes ou de blocs) : une "
            "fiche n'a que deux niveaux ; partez du modèle créé par « kit new-case ».")
        assert tree_hash(root / "site") == site_hash


def test_a_duplicate_slug(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, site_hash = built
    sheet = root / "kit" / "cas" / "charenton.yml"
    problem = ("kit/cas/charenton.yml : fiche « charenton » en double : kit/cas/charenton.yaml porte déjà ce nom ; "
               "renommez l'un des deux fichiers.")
    for _ in broken(root, "kit/cas/charenton.yaml", lambda target: shutil.copyfile(sheet, target)):
        assert_refused(root, site_hash, (problem,), capsys)


def with_local_file(name: str) -> Callable[[Path], None]:
    """documents.yml whose PHARE document names ``name`` as its local file."""
    text = (FIXTURES / "mini" / "kit" / "documents.yml").read_text(encoding="utf-8")
    old = "  lien: http://www.lerameau.fr/le-programme-phare/"
    assert old in text
    return lambda target: target.write_text(text.replace(old, f"  fichier: {name}"), encoding="utf-8")


def test_a_symlink_leading_out_of_kit_fichiers(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, site_hash = built
    problems = (
        "kit/documents.yml:41 : « fichier » : fichier « secret.pdf » refusé : c'est un lien qui mène hors de kit/fichiers/.",
        "kit/fichiers/secret.pdf : lien symbolique refusé : il pourrait publier un fichier extérieur au projet ; "
        "remplacez le lien par une copie du fichier lui-même.",
    )
    with local_file(root, "secret.pdf", lambda link: link.symlink_to(root / "site_config.yml")):
        for _ in broken(root, "kit/documents.yml", with_local_file("secret.pdf")):
            assert_refused(root, site_hash, problems, capsys)


def _sparse_21_mb(path: Path) -> None:
    with path.open("wb") as stream:  # sparse: 21 MB on paper, nothing on disk
        stream.truncate(21_000_000)


def test_a_local_file_too_big(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, site_hash = built
    problem = ("kit/documents.yml:41 : « fichier » : fichier « rapport.pdf » trop gros (21,0 Mo, "
               "maximum 20 Mo) : déposez-le ailleurs et indiquez son adresse avec « lien ».")
    with local_file(root, "rapport.pdf", _sparse_21_mb):
        for _ in broken(root, "kit/documents.yml", with_local_file("rapport.pdf")):
            assert_refused(root, site_hash, (problem,), capsys)


def test_a_local_file_name_that_would_bend_its_link(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = built
    problem = ("kit/documents.yml:41 : « fichier » : nom de fichier « rapport (version finale).pdf » "
               "refusé : utilisez seulement des lettres sans accents, des chiffres, « . », « - » et « _ » "
               "(renommez le fichier dans kit/fichiers/, par exemple « rapport-2024.pdf »).")
    with local_file(root, "rapport (version finale).pdf", lambda path: path.write_bytes(b"%PDF-1.4")):
        for _ in broken(root, "kit/documents.yml", with_local_file('"rapport (version finale).pdf"')):
            code, lines = run_kit(root, "check", capsys)
            assert code == 1
            assert_reported(lines, (problem,), CHECK_END)


def test_a_good_local_file_is_published_and_linked(mini_project, tmp_path: Path) -> None:
    files = mini_project.kit_dir / "fichiers"
    files.mkdir()
    (files / "rapport_phare-2016.pdf").write_bytes(b"%PDF-1.4 test")
    with_local_file("rapport_phare-2016.pdf")(mini_project.kit_dir / "documents.yml")
    site = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    assert (site / "fichiers" / "rapport_phare-2016.pdf").read_bytes() == b"%PDF-1.4 test"
    page = (site / "documents" / "phare.html").read_text(encoding="utf-8")
    assert 'href="../fichiers/rapport_phare-2016.pdf"' in page


def test_the_exit_code_of_the_command_itself(built: tuple[Path, str]) -> None:
    root, _ = built
    for _ in broken(root, "kit/cas/vide.yml", lambda target: target.write_text("", encoding="utf-8")):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("GITHUB_ACTIONS", None)
        result = subprocess.run([sys.executable, "-m", "builder", "--projet", str(root), "check"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 1
        assert result.stdout == ""
        [empty] = [c for c in CASES if c.name == "vide"]
        assert result.stderr.splitlines()[0] == empty.problems[0] == (
            "kit/cas/vide.yml : le fichier est vide : remplissez-le à partir du modèle (commande « kit new-case »), ou "
            "supprimez-le.")
