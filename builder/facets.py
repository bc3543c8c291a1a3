"""Filters of the catalogue and of the case-sheet index: the facets and each item's values.

The pages list every item in plain HTML (readable without JavaScript); the filter form
and the facet values of each item are written into the page itself (no fetch, so the
filters work from ``file://``), and ``theme/assets/pages/filtres.js`` combines them:
one value per facet, all facets must match. The state lives in the query string
(``?nature=methode&annee=2015``), so a filtered view can be shared.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup

from builder.config import SiteConfig
from builder.labels import FIELD_LABELS
from builder.models import CaseSheet, Document, Kit

# Filters' legends: the fields' labels, from the one table beside the models (builder.labels).
_DOCUMENT = FIELD_LABELS[Document]
_SHEET = FIELD_LABELS[CaseSheet]


@dataclass
class Option:
    value: str
    label: str
    count: int


@dataclass
class OptionGroup:
    label: str | None
    options: list[Option]


@dataclass
class Facet:
    key: str  # the query-string parameter
    label: str
    everything: str  # the first option, « all »
    groups: list[OptionGroup]


@dataclass
class Filters:
    """What a page needs: the form's facets, the items' values, the sentences of the live region."""

    form_id: str
    legend: str
    facets: list[Facet]
    items: dict[str, dict[str, list[str]]]
    messages: dict[str, str] = field(default_factory=dict)

    def data_json(self) -> Markup:
        """The data for the page's script, safe inside <script type="application/json">."""
        data = {"items": self.items, "messages": self.messages, "facets": [f.key for f in self.facets]}
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def sort_key(text: str) -> tuple[str, str]:
    """French-friendly, locale-independent order: « Éducation » sorts with « education »."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return flat, text


def _options(items: dict[str, dict[str, list[str]]], key: str, pairs: list[tuple[str, str]]) -> list[Option]:
    """The values of one facet that at least one item has, with their counts (items having
    the value): one pass over the items, not one per value (2,000 sheets × 40 documents)."""
    counts = Counter(value for values in items.values() for value in set(values.get(key, [])))
    return [Option(v, label, counts[v]) for v, label in pairs if counts[v]]


def document_years(doc: Document) -> list[str]:
    return [str(y) for y in range(doc.annee, (doc.annee_fin or doc.annee) + 1)]


def catalogue_filters(config: SiteConfig, kit: Kit) -> Filters:
    taxonomy = config.taxonomie
    items = {
        d.id: {
            "nature": [d.nature],
            "famille": [d.famille] if d.famille else [],
            "parcours": [p.id for p in kit.reading_paths_of(d.id)],
            "auteur": sorted(set(d.auteurs), key=sort_key),
            "annee": document_years(d),
        }
        for d in kit.documents
    }

    def options(key: str, pairs: list[tuple[str, str]]) -> list[Option]:
        return _options(items, key, pairs)

    natures = options("nature", [(n.id, n.libelle) for n in taxonomy.natures])
    families = [OptionGroup(n.libelle, options("famille", [(f.id, f.libelle) for f in n.familles]))
                for n in taxonomy.natures]
    authors = sorted({a for d in kit.documents for a in d.auteurs}, key=sort_key)
    years = sorted({y for values in items.values() for y in values["annee"]}, reverse=True)
    facets = [
        Facet("nature", _DOCUMENT["nature"].legend, "Toutes les natures", [OptionGroup(None, natures)]),
        Facet("famille", _DOCUMENT["famille"].legend, "Toutes les familles", [g for g in families if g.options]),
        Facet("parcours", "Parcours de lecture", "Tous les parcours",
              [OptionGroup(None, options("parcours", [(p.id, p.titre_court) for p in kit.reading_paths]))]),
        Facet("auteur", _DOCUMENT["auteurs"].legend, "Tous les auteurs", [OptionGroup(None, options("auteur", [(a, a) for a in authors]))]),
        Facet("annee", _DOCUMENT["annee"].legend, "Toutes les années", [OptionGroup(None, options("annee", [(y, y) for y in years]))]),
    ]
    facets = [f for f in facets if any(g.options for g in f.groups)]
    return Filters(
        "kit-filtres-catalogue",
        "Filtrer les documents",
        facets,
        items,
        {
            "tous": "Les {total} documents sont affichés.",
            "tous_un": "Le seul document est affiché.",
            "aucun": "Aucun document ne correspond à ces filtres.",
            "un": "1 document sur {total} correspond à ces filtres.",
            "plusieurs": "{n} documents sur {total} correspondent à ces filtres.",
        },
    )


def case_filters(config: SiteConfig, kit: Kit) -> Filters:
    taxonomy = config.taxonomie
    items = {
        c.slug: {
            "forme": list(c.sheet.formes),
            "demarche": [c.sheet.demarche] if c.sheet.demarche else [],
            "region": [c.sheet.region] if c.sheet.region else [],
            "theme": sorted(set(c.sheet.themes), key=sort_key),
            "document": list(c.sheet.documents),
        }
        for c in kit.cases
    }

    def options(key: str, pairs: list[tuple[str, str]]) -> list[Option]:
        return _options(items, key, pairs)

    regions = sorted({c.sheet.region for c in kit.cases if c.sheet.region}, key=sort_key)
    themes = sorted({t for c in kit.cases for t in c.sheet.themes}, key=sort_key)
    facets = [
        Facet("forme", _SHEET["formes"].legend, "Toutes les formes",
              [OptionGroup(None, options("forme", [(t.id, t.libelle) for t in taxonomy.formes]))]),
        Facet("demarche", _SHEET["demarche"].legend, "Toutes les démarches",
              [OptionGroup(None, options("demarche", [(t.id, t.libelle) for t in taxonomy.demarches]))]),
        Facet("region", _SHEET["region"].legend, "Toutes les régions",
              [OptionGroup(None, options("region", [(r, r) for r in regions]))]),
        Facet("theme", _SHEET["themes"].legend, "Tous les thèmes", [OptionGroup(None, options("theme", [(t, t) for t in themes]))]),
        Facet("document", _SHEET["documents"].legend, "Tous les documents",
              [OptionGroup(None, options("document", [(d.id, d.titre) for d in kit.documents]))]),
    ]
    facets = [f for f in facets if any(g.options for g in f.groups)]
    return Filters(
        "kit-filtres-fiches",
        "Filtrer les fiches d'expérience",
        facets,
        items,
        {
            "tous": "Les {total} fiches sont affichées.",
            "tous_un": "La seule fiche est affichée.",
            "aucun": "Aucune fiche ne correspond à ces filtres.",
            "un": "1 fiche sur {total} correspond à ces filtres.",
            "plusieurs": "{n} fiches sur {total} correspondent à ces filtres.",
        },
    )
