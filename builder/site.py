"""MkDocs stage: a standard ``mkdocs.yml`` for the generated pages, then ``mkdocs build``.

What we hand to MkDocs stays standard (a plain mkdocs.yml, the Material theme with
``custom_dir`` overrides, stock Markdown extensions) so that Zensical, which reads
the same file, remains an option when Material reaches its end of life.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

import yaml

from builder import dialect, mkdocs_parallel, pool
from builder.context import edition_date, french_date  # noqa: F401  (french_date: kept importable from here)
from builder.config import Project, SiteConfig
from builder.markdown import FOOTNOTE_BACKLINK_TITLE
from builder.pages import GeneratedSite
from builder.paths import OutputPaths

MKDOCS_FILE = "mkdocs.yml"


def build_date() -> dt.date:
    """The edition's date for callers outside a build (``builder.incremental``'s cache key);
    a build reads it from its context (``BuildContext.edition``), fixed once at the start."""
    return edition_date()


def mkdocs_config(project: Project, config: SiteConfig, generated: GeneratedSite, work_dir: Path,
                  edition: dt.date | None = None) -> dict[str, Any]:
    """The mkdocs.yml of a build, as a dict. ``edition``: the context's date (None: today's,
    or SOURCE_DATE_EPOCH's), written in the footer, the copyright and content/'s date marker."""
    site = config.site
    edition_label = french_date(edition or build_date())
    urls = OutputPaths.of(config.sorties)
    theme_dir = project.theme_dir
    extra_css = sorted(p.relative_to(theme_dir).as_posix() for p in (theme_dir / "assets" / "css").glob("*.css")) if theme_dir.is_dir() else []
    extra_js = sorted(p.relative_to(theme_dir).as_posix() for p in (theme_dir / "assets" / "js").glob("*.js")) if theme_dir.is_dir() else []
    return {
        "site_name": site.titre,
        "site_url": site.url,
        "site_description": site.description,
        "site_author": site.auteur,
        "docs_dir": str(generated.docs_dir),
        "use_directory_urls": False,  # pages as files: the same site opens from disk (file://)
        "strict": True,
        "theme": {
            "name": "material",
            "custom_dir": str(theme_dir) if theme_dir.is_dir() else None,
            "language": site.langue,
            "font": False,  # no Google Fonts: the system fonts, nothing from a third party
            "features": [
                "navigation.tabs",
                "navigation.top",
                "navigation.indexes",
                "toc.follow",
            ],
            "palette": [
                {
                    "media": "(prefers-color-scheme: light)",
                    "scheme": "default",
                    "primary": "indigo",
                    "accent": "indigo",
                    "toggle": {"icon": "material/brightness-7", "name": "Passer au thème sombre"},
                },
                {
                    "media": "(prefers-color-scheme: dark)",
                    "scheme": "slate",
                    "primary": "indigo",
                    "accent": "indigo",
                    "toggle": {"icon": "material/brightness-4", "name": "Passer au thème clair"},
                },
            ],
        },
        # No Material « search » plugin: the site has its own search, French and offline
        # (builder/search/, theme/partials/kit-search.html, README « Recherche »).
        "plugins": [],
        "markdown_extensions": [
            "abbr",
            "admonition",
            "attr_list",
            "def_list",
            {"footnotes": {"BACKLINK_TITLE": FOOTNOTE_BACKLINK_TITLE}},
            "md_in_html",
            "tables",
            {"toc": {"permalink": True, "permalink_title": "Lien vers cette section"}},
            # the kit's Markdown dialect, as for catalogue text (builder/dialect.py)
            *({name: dialect.EXTENSION_CONFIGS[name]} if name in dialect.EXTENSION_CONFIGS else name
              for name in dialect.EXTENSIONS),
            # permalinks named after their section; the edition's date in content/ (builder/accessibility.py)
            {"builder.accessibility": {"edition": edition_label}},
            # last: the catalogue's sanitised HTML put in place of its placeholders, then the
            # glossary's acronyms marked in the HTML (builder/markdown.py)
            {"builder.markdown": {"abbreviations": [[a.sigle, a.developpement] for a in generated.abbreviations]}},
        ],
        "nav": generated.nav,
        "not_in_nav": "\n".join(generated.not_in_nav),
        "validation": {"nav": {"omitted_files": "ignore"}, "links": {"not_found": "warn", "anchors": "warn"}},
        "extra": {
            "generator": False,
            "kit": {
                "edition": edition_label,
                # output paths the theme links to (builder.paths): never spelled in theme/
                "accueil": urls.home,
                "archive": urls.archive,
                "flux": urls.feed,  # builder.exports
                "url": site.url,
            },
        },
        "extra_css": extra_css,
        "extra_javascript": extra_js,
        "copyright": f"Contenus : {site.auteur}. Édition du {edition_label}.",
    }


def write_mkdocs_config(project: Project, config: SiteConfig, generated: GeneratedSite, work_dir: Path,
                        edition: dt.date | None = None) -> Path:
    """Write ``work_dir/mkdocs.yml`` (see ``mkdocs_config``) and return its path."""
    path = work_dir / MKDOCS_FILE
    data = mkdocs_config(project, config, generated, work_dir, edition)
    data["theme"] = {k: v for k, v in data["theme"].items() if v is not None}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class MkDocsFailed(Exception):
    pass


def run_mkdocs(config_file: Path, site_dir: Path, dirty: bool = False, plugins: dict[str, Any] | None = None,
               page_hook: mkdocs_parallel.PageHook | None = None) -> dict[str, Any]:
    """``mkdocs build`` in strict mode into ``site_dir``; any warning fails the build.

    ``dirty``: MkDocs' own ``--dirty`` build, for the preview only (``builder.incremental``):
    ``site_dir`` is not emptied and only the pages whose Markdown is newer than their HTML
    are rebuilt; MkDocs' warning that such a build is for development is not counted.
    ``plugins``: MkDocs plugin objects by name, added to the loaded configuration (the
    preview's keeps MkDocs' files, navigation and theme for its next rounds).
    ``page_hook``: where MkDocs' page pass runs on the cores (``mkdocs_parallel``), each page
    built there goes through it before it is written; returns what it read of those pages,
    by address in the site ({} for a build in one process: no page went through it)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    messages: list[str] = []
    handler = _Collect(messages)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    dirty_notice = _DirtyNotice()
    logging.getLogger("mkdocs.commands.build").addFilter(dirty_notice)
    try:
        mkdocs_config = load_config(str(config_file), site_dir=str(site_dir))
        for name, plugin in (plugins or {}).items():
            mkdocs_config.plugins[name] = plugin
        if mkdocs_parallel.can_run(mkdocs_config, dirty, _markdown_count(mkdocs_config.docs_dir)):
            # the same build, its pages over the cores
            return mkdocs_parallel.build(mkdocs_config, page_hook=page_hook)
        build(mkdocs_config, dirty=dirty)
        return {}
    except (Abort, ConfigurationError) as error:
        detail = "\n".join(messages) or str(error)
        raise MkDocsFailed(f"la construction MkDocs a échoué :\n{detail}") from error
    except pool.WorkerFailed as error:  # a worker of the page pass died: told in French
        raise MkDocsFailed(error.message) from error
    finally:
        logger.removeHandler(handler)
        logging.getLogger("mkdocs.commands.build").removeFilter(dirty_notice)


def _markdown_count(docs_dir: str) -> int:
    """The Markdown pages under ``docs_dir`` (MkDocs' documentation pages, roughly: enough
    to choose between one process and several)."""
    return sum(name.endswith(".md") for _, _, names in os.walk(docs_dir) for name in names)


class _DirtyNotice(logging.Filter):
    """Drops MkDocs' warning that a dirty build is for development (strict mode counts it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]):
        super().__init__(level=logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"  {record.levelname} {record.getMessage()}")
