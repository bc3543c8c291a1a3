"""Site-level settings (``site_config.yml``): title, address, language, taxonomy, output names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from builder.models import SLUG_PATTERN, Strict, Taxonomy

CONFIG_FILE = "site_config.yml"
DEFAULT_THEME = Path(__file__).resolve().parent.parent / "theme"


class SiteSettings(Strict):
    titre: str
    titre_court: str
    description: str
    url: str
    langue: str = "fr"
    auteur: str = ""
    editeur_url: str = ""
    # The publisher's postal address and telephone, as a source prints them, and that source:
    # where a reader asks for a document the site does not offer (document pages).
    editeur_adresse: str = ""
    editeur_telephone: str = ""
    editeur_coordonnees_source: str = ""


class Outputs(Strict):
    archive: Annotated[str, Field(pattern=SLUG_PATTERN)] = "kit"
    dossier_documents: Annotated[str, Field(pattern=SLUG_PATTERN)] = "documents"
    dossier_fiches: Annotated[str, Field(pattern=SLUG_PATTERN)] = "fiches"
    dossier_parcours: Annotated[str, Field(pattern=SLUG_PATTERN)] = "parcours"
    dossier_telechargements: Annotated[str, Field(pattern=SLUG_PATTERN)] = "telechargements"


class Sections(Strict):
    catalogue: str = "Catalogue"
    fiches: str = "Fiches d'expérience"
    a_propos: str = "Le kit"
    # Pages of content/ listed under the « about » tab, in this order (paths relative to content/).
    pages_a_propos: list[str] = []
    # Titles of the key-figure charts, by `groupe` of kit/chiffres.yml (else the group's id).
    groupes_chiffres: dict[str, str] = {}


class SiteConfig(Strict):
    site: SiteSettings
    sorties: Outputs = Outputs()
    rubriques: Sections = Sections()
    taxonomie: Taxonomy


@dataclass(frozen=True)
class Project:
    """Where a kit project's parts are: the one object every stage receives."""

    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def kit_dir(self) -> Path:
        return self.root / "kit"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def theme_dir(self) -> Path:
        # A kit without its own theme/ uses the one beside the builder (this repository's).
        own = self.root / "theme"
        return own if own.is_dir() else DEFAULT_THEME

    @property
    def work_dir(self) -> Path:
        # Generated pages and mkdocs.yml; rebuilt at every build, ignored by git.
        return self.root / ".kit-build"

    def watched(self) -> list[Path]:
        return [p for p in (self.kit_dir, self.content_dir, self.theme_dir, self.config_file) if p.exists()]


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above ``start`` that holds a site_config.yml."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return Project(folder)
    return Project(start)
