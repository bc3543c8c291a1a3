"""Issue 17: the kit's substance against the seeds, and the wording fixes that must stay.

The seeds (/work/shared/seeds/) are the sources; where they are absent the seed checks skip.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

SEEDS = REPO.parent / "shared" / "seeds"
CONTENT = REPO / "content"
KIT = REPO / "kit"


def seed(prefix: str) -> str:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"{SEEDS} absent : comparaison avec les sources impossible ici")
    return found[0].read_text(encoding="utf-8")


def flat(text: str) -> str:
    """Lower-case, unaccented, typographic apostrophes and dashes folded, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("–", "-"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(text.split())


def words(text: str) -> str:
    """Only the words, for comparing a sentence with an OCR text (stray quotes, broken lines)."""
    return " ".join(re.findall(r"[a-z0-9]+", flat(text)))


def every_text() -> dict[str, str]:
    """Every editorial file (content pages, catalogue data) and the templates that print sentences."""
    files = [*CONTENT.rglob("*.md"), *KIT.rglob("*.yml"), *(REPO / "builder" / "templates").rglob("*.j2")]
    return {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in sorted(files)}


# --- the wording fixes -------------------------------------------------------------------------

# Phrasings that distorted the sources (issue 17), with what the sources say instead.
DISTORTED = [
    # Le RAMEAU wrote the five sheets (note of 2015), not their actors.
    (r"racont\w* par leurs acteurs", "les fiches ne sont pas écrites par les acteurs"),
    # 003 gives Charenton and SilverGeek as « Exemple », not as the typical example.
    (r"exemple[- ]type", "003 dit « Exemple »"),
    # 004 gives the four needs to « tous les travaux », not to the resource centres.
    (r"centres[^.]*(proposent|offrent) tou(te)?s", "004 ne dit pas que chaque centre propose tout"),
    # 003: « Il ne s'agit naturellement pas de disposer d'un modèle unique standardisé ».
    (r"il n'existe pas de mod[eè]le unique", "003 parle de ce qu'il ne s'agit pas de faire"),
    # One spelling of the place and one name of the flyer (000).
    # Any other joining (space, en dash, « Charenton – Saint Maurice ») is an old spelling.
    (r"Charenton(?!-Saint-Maurice)[\s\-–‑]*Saint", "une seule graphie : Charenton-Saint-Maurice"),
    (r"d[ée]pliant", "le flyer de 2016 s'appelle « plaquette » partout"),
]


@pytest.mark.parametrize("pattern, why", DISTORTED, ids=[w for _, w in DISTORTED])
def test_distorted_phrasings_are_gone(pattern: str, why: str) -> None:
    for name, text in every_text().items():
        found = re.search(pattern, text.replace("’", "'"), re.IGNORECASE)
        assert found is None, f"{name} : « {found.group(0)} » ({why})"


def test_the_resource_centres_sentence_follows_004() -> None:
    genese = flat((CONTENT / "le-kit" / "genese.md").read_text(encoding="utf-8"))
    source = flat(seed("004"))
    # 004: « tous les travaux sont mis à disposition … pour les éclairer sur 4 nouveaux besoins »
    assert "tous les travaux sont mis a disposition" in source
    assert "tous les travaux sont mis a disposition des organisations et des territoires pour les eclairer sur quatre nouveaux besoins" in genese


def test_the_single_model_sentence_follows_003() -> None:
    page = words((CONTENT / "le-kit" / "co-construction.md").read_text(encoding="utf-8"))
    # 003: « Il ne s'agit naturellement pas de disposer d'un modèle unique standardisé, qui serait à la
    # fois impossible et inutile ; mais bien d'identifier les similitudes »: what one should not aim for
    source = words(seed("003"))
    assert "il ne s agit naturellement pas de disposer d un modele unique standardise qui serait a la fois impossible et inutile" in source
    assert "il ne s agit pas de disposer d un modele unique standardise qui serait a la fois impossible et inutile mais bien d identifier les similitudes" in page


def test_the_animer_path_names_its_four_tool_sheets() -> None:
    paths = {p["id"]: p for p in yaml.safe_load((KIT / "parcours.yml").read_text(encoding="utf-8"))}
    documents = {d["id"]: d for d in yaml.safe_load((KIT / "documents.yml").read_text(encoding="utf-8"))}
    animer = paths["animer"]
    tools = [i for i in animer["documents"] if documents[i].get("famille") == "fiches-outil"]
    assert len(tools) == 4
    introduction = flat(animer["introduction"])
    for tool in tools:
        # each tool sheet's title, as 003 prints it, is named in the introduction
        title = flat(documents[tool]["titre"])
        words = [w for w in re.findall(r"[a-z]{4,}", title) if w not in {"dans", "pour", "avec"}]
        assert all(w in introduction for w in words), (tool, words)


def test_the_resource_centres_addresses_come_from_004() -> None:
    genese = (CONTENT / "le-kit" / "genese.md").read_text(encoding="utf-8")
    source = re.sub(r"\s+", "", seed("004"))  # 004 breaks its addresses across lines
    addresses = set(re.findall(r"<(https?://[^>]+)>", genese))
    centres = {a for a in addresses if a.endswith(".wordpress.com/")}
    assert len(centres) >= 7
    for address in addresses:
        assert address in source or address in seed("003") or address in seed("000"), address


def test_the_resource_centres_are_named_as_004_names_them() -> None:
    genese = (CONTENT / "le-kit" / "genese.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| [^|]+ \| ([^|]+) \| (?:<https://[^>]+>|centre de ressources [^|]+) \|$", genese, re.MULTILINE)
    assert len(rows) == 7, rows
    source = words(seed("004"))
    for name in rows:
        assert words(name) in source, name


def test_sdg_17_cese_and_territoires_d_avenir_in_the_genesis() -> None:
    genese = flat((CONTENT / "le-kit" / "genese.md").read_text(encoding="utf-8"))
    assert "odd 17" in flat(seed("004")) or "odd 1735" in flat(seed("004"))
    assert "odd 17" in genese
    assert "12 janvier 2018" in genese and "cese" in genese
    assert "programme de recherche « territoires d'avenir »" in flat(seed("002"))
    assert "programme de recherche « territoires d'avenir »" in genese


# --- the concept data (kit/fragilites.yml, kit/objectifs.yml) against the seeds ----------------


@pytest.fixture(scope="module")
def kit():
    from builder.config import Project
    from builder.validate import load_kit

    return load_kit(Project(REPO))[1]


def slide(text: str, start: str, end: str) -> str:
    """The passage of a seed between two headings (both included), folded."""
    folded = flat(text)
    begin = folded.index(flat(start))
    return folded[begin:folded.index(flat(end), begin) + len(flat(end))]


def fragility_slide() -> str:
    return slide(seed("001"), "Qu'est-ce qu'une fragilité ?", "16 indicateurs permettant de hiérarchiser")


def test_the_fragility_indicators_are_the_slide_s(kit) -> None:
    data = kit.fragilities
    passage = fragility_slide()
    # « 16 indicateurs » as the slide announces, in the slide's four families, in its order
    announced = int(re.search(r"(\d+) indicateurs permettant de hierarchiser", passage).group(1))
    assert len(data.indicators) == announced == 16
    labels = [flat(f.libelle) for f in data.familles]
    assert labels == ["criteres economiques", "criteres sociaux", "criteres societaux", "criteres environnementaux"]
    positions = [passage.index(label) for label in labels]
    assert positions == sorted(positions)
    # every indicator is the slide's words (slashes and dashes aside), in the slide's order
    slide_words = words(passage)
    last = -1
    for indicator in data.indicators:
        for word in words(indicator).split():
            assert re.search(rf"\b{word}\b", slide_words), (indicator, word)
        first = words(indicator).split()[0]
        position = slide_words.index(first, last + 1) if first in slide_words[last + 1:] else slide_words.index(first)
        assert position > last, indicator
        last = position
    # and no bullet of the slide is left out
    text = seed("001")[seed("001").index("Qu’est-ce qu’une fragilité"):seed("001").index("16 indicateurs permettant")]
    bullets = [re.sub(r"criteres \w+", "", words(b)) for b in text.split("•")[1:]]  # family headings dropped
    covered = words(" ".join(data.indicators))
    for bullet in bullets:
        for word in bullet.split():
            assert re.search(rf"\b{word}\b", covered), (bullet, word)


def test_the_merged_environment_indicator_is_said_to_be_the_team_s(kit) -> None:
    # The slide prints « Environnement » and « Pollution » apart: merging them is the team's reading,
    # so the remark must say who merged them (not « le kit », which reads as Le RAMEAU's kit).
    remark = flat(kit.fragilities.remarque)
    assert "environnement" in remark and "pollution" in remark
    assert "l'equipe du kit les reunit" in remark


def test_the_citizens_four_fragilities_are_phare_citoyens(kit) -> None:
    figures = [f for f in kit.figures if f.groupe == "fragilites-citoyens"]
    assert len(figures) == 4
    passage = words(slide(seed("001"), "Le regard des citoyens", "Source: PHARE Citoyens"))
    for figure in figures:
        assert figure.unite == "%"
        # « Emploi / chômage / insertion (49%) »: the label's words, then its value
        label = words(figure.libelle).split()
        found = re.search(rf"{label[-1]} {int(figure.valeur)}\b", passage)
        assert found, (figure.libelle, figure.valeur)
        assert all(w in passage for w in label if len(w) > 2), figure.libelle
        assert "phare-citoyens" in figure.source.lower()


def objectives_section() -> str:
    return slide(seed("002"), "a. Les objectifs des territoires dans les mouvements de co-construction \n \nLes alliances",
                 "facteurs de différenciation entre les territoires")


def test_the_four_objectives_are_the_note_s(kit) -> None:
    data = kit.objectives
    section = objectives_section()
    section_words = words(section)
    assert "autour de 4 objectifs" in section
    assert len(data.objectifs) == 4
    # two of an economic nature, two of a social nature, as the note groups them
    assert "deux objectifs de nature economique" in section and "deux objectifs de nature sociale" in section
    economic = section[section.index("deux objectifs de nature economique"):section.index("deux objectifs de nature sociale")]
    social = section[section.index("deux objectifs de nature sociale"):section.index("double logique")]
    for nature, text in (("economique", economic), ("sociale", social)):
        titles = [o.titre for o in data.of_nature(nature)]
        assert len(titles) == 2, nature
        for title in titles:
            assert words(title).removeprefix("l ").removeprefix("le ").removeprefix("la ") in words(text), title
    for objective in data.objectifs:
        # the description says what the note says: its words are the note's
        said = [w for w in words(objective.description).split() if len(w) > 3]
        missing = [w for w in said if w not in section_words]
        assert len(missing) <= len(said) // 6, (objective.id, missing)
    # the double logic: internal needs (development, cohesion), standing outside (attractiveness, quality of life)
    logic = section[section.index("double logique"):]
    internal, external = logic.split("etre un territoire performant")
    assert {o.id for o in data.of_logic("besoins-internes")} == {"developpement-economique", "cohesion-sociale"}
    assert "developpement economique" in internal and "cohesion sociale" in internal
    assert {o.id for o in data.of_logic("performance-exterieure")} == {"attractivite", "qualite-de-vie"}
    assert "attractivite" in external and "qualite de vie" in external


def article_text(page: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.select_one("article").get_text(" ").split())


def test_the_fragilities_page_shows_the_data(real_site: Path, kit) -> None:
    from bs4 import BeautifulSoup

    page = real_site / "le-kit" / "fragilites.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    items = [" ".join(li.get_text(" ").split()) for li in soup.select("article .kit-fragilites li")]
    assert items == kit.fragilities.indicators
    text = article_text(page)
    for family in kit.fragilities.familles:
        assert f"{family.libelle} ({len(family.indicateurs)} indicateurs)" in text
    assert f"Au total, {len(kit.fragilities.indicators)} indicateurs" in text
    assert kit.fragilities.source in text
    # the citizens' four priorities: one chart, from kit/chiffres.yml
    chart = soup.select_one("#chiffres-fragilites-citoyens ul.kit-barres")
    label = " ".join(chart.get_text(" ").replace("\u00a0", " ").replace("\u202f", " ").split())
    for figure in (f for f in kit.figures if f.groupe == "fragilites-citoyens"):
        assert f"{int(figure.valeur)} % {figure.libelle}" in label
    assert len(soup.select("article figure.kit-graphique")) == 1  # only that group's chart here


def test_the_co_construction_page_shows_the_objectives(real_site: Path, kit) -> None:
    text = article_text(real_site / "le-kit" / "co-construction.html")
    data = kit.objectives
    for objective in data.objectifs:
        assert f"{objective.titre} : {objective.description}" in text, objective.id
    for axis in [*data.natures, *data.logiques]:
        assert axis.libelle in text
    for logic in data.logiques:
        assert " ; ".join(o.titre for o in data.of_logic(logic.id)) in text
    assert data.source in text
    # the three factors of territorial diversity (002), with the questions each raises
    for factor in ("L'articulation des périmètres géographiques", "La typologie des territoires",
                   "L'histoire des territoires en matière d'alliances"):
        assert factor in text
        assert words(factor) in words(seed("002"))


def test_the_value_chain_names_the_six_parties(real_site: Path) -> None:
    text = article_text(real_site / "le-kit" / "animation-territoriale.html")
    source = words(slide(seed("001"), "L’équilibre à définir", "6 parties prenantes du territoire"))
    for party in ("Pouvoirs publics", "Associations", "Entreprises", "Citoyens", "Universités", "Médias"):
        assert party in text
    for contribution in ("Financement de l'ingénierie", "Veille territoriale", "Nouveaux marchés",
                         "Recherche d'expériences concrètes locales", "Émulation du territoire"):
        assert words(contribution) in words(text)
        assert words(contribution) in source


# --- the data files are optional; a marker that cannot be filled is a clear error -------------


def check_errors(project) -> str:
    from builder.problems import CatalogueError
    from builder.validate import load_kit

    with pytest.raises(CatalogueError) as raised:
        load_kit(project)
    return raised.value.problems.report()


def test_another_kit_needs_no_concept_files(tmp_path: Path) -> None:
    from builder.validate import load_kit
    from tests.conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / "autre-kit", tmp_path / "autre")
    assert not (project.kit_dir / "fragilites.yml").exists()
    kit = load_kit(project)[1]
    assert kit.fragilities is None and kit.objectives is None


def test_a_marker_without_its_data_is_reported_with_page_and_line(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / "autre-kit", tmp_path / "autre")
    page = project.content_dir / "concepts.md"
    page.write_text("---\ntitle: Concepts\n---\n\nTexte.\n\n<!-- kit:fragilites -->\n\n<!-- kit:chifres -->\n\n"
                    "<!-- kit:chiffres inconnu -->\n\n<!-- kit:parcours tous -->\n", encoding="utf-8")
    report = check_errors(project)
    assert "content/concepts.md:7 : le marqueur « <!-- kit:fragilites --> » affiche le contenu de kit/fragilites.yml, absent" in report
    assert "content/concepts.md:9 : marqueur « <!-- kit:chifres --> » inconnu : les marqueurs possibles sont kit:chiffres," in report
    assert "content/concepts.md:11 : marqueur « <!-- kit:chiffres inconnu --> » : le groupe « inconnu » n'existe pas" in report
    assert "content/concepts.md:13 : marqueur « <!-- kit:parcours tous --> » : « kit:parcours » ne prend pas d'argument" in report
    assert "Traceback" not in report


def test_an_objective_of_an_unknown_nature_is_reported_on_its_line(tmp_path: Path) -> None:
    from tests.conftest import repo_project_copy

    project = repo_project_copy(tmp_path / "kit")
    path = project.kit_dir / "objectifs.yml"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index("    nature: sociale") + 1
    path.write_text(text.replace("    nature: sociale", "    nature: social", 1), encoding="utf-8")
    report = check_errors(project)
    assert (f"kit/objectifs.yml:{line} : « nature » : « social » n'est pas dans la liste « natures » du fichier. "
            "Valeurs possibles : economique, sociale.") in report


def test_a_family_without_indicators_is_refused(tmp_path: Path) -> None:
    from tests.conftest import repo_project_copy

    project = repo_project_copy(tmp_path / "kit")
    path = project.kit_dir / "fragilites.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    indicateurs:\n      - \"Environnement / pollution\"")
    end = text.index("remarque:")
    path.write_text(text[:start] + "    indicateurs: []\n" + text[end:], encoding="utf-8")
    report = check_errors(project)
    assert "kit/fragilites.yml:" in report and "indicateurs" in report


# --- the forms of co-construction: a source's classification, or the team's ---------------------

EDITORIAL_NOTE = "classement proposé par l'équipe du kit"


def test_only_the_forms_no_source_gives_are_marked_as_the_team_s(kit) -> None:
    by_slug = {c.slug: c.sheet for c in kit.cases}
    # 003 (annexe) classifies only Charenton (dialogue territorial) and SilverGeek (experiment)
    annex = flat(seed("003")[seed("003").index("Les 3 formes de co-construction territoriale"):])
    assert "charenton saint maurice a engage en 2011 un dialogue territorial" in annex
    assert "l'experimentation collective silver geek" in annex
    assert by_slug["agir-ensemble-charenton"].formes_source == "sources"
    assert by_slug["silvergeek"].formes_source == "sources"
    for slug in ("coordin-actions", "flda"):
        assert by_slug[slug].formes_source == "equipe", slug
        assert flat(by_slug[slug].titre.split(" (")[0]) not in annex


def test_the_identity_card_says_who_classified_the_forms(real_site: Path, kit) -> None:
    from bs4 import BeautifulSoup

    for case in kit.cases:
        page = BeautifulSoup((real_site / "fiches" / f"{case.slug}.html").read_text(encoding="utf-8"), "html.parser")
        card = page.select_one(".kit-fiche-identite")
        forms = next(dt for dt in card.select("dt") if dt.get_text(strip=True) == "Formes de co-construction")
        value = " ".join(forms.find_next_sibling("dd").get_text(" ").split())
        if case.sheet.formes_source == "equipe":
            assert EDITORIAL_NOTE in value, case.slug
        else:
            assert EDITORIAL_NOTE not in page.get_text(), case.slug
    assert {c.slug for c in kit.cases if c.sheet.formes_source == "equipe"} >= {"coordin-actions", "flda"}
