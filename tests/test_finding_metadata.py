"""Metadata for other sites and tools: the Atom feed, schema.org JSON-LD, OpenGraph and
description meta, the sitemap, and the catalogue's exports (round trip against the
models loaded from the catalogue files)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from builder.build import build
from builder.config import Project
from builder.exports import LIST_SEPARATOR, csv_columns
from builder.facets import sort_key
from builder.validate import load_kit
from builder.models import CaseSheet, Document, ReadingPath, ValidationContext
from tests.conftest import EPOCH, FIXTURES, REPO, copy_project

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_URL = "https://coconstructionterritoriale.github.io/kit/"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def json_ld(path: Path) -> list[dict]:
    return [json.loads(s.string) for s in soup(path).select("script[type='application/ld+json']")]


def html_pages(site: Path) -> list[Path]:
    downloads = site / "telechargements"
    return sorted(p for p in site.rglob("*.html") if not p.is_relative_to(downloads))


# --- the feed ----------------------------------------------------------------------------------


def parse_feed(site: Path) -> ET.Element:
    return ET.parse(site / "fiches" / "flux.xml").getroot()


def test_feed_lists_every_sheet_newest_first(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    feed = parse_feed(real_site)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(kit.cases)
    by_url = {f"{SITE_URL}fiches/{c.slug}.html": c for c in kit.cases}
    keys = []
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        case = by_url[link]
        assert entry.findtext(f"{ATOM}title") == case.sheet.titre
        assert (real_site / "fiches" / f"{case.slug}.html").is_file()
        keys.append((entry.findtext(f"{ATOM}updated"), case.sheet.titre))
    # newest first; same day: by title
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
    for (day_a, title_a), (day_b, title_b) in zip(keys, keys[1:]):
        if day_a == day_b:
            assert sort_key(title_a) <= sort_key(title_b)
    newest = max(c.sheet.date_ajout for c in kit.cases if c.sheet.date_ajout)
    assert feed.findtext(f"{ATOM}updated") == f"{newest.isoformat()}T00:00:00Z"


def set_date(project: Project, slug: str, day: str | None) -> None:
    sheet = project.kit_dir / "cas" / f"{slug}.yml"
    text = re.sub(r"^date_ajout: .*\n", "", sheet.read_text(encoding="utf-8"), flags=re.M)
    sheet.write_text(text + (f"date_ajout: {day}\n" if day else ""), encoding="utf-8")


def test_feed_order_and_dates_follow_the_sheets(tmp_path: Path, fixed_epoch: str) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    set_date(project, "charenton", "2026-01-10")
    set_date(project, "silvergeek", "2026-03-02")
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    feed = parse_feed(site)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["SilverGeek", "Agir ensemble à Charenton-Saint Maurice"]
    assert feed.findtext(f"{ATOM}updated") == "2026-03-02T00:00:00Z"

    # no dates at all: the feed is dated from SOURCE_DATE_EPOCH, entries by title
    set_date(project, "charenton", None)
    set_date(project, "silvergeek", None)
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    feed = parse_feed(site)
    edition = dt.datetime.fromtimestamp(int(EPOCH), tz=dt.timezone.utc).date().isoformat()
    assert feed.findtext(f"{ATOM}updated") == f"{edition}T00:00:00Z"
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == [
        "Agir ensemble à Charenton-Saint Maurice", "SilverGeek"]


def test_every_page_announces_the_feed(real_site: Path) -> None:
    for page in html_pages(real_site):
        link = soup(page).select_one("link[type='application/atom+xml']")
        assert link is not None and "alternate" in link["rel"], page
        assert (page.parent / link["href"]).resolve() == (real_site / "fiches" / "flux.xml").resolve()


@pytest.mark.browser
def test_the_feed_link_costs_no_request(page, real_url: str) -> None:
    """Material fetches a sitemap.xml beside every link[rel=alternate]: the feed link must not match."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(real_url + "fiches/flda.html")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requested if "sitemap.xml" in u or "flux.xml" in u]


# --- JSON-LD, OpenGraph, description -------------------------------------------------------


def test_documents_are_creative_works_with_authors_and_year(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    for doc in kit.documents:
        [data] = json_ld(real_site / "documents" / f"{doc.id}.html")
        assert data["@context"] == "https://schema.org"
        assert data["@type"] in ("CreativeWork", "Report")
        assert data["name"] == doc.titre
        assert [a["name"] for a in data["author"]] == doc.auteurs
        assert all(a["@type"] == "Organization" for a in data["author"])
        assert data["datePublished"].startswith(str(doc.annee))
        assert data["url"] == f"{SITE_URL}documents/{doc.id}.html"
        assert data["description"]
        if doc.lien:
            assert data["sameAs"] == doc.lien


def test_case_sheets_are_articles_about_a_located_initiative(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    for case in kit.cases:
        [data] = json_ld(real_site / "fiches" / f"{case.slug}.html")
        assert data["@type"] == "Article"
        assert data["headline"] == case.sheet.titre
        assert data["about"]["@type"] == "Organization" and data["about"]["name"] == case.sheet.titre
        location = data["about"]["location"]
        assert location["@type"] == "Place" and location["name"] == case.sheet.territoire
        if case.sheet.region:
            assert location["address"]["addressRegion"] == case.sheet.region
        assert data["author"]["name"] == "Le RAMEAU"
        assert [m["url"] for m in data.get("mentions", [])] == [f"{SITE_URL}documents/{d}.html" for d in case.sheet.documents]


def test_reading_paths_are_ordered_lists(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    for path in kit.reading_paths:
        [data] = json_ld(real_site / "parcours" / f"{path.id}.html")
        assert data["@type"] == "ItemList" and data["numberOfItems"] == len(path.documents)
        assert [(i["position"], i["url"]) for i in data["itemListElement"]] == [
            (n, f"{SITE_URL}documents/{d}.html") for n, d in enumerate(path.documents, 1)]


def test_every_page_has_description_and_opengraph(real_site: Path) -> None:
    for path in html_pages(real_site):
        page = soup(path)
        description = page.select_one("meta[name='description']")
        assert description is not None and description["content"].strip(), path
        og = {m["property"]: m["content"] for m in page.select("meta[property^='og:']")}
        for required in ("og:title", "og:description", "og:type", "og:locale"):
            assert og.get(required, "").strip(), (path, required)
        assert og["og:description"] == description["content"]
        relative = path.relative_to(real_site).as_posix()
        if relative != "404.html":  # the error page has no address of its own
            assert og["og:url"] == SITE_URL + relative
        assert og["og:type"] == ("article" if relative.startswith(("documents/", "fiches/")) and not relative.endswith("index.html") else "website")
        for data in (json.loads(s.string) for s in page.select("script[type='application/ld+json']")):
            assert data["@context"] == "https://schema.org" and data["@type"]
    home = json_ld(real_site / "index.html")
    assert home and home[0]["@type"] == "WebSite" and home[0]["url"] == SITE_URL


def test_a_quote_in_a_title_stays_inside_its_attribute(tmp_path: Path, fixed_epoch: str) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    documents = project.kit_dir / "documents.yml"
    documents.write_text(documents.read_text(encoding="utf-8").replace(
        'titre: "Études PHARE sur les fragilités"', 'titre: \'Études "PHARE" & fragilités\''), encoding="utf-8")
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    page = soup(site / "documents" / "phare.html")
    assert page.select_one("meta[property='og:title']")["content"].startswith('Études "PHARE" & fragilités')
    [data] = json_ld(site / "documents" / "phare.html")
    assert data["name"] == 'Études "PHARE" & fragilités'


def test_json_ld_is_written_as_jinja_tojson_wrote_it(real_site: Path) -> None:
    # The JSON-LD comes finished from the front matter (a string: issue 15, parse time); its
    # bytes are still those of the theme's former `| tojson` of the mapping, and no text in
    # it can close its script.
    from jinja2.utils import htmlsafe_json_dumps

    seen = 0
    for path in html_pages(real_site):
        for script in soup(path).select("script[type='application/ld+json']"):
            text = script.string
            assert text == str(htmlsafe_json_dumps(json.loads(text), sort_keys=True)), path
            assert text.isascii() and not set("<>&'") & set(text), path
            seen += 1
    assert seen >= len(html_pages(real_site)) // 2


def test_front_matter_holds_the_json_ld_as_one_string(tmp_path: Path, fixed_epoch: str) -> None:
    import yaml

    from builder import metadata
    from builder.build import render

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    config, kit, _, config_file = render(project, tmp_path / "work")
    docs = config_file.parent / "docs"
    case = kit.cases[0]
    text = (docs / "fiches" / f"{case.slug}.md").read_text(encoding="utf-8")
    front = yaml.load(text.split("---\n")[1], Loader=yaml.SafeLoader)  # as MkDocs reads it
    assert isinstance(front["kit"]["schema"], str)
    assert json.loads(front["kit"]["schema"]) == json.loads(json.dumps(metadata.case_schema(config, kit, case)))


def test_a_schema_string_in_a_page_cannot_close_its_script(tmp_path: Path, fixed_epoch: str) -> None:
    # An editorial page's own front matter may hold a string schema too: « < » is refused
    # there already (content_check); the theme escapes what could end the script anyway.
    from builder.problems import CatalogueError

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    index = project.content_dir / "index.md"
    original = index.read_text(encoding="utf-8")
    index.write_text(original.replace("title: Accueil\n", "title: Accueil\nkit:\n  schema: '</script>'\n", 1),
                     encoding="utf-8")
    with pytest.raises(CatalogueError, match="« < » refusé"):
        build(project, tmp_path / "site", with_archive=False)
    index.write_text(original.replace("title: Accueil\n", "title: Accueil\nkit:\n  schema: 'a && b >'\n", 1),
                     encoding="utf-8")
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    [data] = soup(site / "index.html").select("script[type='application/ld+json']")
    assert data.string == "a \\u0026\\u0026 b \\u003e"


def test_sitemap_lists_every_page_with_its_html_address(real_site: Path) -> None:
    root = ET.parse(real_site / "sitemap.xml").getroot()
    listed = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {SITE_URL + p.relative_to(real_site).as_posix() for p in html_pages(real_site) if p.name != "404.html"}
    assert listed == pages
    assert any("/documents/" in u for u in listed) and any("/fiches/" in u for u in listed)  # not in the nav, listed


# --- the catalogue's exports ----------------------------------------------------------------


def test_catalogue_page_links_its_exports(real_site: Path) -> None:
    page = soup(real_site / "catalogue" / "index.html")
    for name in ("catalogue.json", "catalogue.csv"):
        link = page.select_one(f"a[href='{name}']")
        assert link is not None and (real_site / "catalogue" / name).is_file()
    archive = next((real_site / "telechargements").glob("*.zip"))
    names = zipfile.ZipFile(archive).namelist()
    for name in ("catalogue/catalogue.json", "catalogue/catalogue.csv", "fiches/flux.xml"):
        assert any(n.endswith("/" + name) for n in names), name


def context_for(project: Project) -> ValidationContext:
    config, _ = load_kit(project)
    return ValidationContext(config.taxonomie, project.kit_dir)


def test_catalogue_json_round_trips(real_site: Path) -> None:
    project = Project(REPO)
    config, kit = load_kit(project)
    context = context_for(project)
    data = json.loads((real_site / "catalogue" / "catalogue.json").read_text(encoding="utf-8"))
    documents = [Document.model_validate({k: v for k, v in d.items() if k in Document.model_fields}, context=context)
                 for d in data["documents"]]
    assert documents == kit.documents
    for record, doc in zip(data["documents"], kit.documents):
        assert record["url"] == f"{SITE_URL}documents/{doc.id}.html"
        assert [(p["id"], p["position"]) for p in record["parcours"]] == [
            (p.id, p.documents.index(doc.id) + 1) for p in kit.reading_paths_of(doc.id)]
    paths = [ReadingPath.model_validate({k: v for k, v in p.items() if k in ReadingPath.model_fields}) for p in data["parcours"]]
    assert paths == kit.reading_paths
    sheets = [(c["slug"], CaseSheet.model_validate({k: v for k, v in c.items() if k in CaseSheet.model_fields}, context=context))
              for c in data["fiches"]]
    assert sheets == [(c.slug, c.sheet) for c in kit.cases]
    assert data["taxonomie"]["natures"][0]["id"] == config.taxonomie.natures[0].id


def _from_cell(name: str, value: str, model) -> object:
    """A CSV cell back to the model's value: lists split on « | », numbers and empties restored,
    the quote before a formula-like cell (builder.exports.neutralise_formula) removed."""
    from builder.exports import FORMULA_TRIGGERS

    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        value = value[1:]
    if name in _markdown_fields(model):  # written as plain text (builder.richtext): compared apart
        return None
    if value == "":
        field = model.model_fields[name]
        return [] if "list" in str(field.annotation) else None
    annotation = str(model.model_fields[name].annotation)
    if "list" in annotation:
        return value.split(LIST_SEPARATOR)
    if name in ("annee", "mois", "annee_fin"):
        return int(value)
    return value


def _markdown_fields(model) -> set[str]:
    return {name for name, field in model.model_fields.items()
            if "check_markdown" in repr(field.metadata) + repr(field.annotation)}


def _rich_fields(item) -> dict[str, object]:
    """``item``'s Markdown fields, as the CSV cannot give them back (plain text)."""
    return {name: getattr(item, name) for name in _markdown_fields(type(item)) if getattr(item, name) is not None}


def test_catalogue_csv_round_trips(real_site: Path) -> None:
    project = Project(REPO)
    config, kit = load_kit(project)
    context = context_for(project)
    raw = (real_site / "catalogue" / "catalogue.csv").read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))  # spreadsheets read the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == csv_columns()
    documents = [r for r in rows if r["type"] == "document"]
    sheets = [r for r in rows if r["type"] == "fiche"]
    assert len(documents) + len(sheets) == len(rows)
    rebuilt = [Document.model_validate({**{k: _from_cell(k, r[k], Document) for k in Document.model_fields
                                           if _from_cell(k, r[k], Document) is not None}, **_rich_fields(d)},
                                       context=context) for r, d in zip(documents, kit.documents)]
    assert rebuilt == kit.documents
    # Markdown fields: their plain text, read from their one render (no « [lien](…) » in a spreadsheet)
    for row, item in [*zip(documents, kit.documents), *zip(sheets, (c.sheet for c in kit.cases))]:
        for name, value in _rich_fields(item).items():
            assert row[name] == value.text and row[name], name
    for row, doc in zip(documents, kit.documents):
        assert row["parcours"] == LIST_SEPARATOR.join(f"{p.id}:{p.documents.index(doc.id) + 1}" for p in kit.reading_paths_of(doc.id))
    rebuilt_sheets = [(r["id"], CaseSheet.model_validate({**{k: _from_cell(k, r[k], CaseSheet) for k in CaseSheet.model_fields
                                                             if _from_cell(k, r[k], CaseSheet) is not None},
                                                          **_rich_fields(c.sheet)}, context=context))
                      for r, c in zip(sheets, kit.cases)]
    assert rebuilt_sheets == [(c.slug, c.sheet) for c in kit.cases]
