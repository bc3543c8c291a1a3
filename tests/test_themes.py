"""Themes: one theme, one filter entry (NFC, case, spaces), a length limit, and « vouliez-vous
dire » when a sheet spells a theme differently from the other sheets."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from builder.cli import main
from builder.validate import load_kit
from builder.themes import folded, normalise_theme
from conftest import FIXTURES, copy_project


@pytest.mark.parametrize(("typed", "theme"), [
    ("Insertion", "insertion"),
    ("  maintien   à  domicile ", "maintien à domicile"),
    (unicodedata.normalize("NFD", "Économie sociale"), "économie sociale"),
    ("RSE des PME", "RSE des PME"),
])
def test_a_theme_is_normalised(typed: str, theme: str) -> None:
    assert normalise_theme(typed) == theme
    assert unicodedata.is_normalized("NFC", normalise_theme(typed))


def test_spellings_fold_together() -> None:
    assert folded("Économies") == folded("economie") == "economie"
    assert folded("emplois") == folded("emploi")
    assert folded("insertion des jeunes") != folded("insertion")


@pytest.fixture
def project(tmp_path: Path):
    return copy_project(FIXTURES / "mini", tmp_path / "mini")


def set_themes(project, slug: str, themes: str) -> Path:
    path = project.kit_dir / "cas" / f"{slug}.yml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("themes:")]
    lines.insert(1, f"themes: {themes}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_case_and_unicode_variants_are_one_theme(project) -> None:
    set_themes(project, "charenton", "[Insertion, " + unicodedata.normalize("NFD", "économie") + "]")
    set_themes(project, "silvergeek", "[insertion, économie]")
    _, kit = load_kit(project)
    assert {tuple(c.sheet.themes) for c in kit.cases} == {("insertion", "économie")}


def test_a_long_theme_is_refused_on_its_line(project, capsys) -> None:
    theme = "l'insertion professionnelle des jeunes du quartier"  # 50 characters
    path = set_themes(project, "charenton", f'["{theme}"]')
    assert main(["--projet", str(project.root), "check"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"kit/cas/charenton.yml:2 : « themes » : thème « {theme} » trop long (50 caractères, 40 au plus) : un thème "
        "est un mot ou deux, par exemple « emploi » ou « maintien à domicile » ; les explications vont dans les rubriques.")
    assert path.is_file()


def test_a_theme_spelt_differently_gets_did_you_mean(project, capsys) -> None:
    set_themes(project, "charenton", "[emploi, économie]")
    path = set_themes(project, "silvergeek", "\n  - numérique\n  - emplois")
    # a third sheet makes « emploi » the usual spelling
    (project.kit_dir / "cas" / "troisieme.yml").write_text(
        (project.kit_dir / "cas" / "charenton.yml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--projet", str(project.root), "check"]) == 1
    line = next(n for n, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if l == "  - emplois")
    assert capsys.readouterr().err.splitlines() == [
        f"kit/cas/silvergeek.yml:{line} : « themes » : thème « emplois » : d'autres fiches écrivent « emploi ». "
        "Vouliez-vous dire « emploi » ? Un même thème s'écrit de la même façon partout pour n'être qu'une entrée du "
        "filtre des fiches.",
        "1 erreur trouvée.",
        "Corrigez ces erreurs puis relancez « kit check ».",
    ]


# --- curly quotes wrapping a whole value (Word, phones) -------------------------------------------


def test_curly_quotes_wrapping_a_value_are_taken_off(project) -> None:
    path = project.kit_dir / "cas" / "charenton.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('titre: "Agir ensemble à Charenton-Saint Maurice"', "titre: “Agir ensemble à Charenton-Saint Maurice”")
    text = text.replace('statut: "Collectivité territoriale"', "statut: ‘Collectivité territoriale’")
    text += "site_web: “http://www.lerameau.fr/”\n"
    text = text.replace("themes: [emploi]", "themes: [emploi, “le “club” des patrons”]")
    path.write_text(text, encoding="utf-8")
    _, kit = load_kit(project)
    sheet = next(c.sheet for c in kit.cases if c.slug == "charenton")
    assert sheet.titre == "Agir ensemble à Charenton-Saint Maurice"
    assert sheet.statut == "Collectivité territoriale"
    assert sheet.site_web == "http://www.lerameau.fr/"
    assert sheet.themes == ["emploi", "“le “club” des patrons”"]  # quotes inside are the text's own


def test_a_theme_twice_in_one_sheet_is_reported(project, capsys) -> None:
    path = set_themes(project, "charenton", "\n  - emploi\n  - Emplois")
    assert main(["--projet", str(project.root), "check"]) == 1
    line = next(n for n, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if l == "  - Emplois")
    assert (f"kit/cas/charenton.yml:{line} : « themes » : thème « emplois » en double dans cette fiche "
            "(déjà « emploi ») : retirez-le.") in capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("typed", ["emploi; insertion", "emploi, insertion"])
def test_two_themes_typed_as_one_are_refused(project, capsys, typed: str) -> None:
    set_themes(project, "charenton", f'["{typed}"]')
    assert main(["--projet", str(project.root), "check"]) == 1
    assert ("un seul thème par élément de la liste ; écrivez par exemple themes: [emploi, insertion]"
            in capsys.readouterr().err)
