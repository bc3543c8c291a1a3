"""``kit schemas``: the files editors' tools read, generated from the models that validate.

- ``schemas/documents.schema.json``, ``schemas/parcours.schema.json``,
  ``schemas/fiche.schema.json``: JSON Schemas (draft 7) for editors with YAML
  completion (VS Code's YAML extension, any yaml-language-server client; the case-sheet
  template names its schema on its first line). Field descriptions are the models' own;
  taxonomy ids come from ``site_config.yml`` at generation time, as enums.
- ``.github/ISSUE_TEMPLATE/proposer-une-fiche.yml``: the GitHub issue form « Proposer une
  fiche d'expérience », one form field per case-sheet field.

Nothing here is written by hand twice: change a model or the taxonomy, run ``kit schemas``,
commit the result (a test fails while the committed files differ from the generated ones).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from builder.config import Project, SiteConfig
from builder.labels import FIELD_LABELS, asked
from builder.models import CaseSheet, Document, ReadingPath, Taxonomy, schema_of

SCHEMA_DIR = "schemas"
ISSUE_FORM = ".github/ISSUE_TEMPLATE/proposer-une-fiche.yml"
TAXONOMY_MARK = "x-kit-taxonomie"

# French labels of the fields: schema titles (shown by completion) and form labels, read from
# the one table of labels beside the models (builder.labels), which the pages read too.
LABELS: dict[type[BaseModel], dict[str, str]] = {model: asked(model) for model in FIELD_LABELS}

DRAFT_7 = "http://json-schema.org/draft-07/schema#"
ITEM_TITLES = {Document: "Document", ReadingPath: "Parcours de lecture"}
SCHEMAS = {
    "documents.schema.json": (Document, "Catalogue des documents du kit (kit/documents.yml)", True,
                              "La liste des documents du kit, dans l'ordre du catalogue : un élément « - id: … » par document."),
    "parcours.schema.json": (ReadingPath, "Parcours de lecture (kit/parcours.yml)", True,
                             "La liste des parcours de lecture, dans l'ordre des onglets."),
    "fiche.schema.json": (CaseSheet, "Fiche d'expérience (kit/cas/<nom>.yml)", False,
                          "Une fiche d'expérience : une initiative de co-construction territoriale. "
                          "Le nom du fichier (minuscules, chiffres, tirets) donne l'adresse de sa page."),
}


def schemas(config: SiteConfig) -> dict[str, dict[str, Any]]:
    """File name → JSON Schema, for this project's taxonomy."""
    result = {}
    for name, (model, title, as_list, description) in SCHEMAS.items():
        schema = schema_of(model, title, as_list=as_list)
        item = schema["items"] if as_list else schema
        item.pop("description", None)  # the class docstring is for developers, in English
        if as_list:
            item["title"] = ITEM_TITLES[model]
        schema["title"] = title  # not the class name
        # Draft 7: the dialect VS Code's YAML extension (yaml-language-server) supports; it
        # warns on 2020-12. The keywords used here (no $defs) mean the same in both.
        schema["$schema"] = DRAFT_7
        schema["description"] = description
        for key, prop in item["properties"].items():
            prop["title"] = LABELS[model][key]
        _fill_taxonomy(schema, config.taxonomie)
        if model is Document:
            item["allOf"] = _family_rules(config.taxonomie)
        result[name] = schema
    return result


def _fill_taxonomy(node: Any, taxonomy: Taxonomy) -> None:
    """Replace each taxonomy mark by the list of allowed ids (and their labels)."""
    if isinstance(node, list):
        for child in node:
            _fill_taxonomy(child, taxonomy)
        return
    if not isinstance(node, dict):
        return
    kind = node.pop(TAXONOMY_MARK, None)
    if kind is not None:
        terms = getattr(taxonomy, kind)
        target = next((b for b in node.get("anyOf", []) if b.get("type") == "string"), node)
        target["enum"] = [t.id for t in terms]
        listed = ", ".join(f"{t.id} ({t.libelle})" for t in terms)
        node["description"] = f"{node['description']} Valeurs : {listed}." if "description" in node else f"Valeurs : {listed}."
    for child in node.values():
        _fill_taxonomy(child, taxonomy)


def _family_rules(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """A document's family depends on its nature: one if/then rule per nature."""
    rules = []
    for nature in taxonomy.natures:
        condition = {"properties": {"nature": {"const": nature.id}}, "required": ["nature"]}
        if nature.familles:
            then = {"required": ["famille"], "properties": {"famille": {"enum": [f.id for f in nature.familles]}}}
        else:
            then = {"not": {"required": ["famille"]}}
        rules.append({"if": condition, "then": then})
    return rules


# --- the issue form ------------------------------------------------------------------------

_FORM_PLACEHOLDERS = {
    "titre": "Par exemple : Agir ensemble à Charenton-Saint-Maurice",
    "territoire": "Commune, département ou région, tel que vos sources le nomment",
    "region": "Par exemple : Grand Est",
    "statut": "Association, fondation, collectivité territoriale, entreprise…",
    "themes": "Quelques mots courts en minuscules, séparés par des virgules : emploi, insertion",
    "site_web": "https://www.exemple.fr/",
    "documents": "Un document du catalogue par ligne (son titre ou son identifiant), ou rien",
    "sources": "Une publication par ligne : auteur, « titre », nature, année",
    "date_ajout": "Laissez vide : la personne qui publie la fiche la remplit",
}
_FORM_INTRO = """\
Merci de proposer une fiche d'expérience ! Chaque rubrique ci-dessous correspond à une rubrique
de la fiche publiée sur le site. Les textes longs acceptent le Markdown (**gras**, *italique*,
listes commençant par « - », liens `[texte](https://…)`) ; les scripts, images et cadres sont refusés.

Une fois la proposition enregistrée, la fiche est écrite pour vous : un commentaire donne le lien de la
demande de fusion qui la contient, ou nomme chaque rubrique à corriger (menu « … », puis « Edit » ; gardez
les titres des rubriques). Une personne de l'équipe relit ensuite la fiche avant de la publier.
Vous préférez préparer la fiche vous-même ? Suivez le guide `CONTRIBUTING.md` du dépôt."""


def issue_form(config: SiteConfig) -> dict[str, Any]:
    """The GitHub issue form whose fields are the case sheet's fields, in the model's order."""
    schema = schema_of(CaseSheet, "fiche")
    required = set(schema.get("required", []))
    body: list[dict[str, Any]] = [{"type": "markdown", "attributes": {"value": _FORM_INTRO}}]
    for key, field in CaseSheet.model_fields.items():
        prop = schema["properties"][key]
        label = LABELS[CaseSheet][key]
        description = field.description or ""
        is_list = prop.get("type") == "array"
        needed = key in required and (not is_list or prop.get("minItems", 0) >= 1)
        taxonomy_kind = _taxonomy_kind(prop)
        if taxonomy_kind:
            terms = getattr(config.taxonomie, taxonomy_kind)
            element: dict[str, Any] = {
                "type": "dropdown",
                "id": key,
                "attributes": {
                    "label": label,
                    "description": "Une ou plusieurs." if is_list else "Facultatif : une seule.",
                    "multiple": is_list,
                    "options": [f"{t.libelle} ({t.id})" for t in terms],
                },
            }
        elif _is_markdown(prop) or key in ("documents", "sources"):
            element = {"type": "textarea", "id": key, "attributes": {"label": label, "description": description}}
        else:
            element = {"type": "input", "id": key, "attributes": {"label": label, "description": description}}
        if key in _FORM_PLACEHOLDERS and element["type"] != "dropdown":
            element["attributes"]["placeholder"] = _FORM_PLACEHOLDERS[key]
        element["validations"] = {"required": needed}
        body.append(element)
    body.append({
        "type": "checkboxes",
        "id": "verifications",
        "attributes": {
            "label": "Vérifications",
            "description": "Les fiches ne rapportent que des faits publiés.",
            "options": [
                {"label": "Chaque fait de la fiche vient d'une publication citée dans « Sources ».", "required": True},
                {"label": "Les adresses web indiquées figurent dans ces publications ou sur le site de l'initiative.", "required": True},
            ],
        },
    })
    return {
        "name": "Proposer une fiche d'expérience",
        "description": "Décrire une initiative de co-construction territoriale pour qu'elle rejoigne le kit.",
        "title": "Fiche d'expérience : ",
        "labels": ["fiche-experience"],
        "body": body,
    }


def _taxonomy_kind(prop: dict[str, Any]) -> str | None:
    for node in (prop, prop.get("items", {}), *prop.get("anyOf", [])):
        if isinstance(node, dict) and TAXONOMY_MARK in node:
            return node[TAXONOMY_MARK]
    return None


def _is_markdown(prop: dict[str, Any]) -> bool:
    return "Markdown" in prop.get("description", "")


# --- writing --------------------------------------------------------------------------------

class _FormDumper(yaml.SafeDumper):
    """Multi-line texts as readable « | » blocks, list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_FormDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)

GENERATED_NOTE = "# Généré par « kit schemas » à partir de builder/models.py et site_config.yml : ne pas modifier à la main.\n"


def generated_files(config: SiteConfig) -> dict[str, str]:
    """Path relative to the project root → exact file content."""
    files = {
        f"{SCHEMA_DIR}/{name}": json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        for name, schema in schemas(config).items()
    }
    form = yaml.dump(issue_form(config), Dumper=_FormDumper, allow_unicode=True, sort_keys=False, width=100)
    files[ISSUE_FORM] = GENERATED_NOTE + form
    return files


def write(project: Project, config: SiteConfig) -> list[Path]:
    """Write every generated file that changed; return those written."""
    written = []
    for relative, content in generated_files(config).items():
        path = project.root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
