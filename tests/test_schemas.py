"""JSON Schemas and the issue form are generated from the models: the committed files are
the generated ones, they accept the repository's kit and refuse a bad sheet."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from builder import schemas
from builder.cli import main
from builder.config import Project
from builder.loader import load_config
from builder.models import CaseSheet, Document, ReadingPath
from builder.problems import Problems

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "builder" / "templates" / "nouvelle_fiche.yml"


def repo_config():
    project = Project(REPO)
    config = load_config(project, Problems(REPO))
    assert config is not None
    return config


def load_as_editor_tool(path: Path) -> Any:
    """The file's data as a YAML editor extension sees it: YAML 1.2 has no date type, so
    « 2026-01-31 » is a string (PyYAML reads a date: turn it back into its text)."""
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return value

    return plain(yaml.safe_load(path.read_text(encoding="utf-8")))


def validator(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"  # what editors' YAML support reads
    assert "$defs" not in json.dumps(schema)  # a draft 2019+ keyword
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_committed_files_are_the_generated_ones() -> None:
    generated = schemas.generated_files(repo_config())
    assert sorted(generated) == [
        ".github/ISSUE_TEMPLATE/proposer-une-fiche.yml",
        "schemas/documents.schema.json",
        "schemas/fiche.schema.json",
        "schemas/parcours.schema.json",
    ]
    for relative, content in generated.items():
        committed = (REPO / relative).read_text(encoding="utf-8")
        assert committed == content, f"{relative} n'est plus à jour : lancez « kit schemas » et committez le résultat."


def test_schemas_are_french_and_carry_the_taxonomy() -> None:
    config = repo_config()
    generated = schemas.schemas(config)
    fiche = generated["fiche.schema.json"]
    assert fiche["title"] == "Fiche d'expérience (kit/cas/<nom>.yml)"
    assert fiche["properties"]["genese"]["title"] == "Genèse"
    assert fiche["properties"]["genese"]["description"] == CaseSheet.model_fields["genese"].description
    assert fiche["properties"]["formes"]["items"]["enum"] == [t.id for t in config.taxonomie.formes]
    approaches = next(b for b in fiche["properties"]["demarche"]["anyOf"] if b.get("type") == "string")
    assert approaches["enum"] == [t.id for t in config.taxonomie.demarches]
    documents = generated["documents.schema.json"]
    assert documents["items"]["properties"]["nature"]["enum"] == [n.id for n in config.taxonomie.natures]
    for schema in generated.values():
        text = json.dumps(schema, ensure_ascii=False)
        assert schemas.TAXONOMY_MARK not in text
        assert "A document of" not in text and "A case sheet" not in text  # no English docstring


def test_every_model_field_has_a_french_label() -> None:
    for model in (Document, ReadingPath, CaseSheet):
        assert set(schemas.LABELS[model]) == set(model.model_fields), model.__name__
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} n'a pas de description"


def test_the_repository_kit_is_valid_against_the_schemas() -> None:
    documents = load_as_editor_tool(REPO / "kit" / "documents.yml")
    assert len(documents) >= 30
    validator("documents.schema.json").validate(documents)
    validator("parcours.schema.json").validate(load_as_editor_tool(REPO / "kit" / "parcours.yml"))
    sheets = sorted((REPO / "kit" / "cas").glob("*.yml"))
    assert sheets
    fiche = validator("fiche.schema.json")
    for sheet in sheets:
        fiche.validate(load_as_editor_tool(sheet))


def test_the_template_is_valid_and_names_its_schema() -> None:
    first_line = TEMPLATE.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first_line.startswith(prefix)
    # the template is copied to kit/cas/<nom>.yml: the path is relative to that folder
    target = (REPO / "kit" / "cas" / first_line[len(prefix):]).resolve()
    assert target == (REPO / "schemas" / "fiche.schema.json").resolve() and target.is_file()
    validator("fiche.schema.json").validate(load_as_editor_tool(TEMPLATE))


def sheet_errors(data: dict[str, Any]) -> list[str]:
    return sorted(e.message for e in validator("fiche.schema.json").iter_errors(data))


@pytest.fixture
def good_sheet() -> dict[str, Any]:
    return load_as_editor_tool(REPO / "kit" / "cas" / "coordin-actions.yml")


def test_a_good_sheet_has_no_schema_error(good_sheet: dict[str, Any]) -> None:
    assert sheet_errors(good_sheet) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"teritoire": "Paris"}, "Additional properties are not allowed ('teritoire' was unexpected)"),
        ({"formes": ["dialogue"]}, "'dialogue' is not one of ['dialogue-territorial', 'partenariats', 'experimentations-collectives']"),
        ({"demarche": "animer"}, "'animer' is not valid under any of the given schemas"),
        ({"formes": []}, "[] should be non-empty"),
        ({"site_web": "javascript:alert(1)"}, "'javascript:alert(1)' is not valid under any of the given schemas"),
        ({"date_ajout": "31/01/2026"}, "'31/01/2026' is not valid under any of the given schemas"),
        ({"sources": "Une seule source"}, "'Une seule source' is not of type 'array'"),
    ],
)
def test_the_schema_refuses_a_bad_sheet(good_sheet: dict[str, Any], change: dict[str, Any], expected: str) -> None:
    assert sheet_errors({**good_sheet, **change}) == [expected]


def test_the_schema_refuses_a_sheet_without_a_required_key(good_sheet: dict[str, Any]) -> None:
    del good_sheet["genese"]
    assert sheet_errors(good_sheet) == ["'genese' is a required property"]


def test_the_document_schema_ties_the_family_to_the_nature() -> None:
    check = validator("documents.schema.json")
    base = {"id": "x", "titre": "X", "auteurs": ["Le RAMEAU"], "annee": 2016, "resume": "Un résumé."}
    assert not list(check.iter_errors([{**base, "nature": "methode", "famille": "se-former"}]))
    assert not list(check.iter_errors([{**base, "nature": "illustrations"}]))
    assert list(check.iter_errors([{**base, "nature": "methode"}]))  # family missing
    assert list(check.iter_errors([{**base, "nature": "methode", "famille": "contexte"}]))  # another nature's
    assert list(check.iter_errors([{**base, "nature": "illustrations", "famille": "contexte"}]))  # none expected


def test_kit_schemas_regenerates_from_the_taxonomy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "projet"
    project.mkdir()
    config_text = (REPO / "site_config.yml").read_text(encoding="utf-8")
    assert "    - id: experimentations-collectives\n" in config_text
    (project / "site_config.yml").write_text(
        config_text.replace(
            "    - id: experimentations-collectives\n",
            "    - id: cooperation-internationale\n      libelle: \"Coopération internationale\"\n"
            "    - id: experimentations-collectives\n",
        ),
        encoding="utf-8",
    )
    assert main(["--projet", str(project), "schemas"]) == 0
    assert "Écrit : schemas/fiche.schema.json" in capsys.readouterr().out
    fiche = json.loads((project / "schemas" / "fiche.schema.json").read_text(encoding="utf-8"))
    assert "cooperation-internationale" in fiche["properties"]["formes"]["items"]["enum"]
    form = yaml.safe_load((project / schemas.ISSUE_FORM).read_text(encoding="utf-8"))
    forms = next(e for e in form["body"] if e.get("id") == "formes")
    assert "Coopération internationale (cooperation-internationale)" in forms["attributes"]["options"]
    assert main(["--projet", str(project), "schemas"]) == 0
    assert capsys.readouterr().out.strip() == "Schémas et formulaire déjà à jour."


def test_kit_schemas_reports_a_broken_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(REPO / "site_config.yml", tmp_path / "site_config.yml")
    with (tmp_path / "site_config.yml").open("a", encoding="utf-8") as stream:
        stream.write("inconnu: 1\n")
    assert main(["--projet", str(tmp_path), "schemas"]) == 1
    assert "clé inconnue « inconnu »" in capsys.readouterr().err
    assert not (tmp_path / "schemas").exists()
