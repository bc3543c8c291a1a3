"""The search stage's index built in compact structures (issue 15, 10,000 sheets in bounded
memory): the same files, byte for byte, as the index built whole then written."""

from __future__ import annotations

import shutil
from array import array
from pathlib import Path

import pytest

from builder.config import Project
from builder.search import index
from builder.search.index import Entry, TermWeights, build_index, page_entries, write_index_files
from builder.validate import load_kit

REPO = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _written_whole(site: Path, config, entries: list[Entry]) -> dict[str, bytes]:
    # The reference: the index built whole (``build_index``, itself checked against lunr.py's
    # Builder in test_search_pipeline.py), then its files written.
    index._write_index(site, config, build_index(entries))
    return _files(site)


@pytest.mark.parametrize("shard_characters", [index.SHARD_CHARACTERS, 700])
def test_the_streamed_stage_writes_the_files_of_the_index_built_whole(
        real_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shard_characters: int) -> None:
    # 700 characters: over a hundred small shards.
    monkeypatch.setattr(index, "SHARD_CHARACTERS", shard_characters)
    config, kit = load_kit(Project(REPO))
    entries = page_entries(real_site, config, kit)
    expected = _written_whole(tmp_path / "entier", config, entries)
    write_index_files(tmp_path / "flux", config, entries)
    streamed = _files(tmp_path / "flux")
    assert len(expected) > len(entries) + 3  # one script per page, the term and position shards…
    assert streamed.keys() == expected.keys()
    assert [name for name in expected if streamed[name] != expected[name]] == []
    if shard_characters == 700:
        assert len([name for name in expected if name.startswith("search/terms/")]) > 100


def test_position_shards_made_one_at_a_time_keep_the_empty_ones() -> None:
    positions = {"alsac": [(0, [1, 4])], "zone": [(1, [0])], "activ": [(0, [0]), (2, [3])]}
    firsts = ["a", "b", "c", "z"]
    assert index.shard_positions(firsts, positions) == [
        [["activ", [0, 1, 0, 2, 1, 3]], ["alsac", [0, 2, 1, 3]]], [], [], [["zone", [1, 1, 0]]]]
    packed = index.PackedPositions()
    for page in range(3):
        packed.add_page(page, {term: found for term, pages in positions.items() for p, found in pages if p == page})
    assert index.shard_positions(firsts, packed) == index.shard_positions(firsts, positions)


def test_the_search_stage_writes_them_through_the_streamed_path(real_site: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config, kit = load_kit(Project(REPO))
    site = tmp_path / "site"
    shutil.copytree(real_site, site, ignore=shutil.ignore_patterns("search"))
    expected = _written_whole(tmp_path / "entier", config, page_entries(site, config, kit))
    called = []
    monkeypatch.setattr(index, "build_index", lambda entries: called.append(1))  # the stage never builds it whole
    index.search_stage(site, config, kit)
    assert called == []
    written = {name: data for name, data in _files(site).items() if name.startswith("search/")}
    assert written == expected


def test_term_weights_are_integer_arrays_and_the_counts_are_freed_as_they_are_weighed() -> None:
    weights = TermWeights()
    weights.add_page({"t": ["alsac", "activ"], "m": ["fich"], "b": ["labo", "alsac", "labo"]})
    weights.add_page({"t": ["labo"], "m": [], "b": ["alsac"]})
    weights.weigh([1.0, 0.3])
    assert list(weights.numbers) == ["alsac", "activ", "fich", "labo"]  # lunr's order: first appearance
    assert all(type(row) is array and row.typecode == "i" for rows in weights.rows for row in rows)
    assert weights._pairs == [] and len(weights._lengths) == 0  # nothing per page is kept once weighed
    # « labo »: body of page 0 (twice), title of page 1; rows are [page delta, weight × 1000]
    title, fields, body = weights.rows[weights.numbers["labo"]]
    assert title[0::2].tolist() == [1] and fields.tolist() == [] and body[0::2].tolist() == [0]
    assert all(weight > 0 for row in (title, body) for weight in row[1::2])
    compact = weights.compact()
    assert compact["terms"][0][:2] == ["activ", 1]  # sorted by term, lunr's number kept
    assert compact["vectors"][1][0] == [3, title[1]]  # page 1's title: « labo » (term 3) alone
