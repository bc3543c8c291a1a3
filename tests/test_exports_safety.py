"""Exports, feed, terminal and CI (issue 18): contributed text cannot become a spreadsheet
formula, corrupt an XML file of the site, drive a terminal, or forge a GitHub workflow command.

The built site here comes from the small fixture kit with hostile text in the fields that
reach ``catalogue.csv`` and ``fiches/flux.xml``."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from builder.build import build
from builder.cli import main
from builder.exports import FORMULA_TRIGGERS, neutralise_formula, xml_text
from builder.problems import Problem, Problems, terminal_safe
from conftest import EPOCH, FIXTURES, copy_project

FORMULAS = {
    "titre": '=HYPERLINK("https://exemple.invalid/?"&A1,"Cliquez")',
    "auteur": "+33 1 23 45 67 89",
    "auteur2": "@SUM(1+1)*cmd|' /C calc'!A0",
    "territoire": "-2+3+cmd|' /C calc'!A0",
    "statut": "=1+1",
}
# Characters XML 1.0 cannot carry, and C1 controls, typed as YAML escapes in Markdown fields.
XML_HOSTILE = "début\x01\x08\x0b\x0c\x1b[31m\x7f\x85\x9b fin"


def hostile_project(root: Path):
    project = copy_project(FIXTURES / "mini", root)
    documents = project.kit_dir / "documents.yml"
    text = documents.read_text(encoding="utf-8")
    text = text.replace('  titre: "Réaliser une étude territoriale"', f"  titre: {json.dumps(FORMULAS['titre'])}")
    text = text.replace("  auteurs: [ESSEC, Le RAMEAU]",
                        f"  auteurs: [{json.dumps(FORMULAS['auteur'])}, {json.dumps(FORMULAS['auteur2'])}]")
    # A real summary that starts with a Markdown list item: « - » is a formula trigger too.
    text = text.replace("    Un MOOC sur les partenariats associations-entreprises.",
                        "    - un MOOC ;\n    - sur les partenariats associations-entreprises.")
    documents.write_text(text, encoding="utf-8")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    text = text.replace('territoire: "Charenton-Saint Maurice (Val-de-Marne)"',
                        f"territoire: {json.dumps(FORMULAS['territoire'])}")
    text = text.replace('statut: "Collectivité territoriale"', f"statut: {json.dumps(FORMULAS['statut'])}")
    text = text.replace("objet: |\n  Faire dialoguer les entreprises et les associations du territoire.\n",
                        f"objet: {json.dumps(XML_HOSTILE)}\n")
    assert json.dumps(XML_HOSTILE) in text
    sheet.write_text(text, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exports-hostiles")
    project = hostile_project(root / "projet")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        return build(project, root / "site").site_dir
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def csv_rows(site: Path) -> list[dict[str, str]]:
    text = (site / "catalogue" / "catalogue.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


# --- CSV -----------------------------------------------------------------------------------------


def test_no_csv_cell_starts_like_a_formula(hostile_site: Path) -> None:
    rows = csv_rows(hostile_site)
    cells = [cell for row in rows for cell in row.values()]
    assert cells, "catalogue.csv is empty"
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]


def test_formula_like_cells_keep_their_text_after_a_quote(hostile_site: Path) -> None:
    rows = {row["id"]: row for row in csv_rows(hostile_site)}
    assert rows["etude"]["titre"] == "'" + FORMULAS["titre"]
    assert rows["mooc"]["auteurs"] == "'" + FORMULAS["auteur"] + " | " + FORMULAS["auteur2"]
    # a Markdown field is written as its plain text (builder.richtext): the list's « - » is gone
    assert rows["mooc"]["resume"] == "un MOOC ; sur les partenariats associations-entreprises."
    assert rows["charenton"]["territoire"] == "'" + FORMULAS["territoire"]
    assert rows["charenton"]["statut"] == "'" + FORMULAS["statut"]
    # ordinary cells are left alone
    assert rows["referentiel"]["titre"] == "Référentiel sur la co-construction en territoire"
    assert rows["referentiel"]["annee"] == "2016"


def test_the_json_export_keeps_the_text_as_typed(hostile_site: Path) -> None:
    """JSON is read by programs, not spreadsheets: no quote is added there."""
    data = json.loads((hostile_site / "catalogue" / "catalogue.json").read_text(encoding="utf-8"))
    titles = {d["id"]: d["titre"] for d in data["documents"]}
    assert titles["etude"] == FORMULAS["titre"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\t=1+1", "\r=1+1"])
def test_each_owasp_trigger_is_neutralised(cell: str) -> None:
    assert neutralise_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", [" =1+1", "\u00a0=HYPERLINK(\"https://exemple.invalid\")", "\n@SUM(A1)",
                                  "  - un item en retrait", "\u3000+1", "\uff1d1+1", "\uff0bA1", "\uff20SUM(1)",
                                  "\ufe66cmd|' /C calc'!A0", " \uff0d2+3"])
def test_triggers_after_spaces_or_in_full_width_are_neutralised(cell: str) -> None:
    assert neutralise_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Le RAMEAU", "2016", "https://exemple.fr/?a=1", "a=b", "'déjà", " Le RAMEAU",
                                  "\uff21\uff22"])
def test_other_cells_are_unchanged(cell: str) -> None:
    assert neutralise_formula(cell) == cell


# --- XML -----------------------------------------------------------------------------------------


def test_the_feed_parses_and_carries_no_control_character(hostile_site: Path) -> None:
    raw = (hostile_site / "fiches" / "flux.xml").read_bytes()
    feed = ET.fromstring(raw)  # expat: a single invalid character fails the whole document
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summaries = [e.findtext("a:summary", namespaces=ns) for e in feed.findall("a:entry", ns)]
    [summary] = [s for s in summaries if s and "début" in s]
    assert "fin" in summary
    assert not any(0 < ord(c) < 32 and c not in "\t\n\r" or 0x7f <= ord(c) <= 0x9f for c in raw.decode("utf-8"))


def test_every_xml_file_of_the_site_and_the_zip_parses(hostile_site: Path) -> None:
    found = sorted(p for p in hostile_site.rglob("*") if p.suffix in (".xml", ".svg"))
    assert any(p.name == "flux.xml" for p in found)
    for path in found:
        ET.fromstring(path.read_bytes())
    [archive] = hostile_site.rglob("*.zip")
    with zipfile.ZipFile(archive) as opened:
        inside = [n for n in opened.namelist() if n.endswith((".xml", ".svg"))]
        assert any(n.endswith("flux.xml") for n in inside)
        for name in inside:
            ET.fromstring(opened.read(name))


def test_xml_text_keeps_what_xml_allows() -> None:
    assert xml_text("a\tb\nc\rd — « é » 😀") == "a\tb\nc\rd — « é » 😀"
    assert xml_text("a\x00b\x1fc\x7fd\x9fe\ufffef") == "abcdef"


# --- single-line fields refuse control characters -----------------------------------------------


@pytest.mark.parametrize("escape, code", [("\\e[2J", "001B"), ("\\a", "0007"), ("\\x00", "0000"), ("\\x85", "0085"),
                                          ("\\u202E", "202E"), ("\\x7f", "007F")])
def test_control_characters_in_a_title_are_refused(tmp_path: Path, escape: str, code: str,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace('titre: "Agir ensemble à Charenton-Saint Maurice"', f'titre: "Agir{escape} ensemble"'),
                     encoding="utf-8")
    assert main(["--projet", str(project.root), "check"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (f"kit/cas/charenton.yml:1 : « titre » : caractère de contrôle invisible (U+{code}) interdit : ce "
                        "champ est un texte simple, sur une ligne ; retirez-le (il vient souvent d'un copier-coller ou "
                        "d'un « \\x… » entre guillemets).")


@pytest.mark.parametrize("field, line", [("territoire", 2), ("statut", 4)])
def test_control_characters_in_other_single_line_fields_are_refused(tmp_path: Path, field: str, line: int,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    lines = sheet.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = f'{field}: "avant\\x1bapres"'
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--projet", str(project.root), "check"]) == 1
    assert capsys.readouterr().err.splitlines()[0].startswith(
        f"kit/cas/charenton.yml:{line} : « {field} » : caractère de contrôle invisible (U+001B) interdit")


# --- terminal and CI -----------------------------------------------------------------------------


def test_terminal_safe_shows_controls_as_escapes() -> None:
    assert terminal_safe("a\x1b[2Jb\x07c\nd\re\tf\x9bg\u202eh") == "a\\x1b[2Jb\\x07c\\nd\\re\\tf\\x9bg\\u202eh"
    assert terminal_safe("Île-de-France — « é » 😀") == "Île-de-France — « é » 😀"


def test_check_messages_escape_catalogue_text(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown form value is quoted back in the message: its escape sequence is shown, not run."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("formes: [dialogue-territorial]", 'formes: ["\\e]0;pirate\\a\\e[2J\\rfaux"]'),
                     encoding="utf-8")
    assert main(["--projet", str(project.root), "check"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\r" not in err
    assert "« \\x1b]0;pirate\\x07\\x1b[2J\\rfaux » n'est pas une valeur connue" in err


def test_a_file_name_with_a_newline_stays_on_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    (project.kit_dir / "fichiers").mkdir()
    (project.kit_dir / "fichiers" / "a\nfaux.yml:1 : tout va bien.pdf").write_bytes(b"%PDF")
    assert main(["--projet", str(project.root), "check"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("kit/fichiers/a\\nfaux.yml:1 : tout va bien.pdf : nom de fichier refusé")
    assert not any(line.startswith("faux.yml") for line in lines)


def test_github_annotations_escape_data_and_properties() -> None:
    problem = Problem("kit/fichiers/a\r\nb,c:d%e.pdf", 3, "50 % de\r\n::warning::faux\x1b[2J")
    assert problem.github_annotation() == (
        "::error file=kit/fichiers/a%0D%0Ab%2Cc%3Ad%25e.pdf,line=3,title=kit check::50 %25 de%0D%0A::warning::faux\\x1b[2J")


def test_annotations_in_ci_are_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    (project.kit_dir / "fichiers").mkdir()
    (project.kit_dir / "fichiers" / "x\n::error file=README.md::faux, 100%.pdf").write_bytes(b"%PDF")
    assert main(["--projet", str(project.root), "check"]) == 1
    lines = capsys.readouterr().err.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert commands == [
        "::error file=kit/fichiers/x%0A%3A%3Aerror file=README.md%3A%3Afaux%2C 100%25.pdf,title=kit check::nom de fichier "
        "refusé : il contient un caractère de contrôle (U+000A) ; renommez-le avec des lettres, des chiffres, « - » et "
        "« _ »."]


def test_problems_report_is_escaped_for_the_terminal(tmp_path: Path) -> None:
    problems = Problems(tmp_path)
    problems.add(tmp_path / "kit" / "cas" / "a\x1b[31m.yml", 2, "valeur « \x1b]8;;https://x\x07 »")
    report = problems.report()
    assert "\x1b" not in report and "\x07" not in report
    assert report.splitlines()[0] == "kit/cas/a\\x1b[31m.yml:2 : valeur « \\x1b]8;;https://x\\x07 »"


def test_kit_search_escapes_the_query_and_titles(hostile_site: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "projet"
    root.mkdir()
    (root / "site").symlink_to(hostile_site, target_is_directory=True)
    assert main(["--projet", str(root), "search", "zzyzx\x1b[2J"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert out.splitlines()[0] == "Aucun résultat pour « zzyzx\\x1b[2J »."


def test_kit_search_escapes_result_titles(hostile_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A title reaching the index with a control character (content/ pages are Markdown, not
    checked field by field) is printed escaped."""
    from builder.search.engine import SearchIndex

    real_search = SearchIndex.search

    def search(self, query):  # the real results, one title made hostile
        import dataclasses

        results = real_search(self, query)
        assert results
        results[0] = dataclasses.replace(results[0], title="Titre\x1b]0;pirate\x07\x1b[2J")
        return results

    monkeypatch.setattr(SearchIndex, "search", search)
    root = tmp_path / "projet"
    root.mkdir()
    (root / "site").symlink_to(hostile_site, target_is_directory=True)
    assert main(["--projet", str(root), "search", "territoire"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "Titre\\x1b]0;pirate\\x07\\x1b[2J" in out


@pytest.mark.parametrize("file, old, new, where", [
    ("chiffres.yml", '  unite: "%"', '  unite: "%\\e[8m"', "kit/chiffres.yml:3 : « unite »"),
    ("chiffres.yml", "  annee: 2015", '  annee: "2015\\u202E"', "kit/chiffres.yml:6 : « annee »"),
    ("glossaire.yml", '    source: "Le RAMEAU, 2015"', '    source: "Le RAMEAU\\x00, 2015"', "kit/glossaire.yml:5 : « source »"),
])
def test_control_characters_in_short_data_fields_are_refused(tmp_path: Path, file: str, old: str, new: str, where: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    path = project.kit_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert main(["--projet", str(project.root), "check"]) == 1
    assert capsys.readouterr().err.splitlines()[0].startswith(f"{where} : caractère de contrôle invisible (U+")


def test_strip_invisible_fast_path_removes_exactly_the_invisible_set() -> None:
    # The fast path (a BMP class, then a look for astral characters) must remove what the full
    # class removes, for every code point, alone and inside French text.
    from builder.richtext import _INVISIBLE, strip_invisible

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert strip_invisible(f"été{char}z") == _INVISIBLE.sub("", f"été{char}z"), hex(code)
    assert strip_invisible("\U0010ffff") == "" and strip_invisible("\ufdd0x\x1b") == "x"
