"""The one table of output paths and URLs (builder/paths.py, issue #14): what it gives, and
that no other module, template or theme file spells an output path itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.config import Outputs
from builder.paths import OutputPaths, absolute_url, built, relative_url

REPO = Path(__file__).resolve().parents[1]
BUILDER = REPO / "builder"
THEME = REPO / "theme"


def test_default_table():
    urls = OutputPaths.of(Outputs())
    assert urls.document("film") == "documents/film.html"
    assert urls.document_source("film") == "documents/film.md"
    assert urls.case("coordinactions") == "fiches/coordinactions.html"
    assert urls.reading_path("comprendre") == "parcours/comprendre.html"
    assert urls.reading_path_source("comprendre") == "parcours/comprendre.md"
    assert (urls.catalogue, urls.cases_index, urls.home) == ("catalogue/index.html", "fiches/index.html", "index.html")
    assert urls.feed == "fiches/flux.xml"
    assert urls.exports[0] == "catalogue/catalogue.json"
    assert urls.archive == "telechargements/kit.zip"
    assert urls.not_in_nav == ["/documents/", "/fiches/"]


def test_settings_reach_every_path():
    # site_config.yml's « sorties » renames folders and the archive: every path follows.
    urls = OutputPaths.of(Outputs(archive="boite", dossier_documents="docs-x", dossier_fiches="exp",
                                  dossier_parcours="chemins", dossier_telechargements="dl"))
    assert urls.document("a") == "docs-x/a.html"
    assert urls.case_source("b") == "exp/b.md"
    assert urls.reading_path("c") == "chemins/c.html"
    assert urls.cases_index == "exp/index.html"
    assert urls.feed == "exp/flux.xml"
    assert urls.archive == "dl/boite.zip" and urls.archive_file == "boite.zip"
    assert urls.generated_dirs == {"docs-x", "exp", "chemins", "catalogue"}


def test_helpers():
    assert built("a/b.md") == "a/b.html" and built("a/b.xml") == "a/b.xml"
    assert relative_url("fiches/index.md", "fiches/x.html") == "x.html"
    assert relative_url("documents/a.md", "parcours/p.html") == "../parcours/p.html"
    assert relative_url("index.md", "catalogue/index.html") == "catalogue/index.html"
    assert absolute_url("https://exemple.org/kit", "documents/a.html") == "https://exemple.org/kit/documents/a.html"
    assert absolute_url("", "documents/a.html") == ""


def test_renamed_folders_are_built_where_the_table_says(tmp_path, fixed_epoch):
    """A whole build with every folder renamed: pages, feed, exports and zip land at the
    table's paths and the links between pages lead there (nothing spelled elsewhere)."""
    from conftest import FIXTURES, copy_project

    from builder.build import build

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    config_text = project.config_file.read_text(encoding="utf-8")
    renamed = re.sub(r"(?m)^sorties:\n(?:  .*\n)+", "sorties:\n  archive: boite\n  dossier_documents: docs-x\n"
                     "  dossier_fiches: exp\n  dossier_parcours: chemins\n  dossier_telechargements: dl\n", config_text)
    assert renamed != config_text
    project.config_file.write_text(renamed, encoding="utf-8")
    result = build(project, tmp_path / "site")
    urls = OutputPaths.of(result.config.sorties)
    site = result.site_dir
    for relative in [urls.cases_index, urls.catalogue, urls.feed, *urls.exports, urls.archive,
                     *(urls.document(d.id) for d in result.kit.documents),
                     *(urls.case(c.slug) for c in result.kit.cases),
                     *(urls.reading_path(p.id) for p in result.kit.reading_paths)]:
        assert (site / relative).is_file(), relative
    assert not (site / "documents").exists() and not (site / "fiches").exists()
    first_document = result.kit.documents[0]
    catalogue = (site / urls.catalogue).read_text(encoding="utf-8")
    assert f'href="../{urls.document(first_document.id)}"' in catalogue
    home = (site / urls.home).read_text(encoding="utf-8")
    assert f'href="{urls.archive}"' in home


# --- no output path outside the table ---

# What an output path spelled by hand looks like (f-strings, Jinja concatenations, literals of
# generated files). Paths of the *project* (kit/cas/x.yml, content/…) are not output paths.
PYTHON_PATTERNS = [
    (re.compile(r"""\bf["'][^"'\n]*\}\.(?:html|zip|xml)(?![\w.])"""), "f-string ending in an output suffix"),
    (re.compile(r"""\bf["'][^"'\n]*\{[^}]*dossier_(?:documents|fiches|parcours|telechargements)\b"""), "f-string with a « sorties » folder"),
    (re.compile(r"""\bf["'][^"'\n]*\{[^}]*sorties\.archive\}\.zip"""), "f-string naming the zip"),
    (re.compile(r"""["'](?:index\.html|404\.html|flux\.xml|catalogue\.(?:json|csv)|search/index\.js|catalogue/index\.md|le-kit/glossaire\.md)["']"""),
     "literal name of a generated file"),
    (re.compile(r"""\.replace\(["']\.md["'],\s*["']\.html["']\)"""), "source → page by hand (builder.paths.built)"),
]
TEMPLATE_PATTERNS = [
    (re.compile(r"""~\s*["'][^"']*\.(?:html|md)["']"""), "Jinja concatenation ending in an output suffix"),
    (re.compile(r"""\}\}\s*\.(?:html|md|zip)\b"""), "{{ … }}.html"),
    (re.compile(r"""\bdossier_(?:documents|fiches|parcours|telechargements)\b"""), "a « sorties » folder (use urls.…)"),
    (re.compile(r"""href=["'](?:\.\./)*(?:index\.html|[a-z-]+/index\.html)"""), "literal link to a generated page"),
    (re.compile(r"""["']index\.html["']\s*\|\s*url"""), "literal link to the home page"),
]


def _python_files() -> list[Path]:
    return sorted(p for p in BUILDER.rglob("*.py") if p.name != "paths.py" and p.name != "config.py")


def _template_files() -> list[Path]:
    templates = [p for p in (BUILDER / "templates").rglob("*") if p.is_file() and p.suffix in (".j2", ".html")]
    theme = [p for p in THEME.rglob("*.html") if "vendor" not in p.parts]
    return sorted(templates + theme)


def _findings(files: list[Path], patterns) -> list[str]:
    found = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("#") or stripped.startswith("{#"):
                continue  # comments may name a path to explain it
            for pattern, what in patterns:
                if pattern.search(line):
                    found.append(f"{file.relative_to(REPO)}:{number}: {what}: {stripped[:120]}")
    return found


def test_no_output_path_spelled_in_python():
    assert _findings(_python_files(), PYTHON_PATTERNS) == []


def test_no_output_path_spelled_in_templates_or_theme():
    assert _findings(_template_files(), TEMPLATE_PATTERNS) == []


@pytest.mark.parametrize("line", [
    'x = f"{config.sorties.dossier_fiches}/{slug}.html"',
    'target = root / f"{config.sorties.archive}.zip"',
    'SKIPPED = {"404.html"}',
    'page = CATALOGUE_PAGE.replace(".md", ".html")',
])
def test_the_python_check_catches(line):
    assert any(pattern.search(line) for pattern, _ in PYTHON_PATTERNS)


@pytest.mark.parametrize("line", [
    '{{ anchor(out.dossier_documents ~ "/" ~ doc.id ~ ".html", doc.titre) }}',
    '<a href="{{ case.slug }}.html">',
    '<a href="../index.html">',
    '<a href="{{ \'index.html\' | url }}">',
])
def test_the_template_check_catches(line):
    assert any(pattern.search(line) for pattern, _ in TEMPLATE_PATTERNS)
