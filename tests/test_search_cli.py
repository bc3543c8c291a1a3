"""``kit search``: the golden queries in the terminal, and what it says about the index it reads."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.config import Project

GOLDEN = yaml.safe_load((Path(__file__).parent / "search_golden.yml").read_text(encoding="utf-8"))


def listed_urls(output: str) -> list[str]:
    """The URLs of the printed results, in order (each result's second line ends with « — URL »)."""
    return [line.rsplit(" — ", 1)[1] for line in output.splitlines() if line.startswith(" ") and " — " in line]


@pytest.fixture(scope="module")
def built_project(real_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder whose site/ is the built real kit."""
    root = tmp_path_factory.mktemp("cli-projet")
    (root / "site").symlink_to(real_site, target_is_directory=True)
    return root


def test_golden_queries_has_at_least_30_queries_of_each_kind() -> None:
    assert len(GOLDEN) >= 30
    assert len({q["requete"] for q in GOLDEN}) == len(GOLDEN)
    assert all(set(q) == {"requete", "attendu", "pourquoi"} for q in GOLDEN)


@pytest.mark.parametrize("golden", GOLDEN, ids=[q["requete"] for q in GOLDEN])
def test_golden_query_on_the_command_line(golden: dict, built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--projet", str(built_project), "search", golden["requete"], "-n", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Recherche dans l'index du site construit" in out.err
    urls = listed_urls(out.out)
    assert len(urls) <= 3
    assert golden["attendu"] in urls, f"{golden['requete']!r} ({golden['pourquoi']}) → {urls}"


def test_results_show_title_kind_paths_and_url(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "Référentiel sur la co-construction en territoire"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("pour « Référentiel sur la co-construction en territoire » (10 premiers) :")
    assert lines[1] == " 1. Référentiel sur la co-construction en territoire"
    assert lines[2] == ("    Cadre de référence · Parcours : Comprendre, Animer, Accompagner — "
                        "documents/referentiel-co-construction-territoire.html")


def test_no_result_says_so_and_fails(built_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--projet", str(built_project), "search", "zzyzx"]) == 1
    assert capsys.readouterr().out.strip() == "Aucun résultat pour « zzyzx »."


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
    assert "n'est pas un index de recherche lisible" in capsys.readouterr().err
