"""Issue 14, « Typed views »: each template gets ONE typed view object (builder.views), no
catalogue global; the labels of fields come from one table beside the models
(builder.labels), read by the pages, the JSON Schemas and the issue form."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import jinja2.meta
import pytest
import yaml

from builder import labels, schemas, views
from builder.config import Project
from builder.labels import FIELD_LABELS, Label
from builder.validate import load_kit
from builder.models import CaseSheet, Document, ReadingPath
from builder.pages import BLOCK_NAMES, CASE_SECTION_TITLES, PageRenderer
from conftest import FIXTURES, REPO, copy_project

TEMPLATES = Path(__file__).parent.parent / "builder" / "templates"


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PageRenderer:
    project = copy_project(FIXTURES / "mini", tmp_path_factory.mktemp("vues") / "mini")
    config, kit = load_kit(project)
    return PageRenderer(project, config, kit)


def test_no_catalogue_global(renderer: PageRenderer) -> None:
    assert "kit" not in renderer.env.globals
    assert not any(value is renderer.kit for value in renderer.env.globals.values())
    # nor a function that reads it behind the templates' back
    for name, value in renderer.env.globals.items():
        cells = getattr(value, "__closure__", None) or ()
        assert not any(cell.cell_contents is renderer.kit for cell in cells), name


def test_blocks_get_what_they_show_in_their_view(renderer: PageRenderer) -> None:
    kit = renderer.kit
    figures = renderer.block_view("chiffres", None)
    assert figures.charts and {f.id for chart, _ in figures.charts for f in chart.figures} == {f.id for f in kit.figures}
    assert renderer.block_view("fiches-recentes", "1").recent_cases == renderer.block_view("fiches-recentes", None).recent_cases[:1]
    assert renderer.block_view("parcours", None).reading_paths == kit.reading_paths


@pytest.mark.parametrize("template", [*views.VIEWS, *(f"blocks/{name}.md.j2" for name in BLOCK_NAMES)])
def test_a_template_reads_its_view_and_the_site_settings_only(renderer: PageRenderer, template: str) -> None:
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    # names set inside a branch are reported by Jinja's analysis too: they are the template's own
    assigned = set(re.findall(r"{%-?\s*set\s+(\w+)", source))
    undeclared = jinja2.meta.find_undeclared_variables(renderer.env.parse(source)) - assigned
    assert "view" in undeclared or template.startswith("blocks/")
    assert undeclared <= set(renderer.env.globals) | {"view", "current_page"}, undeclared - set(renderer.env.globals)
    assert "kit" not in undeclared


def test_every_page_template_has_a_typed_view() -> None:
    pages = {p.name for p in TEMPLATES.glob("*.md.j2")}
    assert pages == set(views.VIEWS)
    for template, view in views.VIEWS.items():
        assert dataclasses.is_dataclass(view) and view.template == template


def test_each_page_gets_its_typed_view(renderer: PageRenderer) -> None:
    kit = renderer.kit
    doc, case = kit.documents[0], kit.cases[0]
    for view, kind in ((renderer.document_page(doc), views.DocumentPageView), (renderer.case_page(case), views.CasePageView),
                       (renderer.reading_path_page(kit.reading_paths[0]), views.ReadingPathPageView),
                       (renderer.catalogue_page(), views.CataloguePageView),
                       (renderer.cases_index_page(), views.CasesIndexView), (renderer.glossary_page(), views.GlossaryView)):
        assert type(view) is kind and views.VIEWS[view.template] is kind
    assert renderer.document_page(doc).doc is doc and renderer.case_page(case).sheet is case.sheet
    assert renderer.catalogue_page().documents == kit.documents
    assert renderer.cases_index_page().cases == kit.cases
    assert renderer.glossary_page().terms == kit.glossary.termes


def test_a_view_refuses_a_value_it_does_not_declare(renderer: PageRenderer) -> None:
    values = dataclasses.asdict(renderer.reading_path_page(renderer.kit.reading_paths[0]))
    with pytest.raises(TypeError):
        views.ReadingPathPageView(**values, inconnu=1)
    with pytest.raises(TypeError):
        views.ReadingPathPageView(**{k: v for k, v in values.items() if k != "path"})


# --- one table of labels -----------------------------------------------------------------------


def test_the_table_names_every_field_of_the_models() -> None:
    for model in (Document, ReadingPath, CaseSheet):
        assert set(FIELD_LABELS[model]) == set(model.model_fields), model.__name__


def test_schemas_and_form_read_the_table() -> None:
    for model in (Document, ReadingPath, CaseSheet):
        assert schemas.LABELS[model] == labels.asked(model)
    form = yaml.safe_load((REPO / schemas.ISSUE_FORM).read_text(encoding="utf-8"))
    asked = labels.asked(CaseSheet)
    fields = [e for e in form["body"] if e.get("id") in CaseSheet.model_fields]
    assert len(fields) > 10
    for element in fields:
        assert element["attributes"]["label"] == asked[element["id"]], element["id"]


def test_filter_legends_come_from_the_table(renderer: PageRenderer, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder import facets

    legends = {f.key: f.label for f in facets.case_filters(renderer.config, renderer.kit).facets}
    assert legends["forme"] == FIELD_LABELS[CaseSheet]["formes"].legend == "Forme de co-construction"
    monkeypatch.setitem(FIELD_LABELS[Document], "auteurs", Label("Auteurs", one="Autrice ou auteur"))
    legends = {f.key: f.label for f in facets.catalogue_filters(renderer.config, renderer.kit).facets}
    assert legends["auteur"] == "Autrice ou auteur"


def test_the_case_sections_come_from_the_table() -> None:
    assert CASE_SECTION_TITLES == [(key, FIELD_LABELS[CaseSheet][key].shown) for key in labels.CASE_SECTIONS]


def test_no_template_spells_a_label_of_the_table() -> None:
    shown = {label.shown for model in (Document, CaseSheet) for label in FIELD_LABELS[model].values()}
    for path in TEMPLATES.glob("*.md.j2"):
        text = path.read_text(encoding="utf-8")
        for label in shown:
            for spelled in (f"\n{label}\n:   ", f"## {label}\n", f'title">{label}<'):
                assert spelled not in text, (path.name, label)


def test_a_label_changed_in_the_table_changes_the_pages(renderer: PageRenderer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FIELD_LABELS[CaseSheet], "territoire", Label("Lieu de l'initiative"))
    monkeypatch.setitem(FIELD_LABELS[CaseSheet], "sources", Label("Publications citées"))
    monkeypatch.setitem(FIELD_LABELS[Document], "resume", Label("En bref"))
    case = renderer.kit.cases[0]
    page = renderer.render("case.md.j2", view=renderer.case_page(case), current_page=f"fiches/{case.slug}.md")
    assert "\nLieu de l'initiative\n:   " in page and "\nTerritoire\n" not in page
    assert "## Publications citées\n" in page
    doc = renderer.kit.documents[0]
    page = renderer.render("document.md.j2", view=renderer.document_page(doc), current_page=f"documents/{doc.id}.md")
    assert "## En bref\n" in page and "## Résumé" not in page
