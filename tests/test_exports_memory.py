"""The exports stage streams its files (issue 15, 10,000 sheets in bounded memory): the same
bytes as the whole-file functions, without ever holding the catalogue's JSON or CSV whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
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

    def record(config, case):  # each sheet's record made as it is written, then dropped
        made.append(case.slug)
        return real_record(config, case)

    def whole(*arguments, **keywords):
        raise AssertionError("le catalogue entier a été fabriqué en mémoire")

    monkeypatch.setattr(exports, "case_record", record)
    for name in ("catalogue_json", "catalogue_csv", "catalogue_rows"):
        monkeypatch.setattr(exports, name, whole)
    exports.write_exports(tmp_path, config, kit, _Context())
    # once for the JSON, once for the rows that both CSV files share
    assert made == [c.slug for c in kit.cases] * 2
    json_path = OutputPaths.of(config.sorties).exports[0]
    assert len(json.loads((tmp_path / json_path).read_text(encoding="utf-8"))["fiches"]) == len(kit.cases)
