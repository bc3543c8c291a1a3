"""Issue 14, « Rendered once »: each Markdown field of the catalogue is converted once
(builder.richtext.RichText, at validation), and every reader takes its HTML, its plain text
or its summary from that render: pages, meta and JSON-LD descriptions, the feed, the CSV,
the search index's text and kit check's unsafe-markup rule."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from builder.build import build
from builder.models import CaseSheet
from builder.richtext import RichText, html_to_text, summarise
from builder.search.index import page_sections
from conftest import EPOCH, FIXTURES, copy_project, repo_project_copy

# Targets of the issue: a case sheet has 6 Markdown fields and one page.
PER_SHEET_TARGET = 8
REPOSITORY_TARGET = 160
ADDED_SHEETS = 3


def counted_build(project, site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Builds ``project`` and returns how many Markdown conversions it made (every
    ``markdown.Markdown.convert``: ours, kit check's and MkDocs' own, one per page)."""
    calls = []
    original = markdown.Markdown.convert

    def convert(self, source: str) -> str:
        calls.append(1)
        return original(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", convert)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        build(project, site_dir, with_archive=False)
    finally:
        monkeypatch.setattr(markdown.Markdown, "convert", original)
    return len(calls)


def add_sheets(project, count: int) -> None:
    model = (project.kit_dir / "cas" / "charenton.yml").read_text(encoding="utf-8")
    for number in range(1, count + 1):
        text = model.replace('titre: "Agir ensemble à Charenton-Saint Maurice"', f'titre: "Initiative ajoutée {number}"')
        (project.kit_dir / "cas" / f"ajoutee-{number}.yml").write_text(text, encoding="utf-8")


def test_conversions_per_added_sheet_and_for_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = counted_build(copy_project(FIXTURES / "mini", tmp_path / "mini"), tmp_path / "site-mini", monkeypatch)
    grown_project = copy_project(FIXTURES / "mini", tmp_path / "mini-plus")
    add_sheets(grown_project, ADDED_SHEETS)
    grown = counted_build(grown_project, tmp_path / "site-plus", monkeypatch)
    assert (tmp_path / "site-plus" / "fiches" / f"ajoutee-{ADDED_SHEETS}.html").is_file()
    per_sheet = (grown - base) / ADDED_SHEETS
    assert 0 < per_sheet <= PER_SHEET_TARGET, (base, grown)
    repository = counted_build(repo_project_copy(tmp_path / "depot"), tmp_path / "site-depot", monkeypatch)
    assert repository <= REPOSITORY_TARGET


def test_a_field_is_converted_once_whatever_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = markdown.Markdown.convert
    monkeypatch.setattr(markdown.Markdown, "convert", lambda self, source: calls.append(1) or original(self, source))
    text = RichText("Un *texte* avec [un lien](https://exemple.invalid/).")
    assert (text.problem, text.text, text.summary) == (None, "Un texte avec un lien.", "Un texte avec un lien.")
    assert "<em>texte</em>" in text.html and text.html_on_page(2) == text.html
    assert len(calls) == 1


# --- no Markdown syntax in any plain-text output ------------------------------------------------

OBJECT = ("Un collectif ouvert : [écrivez-nous](mailto:contact@exemple.invalid) pour *participer*[^1].\n\n"
          "[^1]: Selon la note de 2015.\n")
OBJECT_TEXT = "Un collectif ouvert : écrivez-nous pour participer."
GENESIS = "Trois étapes :\n\n- une **étude** ;\n- une _rencontre_ ;\n- un `club`.\n"
GENESIS_TEXT = "Trois étapes : une étude ; une rencontre ; un club."
# What no plain text may hold: link, footnote, emphasis or list syntax, a link's target.
MARKDOWN_SYNTAX = re.compile(r"\]\(|\[\^|\^1|\*|_|`|mailto|^- | - |Selon la note")


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.description: str | None = None
        self.schemas: list[dict] = []
        self._in_schema = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "description":
            # the theme prints the front matter's (escaped) description as it is: read it as a browser does
            self.description = html.unescape(values.get("content") or "")
        self._in_schema = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_schema:
            self.schemas.append(json.loads(data))
            self._in_schema = False


def head_of(page: Path) -> _Head:
    head = _Head()
    head.feed(page.read_text(encoding="utf-8"))
    return head


@pytest.fixture(scope="module")
def markdown_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rendu-unique")
    project = copy_project(FIXTURES / "mini", root / "mini")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    text = text.replace("objet: |\n  Faire dialoguer les entreprises et les associations du territoire.\n",
                        "objet: |\n" + "".join(f"  {line}\n" if line else "\n" for line in OBJECT.splitlines()))
    text = text.replace("genese: |\n  Une étude de l'Observatoire en 2010.\n",
                        "genese: |\n" + "".join(f"  {line}\n" if line else "\n" for line in GENESIS.splitlines()))
    assert "écrivez-nous" in text and "**étude**" in text
    sheet.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return build(project, root / "site").site_dir


def test_the_models_field_gives_clean_text() -> None:
    value = RichText(OBJECT)
    assert value == OBJECT  # the value stays the Markdown source (schemas, catalogue.json)
    assert value.text == OBJECT_TEXT and value.summary == OBJECT_TEXT
    assert RichText(GENESIS).text == GENESIS_TEXT


def test_meta_and_json_ld_descriptions_are_the_clean_text(markdown_site: Path) -> None:
    head = head_of(markdown_site / "fiches" / "charenton.html")
    (schema,) = [s for s in head.schemas if s.get("@type") == "Article"]
    assert head.description == OBJECT_TEXT
    assert schema["description"] == OBJECT_TEXT
    assert schema["about"]["description"] == OBJECT_TEXT


def test_the_feed_has_the_clean_text(markdown_site: Path) -> None:
    feed = ET.parse(markdown_site / "fiches" / "flux.xml")
    summaries = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}summary")]
    (summary,) = [s for s in summaries if "écrivez-nous" in s]
    assert summary.endswith(" — " + OBJECT_TEXT)
    assert not MARKDOWN_SYNTAX.search(summary), summary


def test_the_search_text_has_no_markdown_and_no_footnote_call(markdown_site: Path) -> None:
    title, sections = page_sections((markdown_site / "fiches" / "charenton.html").read_text(encoding="utf-8"))
    text = " ".join(body for _, _, body in sections)
    assert OBJECT_TEXT.rstrip(".") in text  # no « écrivez-nous(mailto:…) », no « participer1 »
    assert "Trois étapes : une étude ; une rencontre ; un club." in text
    assert not re.search(r"\]\(|\[\^|\^1|mailto|\*\*", text), text


def test_the_csv_has_the_clean_text(markdown_site: Path) -> None:
    for name, delimiter, encoding in (("catalogue.csv", ";", "utf-8-sig"), ("catalogue-virgules.csv", ",", "utf-8")):
        path = markdown_site / "catalogue" / name
        if not path.is_file():
            continue
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding=encoding)), delimiter=delimiter)}
        assert rows["charenton"]["objet"] == OBJECT_TEXT
        assert rows["charenton"]["genese"] == GENESIS_TEXT
        markdown_columns = [n for n, f in CaseSheet.model_fields.items() if "check_markdown" in repr(f.metadata)]
        assert len(markdown_columns) == 6
        for row in rows.values():
            for column in markdown_columns:
                assert not MARKDOWN_SYNTAX.search(row.get(column) or ""), (row["id"], column, row[column])


def test_the_json_export_keeps_the_markdown_source(markdown_site: Path) -> None:
    """catalogue.json holds the catalogue's data as typed (programs may render it)."""
    data = json.loads((markdown_site / "catalogue" / "catalogue.json").read_text(encoding="utf-8"))
    (sheet,) = [s for s in data["fiches"] if s["slug"] == "charenton"]
    assert sheet["objet"] == OBJECT


# --- one description per page -----------------------------------------------------------------


def test_meta_and_json_ld_descriptions_are_identical_on_every_sheet_and_document(real_site: Path) -> None:
    pages = sorted((real_site / "documents").glob("*.html")) + [
        p for p in sorted((real_site / "fiches").glob("*.html")) if p.name != "index.html"]
    assert len(pages) > 10
    for page in pages:
        head = head_of(page)
        (schema,) = [s for s in head.schemas if s.get("@type") in ("CreativeWork", "Article")]
        assert head.description, page.name
        assert schema["description"] == head.description, page.name


# --- the plain text of sanitised HTML -----------------------------------------------------------


@pytest.mark.parametrize("source, expected", [
    ("<p>a</p><p>b</p>", "a b"),
    ("<ul><li>un</li><li>deux</li></ul>", "un deux"),
    ("<p>a&amp;b &lt;c&gt; &nbsp;d</p>", "a&b <c> d"),
    ('<p>x<sup id="fnref:0-1"><a class="footnote-ref" href="#fn:0-1">1</a></sup>.</p>'
     '<div class="footnote"><hr><ol><li id="fn:0-1"><p>note <a class="footnote-backref" href="#fnref:0-1">↩</a></p>'
     "</li></ol></div>", "x."),
    ("<p>un<br>deux</p>", "un deux"),
])
def test_html_to_text(source: str, expected: str) -> None:
    assert html_to_text(source) == expected


def test_summary_is_cut_at_a_word() -> None:
    text = "mot " * 100
    cut = summarise(text.strip(), 20)
    assert cut == "mot mot mot mot mot…" and len(cut) <= 21
    assert summarise("court") == "court"


def test_footnote_ids_are_numbered_per_field_on_a_page() -> None:
    value = RichText("Une note[^1].\n\n[^1]: Texte.")
    first, second = value.html_on_page(1), value.html_on_page(2)
    assert 'id="fn:1-1"' in first and 'href="#fn:1-1"' in first and 'id="fnref:1-1"' in first
    assert 'id="fn:2-1"' in second and 'href="#fnref:2-1"' in second
    assert "fn:0-" not in first + second
    # text that looks like an id is text, left as typed
    typed = RichText('On écrit id="fn:0-1" dans le texte[^1].\n\n[^1]: n')
    assert 'id="fn:0-1" dans' in typed.html_on_page(3).replace("&quot;", '"')
