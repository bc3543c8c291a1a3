"""Loading and validation: each class of error gets a French message with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.config import Project
from builder.problems import CatalogueError
from builder.validate import load_kit


def problems_of(project: Project) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_kit(project)
    return [str(p) for p in caught.value.problems.sorted()]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} absent de {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_number(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} absent de {path}")


def test_fixture_kit_is_valid(mini_project: Project) -> None:
    config, kit = load_kit(mini_project)
    assert [p.id for p in kit.reading_paths] == ["comprendre", "animer", "accompagner"]
    assert len(kit.documents) == 6
    assert sorted(c.slug for c in kit.cases) == ["charenton", "silvergeek"]


def test_yaml_syntax_error_names_file_and_line(mini_project: Project) -> None:
    sheet = mini_project.kit_dir / "cas" / "charenton.yml"
    edit(sheet, 'statut: "Collectivité territoriale"', 'statut: "Collectivité territoriale')
    [problem] = problems_of(mini_project)
    assert problem.startswith("kit/cas/charenton.yml:")
    assert "erreur de syntaxe YAML" in problem and "guillemet" in problem


def test_missing_key_is_reported_on_the_sheet(mini_project: Project) -> None:
    sheet = mini_project.kit_dir / "cas" / "charenton.yml"
    edit(sheet, "objectif: |\n  Rapprocher les acteurs.\n", "")
    [problem] = problems_of(mini_project)
    assert problem.startswith("kit/cas/charenton.yml:1 : clé obligatoire « objectif » absente")


def test_unknown_key_suggests_the_right_one(mini_project: Project) -> None:
    sheet = mini_project.kit_dir / "cas" / "charenton.yml"
    edit(sheet, "territoire:", "teritoire:")
    messages = problems_of(mini_project)
    line = line_number(sheet, "teritoire:")
    assert f"kit/cas/charenton.yml:{line} : clé inconnue « teritoire ». Vouliez-vous dire « territoire » ?" in " ".join(messages)
    # the required key is missing too, and said so: every problem at once
    assert any("clé obligatoire « territoire » absente" in m for m in messages)


def test_value_outside_the_taxonomy(mini_project: Project) -> None:
    documents = mini_project.kit_dir / "documents.yml"
    edit(documents, "nature: illustrations", "nature: ilustrations")
    [problem] = problems_of(mini_project)
    line = line_number(documents, "nature: ilustrations")
    assert problem.startswith(f"kit/documents.yml:{line} : « nature » : « ilustrations » n'est pas une valeur connue.")
    assert "Vouliez-vous dire « illustrations » ?" in problem


def test_family_must_belong_to_the_nature(mini_project: Project) -> None:
    documents = mini_project.kit_dir / "documents.yml"
    edit(documents, "famille: se-former", "famille: contexte")
    [problem] = problems_of(mini_project)
    assert "famille « contexte » inconnue pour la nature « methode »" in problem


def test_unknown_form_in_a_sheet(mini_project: Project) -> None:
    sheet = mini_project.kit_dir / "cas" / "charenton.yml"
    edit(sheet, "formes: [dialogue-territorial]", "formes: [dialogue]")
    [problem] = problems_of(mini_project)
    assert problem.startswith(f"kit/cas/charenton.yml:{line_number(sheet, 'formes:')} :")
    assert "« dialogue » n'est pas une valeur connue" in problem and "dialogue-territorial" in problem


def test_duplicate_document_id(mini_project: Project) -> None:
    documents = mini_project.kit_dir / "documents.yml"
    edit(documents, "- id: film", "- id: referentiel")
    messages = problems_of(mini_project)
    second = line_number(documents, "titre: \"Film") - 1
    assert any(m.startswith(f"kit/documents.yml:{second} : identifiant « referentiel » en double") for m in messages), messages


def test_duplicate_slug(mini_project: Project) -> None:
    cases = mini_project.kit_dir / "cas"
    (cases / "charenton.yaml").write_text((cases / "charenton.yml").read_text(encoding="utf-8"), encoding="utf-8")
    [problem] = problems_of(mini_project)
    assert "fiche « charenton » en double" in problem


def test_unknown_document_in_a_path_and_a_sheet(mini_project: Project) -> None:
    edit(mini_project.kit_dir / "parcours.yml", "documents: [referentiel, etude, phare]", "documents: [referentiel, etudes, phare]")
    edit(mini_project.kit_dir / "cas" / "charenton.yml", "documents: [etude]", "documents: [inconnu]")
    messages = problems_of(mini_project)
    assert any(m.startswith("kit/parcours.yml:") and "document « etudes » inconnu" in m and "« etude »" in m for m in messages)
    assert any(m.startswith("kit/cas/charenton.yml:") and "document « inconnu » inconnu" in m for m in messages)


def test_missing_local_file(mini_project: Project) -> None:
    documents = mini_project.kit_dir / "documents.yml"
    edit(documents, "  lien: http://www.lerameau.fr/le-programme-phare/", "  fichier: phare.pdf")
    [problem] = problems_of(mini_project)
    assert problem.startswith(f"kit/documents.yml:{line_number(documents, 'fichier: phare.pdf')} :")
    assert "fichier « phare.pdf » introuvable dans kit/fichiers/" in problem


def test_local_file_present_is_accepted_and_published(mini_project: Project, tmp_path: Path) -> None:
    documents = mini_project.kit_dir / "documents.yml"
    edit(documents, "  lien: http://www.lerameau.fr/le-programme-phare/", "  fichier: phare.pdf")
    (mini_project.kit_dir / "fichiers").mkdir()
    (mini_project.kit_dir / "fichiers" / "phare.pdf").write_bytes(b"%PDF-1.4 test")
    config, kit = load_kit(mini_project)
    assert kit.document("phare").fichier == "phare.pdf"


def test_every_problem_is_reported_at_once(mini_project: Project) -> None:
    edit(mini_project.kit_dir / "documents.yml", "annee: 2013", "annee: deux-mille")
    edit(mini_project.kit_dir / "cas" / "silvergeek.yml", "formes: [experimentations-collectives, partenariats]", "formes: [inconnue]")
    (mini_project.kit_dir / "cas" / "vide.yml").write_text("", encoding="utf-8")
    messages = problems_of(mini_project)
    assert len(messages) == 3
    assert any("« annee » doit être un nombre entier" in m for m in messages)
    assert any(m.startswith("kit/cas/vide.yml : le fichier est vide") for m in messages)
