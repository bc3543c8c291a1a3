"""Post-build stage: the Atom feed of case sheets and the catalogue's exports (JSON, CSV).

They are written into the built site before it is packaged, so the offline zip has
them too. Everything is sorted and dated from the data (or SOURCE_DATE_EPOCH): two
builds of the same kit give the same bytes.

- ``<fiches>/flux.xml``: Atom 1.0, newest sheet first by ``date_ajout``, ties by
  title; sheets without a date come last. The feed's ``updated`` is the newest
  ``date_ajout``, or the edition's date when no sheet has one.
- ``catalogue/catalogue.json``: the documents, reading paths and case sheets with
  the field names of the catalogue files, plus each page's address and, for a
  document, its place in each reading path.
- ``catalogue/catalogue.csv``: for spreadsheets: one row per document then per case sheet
  (column ``type``), the union of their fields; a list is written as its items joined by
  `` | ``, a Markdown field as its plain text (read from its one render, builder.richtext:
  a spreadsheet shows no « [lien](…) » nor « [^1] »). Cells separated by ``;`` (French spreadsheets read a comma as the decimal sign and
  open a comma-separated file in one column), UTF-8 with a byte-order mark, so that
  spreadsheet software reads accents. ``catalogue/catalogue-virgules.csv``: the same rows
  separated by commas, without the byte-order mark, for programs (RFC 4180).
  A cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) starts with ``'`` instead (OWASP, « CSV Injection »):
  catalogue text is contributed, and « =HYPERLINK(…) » must stay text.

Control characters other than tab and line breaks are not allowed in XML 1.0 (and C1
controls are discouraged): they are removed from the feed, whose readers reject the
whole feed for one of them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

from builder.config import SiteConfig
from builder.facets import sort_key
from builder.metadata import absolute_url, case_url, document_url, reading_path_url, plain_text, site_root
from builder.models import Case, CaseSheet, Document, Kit, ReadingPath
from builder.richtext import RichText, strip_invisible
from builder.paths import OutputPaths
from builder.context import BuildContext, edition_date

ATOM = "http://www.w3.org/2005/Atom"
LIST_SEPARATOR = " | "
EXPORT_FORMAT_VERSION = 1
# OWASP's list of the first characters that make a cell a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Not characters of XML 1.0 (C0 controls but tab, LF, CR; U+FFFE, U+FFFF; lone surrogates),
# and those it discourages (DEL, C1 controls).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML 1.0 document cannot carry (see above), nor the
    Unicode noncharacters (``richtext.strip_invisible``)."""
    return strip_invisible(_NOT_XML.sub("", text))


# --- the feed -------------------------------------------------------------------------------


def feed_order(cases: list[Case]) -> list[Case]:
    """Newest first by date added; same day: by title; sheets without a date at the end."""
    dated = sorted((c for c in cases if c.sheet.date_ajout), key=lambda c: sort_key(c.sheet.titre))
    dated.sort(key=lambda c: c.sheet.date_ajout, reverse=True)  # stable: titles stay ordered within a day
    undated = sorted((c for c in cases if not c.sheet.date_ajout), key=lambda c: sort_key(c.sheet.titre))
    return dated + undated


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def feed_updated(cases: list[Case], edition: dt.date) -> dt.date:
    """The feed's date: the newest ``date_ajout``; without any, the edition's date."""
    dates = [c.sheet.date_ajout for c in cases if c.sheet.date_ajout]
    return max(dates) if dates else edition


def feed_xml(config: SiteConfig, kit: Kit, edition: dt.date | None = None) -> bytes:
    ET.register_namespace("", ATOM)
    site = config.site
    urls = OutputPaths.of(config.sorties)
    feed_path, index_path = urls.feed, urls.cases_index
    updated = feed_updated(kit.cases, edition or edition_date())

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": site.langue})
    sub(feed, "id", absolute_url(config, feed_path) or f"urn:kit:{config.sorties.archive}:fiches")
    sub(feed, "title", f"{site.titre} — {config.rubriques.fiches}")
    sub(feed, "subtitle", "Les fiches d'expérience du kit, de la plus récente à la plus ancienne.")
    sub(feed, "updated", _timestamp(updated))
    author = sub(feed, "author")
    sub(author, "name", site.auteur or site.titre)
    if site.editeur_url:
        sub(author, "uri", site.editeur_url)
    if site_root(config):
        sub(feed, "link", rel="self", type="application/atom+xml", href=absolute_url(config, feed_path))
        sub(feed, "link", rel="alternate", type="text/html", href=absolute_url(config, index_path))
    sub(feed, "generator", "kit-co-construction")
    for case in feed_order(kit.cases):
        sheet = case.sheet
        entry = sub(feed, "entry")
        url = case_url(config, case)
        sub(entry, "id", url or f"urn:kit:{config.sorties.archive}:fiche:{case.slug}")
        sub(entry, "title", sheet.titre)
        day = sheet.date_ajout or updated
        sub(entry, "updated", _timestamp(day))
        if sheet.date_ajout:
            sub(entry, "published", _timestamp(sheet.date_ajout))
        if url:
            sub(entry, "link", rel="alternate", type="text/html", href=url)
        territory = sheet.territoire + (f" ({sheet.region})" if sheet.region and sheet.region != sheet.territoire else "")
        sub(entry, "summary", f"{territory} — {plain_text(sheet.objet)}")
        for form in sheet.formes:
            sub(entry, "category", term=form, label=config.taxonomie.label("formes", form))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


# --- the catalogue ---------------------------------------------------------------------------


def document_record(config: SiteConfig, kit: Kit, doc: Document) -> dict[str, Any]:
    record = doc.model_dump(mode="json")
    record["url"] = document_url(config, doc)
    record["parcours"] = [{"id": p.id, "position": p.documents.index(doc.id) + 1, "total": len(p.documents)}
                          for p in kit.reading_paths_of(doc.id)]
    return record


def case_record(config: SiteConfig, case: Case) -> dict[str, Any]:
    record = {"slug": case.slug, **case.sheet.model_dump(mode="json")}
    record["url"] = case_url(config, case)
    return record


def path_record(config: SiteConfig, path: ReadingPath) -> dict[str, Any]:
    return {**path.model_dump(mode="json"), "url": reading_path_url(config, path)}


def catalogue_data(config: SiteConfig, kit: Kit, edition: dt.date | None = None) -> dict[str, Any]:
    taxonomy = config.taxonomie
    return {
        "format": EXPORT_FORMAT_VERSION,
        "site": {"titre": config.site.titre, "url": site_root(config), "auteur": config.site.auteur,
                 "edition": (edition or edition_date()).isoformat()},
        "taxonomie": taxonomy.model_dump(mode="json"),
        "parcours": [path_record(config, p) for p in kit.reading_paths],
        "documents": [document_record(config, kit, d) for d in kit.documents],
        "fiches": [case_record(config, c) for c in kit.cases],
    }


def catalogue_json(config: SiteConfig, kit: Kit, edition: dt.date | None = None) -> bytes:
    return (json.dumps(catalogue_data(config, kit, edition), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def csv_columns() -> list[str]:
    columns = ["type", "id", "url"]
    for name in [*Document.model_fields, "parcours", "slug", *CaseSheet.model_fields]:
        if name not in columns and name != "slug":
            columns.append(name)
    return columns


def _cell(value: Any) -> str:
    # Control characters and noncharacters removed (defensive: kit check refuses them), as a
    # terminal or spreadsheet reading the file would obey ESC or choke on U+FFFF.
    return neutralise_formula(strip_invisible(_text(value)))


def _plain_fields(model: Document | CaseSheet, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with each Markdown field of ``model`` (a RichText) as its plain text."""
    return {**record, **{k: v.text for k, v in model if isinstance(v, RichText)}}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_text(v) for v in value)
    return str(value)


def neutralise_formula(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: with a leading ``'`` when it starts with
    one of ``FORMULA_TRIGGERS`` (OWASP, « CSV Injection »), unchanged otherwise."""
    # Judged after leading spaces too (LibreOffice's « trim spaces » import option, and
    # readers that trim), and on the NFKC form (full-width ＝ ＋ － ＠, small ﹦, which some
    # spreadsheets read as the ASCII signs): the quote costs nothing to a real text.
    head = unicodedata.normalize("NFKC", cell.lstrip()[:8]).lstrip()
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) or head.startswith(FORMULA_TRIGGERS) else cell


SPREADSHEET_DELIMITER = ";"
PROGRAM_DELIMITER = ","


def catalogue_rows(config: SiteConfig, kit: Kit) -> list[dict[str, str]]:
    """The catalogue's CSV rows (column → cell text, ``csv_columns``), documents then case
    sheets: computed once for both CSV files, which differ only by their delimiter."""
    return list(_catalogue_rows(config, kit))


def _catalogue_rows(config: SiteConfig, kit: Kit) -> Iterator[dict[str, str]]:
    # ``catalogue_rows``, made one at a time (the stage writes each to both files at once).
    columns = csv_columns()
    for doc in kit.documents:
        record = _plain_fields(doc, document_record(config, kit, doc))
        record["parcours"] = [f"{p['id']}:{p['position']}" for p in record["parcours"]]
        yield {"type": "document", **{k: _cell(record.get(k)) for k in columns if k != "type"}}
    for case in kit.cases:
        record = _plain_fields(case.sheet, case_record(config, case))
        record["id"] = record.pop("slug")
        yield {"type": "fiche", **{k: _cell(record.get(k)) for k in columns if k != "type"}}


def catalogue_csv(config: SiteConfig, kit: Kit, delimiter: str = SPREADSHEET_DELIMITER,
                  rows: list[dict[str, str]] | None = None) -> bytes:
    """The catalogue as CSV (UTF-8 bytes): with ``;`` and a byte-order mark for spreadsheets
    (the default), with ``,`` and no mark for programs. ``rows``: ``catalogue_rows``, if
    already computed."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=csv_columns(), lineterminator="\r\n", delimiter=delimiter)
    writer.writeheader()
    writer.writerows(catalogue_rows(config, kit) if rows is None else rows)
    bom = "\ufeff" if delimiter == SPREADSHEET_DELIMITER else ""
    return (bom + buffer.getvalue()).encode("utf-8")


# --- the stage -------------------------------------------------------------------------------


def write_exports(site_dir: Path, config: SiteConfig, kit: Kit, context: BuildContext | None = None) -> None:
    """POST_BUILD_STAGES entry: feed and exports into the built site, dated by the build
    context's edition (without a context: ``context.edition_date()``)."""
    edition = context.edition if context else edition_date()
    urls = OutputPaths.of(config.sorties)
    json_path, csv_path, comma_csv_path = urls.exports
    for relative in (urls.feed, *urls.exports):
        (site_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    (site_dir / urls.feed).write_bytes(feed_xml(config, kit, edition))
    # The same bytes as catalogue_json and catalogue_csv, but streamed into the files, a record
    # or a row at a time (issue 15): made whole, the JSON's data, its text and its bytes, then
    # the rows and the two CSV texts, took some 600 MB at 10,000 case sheets.
    with open(site_dir / json_path, "w", encoding="utf-8", newline="") as out:
        json.dump(_streamed_catalogue_data(config, kit, edition), out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")
    with open(site_dir / csv_path, "w", encoding="utf-8", newline="") as spreadsheet, \
            open(site_dir / comma_csv_path, "w", encoding="utf-8", newline="") as program:
        spreadsheet.write("\ufeff")  # the byte-order mark (catalogue_csv)
        writers = [csv.DictWriter(out, fieldnames=csv_columns(), lineterminator="\r\n", delimiter=delimiter)
                   for out, delimiter in ((spreadsheet, SPREADSHEET_DELIMITER), (program, PROGRAM_DELIMITER))]
        for writer in writers:
            writer.writeheader()
        for row in _catalogue_rows(config, kit):
            for writer in writers:
                writer.writerow(row)


class _MadeWhileWritten(list):
    """A list as ``json.dump`` sees it (its length, its items in order), whose items are made
    one at a time while they are written and dropped after: with ``indent``, the standard
    library's encoder is the Python one, which only asks an array for its length and its
    iteration (``json.encoder._make_iterencode``)."""

    def __init__(self, count: int, make: Callable[[int], Any]):
        super().__init__()
        self._count, self._make = count, make

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        return (self._make(number) for number in range(self._count))


def _streamed_catalogue_data(config: SiteConfig, kit: Kit, edition: dt.date) -> dict[str, Any]:
    # ``catalogue_data`` with its case sheets' records made as json.dump writes them.
    data = catalogue_data(config, dataclasses.replace(kit, cases=[]), edition)
    data["fiches"] = _MadeWhileWritten(len(kit.cases), lambda number: case_record(config, kit.cases[number]))
    return data


def split_exports(site_dir: Path, config: SiteConfig, kit: Kit, context: BuildContext | None = None) -> Callable[[], None]:
    """``write_exports`` as a split stage (``builder.build``): it reads nothing of the built
    site, so all of it is the rest, which writes only the feed and the exports."""
    return functools.partial(write_exports, site_dir, config, kit, context)


write_exports.split = split_exports  # type: ignore[attr-defined]
# It reads no page of the site (the catalogue only): its page work is none
# (``builder.build.PagePass``), so MkDocs' workers may finish the pages before it runs.
write_exports.page_reading = None  # type: ignore[attr-defined]
