"""Typed views: what each template of ``builder/templates`` receives (render layer).

A template gets ONE object, ``view``, of the class registered for it in ``VIEWS``; it reads
nothing else of the catalogue (there is no ``kit`` global). The page renderer
(builder.pages.PageRenderer) builds each view; its fields are checked by the dataclass (a
missing or unknown one raises ``TypeError``: a template cannot silently read an undefined name).

Labels of fields come from the one table beside the models (builder.labels), marked safe:
they are our own French words, printed as typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from markupsafe import Markup

from builder import labels
from builder.models import (Abbreviation, Case, CaseSheet, Document, Fragilities, GlossaryTerm, Kit, KeyFigure,
                            Nature, ReadingPath, Term, TerritoryObjectives)


@dataclass
class FamilyGroup:
    term: Term | None
    items: list[Any] = field(default_factory=list)


@dataclass
class NatureGroup:
    nature: Nature
    families: list[FamilyGroup]


@dataclass
class Item:
    doc: Document
    position: int  # 1-based position along a path (catalogue position on the catalogue page)


@dataclass
class ReadingPathStep:
    path: ReadingPath
    position: int
    total: int
    previous: Document | None
    next: Document | None


def _shown_labels(model: type) -> dict[str, Markup]:
    return {key: Markup(label) for key, label in labels.shown(model).items()}


@dataclass(frozen=True)
class DocumentPageView:
    """``document.md.j2``: one document's page."""

    template: ClassVar[str] = "document.md.j2"
    doc: Document
    nature: Nature | None
    family: Term | None
    reading_paths: list[ReadingPath]
    path_steps: list[ReadingPathStep]
    cases: list[Case]
    max_cases: int  # the page lists this many case sheets, then links to the filtered index
    description: str  # the meta description, = the JSON-LD's (builder.richtext summary)
    schema: Markup  # the JSON-LD, as a front-matter string (metadata.front_matter_json)
    tab: str | None = None  # the tab the theme highlights (a page of the navigation)
    labels: dict[str, Markup] = field(default_factory=lambda: _shown_labels(Document))


@dataclass(frozen=True)
class CasePageView:
    """``case.md.j2``: one case sheet's page."""

    template: ClassVar[str] = "case.md.j2"
    case: Case
    sheet: CaseSheet
    sections: list[tuple[str, str]]  # (field, heading) of the Markdown sections after « Objet »
    documents: list[Document]  # the kit's documents the sheet names
    description: str
    schema: Markup
    previous: Case | None = None  # the sheets before and after it in the index's order
    following: Case | None = None
    tab: str | None = None
    labels: dict[str, Markup] = field(default_factory=lambda: _shown_labels(CaseSheet))


@dataclass(frozen=True)
class ReadingPathPageView:
    """``reading_path.md.j2``: one reading path's page."""

    template: ClassVar[str] = "reading_path.md.j2"
    path: ReadingPath
    groups: list[NatureGroup]
    schema: Markup


@dataclass(frozen=True)
class CataloguePageView:
    """``catalogue.md.j2``: every document, by nature and family, with the filters."""

    template: ClassVar[str] = "catalogue.md.j2"
    groups: list[NatureGroup]
    filters: Any  # builder.facets' filter form
    exports: list[str]  # links to catalogue.json, catalogue.csv, catalogue-virgules.csv
    documents: list[Document]


@dataclass(frozen=True)
class CasesIndexView:
    """``cases_index.md.j2``: every case sheet, the filters and the map."""

    template: ClassVar[str] = "cases_index.md.j2"
    filters: Any
    map: Markup | None  # the SVG map of France (builder.francemap), None without sheets
    regions: list[tuple[str, list[tuple[int, Case]]]]  # region → (number in the list, sheet)
    without_region: list[tuple[int, Case]]
    cases: list[Case]


@dataclass(frozen=True)
class GlossaryView:
    """``glossary.md.j2``: the terms and the acronyms of kit/glossaire.yml."""

    template: ClassVar[str] = "glossary.md.j2"
    terms: list[GlossaryTerm]
    abbreviations: list[Abbreviation]


@dataclass(frozen=True)
class BlockView:
    """``blocks/<name>.md.j2``: a generated block replacing a ``<!-- kit:name argument -->``
    marker in a page of content/, with the parts of the kit blocks show."""

    template: ClassVar[str] = "blocks/"
    argument: str | None
    reading_paths: list[ReadingPath]
    cases: list[Case]
    figures: list[KeyFigure]
    fragilities: Fragilities | None
    objectives: TerritoryObjectives | None
    charts: list[tuple[Any, Markup | None]] = field(default_factory=list)  # kit:chiffres: (chart, its SVG or None)
    recent_cases: list[Case] = field(default_factory=list)  # kit:fiches-recentes: the sheets added last

    @classmethod
    def of(cls, kit: Kit, argument: str | None, **computed: Any) -> BlockView:
        """The view of a block: the kit's parts, and what the renderer ``computed`` for this block."""
        return cls(argument, kit.reading_paths, kit.cases, kit.figures, kit.fragilities, kit.objectives, **computed)


PageView = DocumentPageView | CasePageView | ReadingPathPageView | CataloguePageView | CasesIndexView | GlossaryView
VIEWS: dict[str, type] = {view.template: view for view in (
    DocumentPageView, CasePageView, ReadingPathPageView, CataloguePageView, CasesIndexView, GlossaryView)}
