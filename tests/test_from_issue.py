"""``kit from-issue``: an issue body written by GitHub from the form « Proposer une fiche
d'expérience » becomes kit/cas/<slug>.yml, every value kept as typed; a bad or hostile
body writes nothing and names the form field to fix.

Golden bodies (tests/from_issue/*.md) are written as GitHub writes them (« ### Libellé »,
« _No response_ », multi-select joined by « , », « - [X] »; CRLF line ends for one); the
*.yml next to them is the exact file expected."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builder import from_issue, schemas
from builder.build import build
from builder.cli import main
from builder.loader import load_config
from builder.validate import load_kit
from builder.problems import Problems
from conftest import FIXTURES, copy_project

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "from_issue"
AGIR = GOLDEN / "agir-ensemble.md"
AGIR_SLUG = "agir-ensemble-a-charenton-saint-maurice-l-experience"
GOLDEN_CASES = [("agir-ensemble", AGIR_SLUG), ("coordin-actions", "coordin-actions")]


@pytest.fixture
def project(tmp_path: Path):
    return copy_project(FIXTURES / "mini", tmp_path / "mini")


def run(project, source: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--projet", str(project.root), "from-issue", source])
    out, err = capsys.readouterr()
    return code, out, err


def sheets(project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project.kit_dir / "cas").iterdir())}


# --- golden bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "slug"), GOLDEN_CASES)
def test_golden_body_gives_the_exact_sheet(project, capsys, name: str, slug: str) -> None:
    code, out, err = run(project, str(GOLDEN / f"{name}.md"), capsys)
    assert (code, err) == (0, "")
    assert out == f"kit/cas/{slug}.yml\n"
    written = (project.root / out.strip()).read_text(encoding="utf-8")
    assert written == (GOLDEN / f"{name}.yml").read_text(encoding="utf-8")


def test_values_are_kept_exactly_as_typed(project, capsys) -> None:
    assert run(project, str(AGIR), capsys)[0] == 0
    data = yaml.safe_load((project.kit_dir / "cas" / f"{AGIR_SLUG}.yml").read_text(encoding="utf-8"))
    assert data["titre"] == "Agir ensemble à Charenton-Saint Maurice : l’expérience “Dialoguer pour agir”"
    assert data["objet"] == ("Faire dialoguer les entreprises et les associations du territoire ; le « club » "
                             "l'appelle : “l’alliance locale”.\n")
    assert data["objectif"] == "Rapprocher les acteurs :\n\n- les entreprises ;\n- les associations ;\n- la collectivité.\n"
    assert data["prochaines_etapes"] == "Poursuivre : \"rencontres 2.0\" et 'ateliers'.\n"
    assert data["formes"] == ["dialogue-territorial", "experimentations-collectives"]  # multi-select
    assert data["documents"] == ["etude", "phare"]  # a title and an id
    assert data["sources"][1] == "Le RAMEAU, « Les 3 impacts des alliances » : note, 2018"
    # empty optional fields are left out, not written empty
    assert not {"region", "demarche", "site_web", "date_ajout"} & set(data)


def test_a_document_title_typed_with_other_quotes_is_found() -> None:
    # Phones type “ ” and ’; the catalogue writes « » and ' : the title is still the document's.
    ids, errors = from_issue._document_ids(
        ["Enseignements du parcours d’expériences “co-construction territoriale”"], REPO / "kit", "Documents du kit liés")
    assert (errors, len(ids)) == ([], 1)
    assert from_issue._document_ids(["Enseignements du parcours"], REPO / "kit", "Documents du kit liés")[1]


def test_standard_input(project, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO((GOLDEN / "coordin-actions.md").read_text(encoding="utf-8")))
    code, out, _ = run(project, "-", capsys)
    assert (code, out) == (0, "kit/cas/coordin-actions.yml\n")


def test_slug_is_made_unique_and_no_file_is_overwritten(project, capsys) -> None:
    assert run(project, str(AGIR), capsys)[1] == f"kit/cas/{AGIR_SLUG}.yml\n"
    first = (project.kit_dir / "cas" / f"{AGIR_SLUG}.yml").read_bytes()
    assert run(project, str(AGIR), capsys)[1] == f"kit/cas/{AGIR_SLUG}-2.yml\n"
    assert (project.kit_dir / "cas" / f"{AGIR_SLUG}.yml").read_bytes() == first


@pytest.mark.parametrize("title", ["Index", "FLUX", "index !"])
def test_a_title_that_slugs_to_a_reserved_page_gets_another_name(project, capsys, tmp_path: Path, title: str) -> None:
    # kit/cas/index.yml or flux.yml would be refused by kit check (the sheets' index and feed pages).
    body = tmp_path / "body.md"
    body.write_text(AGIR.read_text(encoding="utf-8").replace(
        "Agir ensemble à Charenton-Saint Maurice : l’expérience “Dialoguer pour agir”", title), encoding="utf-8")
    code, out, err = run(project, str(body), capsys)
    assert (code, err) == (0, "")
    assert out == f"kit/cas/{from_issue.slug_for(title)}-2.yml\n"
    assert main(["--projet", str(project.root), "check"]) == 0


@pytest.mark.parametrize(("title", "slug"), [
    ("Cœur d'Agglo : l’Été", "coeur-d-agglo-l-ete"),
    ("« Réseau » 2024", "reseau-2024"),
    ("Un nom très long qui dépasse largement la limite de soixante caractères fixée", "un-nom-tres-long-qui-depasse-largement-la-limite-de-soixante"),
    ("???", "fiche"),
])
def test_slug_from_title(title: str, slug: str) -> None:
    assert from_issue.slug_for(title) == slug


def test_sheets_pass_kit_check_and_the_page_shows_them_as_typed(project, capsys, fixed_epoch, tmp_path: Path) -> None:
    for name, _ in GOLDEN_CASES:
        assert run(project, str(GOLDEN / f"{name}.md"), capsys)[0] == 0
    assert main(["--projet", str(project.root), "check"]) == 0
    _, kit = load_kit(project)
    assert {AGIR_SLUG, "coordin-actions"} <= {c.slug for c in kit.cases}
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    page = (site / "fiches" / f"{AGIR_SLUG}.html").read_text(encoding="utf-8")
    assert "Agir ensemble à Charenton-Saint Maurice\u00a0: l’expérience “Dialoguer pour agir”" in page  # typography stage
    assert "<li>les entreprises\u202f;</li>" in page and "<strong>Des rencontres</strong> trimestrielles" in page
    assert '<a href="http://www.lerameau.fr/"' in page
    other = (site / "fiches" / "coordin-actions.html").read_text(encoding="utf-8")
    assert "<ol>" in other and "<li>Identification des principales fragilités d'un territoire.</li>" in other.replace("&#x27;", "'")


# --- the form and the converter are one table ---------------------------------------------------


def test_converter_reads_the_committed_form() -> None:
    config = load_config(__import__("builder.config", fromlist=["Project"]).Project(REPO), Problems(REPO))
    committed = yaml.safe_load((REPO / schemas.ISSUE_FORM).read_text(encoding="utf-8"))
    labels = [e["attributes"]["label"] for e in committed["body"] if e["type"] != "markdown"]
    assert [f.label for f in from_issue.form_fields(config)] == labels
    kinds = {f.key: f.kind for f in from_issue.form_fields(config)}
    assert kinds["formes"] == "dropdown" and kinds["genese"] == "textarea" and kinds["verifications"] == "checkboxes"


# --- what is refused: nothing written, the field's label and the fix ------------------------------


def body_with(field: str, value: str) -> str:
    """The golden body with one field's value replaced."""
    text = AGIR.read_text(encoding="utf-8").replace("\r\n", "\n")
    head, rest = text.split(f"### {field}\n\n", 1)
    _, tail = rest.split("\n\n###", 1) if "\n\n###" in rest else (rest, "")
    return f"{head}### {field}\n\n{value}\n\n###{tail}" if tail else f"{head}### {field}\n\n{value}\n"


REFUSED = [
    ("titre-script", "Nom de l'initiative", "<script>alert(1)</script>",
     "« Nom de l'initiative » : balise HTML « <script> » interdite : ce champ est un texte simple, affiché tel quel ; "
     "retirez la balise."),
    ("objet-script", "Objet", "Bonjour <script>alert(1)</script>",
     "« Objet » : balise HTML « <script> » interdite : le texte ne peut contenir ni script, ni cadre, ni objet intégré, "
     "ni formulaire ; retirez-la."),
    ("lien-javascript", "Genèse", "Voir [ici](javascript:alert(1)).",
     "« Genèse » : adresse « javascript: » interdite dans un lien : seules les adresses https://, http:// et mailto: "
     "sont acceptées ; pour un lien, écrivez [texte](https://…)."),
    ("site-javascript", "Site web", "javascript:alert(document.cookie)",
     "« Site web » : adresse « javascript:alert(document.cookie) » refusée : seules les adresses commençant par "
     "https://, http:// ou mailto: sont acceptées."),
    ("site-sans-schema", "Site web", "www.coordinactions.org",
     "« Site web » : adresse « www.coordinactions.org » refusée : seules les adresses commençant par https://, http:// "
     "ou mailto: sont acceptées. Écrivez l'adresse complète : « https://www.coordinactions.org »."),
    ("obligatoire-vide", "Objectif", "_No response_",
     "« Objectif » : rubrique obligatoire vide : remplissez-la dans le formulaire."),
    ("choix-inconnu", "Formes de co-construction", "Dialogue territorial (dialogue-territorial), Concertation",
     "« Formes de co-construction » : « Concertation » n'est pas l'un des choix proposés ; choisissez parmi : "
     "Dialogue territorial (dialogue-territorial), Partenariats entre organisations (partenariats), "
     "Expérimentations collectives (experimentations-collectives)."),
    ("document-inconnu", "Documents du kit liés", "Réaliser une étude territorial",
     "« Documents du kit liés » : « Réaliser une étude territorial » n'est pas un document du catalogue ; écrivez son "
     "titre exact ou son identifiant, un par ligne, ou laissez la rubrique vide. Vouliez-vous dire « Réaliser une étude "
     "territoriale » ?"),
    ("date", "Date d'ajout", "25/11/2026",
     "« Date d'ajout » : « 25/11/2026 » n'est pas une date au format AAAA-MM-JJ (par exemple 2026-01-31) ; ou laissez "
     "la rubrique vide."),
    ("region", "Région", "Bretagne Sud",
     "« Région » : région « Bretagne Sud » inconnue : indiquez l'une des régions actuelles : Auvergne-Rhône-Alpes, "
     "Bourgogne-Franche-Comté, Bretagne, Centre-Val de Loire, Corse, Grand Est, Guadeloupe, Guyane, Hauts-de-France, "
     "Île-de-France, La Réunion, Martinique, Mayotte, Normandie, Nouvelle-Aquitaine, Occitanie, Pays de la Loire, "
     "Provence-Alpes-Côte d'Azur. Vouliez-vous dire « Bretagne » ?"),
    ("origine-avec-accent", "Origine du classement dans les formes", "équipe",
     "« Origine du classement dans les formes » : « équipe » n'est pas une valeur possible. Valeurs possibles : "
     "sources, equipe. Vouliez-vous dire « equipe » ?"),
    ("case-decochee", "Vérifications",
     "- [X] Chaque fait de la fiche vient d'une publication citée dans « Sources ».\n"
     "- [ ] Les adresses web indiquées figurent dans ces publications ou sur le site de l'initiative.",
     "« Vérifications » : cochez chaque case (« Les adresses web indiquées figurent dans ces publications ou sur le "
     "site de l'initiative. ») : une fiche ne rapporte que des faits publiés."),
]


@pytest.mark.parametrize(("name", "field", "value", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_body_writes_nothing_and_names_the_field(project, capsys, tmp_path: Path,
                                                          name: str, field: str, value: str, message: str) -> None:
    body = tmp_path / f"{name}.md"
    body.write_text(body_with(field, value), encoding="utf-8")
    before = sheets(project)
    code, out, err = run(project, str(body), capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        message,
        "1 erreur trouvée : aucune fiche n'a été écrite. Corrigez la demande (bouton « Edit » de GitHub) puis "
        "enregistrez-la.",
    ]
    assert sheets(project) == before
    assert "Traceback" not in err


def test_every_error_is_reported_in_the_form_order(project, capsys, tmp_path: Path) -> None:
    text = body_with("Site web", "javascript:alert(1)")
    text = text.replace("### Nom de l'initiative\n\nAgir", "### Nom de l'initiative\n\n<b>Agir</b> ")
    (tmp_path / "b.md").write_text(text, encoding="utf-8")
    code, _, err = run(project, str(tmp_path / "b.md"), capsys)
    assert code == 1
    lines = err.splitlines()
    assert [l.split(" : ", 1)[0] for l in lines[:-1]] == ["« Nom de l'initiative »", "« Site web »"]
    assert lines[-1].startswith("2 erreurs trouvées : aucune fiche n'a été écrite.")


def test_a_body_not_from_the_form(project, capsys, tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text(AGIR.read_text(encoding="utf-8").replace("### Sources", "### Mes sources"), encoding="utf-8")
    code, _, err = run(project, str(tmp_path / "b.md"), capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "« Sources » : rubrique absente du texte de la demande. Ce texte doit être celui du formulaire « Proposer une "
        "fiche d'expérience » : ne retirez pas ses titres « ### … » en le modifiant.")


def test_a_heading_typed_inside_a_text_stays_text(project, capsys, tmp_path: Path) -> None:
    text = body_with("Genèse", "Au début.\n\n### Sources\n\nUne étude de 2010.")
    (tmp_path / "b.md").write_text(text, encoding="utf-8")
    code, out, _ = run(project, str(tmp_path / "b.md"), capsys)
    assert code == 0
    # the real « ### Sources » heading is the last one: the one in the text stays in Genèse
    data = yaml.safe_load((project.root / out.strip()).read_text(encoding="utf-8"))
    assert data["genese"] == "Au début.\n\n### Sources\n\nUne étude de 2010.\n"
    assert data["sources"][0] == "Le RAMEAU, note « La co-construction en territoire », 2015"


def test_unreadable_file(project, capsys, tmp_path: Path) -> None:
    code, out, err = run(project, str(tmp_path / "absent.md"), capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"Le fichier « {tmp_path / 'absent.md'} » est illisible ou introuvable : indiquez le fichier")


def test_the_console_command(project) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "builder", "--projet", str(project.root), "from-issue", "-"],
        input=body_with("Objet", "<iframe src=https://x.org></iframe>"), capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("« Objet » : balise HTML « <iframe> » interdite")
    assert "Traceback" not in result.stderr


# --- CONTRIBUTING.md: the form first ------------------------------------------------------------


def test_contributing_starts_with_the_form_then_the_github_editor_then_the_computer() -> None:
    import re

    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", guide, re.M)
    assert headings[0] == "Proposer une fiche sans rien installer"
    editor = headings.index("Sur le site GitHub, dans le navigateur")
    computer = next(i for i, h in enumerate(headings) if h.startswith("Sur votre ordinateur"))
    assert 0 < editor < computer
    form = guide.split("## Proposer une fiche sans rien installer", 1)[1].split("\n## ", 1)[0]
    assert "**Proposer une fiche d'expérience**" in form and "**Edit**" in form


def test_contributing_quotes_what_kit_from_issue_answers(project, capsys, tmp_path: Path) -> None:
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    form = guide.split("## Proposer une fiche sans rien installer", 1)[1].split("\n## ", 1)[0]
    quoted = " ".join(line.removeprefix("  > ").strip() for line in form.splitlines() if line.startswith("  > "))
    (tmp_path / "b.md").write_text(body_with("Site web", "www.coordinactions.org"), encoding="utf-8")
    code, _, err = run(project, str(tmp_path / "b.md"), capsys)
    assert code == 1 and err.splitlines()[0] == quoted


def test_lists_typed_in_the_form_render_as_lists(project, capsys, fixed_epoch, tmp_path: Path) -> None:
    """As typed in a textarea: a list right under a line, a sub-list at 2 spaces, a bare address."""
    text = body_with("Résultats", "Bilan :\n- 142 dirigeants présents ;\n  - dont des associations.\n\n"
                                  "Voir https://www.lerameau.fr/ pour le détail.")
    (tmp_path / "b.md").write_text(text, encoding="utf-8")
    code, out, _ = run(project, str(tmp_path / "b.md"), capsys)
    assert code == 0
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    page = (site / "fiches" / f"{AGIR_SLUG}.html").read_text(encoding="utf-8")
    flat = "".join(line.strip() for line in page.splitlines())
    # the typography stage's no-break spaces: U+00A0 before « : », U+202F before « ; »
    assert "<p>Bilan\u00a0:</p><ul><li>142 dirigeants présents\u202f;<ul><li>dont des associations.</li></ul></li></ul>" in flat
    assert 'href="https://www.lerameau.fr/"' in page


@pytest.mark.parametrize("value", ["Bouge ton bourg 🌱", "Le jardin 🌻 : « ici » et là", "a\\U0001F331 : b"])
def test_emoji_are_written_as_typed_not_escaped(value: str) -> None:
    # PyYAML escapes characters beyond U+FFFF in double quotes; the reviewer must read them.
    text = from_issue.sheet_yaml({"titre": value, "objet": f"{value}\nsuite"})
    assert yaml.safe_load(text) == {"titre": value, "objet": f"{value}\nsuite"}
    astral = [c for c in value if ord(c) > 0xFFFF]
    assert all(text.count(c) == 2 for c in astral)  # raw in the quoted title and in the block
