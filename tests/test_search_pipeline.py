"""The search's French pipeline, its index stage and its engine (no browser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.config import Project
from builder.loader import load_kit
from builder.search import french, snowball_js
from builder.search.engine import IndexOutdated, SearchIndex
from builder.search.index import INDEX_FILE, Entry, build_index, page_entries, read_script, render_script

REPO = Path(__file__).resolve().parent.parent


# --- the pipeline ---


def test_fold_removes_accents_and_ligatures() -> None:
    assert french.fold("Écosystème ÂGÉES Œuvre cæcum Ça") == "ecosysteme agees oeuvre caecum ca"


@pytest.mark.parametrize("text, expected", [
    ("l'innovation", ["innov"]),
    ("L’innovation", ["innov"]),  # typographic apostrophe
    ("d'intérêt qu'il jusqu'à", ["interet"]),  # « il », « à » are stop words
    ("aujourd'hui", ["aujourdhui"]),  # not an elision: the apostrophe joins
    ("Grand Est", ["grand", "est"]),  # « est » stays: a cardinal point and a region's name
    ("les personnes âgées", ["person", "age"]),
])
def test_elisions_and_stop_words(text: str, expected: list[str]) -> None:
    assert french.terms(text) == expected


def test_hyphenated_words_give_their_parts_and_the_joined_word() -> None:
    assert french.terms("co-construction") == ["co", "construct", "coconstruct"]
    assert french.terms("coconstruction") == ["coconstruct"]
    assert french.terms("co construction") == ["co", "construct"]
    assert french.terms("mise-en-œuvre") == ["mis", "oeuvr", "miseenoeuvr"]  # « en » dropped as a part only


def test_stemming_groups_plural_and_verb_forms_whatever_the_accents() -> None:
    assert len({french.stem(french.fold(w)) for w in ("partenariat", "partenariats")}) == 1
    assert len({french.stem(french.fold(w)) for w in ("innovation", "innovations", "innover", "innovant")}) == 1
    assert len({french.stem(french.fold(w)) for w in ("âgées", "agees", "âgés", "AGÉE")}) == 1
    assert french.terms("territoriaux") == french.terms("territorial")


def test_query_clauses_require_every_word_and_the_last_one_as_a_prefix_while_typing() -> None:
    clauses = french.query_clauses("innovation parten")
    assert [(c.term, c.required, c.prefix) for c in clauses] == [
        ("innov", True, False), ("parten", True, True), ("parten", False, False)]
    assert clauses[2].boost == french.EXACT_BOOST
    # « parte » stems to « part »: the letters typed also count, above the stem itself.
    assert [(c.term, c.required, c.prefix, c.boost) for c in french.query_clauses("parte")] == [
        ("part", True, True, 1), ("part", False, False, french.EXACT_BOOST), ("parte", False, True, french.TYPED_BOOST)]
    assert french.TYPED_BOOST > french.EXACT_BOOST
    # A space after the last word: it is complete, no prefix.
    assert [c.prefix for c in french.query_clauses("innovation parten ")] == [False, False]
    # Too short to be a useful prefix.
    assert [c.prefix for c in french.query_clauses("co")] == [False]
    # Hyphenated: the parts are required, the joined word only ranks.
    assert [(c.term, c.required) for c in french.query_clauses("co-construction ")] == [
        ("co", True), ("construct", True), ("coconstruct", False)]
    assert french.query_clauses("le la les") == []
    assert not any(c.required for c in french.relaxed(french.query_clauses("a b c d")))


def test_the_browser_stemmer_is_generated_from_the_installed_snowballstemmer() -> None:
    committed = snowball_js.TARGET.read_text(encoding="utf-8")
    assert committed == snowball_js.generate(), "régénérez-le : python3 -m builder.search.snowball_js"
    assert committed.isascii()  # read correctly whatever the page's encoding


# --- the engine on hand-made entries ---


def _entry(url: str, title: str, text: str, **extra) -> Entry:
    return Entry(url, title, extra.pop("kind", "Page"), [], text[:40], text=text, **extra)


def test_a_word_in_the_title_outranks_the_same_word_in_the_text() -> None:
    filler = " ".join(["association entreprise territoire"] * 20)
    entries = [
        _entry("texte.html", "Une page", f"{filler} mécénat mécénat mécénat {filler}"),
        _entry("titre.html", "Le mécénat", filler),
        _entry("autre.html", "Autre page", filler),
    ]
    results = SearchIndex(build_index(entries)).search("mecenat")
    assert [r.url for r in results] == ["titre.html", "texte.html"]


def test_structured_fields_are_searchable_and_results_say_what_they_are() -> None:
    entries = [
        _entry("doc.html", "Un guide", "Un texte sans rapport.", kind="Boîte à outils — Guides pratiques",
               fields=["ORSE", "2012", "Boîte à outils — Guides pratiques"]),
        _entry("cas.html", "Une initiative", "Un autre texte.", kind="Fiche d'expérience",
               fields=["Fiche d'expérience", "Ardèche", "Fondation", "Partenariats entre organisations"]),
    ]
    index = SearchIndex(build_index(entries))
    assert [r.url for r in index.search("orse 2012")] == ["doc.html"]
    assert [r.url for r in index.search("ardeche fondation")] == ["cas.html"]
    assert index.search("ardeche")[0].kind == "Fiche d'expérience"


def test_no_page_has_every_word_then_pages_with_some_of_them() -> None:
    entries = [_entry("a.html", "Alsace", "Le Labo."), _entry("b.html", "Bretagne", "Une autre.")]
    index = SearchIndex(build_index(entries))
    assert {r.url for r in index.search("alsace bretagne")} == {"a.html", "b.html"}
    assert index.search("normandie") == []


def test_an_index_from_another_pipeline_is_refused() -> None:
    data = build_index([_entry("a.html", "Alsace", "Le Labo.")])
    data["pipeline"] = "fr-0"
    with pytest.raises(IndexOutdated, match="relancez « kit build »"):
        SearchIndex(data)


def test_the_index_script_round_trips_and_is_deterministic() -> None:
    entries = [_entry("a.html", "Alsace « Labo »", "Le Labo\u2028régional.")]
    script = render_script(build_index(entries))
    assert script == render_script(build_index(entries))
    assert script.isascii()  # read alike whatever encoding the browser assumes
    assert read_script(script) == json.loads(json.dumps(build_index(entries)))


# --- the stage, on the repository's own kit ---


@pytest.fixture(scope="module")
def real_index(real_site: Path) -> dict:
    return read_script((real_site / INDEX_FILE).read_text(encoding="utf-8"))


def test_every_page_is_indexed_except_the_error_page(real_site: Path, real_index: dict) -> None:
    urls = [row[0] for row in real_index["docs"]]
    pages = sorted(p.relative_to(real_site).as_posix() for p in real_site.rglob("*.html")
                   if p.name != "404.html" and not p.relative_to(real_site).as_posix().startswith("telechargements/"))
    assert urls == pages
    config, kit = load_kit(Project(REPO))
    for doc in kit.documents:
        assert f"documents/{doc.id}.html" in urls
    for case in kit.cases:
        assert f"fiches/{case.slug}.html" in urls


def test_results_carry_kind_reading_paths_and_excerpt(real_index: dict) -> None:
    config, kit = load_kit(Project(REPO))
    rows = {row[0]: row for row in real_index["docs"]}
    for doc in kit.documents:
        url, title, kind, paths, excerpt = rows[f"documents/{doc.id}.html"]
        assert title == doc.titre
        assert kind.startswith(config.taxonomie.nature(doc.nature).libelle)
        assert paths == [p.titre_court for p in kit.paths_of(doc.id)]
        assert excerpt and len(excerpt) <= 181
    for case in kit.cases:
        url, title, kind, paths, excerpt = rows[f"fiches/{case.slug}.html"]
        assert (title, kind) == (case.sheet.titre, "Fiche d'expérience")


def test_each_structured_field_of_the_catalogue_finds_its_page(real_site: Path) -> None:
    """Territory, region, status, forms, approach, themes of every sheet; authors, year,
    nature and family of every document: searching for the value finds the page."""
    index = SearchIndex.from_site(real_site)
    config, kit = load_kit(Project(REPO))
    taxonomy = config.taxonomie

    def found(query: str, url: str) -> bool:
        return url in [r.url for r in index.search(query + " ")]

    for case in kit.cases:
        sheet, url = case.sheet, f"fiches/{case.slug}.html"
        values = [sheet.territoire, sheet.statut, *sheet.themes, *(taxonomy.label("formes", f) for f in sheet.formes)]
        values += [v for v in (sheet.region, sheet.demarche and taxonomy.label("demarches", sheet.demarche)) if v]
        for value in values:
            assert found(value, url), (value, url)
    for doc in kit.documents:
        url = f"documents/{doc.id}.html"
        nature = taxonomy.nature(doc.nature)
        family = nature.family(doc.famille)
        for value in [*doc.auteurs, str(doc.annee), nature.libelle, *([family.libelle] if family else [])]:
            assert found(value, url), (value, url)


def test_the_index_is_lunr_pys_own_once_expanded(real_site: Path) -> None:
    """The quicker builder and the compact format change nothing: expanded, the index is
    exactly what lunr.py's Builder makes from the same terms."""
    from lunr.builder import Builder

    from builder.search.index import FIELDS, compact_index, entry_terms, expand_index

    config, kit = load_kit(Project(REPO))
    entries = page_entries(real_site, config, kit)
    stock = Builder()
    stock.ref("id")
    for name, boost in FIELDS:
        stock.field(name, boost=boost)
    for number, entry in enumerate(entries):
        stock.add({"id": str(number), **entry_terms(entry)}, {"boost": entry.boost} if entry.boost != 1 else None)
    expected = stock.build().serialize()
    ours = build_index(entries)["index"]
    assert json.dumps(expand_index(ours)) == json.dumps(expected)
    assert compact_index(expected) == ours
    assert len(json.dumps(ours)) < len(json.dumps(expected)) / 1.8
