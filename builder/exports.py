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

import orjson

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


def feed_xml(config: SiteConfig, kit: Kit, edition: dt.date | None = None,
             case_urls: dict[str, str] | None = None) -> bytes:
    """The Atom feed (UTF-8 bytes). ``case_urls``: each sheet's address by slug (``case_url``),
    when the caller already made them (the stage makes them once for the feed and the exports)."""
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
        url = case_urls[case.slug] if case_urls is not None else case_url(config, case)
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
    # What ET.tostring(feed, encoding="utf-8", xml_declaration=True) writes, without its
    # encoder called per token (half of the feed's CPU at 2,000 sheets).
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(feed, encoding="unicode").encode("utf-8") + b"\n"


# --- the catalogue ---------------------------------------------------------------------------


def document_record(config: SiteConfig, kit: Kit, doc: Document) -> dict[str, Any]:
    record = doc.model_dump(mode="json")
    record["url"] = document_url(config, doc)
    record["parcours"] = [{"id": p.id, "position": p.documents.index(doc.id) + 1, "total": len(p.documents)}
                          for p in kit.reading_paths_of(doc.id)]
    return record


def case_record(config: SiteConfig, case: Case, url: str | None = None) -> dict[str, Any]:
    """A case sheet's record of catalogue.json. ``url``: its ``case_url``, if already made."""
    record = {"slug": case.slug, **case.sheet.model_dump(mode="json")}
    record["url"] = case_url(config, case) if url is None else url
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
    if cell[:1].isalnum() and cell[:1].isascii():  # a letter or digit first: no trigger, even after NFKC
        return cell
    if cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    head = cell.lstrip()[:8]
    if not head.isascii():  # NFKC leaves ASCII as it is: normalised only where it can change (1 cell in 20)
        head = unicodedata.normalize("NFKC", head).lstrip()
    return "'" + cell if head.startswith(FORMULA_TRIGGERS) else cell


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
    context's edition (without a context: ``context.edition_date()``). The same bytes as
    ``feed_xml``, ``catalogue_json`` and ``catalogue_csv`` (tests/test_exports_memory.py)."""
    edition = context.edition if context else edition_date()
    urls = OutputPaths.of(config.sorties)
    json_path, csv_path, comma_csv_path = urls.exports
    for relative in (urls.feed, *urls.exports):
        (site_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    # Each sheet's address made once for the feed, the JSON and the CSV rows (urljoin made
    # three per sheet: a quarter of the stage's CPU at 2,000 sheets, issue 15, partie E).
    case_urls = {case.slug: case_url(config, case) for case in kit.cases}
    (site_dir / urls.feed).write_bytes(feed_xml(config, kit, edition, case_urls))
    columns = csv_columns()
    # The same bytes as catalogue_json and catalogue_csv, but streamed into the files, a record
    # or a row at a time (issue 15): made whole, the JSON's data, its text and its bytes, then
    # the rows and the two CSV texts, took some 600 MB at 10,000 case sheets. A sheet's record
    # is made once, as the JSON writes it, and its CSV row from it then.
    with open(site_dir / json_path, "w", encoding="utf-8", newline="") as out, \
            open(site_dir / csv_path, "w", encoding="utf-8", newline="") as spreadsheet, \
            open(site_dir / comma_csv_path, "w", encoding="utf-8", newline="") as program:
        spreadsheet.write("\ufeff")  # the byte-order mark (catalogue_csv)
        files = ((spreadsheet, SPREADSHEET_DELIMITER), (program, PROGRAM_DELIMITER))

        def write_row(row: list[str]) -> None:
            for out_csv, delimiter in files:
                out_csv.write(_csv_line(row, delimiter))

        write_row(columns)
        for doc in kit.documents:
            write_row(_document_row(config, kit, doc, columns))

        def record(number: int) -> dict[str, Any]:
            case = kit.cases[number]
            made = case_record(config, case, case_urls[case.slug])
            write_row(_case_row(case, made, columns))
            return made

        # catalogue_json's text without its sheets, then the sheets' records spliced in at
        # « "fiches": [] », each encoded by orjson (the standard library's encoder with
        # ``indent`` is its Python one: 0.13 s at 2,000 sheets, orjson 0.02 s, same bytes).
        head, tail = _json_around_cases(config, kit, edition)
        out.write(head)
        for number in range(len(kit.cases)):
            out.write(",\n    " if number else "[\n    ")
            out.write(_indented_json(record(number)))
        out.write("\n  ]" + tail if kit.cases else "[]" + tail)


def _csv_line(row: list[str], delimiter: str) -> str:
    """``row`` as csv.writer(…, delimiter=delimiter, lineterminator="\\r\\n") writes it
    (QUOTE_MINIMAL: a cell holding the delimiter, a quote or a line break is quoted, its
    quotes doubled): the C writer looks at each character in turn, four times slower than
    str's own searches (0.24 of the stage's 1.0 s of CPU at 2,000 sheets; same bytes, tested)."""
    return delimiter.join('"' + cell.replace('"', '""') + '"'
                          if delimiter in cell or '"' in cell or "\r" in cell or "\n" in cell else cell
                          for cell in row) + "\r\n"


def _document_row(config: SiteConfig, kit: Kit, doc: Document, columns: list[str]) -> list[str]:
    """A document's CSV row (the cells of ``columns``), as ``catalogue_rows`` makes it."""
    record = _plain_fields(doc, document_record(config, kit, doc))
    record["parcours"] = [f"{p['id']}:{p['position']}" for p in record["parcours"]]
    return ["document", *_cells(record, columns)]


def _case_row(case: Case, made: dict[str, Any], columns: list[str]) -> list[str]:
    """A case sheet's CSV row from its JSON record ``made`` (left unchanged), as ``catalogue_rows`` makes it."""
    record = _plain_fields(case.sheet, made)
    record["id"] = record.pop("slug")
    return ["fiche", *_cells(record, columns)]


def _cells(record: dict[str, Any], columns: list[str]) -> list[str]:
    """``_cell`` of each column but the first (``type``): the invisible characters looked for
    once in the whole row (they are single characters: a row is clean when all its cells are)."""
    texts = [_text(record.get(k)) for k in columns[1:]]
    joined = "".join(texts)
    if len(strip_invisible(joined)) != len(joined):
        texts = [strip_invisible(text) for text in texts]
    return [neutralise_formula(text) for text in texts]


_CASES_SLOT = '\n  "fiches": []'  # the sheets' list in catalogue_json's text with none (keys sorted, indent 2)


def _json_around_cases(config: SiteConfig, kit: Kit, edition: dt.date) -> tuple[str, str]:
    """catalogue_json's text (str) before and after the case sheets' list, made without them."""
    data = catalogue_data(config, dataclasses.replace(kit, cases=[]), edition)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"  # as catalogue_json
    # The slot is unique: a key at the top level only is indented by two spaces, and a quote
    # inside a JSON string is always escaped.
    at = text.index(_CASES_SLOT) + len(_CASES_SLOT) - len("[]")
    return text[:at], text[at + len("[]"):]


def _indented_json(record: dict[str, Any]) -> str:
    """``record`` (JSON data) as json.dumps(…, ensure_ascii=False, indent=2, sort_keys=True)
    writes it as an item of a list at the second level (its lines indented by four more spaces)."""
    try:
        text = orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:  # what orjson refuses (an integer past 64 bits): the standard library's text
        text = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True)
    return text.replace("\n", "\n    ")  # JSON text holds no line break but between tokens


def split_exports(site_dir: Path, config: SiteConfig, kit: Kit, context: BuildContext | None = None) -> Callable[[], None]:
    """``write_exports`` as a split stage (``builder.build``): it reads nothing of the built
    site, so all of it is the rest, which writes only the feed and the exports."""
    return functools.partial(write_exports, site_dir, config, kit, context)


write_exports.split = split_exports  # type: ignore[attr-defined]
# It reads no page of the site (the catalogue only): its page work is none
# (``builder.build.PagePass``), so MkDocs' workers may finish the pages before it runs.
write_exports.page_reading = None  # type: ignore[attr-defined]
