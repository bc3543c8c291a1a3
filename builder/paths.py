"""The one table of the site's output paths and URLs (bottom layer: imports nothing of the builder).

Every file the build writes into the site, and every link to it, is named here, from
``site_config.yml``'s « sorties » (folder and archive names) and a few fixed names; no other
module, template or theme file spells an output path (``tests/test_paths.py`` greps for them).
Like Pelican's settings table (``ARTICLE_SAVE_AS``/``ARTICLE_URL``): one place to read, one place
to change.

Two forms of each generated page:
- its *source*, the Markdown page written into MkDocs' ``docs`` folder (``documents/x.md``),
  used for the navigation and for links between Markdown pages;
- its *page*, the built HTML file and its URL relative to the site's root (``documents/x.html``).
MkDocs maps one onto the other with ``use_directory_urls: false`` (``x.md`` → ``x.html``):
``built`` follows the same rule.

Site paths are POSIX, relative to the site's root, never starting with « / ».
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

if TYPE_CHECKING:  # a type only: the bottom layer imports nothing above it at run time
    from builder.config import Outputs

# --- fixed names (not settable in site_config.yml) ---

HOME_PAGE = "index.md"
CATALOGUE_PAGE = "catalogue/index.md"
CASES_INDEX_PAGE = "index.md"  # inside the case-sheet folder
GLOSSARY_PAGE = "le-kit/glossaire.md"
# Written by the post-build stage builder.exports: the feed of case sheets (in their folder)
# and the catalogue's exports (beside the catalogue page).
FEED_FILE = "flux.xml"
EXPORT_FILES = ("catalogue.json", "catalogue.csv", "catalogue-virgules.csv")  # JSON, CSV for spreadsheets (;), CSV for programs (,)
# The search's files (builder/search/index.py writes them, theme/assets/search/search.js reads them).
SEARCH_INDEX_FILE = "search/index.js"
SEARCH_VOCABULARY_FILE = "search/vocabulary.js"
SEARCH_PAGES_DIR = "search/pages"
NOT_FOUND_PAGE = "404.html"
# What a link to a folder of the site opens (use_directory_urls: false, file://): builder.links.
DIRECTORY_INDEX = "index.html"
# Files a document names are published under this folder (builder.files).
DOCUMENT_FILES_DIR = "fichiers"
ARCHIVE_SUFFIX = ".zip"
MARKDOWN_SUFFIX = ".md"
HTML_SUFFIX = ".html"


def built(source: str) -> str:
    """The built page of a Markdown source page: ``a/b.md`` → ``a/b.html`` (MkDocs with
    ``use_directory_urls: false``). In and out: site paths (POSIX, relative to the root)."""
    return source.removesuffix(MARKDOWN_SUFFIX) + HTML_SUFFIX if source.endswith(MARKDOWN_SUFFIX) else source


def relative_url(current: str, target: str) -> str:
    """The shortest relative link from the page ``current`` to ``target``, both site paths
    (« film.html » beside, « ../parcours/x.html » elsewhere), as MkDocs writes links.
    Not quoted: callers quote for HTML or Markdown."""
    return _relative_from(posixpath.dirname(current) or ".", target)


@functools.lru_cache(maxsize=16384)
def _relative_from(folder: str, target: str) -> str:
    # Pages of one folder link to the same pages (a case sheet's documents, the indexes):
    # relpath's normalisation, once per folder and target (issue 15: 17,000 links at 2,000 sheets).
    return posixpath.relpath(target, folder)


def absolute_url(site_url: str, relative: str) -> str:
    """The web address of ``relative`` (a site path) under the site's address ``site_url``
    (``site.url`` of site_config.yml); empty when the site has no address."""
    root = site_url.strip()
    if root and not root.endswith("/"):
        root += "/"
    return _joined(root, relative) if root else ""


@functools.lru_cache(maxsize=16384)
def _joined(root: str, relative: str) -> str:
    # The same documents' addresses are written in many sheets' JSON-LD: urljoin's parsing once each.
    return urljoin(root, relative)


@dataclass(frozen=True)
class OutputPaths:
    """The output paths of one site. In: the folder and archive names (``sorties`` of
    site_config.yml, already validated as slugs). Out: site paths (str), see the module's doc."""

    documents_dir: str = "documents"
    cases_dir: str = "fiches"
    reading_paths_dir: str = "parcours"
    downloads_dir: str = "telechargements"
    archive_name: str = "kit"

    @classmethod
    def of(cls, outputs: Outputs) -> OutputPaths:
        """The table for ``sorties`` of site_config.yml (``builder.config.Outputs``)."""
        return cls(outputs.dossier_documents, outputs.dossier_fiches, outputs.dossier_parcours,
                   outputs.dossier_telechargements, outputs.archive)

    # --- generated pages: Markdown sources ---

    def document_source(self, document_id: str) -> str:
        return f"{self.documents_dir}/{document_id}{MARKDOWN_SUFFIX}"

    def case_source(self, slug: str) -> str:
        return f"{self.cases_dir}/{slug}{MARKDOWN_SUFFIX}"

    def reading_path_source(self, reading_path_id: str) -> str:
        return f"{self.reading_paths_dir}/{reading_path_id}{MARKDOWN_SUFFIX}"

    @property
    def cases_index_source(self) -> str:
        return f"{self.cases_dir}/{CASES_INDEX_PAGE}"

    catalogue_source = CATALOGUE_PAGE
    glossary_source = GLOSSARY_PAGE
    home_source = HOME_PAGE

    # --- generated pages: built HTML (their URLs relative to the root) ---

    def document(self, document_id: str) -> str:
        return built(self.document_source(document_id))

    def case(self, slug: str) -> str:
        return built(self.case_source(slug))

    def reading_path(self, reading_path_id: str) -> str:
        return built(self.reading_path_source(reading_path_id))

    @property
    def cases_index(self) -> str:
        return built(self.cases_index_source)

    catalogue = built(CATALOGUE_PAGE)
    glossary = built(GLOSSARY_PAGE)
    home = built(HOME_PAGE)
    not_found = NOT_FOUND_PAGE

    # --- files written after MkDocs ---

    @property
    def feed(self) -> str:
        """The Atom feed of case sheets, in their folder (builder.exports)."""
        return f"{self.cases_dir}/{FEED_FILE}"

    @property
    def exports(self) -> tuple[str, ...]:
        """The catalogue's open-data files, beside the catalogue page (builder.exports)."""
        folder = posixpath.dirname(CATALOGUE_PAGE)
        return tuple(f"{folder}/{name}" for name in EXPORT_FILES)

    search_index = SEARCH_INDEX_FILE
    search_vocabulary = SEARCH_VOCABULARY_FILE
    search_pages_dir = SEARCH_PAGES_DIR

    @property
    def archive_file(self) -> str:
        """The zip's file name (``kit.zip``): in the site, and by default beside the project."""
        return f"{self.archive_name}{ARCHIVE_SUFFIX}"

    @property
    def archive(self) -> str:
        """The offline edition in the site (``telechargements/kit.zip``, builder.package)."""
        return f"{self.downloads_dir}/{self.archive_file}"

    def document_file(self, name: str) -> str:
        """A file a document names (``fichier``), as published (builder.files)."""
        return f"{DOCUMENT_FILES_DIR}/{name}"

    # --- groups ---

    @property
    def generated_dirs(self) -> frozenset[str]:
        """Top folders of docs/ that the build fills itself (never content/'s pages)."""
        return frozenset({self.documents_dir, self.cases_dir, self.reading_paths_dir, posixpath.dirname(CATALOGUE_PAGE)})

    @property
    def not_in_nav(self) -> list[str]:
        """Folders of pages reached through links only (MkDocs' ``not_in_nav`` patterns)."""
        return [f"/{self.documents_dir}/", f"/{self.cases_dir}/"]
