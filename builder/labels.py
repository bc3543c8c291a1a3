"""The French labels of the catalogue's fields: ONE table, next to the models (bottom layer).

Every place that names a field to a person reads it here: the pages (a case sheet's identity
card and section headings, a document's card: builder.views and the templates), the JSON
Schemas' titles that editors' completion shows and the issue form « Proposer une fiche
d'expérience » (builder.schemas), hence ``kit from-issue``, which reads the form's labels.

A label has one name; where the form asks for more than the page shows (« Statut de la
structure porteuse » on the form, « Statut » on the card), ``asked`` is that longer wording;
where a filter of the catalogue or of the sheet index names one value (« Auteur » for the
« Auteurs » field), ``legend`` is that wording (builder.facets).
The model's ``Field(description=…)`` stays the help text under the label.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from builder.models import CaseSheet, Document, ReadingPath


@dataclass(frozen=True)
class Label:
    """A field's name for people: ``shown`` on the site, ``asked`` on the form and in the schemas."""

    shown: str
    question: str | None = None  # the form's wording, when it differs from the site's
    one: str | None = None  # a filter's legend, for one value of the field, when it differs

    @property
    def asked(self) -> str:
        return self.question or self.shown

    @property
    def legend(self) -> str:
        return self.one or self.shown


FIELD_LABELS: dict[type[BaseModel], dict[str, Label]] = {
    Document: {
        "id": Label("Identifiant"),
        "titre": Label("Titre"),
        "nature": Label("Nature"),
        "famille": Label("Famille"),
        "auteurs": Label("Auteurs", one="Auteur"),
        "annee": Label("Année"),
        "mois": Label("Mois"),
        "annee_fin": Label("Année de fin"),
        "resume": Label("Résumé"),
        "lien": Label("Lien"),
        "fichier": Label("Fichier"),
        "remarque": Label("Remarque"),
    },
    ReadingPath: {
        "id": Label("Identifiant"),
        "titre": Label("Titre"),
        "titre_court": Label("Titre court"),
        "introduction": Label("Introduction"),
        "documents": Label("Documents"),
    },
    CaseSheet: {
        "titre": Label("Nom de l'initiative"),
        "territoire": Label("Territoire"),
        "region": Label("Région", one="Territoire (région)"),
        "statut": Label("Statut", "Statut de la structure porteuse"),
        "objet": Label("Objet"),
        "formes": Label("Formes de co-construction", one="Forme de co-construction"),
        "formes_source": Label("Origine du classement dans les formes"),
        "demarche": Label("Démarche"),
        "themes": Label("Thèmes", one="Thème"),
        "genese": Label("Genèse"),
        "objectif": Label("Objectif"),
        "activites": Label("Activités en matière de partenariats"),
        "resultats": Label("Résultats"),
        "prochaines_etapes": Label("Prochaines étapes"),
        "site_web": Label("Site web"),
        "documents": Label("Documents du kit liés", one="Document du kit lié"),
        "sources": Label("Sources"),
        "date_ajout": Label("Date d'ajout"),
    },
}

# The sections of a case sheet's page, in order, after its « Objet » (each a Markdown field).
CASE_SECTIONS = ("genese", "objectif", "activites", "resultats", "prochaines_etapes")


def shown(model: type[BaseModel]) -> dict[str, str]:
    """Field name → the label the site prints for ``model`` (a model class of builder.models)."""
    return {key: label.shown for key, label in FIELD_LABELS[model].items()}


def asked(model: type[BaseModel]) -> dict[str, str]:
    """Field name → the label the form and the JSON Schemas use for ``model``."""
    return {key: label.asked for key, label in FIELD_LABELS[model].items()}
