"""Site-level settings (``site_config.yml``): title, address, language, taxonomy, output names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from builder.models import SLUG_PATTERN, PlainText, Strict, Taxonomy, check_one_line, check_url

_TAG_OR_QUOTE = re.compile(r'<[a-z!?/]|"', re.I)


def check_theme_text(text: str) -> str:
    """A setting MkDocs' theme prints into every page's HTML unescaped (the site's name in
    ``<title>``, its description and author in ``<meta content="…">``, tab titles): no tag,
    no ``"``, no control character (issue 18; same rule as content/'s front matter).
    Raises ``kit_theme_markup`` or ``kit_plain_control``."""
    check_one_line(text)
    found = _TAG_OR_QUOTE.search(text)
    if found:
        mark = '"' if found.group(0) == '"' else text[found.start():].split(">", 1)[0][:30] + ">"
        raise PydanticCustomError(
            "kit_theme_markup",
            "« {mark} » refusé : le thème écrit ce réglage tel quel dans le HTML de chaque page ; écrivez les "
            "guillemets « » et retirez les balises.",
            {"mark": mark},
        )
    return text


ThemeText = Annotated[str, AfterValidator(check_theme_text)]
# An address in an href or the feed: https://, http:// or mailto: only (builder.models.check_url); may be empty.
OptionalAddress = Annotated[str, AfterValidator(lambda text: check_url(text) if text.strip() else "")]

CONFIG_FILE = "site_config.yml"
DEFAULT_THEME = Path(__file__).resolve().parent.parent / "theme"


class SiteSettings(Strict):
    titre: ThemeText
    titre_court: ThemeText
    description: ThemeText
    url: OptionalAddress
    # A language tag (« fr », « fr-BE »): printed in <html lang>, and names Material's translation.
    langue: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] = "fr"
    auteur: ThemeText = ""
    editeur_url: OptionalAddress = ""
    # The publisher's postal address and telephone, as a source prints them, and that source:
    # where a reader asks for a document the site does not offer (document pages).
    editeur_adresse: ThemeText = ""
    editeur_telephone: ThemeText = ""
    editeur_coordonnees_source: ThemeText = ""


class Outputs(Strict):
    archive: Annotated[str, Field(pattern=SLUG_PATTERN)] = "kit"
    dossier_documents: Annotated[str, Field(pattern=SLUG_PATTERN)] = "documents"
    dossier_fiches: Annotated[str, Field(pattern=SLUG_PATTERN)] = "fiches"
    dossier_parcours: Annotated[str, Field(pattern=SLUG_PATTERN)] = "parcours"
    dossier_telechargements: Annotated[str, Field(pattern=SLUG_PATTERN)] = "telechargements"


class Sections(Strict):
    # Tab titles: printed by the theme unescaped, as the site's name.
    catalogue: ThemeText = "Catalogue"
    fiches: ThemeText = "Fiches d'expérience"
    a_propos: ThemeText = "Le kit"
    # Pages of content/ listed under the « about » tab, in this order (paths relative to content/).
    pages_a_propos: list[str] = []
    # Titles of the key-figure charts, by `groupe` of kit/chiffres.yml (else the group's id).
    groupes_chiffres: dict[str, PlainText] = {}


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
