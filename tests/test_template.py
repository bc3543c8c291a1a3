"""The ``kit new-case`` template: optional examples are comments, and a sheet that keeps the
template's placeholders or its example address is refused by ``kit check``, field by field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from builder.cli import main
from conftest import FIXTURES, copy_project

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "builder" / "templates" / "nouvelle_fiche.yml"
OPTIONAL = ("region", "demarche", "themes", "site_web", "date_ajout")
LEFT = "texte du modèle laissé tel quel (« {} ») : remplacez-le par celui de votre fiche."
EXAMPLE_ADDRESS = ("adresse d'exemple « exemple.fr » laissée du modèle : indiquez une adresse publiée (par l'initiative "
                   "ou par ses sources), ou retirez-la.")


@pytest.fixture
def project(tmp_path: Path):
    return copy_project(FIXTURES / "mini", tmp_path / "mini")


def new_sheet(project, capsys) -> Path:
    assert main(["--projet", str(project.root), "new-case", "mon-initiative"]) == 0
    capsys.readouterr()
    return project.kit_dir / "cas" / "mon-initiative.yml"


def check(project, capsys) -> tuple[int, list[str]]:
    code = main(["--projet", str(project.root), "check"])
    return code, capsys.readouterr().err.splitlines()


def line_of(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def test_optional_examples_are_comments() -> None:
    data = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    assert not set(OPTIONAL) & set(data)
    text = TEMPLATE.read_text(encoding="utf-8")
    for key in OPTIONAL:
        assert f"\n# {key}: " in text, key
    assert data["documents"] == []


def test_the_untouched_template_is_refused_field_by_field(project, capsys) -> None:
    sheet = new_sheet(project, capsys)
    code, err = check(project, capsys)
    assert code == 1
    where = "kit/cas/mon-initiative.yml"
    expected = {
        "titre": "Nom de l'initiative",
        "territoire": "Commune, département ou région",
        "statut": "Statut de la structure porteuse",
        "objet": "En une ou deux phrases : ce que fait l'initiative, pour qui.",
        "genese": "Comment l'initiative est née : qui, quand, pourquoi.",
        "objectif": "Ce que l'initiative cherche à atteindre.",
        "activites": "Les activités en matière de partenariats :",
        "resultats": "Les résultats obtenus, avec leurs chiffres et leur source.",
        "prochaines_etapes": "Ce qui est prévu ensuite.",
        "sources": "Auteur, « Titre de la publication », nature, année",
    }
    assert err[:-2] == [f"{where}:{line_of(sheet, key + ':')} : « {key} » : {LEFT.format(text)}"
                        for key, text in expected.items()]
    assert err[-2] == "10 erreurs trouvées."


def filled(sheet: Path) -> str:
    """The template with every placeholder replaced by real text (the fixture's Charenton sheet)."""
    real = (FIXTURES / "mini" / "kit" / "cas" / "charenton.yml").read_text(encoding="utf-8")
    return real.replace("date_ajout: 2026-11-25\n", "")


def test_one_line_left_in_a_text_is_found(project, capsys) -> None:
    sheet = new_sheet(project, capsys)
    sheet.write_text(filled(sheet).replace("  - des groupes de travail.\n", "  - des groupes de travail ;\n  - deuxième activité.\n"),
                     encoding="utf-8")
    code, err = check(project, capsys)
    assert code == 1
    assert err[0] == f"kit/cas/mon-initiative.yml:{line_of(sheet, 'activites:')} : « activites » : " + LEFT.format("deuxième activité.")


@pytest.mark.parametrize("line", ["site_web: https://www.exemple.fr/\n", "site_web: https://exemple.fr/notre-projet\n"])
def test_the_example_address_is_refused(project, capsys, line: str) -> None:
    sheet = new_sheet(project, capsys)
    sheet.write_text(filled(sheet) + line, encoding="utf-8")
    code, err = check(project, capsys)
    assert code == 1
    assert err[0] == f"kit/cas/mon-initiative.yml:{line_of(sheet, 'site_web:')} : « site_web » : {EXAMPLE_ADDRESS}"


def test_the_example_address_in_a_text_too(project, capsys) -> None:
    sheet = new_sheet(project, capsys)
    sheet.write_text(filled(sheet).replace("  Poursuivre.\n", "  Poursuivre : voir [notre site](https://www.exemple.fr/).\n"),
                     encoding="utf-8")
    code, err = check(project, capsys)
    assert code == 1
    assert err[0].endswith(f" : « prochaines_etapes » : {EXAMPLE_ADDRESS}")


def test_a_filled_sheet_passes(project, capsys) -> None:
    sheet = new_sheet(project, capsys)
    sheet.write_text(filled(sheet), encoding="utf-8")
    assert check(project, capsys)[0] == 0


def test_kit_from_issue_refuses_the_example_address_under_its_label(project, capsys, tmp_path: Path) -> None:
    body = (REPO / "tests" / "from_issue" / "coordin-actions.md").read_text(encoding="utf-8")
    (tmp_path / "b.md").write_text(body.replace("http://www.coordinactions.org/", "https://www.exemple.fr/"), encoding="utf-8")
    assert main(["--projet", str(project.root), "from-issue", str(tmp_path / "b.md")]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"« Site web » : {EXAMPLE_ADDRESS}"
