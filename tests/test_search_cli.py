"""``kit search``: the golden queries in the terminal, and what it says about the index it reads."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.config import Project

GOLDEN = yaml.safe_load((Path(__file__).parent / "search_golden.yml").read_text(encoding="utf-8"))


# Each result: « N. title », then « kind · paths — URL », its passage « « … » », its sections « ↳ … ».
RESULT_LINE = re.compile(r"^ +(?!«|↳).* — (\S+)$")


def listed_urls(output: str) -> list[str]:
    """The URLs of the printed results, in order."""
    return [m.group(1) for m in map(RESULT_LINE.match, output.splitlines()) if m]


def result_block(output: str, url: str) -> str:
    """The lines printed for the result at ``url`` (title to the next result)."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if RESULT_LINE.match(line) and line.endswith(f" — {url}"))
    end = next((i for i in range(at + 1, len(lines)) if re.match(r"^ *\d+\. ", lines[i])), len(lines))
    return "\n".join(lines[at - 1:end])


@pytest.fixture(scope="module")
def built_project(real_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder whose site/ is the built real kit."""
    root = tmp_path_factory.mktemp("cli-projet")
    (root / "site").symlink_to(real_site, target_is_directory=True)
    return root


def test_golden_queries_has_at_least_30_queries_of_each_kind() -> None:
    assert len(GOLDEN) >= 30
    assert len({q["requete"] for q in GOLDEN}) == len(GOLDEN)
    assert all({"requete", "attendu", "pourquoi"} <= set(q) <= {"requete", "attendu", "pourquoi", "extrait"} for q in GOLDEN)
    # Issue 13: at least 20 typo, phrase, exclusion and passage queries.
    new = [q for q in GOLDEN if '"' in q["requete"] or "«" in q["requete"] or " -" in f" {q['requete']}"
           or "extrait" in q or "faute" in q["pourquoi"] or "interverties" in q["pourquoi"]]
    assert len(new) >= 20


@pytest.mark.parametrize("golden", GOLDEN, ids=[q["requete"] for q in GOLDEN])
def test_golden_query_on_the_command_line(golden: dict, built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--projet", str(built_project), "search", golden["requete"], "-n", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Recherche dans l'index du site construit" in out.err
    urls = listed_urls(out.out)
    assert len(urls) <= 3
    assert golden["attendu"] in urls, f"{golden['requete']!r} ({golden['pourquoi']}) → {urls}"
    if "extrait" in golden:  # the word is in the passage printed for that page
        passages = [line for line in result_block(out.out, golden["attendu"]).splitlines() if "«" in line]
        assert any(golden["extrait"] in line for line in passages), passages


# Issue 13: every prefix of 3 letters or more of these words finds their pages (the same words
# as test_search_browser.py's PREFIXED_WORDS): « innovation » is indexed as « innov », and
# « associat » began only « associationsentrepris » (a hyphenated word in one piece).
PREFIXED_WORDS = ["innovation", "association", "sociétale", "collectivement", "expérimentation", "accompagnement"]


def test_every_prefix_of_a_word_finds_its_pages(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from builder.search.engine import SearchIndex

    index = SearchIndex.from_site(built_project / "site")
    for word in PREFIXED_WORDS:
        whole = {r.ref for r in index.search(word + " ")}
        assert len(whole) >= 5, word
        for n in range(3, len(word) + 1):
            assert whole <= {r.ref for r in index.search(word[:n])}, word[:n]
    # As printed: « innovat » and « "inn » (a phrase being typed) count the pages of « innovation ».
    count = len(index.search("innovation "))
    for query in ("innovat", '"inn', "innovation"):
        assert main(["--projet", str(built_project), "search", query, "-n", "1"]) == 0
        assert capsys.readouterr().out.splitlines()[0].startswith(f"{count} résultats pour « {query} »"), query


# Issue 13: whole words typed, with or without a space after them: the same first results, in the
# same order (test_search_browser.py's WHOLE_WORDS too); « partenariat » put first a page that has
# « partenariat-associations-entreprises » in one piece, a longer term, « partenariat » last.
WHOLE_WORDS = ["partenariat", "innovation", "considérés", "région", "Alsace", "silvergeek", "partenariats alsace"]


def test_a_space_after_a_whole_word_does_not_reorder_its_results(built_project: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from builder.search.engine import SearchIndex

    index = SearchIndex.from_site(built_project / "site")
    for query in WHOLE_WORDS:
        finished = [(r.ref, r.score) for r in index.search(query + " ")]
        typing = [(r.ref, r.score) for r in index.search(query)]
        assert finished and typing[:len(finished)] == finished, query
    # Letters that go on past their stem (« parte » → part) still rank the longer words first.
    assert index.search("parte")[0].url != index.search("parte ")[0].url
    assert main(["--projet", str(built_project), "search", "partenariat", "-n", "1"]) == 0
    first = listed_urls(capsys.readouterr().out)
    assert main(["--projet", str(built_project), "search", "partenariat ", "-n", "1"]) == 0
    assert first == listed_urls(capsys.readouterr().out) == ["le-kit/partenariats.html"]


def test_results_show_title_kind_paths_and_url(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "Référentiel sur la co-construction en territoire"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("pour « Référentiel sur la co-construction en territoire » (10 premiers) :")
    assert lines[1] == " 1. Référentiel sur la co-construction en territoire"
    assert lines[2] == ("    Cadre de référence · Parcours : Comprendre, Animer, Accompagner — "
                        "documents/referentiel-co-construction-territoire.html")


def test_no_result_says_so_suggests_the_catalogue_and_fails(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "zzyzx"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Aucun résultat pour « zzyzx »."
    assert "le catalogue (catalogue/index.html)" in lines[1]
    assert "fiches d'expérience avec leurs filtres (fiches/index.html)" in lines[1]


def test_a_typo_is_corrected_and_says_how_to_search_as_typed(built_project: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "silvergek", "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # What was not found, what was searched instead, how to search as typed, then the count of
    # what was searched (it was « N résultats pour « silvergek » », then « Résultats pour « silvergeek » »).
    assert lines[0] == "Aucune page n'a tous les mots de « silvergek » tels que tapés : résultats pour « silvergeek »."
    assert lines[1] == "Pour chercher « silvergek » tel quel : kit search '\"silvergek\"'"
    assert re.fullmatch(r"\d+ résultats pour « silvergeek » \(3 premiers\) :", lines[2])
    assert listed_urls("\n".join(lines))[0] == "fiches/silvergeek.html"
    # Between quotes, the word is searched as typed: nothing.
    assert main(["--projet", str(built_project), "search", '"silvergek"']) == 1
    assert capsys.readouterr().out.startswith("Aucun résultat pour « \"silvergek\" ».")


@pytest.mark.parametrize("number", ["0", "-1", "-3"])
def test_a_count_of_results_under_one_is_refused_in_french(number: str, built_project: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # « kit search -n 0 » printed « 52 résultats pour « … » (1 premiers) ».
    with pytest.raises(SystemExit) as stopped:  # argparse's exit, before anything is read or built
        main(["--projet", str(built_project), "search", "-n", number, "partenariat"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2 and out == ""
    assert f"nombre de résultats à afficher attendu (1 ou plus), pas « {number} »" in err and "Traceback" not in err


def test_the_count_line_says_how_many_are_shown(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "partenariat", "-n", "1"]) == 0
    assert re.fullmatch(r"\d+ résultats pour « partenariat » \(le premier\) :", capsys.readouterr().out.splitlines()[0])
    assert main(["--projet", str(built_project), "search", "silvergeek", "-n", "500"]) == 0
    assert re.fullmatch(r"\d+ résultats pour « silvergeek » :", capsys.readouterr().out.splitlines()[0])


@pytest.mark.parametrize("query, why", [
    ("les de la", "ces mots sont trop courants pour être cherchés (le, la, de, pour, avec…) ; ajoutez un mot plus précis."),
    ('"pour les"', "ces mots sont trop courants pour être cherchés (le, la, de, pour, avec…) ; ajoutez un mot plus précis."),
    ("-alsace", "des exclusions seules (« -mot ») ne trouvent rien ; ajoutez un mot à chercher."),
    ("-alsace -les", "des exclusions seules (« -mot ») ne trouvent rien ; ajoutez un mot à chercher."),
])
def test_a_query_with_nothing_to_look_for_says_why(query: str, why: str, built_project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "--", query]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"Aucun résultat pour « {query} » : {why}"
    assert main(["--projet", str(built_project), "search", "zzyzx"]) == 1  # a word found nowhere: no reason given
    assert capsys.readouterr().out.splitlines()[0] == "Aucun résultat pour « zzyzx »."


def test_each_result_prints_its_passage_and_its_sections(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "consoles de jeux", "-n", "1"]) == 0
    block = result_block(capsys.readouterr().out, "fiches/silvergeek.html").splitlines()
    passage = block[2].strip()
    assert passage.startswith("« …") and passage.endswith("»")
    assert "consoles de jeux" in passage
    assert len(passage.split()) <= 30 + 4  # about 30 words, the quotes and ellipses
    assert main(["--projet", str(built_project), "search", "SilverGeek ", "-n", "1"]) == 0
    sections = [line.strip() for line in capsys.readouterr().out.splitlines() if line.strip().startswith("↳")]
    assert 1 <= len(sections) <= 3
    assert all(re.match(r"↳ .+ \(fiches/silvergeek\.html#[a-z0-9-]+\) : « .*SilverGeek.* »$", s) for s in sections)


def test_marked_words_are_bold_on_a_terminal_and_still_escaped() -> None:
    from builder.search.cli import _passage
    from builder.search.engine import Passage

    passage = Passage("", "", [["voir ", False], ["Silver\x1b[31mGeek", True], [" ici", False]])
    assert _passage(passage, bold=False) == "voir Silver\\x1b[31mGeek ici"
    assert _passage(passage, bold=True) == "voir \x1b[1mSilver\\x1b[31mGeek\x1b[0m ici"


def test_without_a_built_site_it_builds_it_first(mini_project: Project, fixed_epoch: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert not (mini_project.root / "site").exists()
    assert main(["--projet", str(mini_project.root), "search", "Charenton"]) == 0
    out = capsys.readouterr()
    assert "Pas d'index de recherche" in out.err and "construction du site d'abord" in out.err
    assert "fiches/charenton.html" in listed_urls(out.out)
    assert (mini_project.root / "site" / "search" / "index.js").is_file()
    # The second time it reads that index, and says when the catalogue changed since.
    assert main(["--projet", str(mini_project.root), "search", "Charenton"]) == 0
    assert "Attention" not in capsys.readouterr().err
    later = time.time() + 5
    sheet = next((mini_project.kit_dir / "cas").glob("*.yml"))
    os.utime(sheet, (later, later))
    assert main(["--projet", str(mini_project.root), "search", "Charenton"]) == 0
    assert "ont changé depuis ; relancez « kit build »" in capsys.readouterr().err


def test_an_index_from_another_version_asks_for_a_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "site" / "search" / "index.js"
    index.parent.mkdir(parents=True)
    index.write_text("var ancienIndex = {};\n", encoding="utf-8")
    assert main(["--projet", str(tmp_path), "search", "Charenton"]) == 1
    assert "ne contient pas un index de recherche lisible" in capsys.readouterr().err


@pytest.mark.parametrize("arguments", [["-alsace"], ["-n", "2", "-alsace partenariats"], ["partenariats", "-alsace"],
                                       ['-"co-construction"'], ["--nombre=2", "-alsace"], ["-alsace", "-n", "2"],
                                       ["-alsace", "partenariats", "--nombre", "2"], ["-alsace", "-n2"]])
def test_a_query_beginning_with_an_exclusion_is_the_query_not_an_option(
        arguments: list[str], built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # README: « -mot » excludes a word; argparse alone would refuse « -alsace » as an option.
    code = main(["--projet", str(built_project), "search", *arguments])
    out, err = capsys.readouterr()
    assert "arguments obligatoires manquants" not in err and "non reconnu" not in err
    assert code in (0, 1) and ("résultat" in out), (out, err)
    query = " ".join(a for a in arguments if a not in ("-n", "2", "--nombre=2", "--nombre", "-n2"))
    assert f"« {query} »" in out, out
    if any(a in arguments for a in ("-n", "-n2", "--nombre", "--nombre=2")) and "résultats pour" in out:
        assert "(2 premiers)" in out or len([line for line in out.splitlines() if line[:1].isdigit()]) <= 2, out


@pytest.mark.parametrize("typed", ["innovat", "partena", "associat", "innovati", "collectivem"])
def test_a_space_after_a_partly_typed_word_keeps_its_pages(typed: str, built_project: Path) -> None:
    # A newcomer's break test: « innovat » found 18 pages and « innovat » followed by a space
    # none; « partena » 45 and « partena » with a space 2, « corrected » into « partent ».
    from builder.search.engine import SearchIndex

    index = SearchIndex.from_site(built_project / "site")
    typing, spaced = index.search(typed), index.search(typed + " ")
    assert len(typing) >= 2 and not typing.corrected, typed
    assert [r.ref for r in spaced] == [r.ref for r in typing] and not spaced.corrected, typed
