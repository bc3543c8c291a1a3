"""The exports stage streams its files (issue 15, 10,000 sheets in bounded memory): the same
bytes as the whole-file functions, without ever holding the catalogue's JSON or CSV whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest

from builder import exports
from builder.config import Project
from builder.paths import OutputPaths
from builder.validate import load_kit

REPO = Path(__file__).resolve().parent.parent
EDITION = dt.date(2026, 11, 25)


class _Context:
    edition = EDITION


def _written(tmp_path: Path, config, kit) -> dict[str, bytes]:
    exports.write_exports(tmp_path, config, kit, _Context())
    urls = OutputPaths.of(config.sorties)
    return {relative: (tmp_path / relative).read_bytes() for relative in (urls.feed, *urls.exports)}


@pytest.mark.parametrize("cases", ["toutes", "aucune"])
def test_the_stage_writes_the_bytes_of_the_whole_file_functions(tmp_path: Path, cases: str) -> None:
    config, kit = load_kit(Project(REPO))
    if cases == "aucune":  # an empty list of case sheets is written « [] », as json.dumps does
        kit = dataclasses.replace(kit, cases=[])
    written = _written(tmp_path, config, kit)
    json_path, csv_path, comma_csv_path = OutputPaths.of(config.sorties).exports
    assert written[json_path] == exports.catalogue_json(config, kit, EDITION)
    assert written[csv_path] == exports.catalogue_csv(config, kit)
    assert written[comma_csv_path] == exports.catalogue_csv(config, kit, exports.PROGRAM_DELIMITER)
    data = json.loads(written[json_path])
    assert [c["slug"] for c in data["fiches"]] == [c.slug for c in kit.cases]
    assert len(data["documents"]) == len(kit.documents) > 0
    assert written[csv_path].startswith("\ufefftype;".encode()) and written[comma_csv_path].startswith(b"type,")


def test_the_stage_never_makes_the_catalogue_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, kit = load_kit(Project(REPO))
    assert len(kit.cases) > 1
    made: list[str] = []
    real_record = exports.case_record

    def record(config, case, url=None):  # each sheet's record made as it is written, then dropped
        made.append(case.slug)
        return real_record(config, case, url)

    def whole(*arguments, **keywords):
        raise AssertionError("le catalogue entier a été fabriqué en mémoire")

    monkeypatch.setattr(exports, "case_record", record)
    for name in ("catalogue_json", "catalogue_csv", "catalogue_rows"):
        monkeypatch.setattr(exports, name, whole)
    exports.write_exports(tmp_path, config, kit, _Context())
    # once, for the JSON and the row that both CSV files take from it (issue 15, partie E)
    assert made == [c.slug for c in kit.cases]
    json_path = OutputPaths.of(config.sorties).exports[0]
    assert len(json.loads((tmp_path / json_path).read_text(encoding="utf-8"))["fiches"]) == len(kit.cases)


# --- the stage's fast paths (issue 15, partie E): the same bytes as the plain functions -----------

def _hostile_kit(tmp_path: Path) -> Project:
    """The mini kit with text that takes the slow paths: formula triggers (full-width too),
    control characters, quotes, a character outside the Basic Multilingual Plane."""
    from test_exports_safety import hostile_project

    project = hostile_project(tmp_path / "hostile")
    sheet = project.kit_dir / "cas" / "silvergeek.yml"
    text = sheet.read_text(encoding="utf-8")
    hostile = json.dumps("\uff1dSOMME(A1) « cité » \"guillemets\" \\ \U0001d518 fin", ensure_ascii=False)
    text = text.replace('statut: "Collectif informel"', f"statut: {hostile}")
    assert hostile in text
    sheet.write_text(text, encoding="utf-8")
    return project


@pytest.mark.parametrize("which", ["autre-kit", "hostile"])
def test_the_stage_writes_the_bytes_of_the_plain_functions_on_other_kits(tmp_path: Path, which: str) -> None:
    from conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / which, tmp_path / "projet") if which == "autre-kit" else _hostile_kit(tmp_path)
    config, kit = load_kit(project)
    written = _written(tmp_path / "site", config, kit)
    json_path, csv_path, comma_csv_path = OutputPaths.of(config.sorties).exports
    assert written[json_path] == exports.catalogue_json(config, kit, EDITION)
    assert written[csv_path] == exports.catalogue_csv(config, kit)
    assert written[comma_csv_path] == exports.catalogue_csv(config, kit, exports.PROGRAM_DELIMITER)
    assert len(json.loads(written[json_path])["fiches"]) == len(kit.cases) > 0
    if which == "hostile":
        assert "'\uff1dSOMME(A1)" in written[csv_path].decode("utf-8")  # neutralised after NFKC


def test_the_feed_is_the_bytes_elementtree_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """feed_xml writes the declaration itself and lets ElementTree write text (faster): the
    bytes of ``ET.tostring(feed, encoding="utf-8", xml_declaration=True)``."""
    import xml.etree.ElementTree as ET

    config, kit = load_kit(_hostile_kit(tmp_path))
    trees = []
    real = ET.tostring

    def kept(element, *arguments, **keywords):
        trees.append(element)
        return real(element, *arguments, **keywords)

    monkeypatch.setattr(exports.ET, "tostring", kept)
    feed = exports.feed_xml(config, kit, EDITION)
    monkeypatch.setattr(exports.ET, "tostring", real)
    assert len(trees) == 1 and len(kit.cases) > 0
    assert feed == ET.tostring(trees[0], encoding="utf-8", xml_declaration=True) + b"\n"
    assert b"<entry>" in feed


def test_neutralise_formula_takes_nfkc_for_every_first_character() -> None:
    """The shortcuts of neutralise_formula (a first ASCII letter or digit, an ASCII head) give
    the rule's answer for every code point of the Basic Multilingual Plane and of the astral
    blocks NFKC changes (mathematical letters, enclosed signs, compatibility ideographs) at the
    start, after a space, before a combining mark."""
    codes = [*range(0x10000), *range(0x1D400, 0x1D800), *range(0x1F100, 0x1F200), *range(0x2F800, 0x2FA20)]
    for code in codes:
        if 0xD800 <= code <= 0xDFFF:
            continue
        for cell in (chr(code) + "1+1", " " + chr(code) + "x", chr(code) + "\u0338b", "a" + chr(code)):
            head = unicodedata.normalize("NFKC", cell.lstrip()[:8]).lstrip()
            rule = cell.startswith(exports.FORMULA_TRIGGERS) or head.startswith(exports.FORMULA_TRIGGERS)
            assert exports.neutralise_formula(cell) == ("'" + cell if rule else cell), hex(code)


def test_strip_invisible_shortcut_keeps_the_rule() -> None:
    """strip_invisible's quick test (no control character of the Basic Multilingual Plane, no
    astral character) leaves the text only where the full class removes nothing."""
    from builder.richtext import _INVISIBLE, strip_invisible

    astral = [chr(plane * 0x10000 + low) for plane in range(1, 17) for low in (0, 0xFFFD, 0xFFFE, 0xFFFF)]
    for char in [*map(chr, range(0xD800)), *map(chr, range(0xE000, 0x10000)), *astral, "\U0001d518"]:
        for text in (char, f"éa{char}b"):
            assert strip_invisible(text) == _INVISIBLE.sub("", text), hex(ord(char))


def test_a_csv_line_is_what_the_csv_module_writes() -> None:
    """exports._csv_line quotes as csv.writer (QUOTE_MINIMAL, « \\r\\n » line ends) does, for
    random rows of delimiters, quotes, line breaks, spaces, empty cells and ordinary text."""
    import csv
    import io
    import random

    rng = random.Random(15)
    pieces = ["", ";", ",", '"', "\r", "\n", "\r\n", " ", "'", "a", "é", "=1", "\t", "\u2028", '""']
    for _ in range(20_000):
        row = ["".join(rng.choices(pieces, k=rng.randint(0, 4))) for _ in range(rng.randint(2, 6))]
        for delimiter in (exports.SPREADSHEET_DELIMITER, exports.PROGRAM_DELIMITER):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n", delimiter=delimiter).writerow(row)
            assert exports._csv_line(row, delimiter) == buffer.getvalue(), row
