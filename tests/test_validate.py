"""The validation layer (builder/validate.py): rules across fields and files, collected.

Each rule is broken on a built copy of the fixture kit: ``kit check`` exits with 1 and prints
the exact French message (file, line, field, fix); ``kit build`` exits with 1 too, prints the
same message and no traceback, and leaves site/ byte for byte as it was."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.cli import main
from builder.config import Project
from builder.loader import load_catalogue
from builder.models import Document, ValidationContext
from builder.problems import CatalogueError, Problems
from builder.validate import load_kit, validate
from conftest import built_mini, tree_hash

REPO = Path(__file__).resolve().parent.parent
CHECK_END = "Corrigez ces erreurs puis relancez « kit check »."
BUILD_END = "Le site n'a pas été modifié."
MARKERS = ("kit:chiffres, kit:date-edition, kit:fiches-recentes, kit:fragilites, kit:natures, kit:objectifs, "
           "kit:parcours, kit:recherche, kit:telechargement")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    yield built_mini(tmp_path_factory.mktemp("validation") / "projet", with_archive=False)


@contextmanager
def edited(root: Path, relative: str, edit: Callable[[str], str]) -> Iterator[str]:
    """``relative`` rewritten by ``edit`` for the block (created from "" when absent); yields the new text."""
    target = root / relative
    saved = target.read_bytes() if target.exists() else None
    text = edit(target.read_text(encoding="utf-8") if saved is not None else "")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    try:
        yield text
    finally:
        if saved is None:
            target.unlink()
        else:
            target.write_bytes(saved)


def line_with(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of ``text`` holding ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[occurrence - 1]


def run_kit(root: Path, command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    code = main(["--projet", str(root), command])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def assert_refused(root: Path, site_hash: str, problems: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``kit check`` and ``kit build`` both report exactly ``problems`` and exit with 1; the
    build prints no traceback and leaves site/ as it was."""
    count = f"{len(problems)} erreur trouvée." if len(problems) == 1 else f"{len(problems)} erreurs trouvées."
    code, _, lines = run_kit(root, "check", capsys)
    assert code == 1
    assert lines == [*problems, count, CHECK_END]
    code, out, lines = run_kit(root, "build", capsys)
    assert code == 1
    assert "Traceback" not in out + "\n".join(lines)
    assert lines[-len(problems) - 2:] == [*problems, count, BUILD_END]
    assert tree_hash(root / "site") == site_hash


@dataclass(frozen=True)
class Fault:
    name: str
    file: str
    edit: Callable[[str], str]
    expected: Callable[[str], list[str]]  # the new text → the exact lines of the report


def _twice_in_path(text: str) -> str:
    return text.replace("documents: [referentiel, etude, phare]", "documents: [referentiel, etude, referentiel]")


def _twice_in_path_block(text: str) -> str:
    return text.replace("documents: [referentiel, etude, phare]",
                        "documents:\n    - referentiel\n    - etude\n    - phare\n    - etude")


def _about(entries: str) -> Callable[[str], str]:
    return lambda text: text.replace('  a_propos: "Le kit"\n', f'  a_propos: "Le kit"\n  pages_a_propos:\n{entries}')


FAULTS = [
    Fault("document deux fois dans un parcours (liste sur une ligne)", "kit/parcours.yml", _twice_in_path, lambda t: [
        f"kit/parcours.yml:{line_with(t, 'referentiel, etude, referentiel')} : « documents » : le document "
        f"« referentiel » figure deux fois dans le parcours « animer » (déjà en position 1, ligne "
        f"{line_with(t, 'referentiel, etude, referentiel')}) : gardez-le une seule fois, à la place voulue."]),
    Fault("document deux fois dans un parcours (liste en lignes)", "kit/parcours.yml", _twice_in_path_block, lambda t: [
        f"kit/parcours.yml:{line_with(t, '    - etude', 2)} : « documents » : le document « etude » figure deux fois "
        f"dans le parcours « animer » (déjà en position 2, ligne {line_with(t, '    - etude')}) : gardez-le une seule "
        "fois, à la place voulue."]),
    Fault("marqueur inconnu sur l'accueil", "content/index.md",
          lambda t: t.replace("<!-- kit:parcours -->", "<!-- kit:parcour -->"), lambda t: [
              f"content/index.md:{line_with(t, 'kit:parcour ')} : marqueur « <!-- kit:parcour --> » inconnu : les "
              f"marqueurs possibles sont {MARKERS}. Vouliez-vous dire « parcours » ?"]),
    Fault("marqueur inconnu dans une autre page", "content/le-kit/co-construction.md",
          lambda t: t + "\n<!-- kit:glossaire -->\n", lambda t: [
              f"content/le-kit/co-construction.md:{line_with(t, 'kit:glossaire')} : marqueur « <!-- kit:glossaire --> » "
              f"inconnu : les marqueurs possibles sont {MARKERS}."]),
    Fault("marqueur en majuscules", "content/index.md",
          lambda t: t.replace("<!-- kit:natures -->", "<!-- KIT:Natures -->"), lambda t: [
              f"content/index.md:{line_with(t, 'KIT:Natures')} : marqueur « <!-- KIT:Natures --> » mal écrit : un "
              "marqueur s'écrit en minuscules, sans espace autour des deux-points, « <!-- kit:nom --> » (et un "
              "argument éventuel après une espace) : écrivez « <!-- kit:natures --> »."]),
    Fault("bloc au milieu d'une phrase", "content/le-kit/co-construction.md",
          lambda t: t + "\nTexte <!-- kit:parcours --> en ligne.\n", lambda t: [
              f"content/le-kit/co-construction.md:{line_with(t, 'Texte <!-- kit:parcours')} : le marqueur "
              "« <!-- kit:parcours --> » doit être seul sur sa ligne (il est remplacé par un bloc entier) : mettez-le "
              "sur une ligne à part, précédée et suivie d'une ligne vide."]),
    Fault("page du kit introuvable", "site_config.yml",
          _about("    - le-kit/co-construction.md\n    - le-kit/coconstruction.md\n"), lambda t: [
              f"site_config.yml:{line_with(t, 'le-kit/coconstruction.md')} : « pages_a_propos » : "
              "« le-kit/coconstruction.md » ne désigne aucune page de content/ : la page manquerait à l'onglet « Le kit ». "
              "Écrivez le chemin d'une page à partir de content/ (par exemple « le-kit/ma-page.md »), ou retirez la "
              "ligne. Vouliez-vous dire « le-kit/co-construction.md » ?"]),
    Fault("page du kit sans dossier ni extension", "site_config.yml", _about("    - co-construction\n"), lambda t: [
        f"site_config.yml:{line_with(t, '- co-construction')} : « pages_a_propos » : « co-construction » ne désigne "
        "aucune page de content/ : la page manquerait à l'onglet « Le kit ». Écrivez le chemin d'une page à partir de "
        "content/ (par exemple « le-kit/ma-page.md »), ou retirez la ligne. Vouliez-vous dire "
        "« le-kit/co-construction.md » ?"]),
    Fault("page du kit deux fois", "site_config.yml",
          _about("    - le-kit/co-construction.md\n    - le-kit/co-construction.md\n"), lambda t: [
              f"site_config.yml:{line_with(t, 'le-kit/co-construction.md', 2)} : « pages_a_propos » : la page "
              f"« le-kit/co-construction.md » figure deux fois (déjà ligne {line_with(t, 'le-kit/co-construction.md')}) "
              ": gardez-la une seule fois."]),
    Fault("titre d'un groupe de chiffres absent", "site_config.yml",
          lambda t: t.replace('  a_propos: "Le kit"\n', '  a_propos: "Le kit"\n  groupes_chiffres:\n    opinon: "Opinion"\n'),
          lambda t: [
              f"site_config.yml:{line_with(t, 'opinon:')} : « groupes_chiffres » : le groupe « opinon » n'existe pas "
              "dans kit/chiffres.yml (champ « groupe ») : son titre ne servirait à rien. Groupes : aucun."]),
    Fault("chiffre en double", "kit/chiffres.yml",
          lambda t: t + "- id: alliances\n  valeur: 1\n  libelle: \"Autre\"\n  source: \"Programme PHARE\"\n  annee: 2015\n",
          lambda t: [
              f"kit/chiffres.yml:{line_with(t, '- id: alliances', 2)} : identifiant « alliances » en double (chiffre déjà "
              f"défini ligne {line_with(t, '- id: alliances')}) : chaque identifiant doit être unique."]),
    Fault("fichier absent du disque", "kit/documents.yml",
          lambda t: t.replace("- id: referentiel\n", "- id: referentiel\n  fichier: rapport-absent.pdf\n", 1), lambda t: [
              "kit/documents.yml:2 : « fichier » : fichier « rapport-absent.pdf » introuvable dans kit/fichiers/ : "
              "ajoutez-le à ce dossier ou corrigez son nom."]),
    Fault("image absente dans une page", "content/le-kit/co-construction.md",
          lambda t: t + "\n![Schéma](images/schema.png)\n", lambda t: [
              f"content/le-kit/co-construction.md:{line_with(t, 'schema.png')} : l'image vers « images/schema.png » mène "
              "à un fichier absent (content/le-kit/images/schema.png) : ajoutez ce fichier à content/, ou corrigez le "
              "chemin (il part du dossier de la page)."]),
    Fault("lien vers un document qui n'existe pas", "content/le-kit/co-construction.md",
          lambda t: t + "\nVoir [le film](../documents/flim.md).\n", lambda t: [
              f"content/le-kit/co-construction.md:{line_with(t, 'flim.md')} : le lien vers « ../documents/flim.md » "
              "mène à une page qui ne sera pas produite : « flim » n'est pas un identifiant de kit/documents.yml. "
              "Vouliez-vous dire « film » ? Corrigez le lien (par exemple « ../documents/mon-document.md »)."]),
    Fault("lien vers une page absente", "content/le-kit/co-construction.md",
          lambda t: t + "\nVoir [la genèse](genese.md).\n", lambda t: [
              f"content/le-kit/co-construction.md:{line_with(t, 'genese.md')} : le lien vers « genese.md » mène à un "
              "fichier absent (content/le-kit/genese.md) : ajoutez ce fichier à content/, ou corrigez le chemin (il "
              "part du dossier de la page)."]),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_a_broken_rule_is_refused_by_check_and_build(fault: Fault, built: tuple[Path, str],
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root, site_hash = built
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    with edited(root, fault.file, fault.edit) as text:
        assert_refused(root, site_hash, fault.expected(text), capsys)
    assert run_kit(root, "check", capsys)[0] == 0  # repaired: nothing leaks into the next case


def test_every_problem_is_collected_in_one_run(built: tuple[Path, str], capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Faults of several rules and files come out together, sorted by file and line."""
    root, site_hash = built
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    with edited(root, "kit/parcours.yml", _twice_in_path) as paths, \
            edited(root, "content/index.md", lambda t: t.replace("<!-- kit:parcours -->", "<!-- kit:parcour -->")), \
            edited(root, "site_config.yml", _about("    - le-kit/absente.md\n")), \
            edited(root, "kit/documents.yml", lambda t: t.replace("nature: illustrations", "nature: ilustrations", 1)):
        code, _, lines = run_kit(root, "check", capsys)
    assert code == 1
    assert lines[-2:] == ["4 erreurs trouvées.", CHECK_END]
    assert [line.split(" : ", 1)[0].split(":")[0] for line in lines[:-2]] == [
        "content/index.md", "kit/documents.yml", "kit/parcours.yml", "site_config.yml"]
    assert f"kit/parcours.yml:{line_with(paths, 'referentiel, etude, referentiel')} : « documents »" in lines[2]
    assert "« nature » : « ilustrations » n'est pas une valeur connue." in lines[1]
    assert tree_hash(root / "site") == site_hash


def test_a_document_twice_in_a_case_sheet(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, site_hash = built
    sheet = sorted((root / "kit" / "cas").glob("*.yml"))[0]
    relative = sheet.relative_to(root).as_posix()
    text = sheet.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.startswith("documents:"))
    assert first.startswith("documents: [") and first.endswith("]"), "the fixture sheet lists its documents on one line"
    ids = [i.strip() for i in first.removeprefix("documents: [").removesuffix("]").split(",") if i.strip()]
    assert ids, "the fixture sheet names at least one document"
    twice = f"documents: [{', '.join([*ids, ids[0]])}]"
    with edited(root, relative, lambda t: t.replace(first, twice)) as new:
        line = line_with(new, twice)
        assert_refused(root, site_hash, [
            f"{relative}:{line} : « documents » : le document « {ids[0]} » figure deux fois dans cette fiche (déjà en "
            f"position 1, ligne {line}) : gardez-le une seule fois, à la place voulue."], capsys)


# --- the context is mandatory: no model is accepted because it was missing --------------------


def test_a_model_alone_does_not_make_a_valid_kit(mini_project: Project) -> None:
    """The taxonomy rule is the layer's: a Document typed alone takes any nature (it checks
    types), but the only way to a Kit, ``load_kit``, refuses it."""
    assert Document.model_validate({"id": "x", "titre": "X", "nature": "inconnue", "auteurs": ["A"], "annee": 2016,
                                    "resume": "Texte."}).nature == "inconnue"
    documents = mini_project.kit_dir / "documents.yml"
    documents.write_text(documents.read_text(encoding="utf-8").replace("nature: illustrations", "nature: inconnue", 1),
                         encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_kit(mini_project)
    assert "« nature » : « inconnue » n'est pas une valeur connue. Valeurs possibles : cadre-de-reference, " \
           "illustrations, methode" in str(raised.value)


def test_validate_requires_its_context_and_collects(mini_project: Project) -> None:
    problems = Problems(mini_project.root)
    catalogue = load_catalogue(mini_project, problems)
    assert catalogue is not None and not problems
    with pytest.raises(TypeError):
        validate(catalogue, problems=problems)  # type: ignore[call-arg]
    paths = mini_project.kit_dir / "parcours.yml"
    paths.write_text(_twice_in_path(paths.read_text(encoding="utf-8")), encoding="utf-8")
    (mini_project.content_dir / "index.md").write_text("<!-- kit:inconnu -->\n", encoding="utf-8")
    catalogue = load_catalogue(mini_project, problems)
    assert catalogue is not None and not problems  # the loader only reads and types
    context = ValidationContext(catalogue.config.taxonomie, mini_project.kit_dir)
    returned = validate(catalogue, context, problems)  # never raises: every problem collected
    assert returned is problems
    assert sorted(p.file for p in problems.sorted()) == ["content/index.md", "kit/parcours.yml"]


def _imports(module: str) -> set[str]:
    tree = ast.parse((REPO / "builder" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_loading_never_imports_the_validation_layer_nor_loops() -> None:
    """concepts → loader was a circle (loader imported concepts, concepts loader.validate_node)."""
    assert "builder.loader" not in _imports("concepts")
    assert "builder.validate" not in _imports("concepts") | _imports("typed_nodes")
    assert not {"builder.loader", "builder.concepts", "builder.validate"} & _imports("typed_nodes")


@pytest.mark.parametrize("epoch", ["demain", "99999999999999999999"])
def test_check_does_not_end_on_an_unreadable_source_date_epoch(mini_project: Project, epoch: str,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The future-date rule reads SOURCE_DATE_EPOCH; a value it cannot read is the environment's
    fault (the build's preflight names it), not a reason for « kit check » to fail unexpectedly."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    code, out, err = run_kit(mini_project.root, "check", capsys)
    assert code == 0, err
    assert out.startswith("Catalogue valide") and "inattendue" not in "\n".join(err)


def test_check_summary_agrees_in_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """French agreement: the other kit has one case sheet, « 1 fiche d'expérience », not « 1 fiches »."""
    from tests.conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / "autre-kit", tmp_path / "autre")
    code, out, err = run_kit(project.root, "check", capsys)
    assert code == 0, err
    assert out.rstrip().endswith(" 1 fiche d'expérience.")
