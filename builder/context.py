"""The build context: what one run of ``kit build`` or ``kit zip`` is about, made once by the
command line and handed down the pipeline (bottom layer: imports nothing above it).

- the project (``builder.config.Project``: where the catalogue, content and theme are);
- the edition's date, computed here only, from SOURCE_DATE_EPOCH when set (reproducible
  builds, https://reproducible-builds.org/specs/source-date-epoch/), else today's date;
- the options of the command (output folder, zip target, with or without the zip);
- once the settings are read (``with_config``): site_config.yml's settings and the table of
  output paths (``builder.paths.OutputPaths``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from builder.paths import OutputPaths

if TYPE_CHECKING:  # types only: the bottom layer imports nothing above it at run time
    from builder.config import Project, SiteConfig

Progress = Callable[[str], None]

FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                 "octobre", "novembre", "décembre")


def quiet(_: str) -> None:
    """A ``Progress`` that says nothing (tests, library use)."""


def edition_date(environ: Mapping[str, str] = os.environ) -> dt.date:
    """The edition's date: SOURCE_DATE_EPOCH's day (UTC) when set, so that two builds are
    byte-identical, else today. In: the environment. Raises ``ValueError`` for a value that
    is not a whole number (``builder.safety.preflight`` reports it in French first)."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()


def french_date(day: dt.date) -> str:
    """« 1er janvier 2026 », « 14 novembre 2023 »: a date as French prose writes it."""
    return f"{day.day}{'er' if day.day == 1 else ''} {FRENCH_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class BuildOptions:
    """The command's options. ``site_dir``: ``kit build --dossier-site`` (None: ``site/``);
    ``with_archive``: write the zip into the site; ``zip_target``: ``kit zip --sortie``
    (None: ``<archive>.zip`` beside the project); ``force``: replace a file kit did not write."""

    site_dir: Path | None = None
    with_archive: bool = True
    zip_target: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class BuildContext:
    """One run's context (see the module's doc). Made by ``create``; ``config`` and ``urls``
    are filled by ``with_config`` once site_config.yml is read and valid."""

    project: Project
    edition: dt.date
    options: BuildOptions = BuildOptions()
    progress: Progress = quiet
    config: SiteConfig | None = None
    urls: OutputPaths = field(default_factory=OutputPaths)

    @classmethod
    def create(cls, project: Project, options: BuildOptions | None = None, progress: Progress = quiet,
               environ: Mapping[str, str] = os.environ) -> BuildContext:
        """The context of a run starting now: the edition's date is fixed here, once."""
        return cls(project, edition_date(environ), options or BuildOptions(), progress)

    def with_config(self, config: SiteConfig) -> BuildContext:
        """This context with the site's settings and their table of output paths."""
        return dataclasses.replace(self, config=config, urls=OutputPaths.of(config.sorties))

    @property
    def edition_label(self) -> str:
        """The edition's date in French (footer, offline notice, LISEZMOI.txt)."""
        return french_date(self.edition)
