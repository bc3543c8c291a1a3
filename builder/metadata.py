"""Page metadata for other sites and tools: web addresses and schema.org JSON-LD.

The JSON-LD of a generated page is computed here from the typed models and written
into the page's front matter (``kit.schema``); ``theme/partials/kit-head.html`` prints
it in a ``<script type="application/ld+json">`` with the OpenGraph tags. Documents are
``CreativeWork`` (their authors are organisations), case sheets are ``Article``
about the initiative (an ``Organization`` located in a ``Place``), reading paths are
``ItemList`` of their documents in reading order.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from builder.config import SiteConfig
from builder import paths
from builder.models import Case, Document, Kit, ReadingPath
from builder.paths import OutputPaths
from builder.richtext import rich

SCHEMA_CONTEXT = "https://schema.org"


def plain_text(text: str) -> str:
    """A Markdown field (str) → one line of plain text (for descriptions read by machines),
    read from the field's one render (builder.richtext): no Markdown syntax, no footnotes."""
    return rich(text).text


def site_root(config: SiteConfig) -> str:
    url = config.site.url.strip()
    return url if not url or url.endswith("/") else url + "/"


def absolute_url(config: SiteConfig, relative: str) -> str:
    """The web address of a page of the site (``documents/x.html``); empty when the site has no address."""
    return paths.absolute_url(config.site.url, relative)  # with site_root's trailing « / »


def document_url(config: SiteConfig, doc: Document) -> str:
    return absolute_url(config, OutputPaths.of(config.sorties).document(doc.id))


def case_url(config: SiteConfig, case: Case) -> str:
    return absolute_url(config, OutputPaths.of(config.sorties).case(case.slug))


def reading_path_url(config: SiteConfig, path: ReadingPath) -> str:
    return absolute_url(config, OutputPaths.of(config.sorties).reading_path(path.id))


def _publisher(config: SiteConfig) -> dict[str, Any]:
    publisher: dict[str, Any] = {"@type": "Organization", "name": config.site.auteur}
    if config.site.editeur_url:
        publisher["url"] = config.site.editeur_url
    return publisher


def _website(config: SiteConfig) -> dict[str, Any]:
    site: dict[str, Any] = {"@type": "WebSite", "name": config.site.titre}
    if site_root(config):
        site["url"] = site_root(config)
    return site


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def document_schema(config: SiteConfig, kit: Kit, doc: Document) -> dict[str, Any]:
    nature = config.taxonomie.nature(doc.nature)
    family = nature.family(doc.famille) if nature else None
    published = f"{doc.annee}-{doc.mois:02d}" if doc.mois else str(doc.annee)
    return _without_empty({
        "@context": SCHEMA_CONTEXT,
        "@type": "CreativeWork",
        "@id": document_url(config, doc) or None,
        "url": document_url(config, doc),
        "name": doc.titre,
        "description": rich(doc.resume).summary,  # = the page's meta description
        "author": [{"@type": "Organization", "name": a} for a in doc.auteurs],
        "datePublished": published,
        "temporalCoverage": f"{doc.annee}/{doc.annee_fin}" if doc.annee_fin and doc.annee_fin != doc.annee else None,
        "genre": " — ".join(t.libelle for t in (nature, family) if t),
        "inLanguage": config.site.langue,
        "sameAs": doc.lien,
        "isPartOf": _website(config),
    })


def case_schema(config: SiteConfig, kit: Kit, case: Case) -> dict[str, Any]:
    sheet = case.sheet
    place: dict[str, Any] = {"@type": "Place", "name": sheet.territoire}
    if sheet.region:
        place["address"] = {"@type": "PostalAddress", "addressRegion": sheet.region, "addressCountry": "FR"}
    about = _without_empty({
        "@type": "Organization",
        "name": sheet.titre,
        "description": rich(sheet.objet).summary,
        "location": place,
        "url": sheet.site_web,
    })
    documents = [d for d in (kit.document(i) for i in sheet.documents) if d]
    return _without_empty({
        "@context": SCHEMA_CONTEXT,
        "@type": "Article",
        "@id": case_url(config, case) or None,
        "url": case_url(config, case),
        "headline": sheet.titre,
        "name": sheet.titre,
        "description": rich(sheet.objet).summary,  # = the page's meta description
        "about": about,
        "contentLocation": place,
        "keywords": ", ".join(sheet.themes),
        "datePublished": sheet.date_ajout.isoformat() if sheet.date_ajout else None,
        "author": _publisher(config),
        "publisher": _publisher(config),
        "inLanguage": config.site.langue,
        "citation": list(sheet.sources),
        "mentions": [_without_empty({"@type": "CreativeWork", "name": d.titre, "url": document_url(config, d)})
                     for d in documents],
        "isPartOf": _website(config),
    })


def path_schema(config: SiteConfig, kit: Kit, path: ReadingPath) -> dict[str, Any]:
    documents = [d for d in (kit.document(i) for i in path.documents) if d]
    return _without_empty({
        "@context": SCHEMA_CONTEXT,
        "@type": "ItemList",
        "@id": reading_path_url(config, path) or None,
        "url": reading_path_url(config, path),
        "name": path.titre,
        "description": plain_text(path.introduction),
        "numberOfItems": len(documents),
        "itemListOrder": "https://schema.org/ItemListOrderAscending",
        "itemListElement": [
            _without_empty({"@type": "ListItem", "position": n, "name": d.titre, "url": document_url(config, d)})
            for n, d in enumerate(documents, 1)
        ],
    })


# Characters JSON leaves as they are but a YAML reader refuses (DEL, C1 controls, surrogates,
# U+FFFE/U+FFFF) or reads as line breaks (NEL, U+2028, U+2029): a Markdown field may hold
# them, and a front matter MkDocs cannot parse is published as the page's text, catalogue
# text in the JSON-LD included, read as Markdown and raw HTML. Written as \\u escapes, which
# JSON and YAML both read back to the same character.
_NOT_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def yaml_safe_json(text: str) -> str:
    """``text`` (JSON) with the characters above as ``\\uXXXX`` escapes (they only occur in strings)."""
    return _NOT_YAML.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def script_json(data: dict[str, Any]) -> str:
    """``data`` as the JSON a ``<script type="application/ld+json">`` holds: keys sorted
    (deterministic), ASCII only, and ``<``, ``>``, ``&``, ``'`` as ``\\uXXXX`` escapes, so that no
    text can close the script: Jinja's ``tojson`` filter's own function (``htmlsafe_json_dumps``
    with the filter's default ``sort_keys=True`` policy), which the theme used to apply to the
    JSON-LD itself."""
    return str(htmlsafe_json_dumps(data, dumps=json.dumps, sort_keys=True))


def front_matter_json(data: dict[str, Any]) -> Markup:
    """The JSON-LD ``data`` for the front matter (``kit.schema``), finished (``script_json``)
    and written as ONE single-quoted YAML string (it holds no quote, no character outside
    ASCII), which the theme prints as it is (theme/partials/kit-head.html).

    Why a string and not a mapping: MkDocs reads every page's front matter with PyYAML, whose
    object construction is in Python; a case sheet's JSON-LD read as a mapping was a third of
    its front matter's parse time in ``mkdocs build`` and more in ``kit build``, which reads
    it again to check it (benchmarks/README.md, issue 15)."""
    return Markup(f"'{script_json(data)}'")
