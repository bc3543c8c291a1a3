"""CONTRIBUTING.md says what the repository does: its example sheet is valid, it names every
field and value, the buttons and names it quotes exist, its links land, its messages are
the builder's own."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from builder.config import Project
from builder.loader import load_config
from builder.validate import load_kit
from builder.models import CaseSheet
from builder.problems import Problems
from conftest import FIXTURES, copy_project, repo_project_copy
from test_bad_inputs import CASES

REPO = Path(__file__).resolve().parent.parent
GUIDE = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
FLAT = " ".join(GUIDE.split())  # the guide's text without its line breaks


def example_sheet() -> str:
    section = GUIDE.split("## Exemple", 1)[1]
    return section.split("```yaml\n", 1)[1].split("\n```", 1)[0] + "\n"


def test_the_example_sheet_passes_kit_check(tmp_path: Path) -> None:
    project = repo_project_copy(tmp_path / "projet")
    (project.kit_dir / "cas" / "exemple-du-guide.yml").write_text(example_sheet(), encoding="utf-8")
    config, kit = load_kit(project)
    example = next(c for c in kit.cases if c.slug == "exemple-du-guide")
    assert example.sheet.titre.startswith("Fondation de la Caisse d'Épargne")
    assert example_sheet().startswith("# yaml-language-server: $schema=../../schemas/fiche.schema.json\n")


def test_the_example_is_a_real_sheet() -> None:
    example = yaml.safe_load(example_sheet())
    real = yaml.safe_load((REPO / "kit" / "cas" / "flda.yml").read_text(encoding="utf-8"))
    assert example["titre"] == real["titre"] and example["sources"] == real["sources"]


def test_every_field_and_value_is_described() -> None:
    table = GUIDE.split("## Les rubriques de la fiche", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| `")]
    assert rows == [f"`{name}`" for name in CaseSheet.model_fields]
    config = load_config(Project(REPO), Problems(REPO))
    for term in (*config.taxonomie.formes, *config.taxonomie.demarches):
        assert f"`{term.id}`" in table, term.id


def github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_internal_links_land_on_a_heading() -> None:
    anchors = {github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", GUIDE, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", GUIDE)
    assert len(links) >= 5
    assert [link for link in links if link not in anchors] == []


def test_what_the_guide_names_exists() -> None:
    for path in ("builder/templates/nouvelle_fiche.yml", ".github/pull_request_template.md", "schemas/fiche.schema.json",
                 "kit/documents.yml", "kit/cas/flda.yml"):
        assert f"`{path}`" in GUIDE or path in GUIDE, path
        assert (REPO / path).exists(), path
    workflow = yaml.safe_load((REPO / ".github/workflows/verification.yml").read_text(encoding="utf-8"))
    [job] = workflow["jobs"].values()
    assert f"« {workflow['name']} / {job['name']} »" in FLAT
    steps = [s.get("name") for s in job["steps"]]
    assert "Valider le catalogue (kit check)" in steps and "**Valider le catalogue (kit check)**" in FLAT
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert f"**{upload['with']['name']}**" in FLAT
    form = yaml.safe_load((REPO / ".github/ISSUE_TEMPLATE/proposer-une-fiche.yml").read_text(encoding="utf-8"))
    assert f"**{form['name']}**" in FLAT
    assert "redhat.vscode-yaml" in json.loads((REPO / ".vscode/extensions.json").read_text(encoding="utf-8"))["recommendations"]


def test_the_sample_error_is_what_kit_check_prints() -> None:
    sample = GUIDE.split("```text\n", 1)[1].split("\n```", 1)[0]
    [case] = [c for c in CASES if c.name == "forme-inconnue"]
    assert sample.split(" : ", 1)[1] == case.problems[0].split(" : ", 1)[1]


@pytest.mark.parametrize("fragment", [
    "indentation incohérente", "n'est jamais refermé", "deux-points inattendu", "caractère de tabulation dans l'indentation",
    "clé obligatoire « ", "clé inconnue « ", "n'est pas une valeur connue", "document « ", "balise HTML « ",
    "image interdite", "adresse « javascript: » interdite", "n'est pas encodé en UTF-8", "le fichier est vide", "en double",
    "» est vide", "doit être un texte : mettez la valeur entre guillemets", "n'est pas une date existante au format AAAA-MM-JJ",
])
def test_the_messages_table_quotes_real_messages(fragment: str) -> None:
    table = GUIDE.split("## Messages fréquents", 1)[1].split("\n## ", 1)[0]
    assert fragment in table
    sources = "".join(p.read_text(encoding="utf-8") for p in (REPO / "builder").rglob("*.py"))
    assert fragment.replace("« javascript: »", "« {scheme}: »") in sources or fragment in sources


@pytest.mark.parametrize("name", ["index", "flux.yml"])
def test_kit_new_case_refuses_a_reserved_name(tmp_path: Path, capsys, name: str) -> None:
    # kit check refuses kit/cas/index.yml and flux.yml (the sheets' index and feed pages).
    from builder.cli import main

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    assert main(["--projet", str(project.root), "new-case", name]) == 2
    assert "réservé" in capsys.readouterr().err
    assert not (project.kit_dir / "cas" / f"{name.removesuffix('.yml')}.yml").exists()


def test_the_template_the_guide_copies_is_the_one_kit_new_case_writes(tmp_path: Path) -> None:
    from builder.cli import main

    shutil.copy(REPO / "site_config.yml", tmp_path / "site_config.yml")
    assert main(["--projet", str(tmp_path), "new-case", "mon-initiative"]) == 0
    written = (tmp_path / "kit" / "cas" / "mon-initiative.yml").read_text(encoding="utf-8")
    assert written == (REPO / "builder" / "templates" / "nouvelle_fiche.yml").read_text(encoding="utf-8")
