"""The map of case sheets: outlines and their licence, each sheet on its region and
linked, the list that is its text alternative, region names checked for editors."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from builder import francemap
from builder.config import Project
from builder.problems import CatalogueError
from builder.validate import load_kit
from builder.models import Case
from tests.conftest import REPO

CASES = "fiches/index.html"
CURRENT_REGIONS = {
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse", "Grand Est",
    "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur", "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte",
}


def inside(point: tuple[float, float], rings) -> bool:
    """Even-odd rule over every ring of a region."""
    x, y = point
    count = 0
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]]):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                count += 1
    return count % 2 == 1


def test_the_outlines_are_the_current_regions_with_their_licence() -> None:
    assert set(francemap.region_names()) == CURRENT_REGIONS
    folder = francemap.DATA_FILE.parent
    licence = (folder / "LICENCE.md").read_text(encoding="utf-8")
    assert "Natural Earth" in licence and "public domain" in licence
    assert "mapshaper" in (folder / "README.md").read_text(encoding="utf-8")  # how to derive it again


def test_every_region_anchor_lies_inside_its_region_and_inside_the_drawing() -> None:
    for shape in francemap.layout():
        assert inside(shape.anchor, shape.rings), shape.region.name
        x, y = shape.anchor
        assert 0 < x < francemap.WIDTH and 0 < y < francemap.HEIGHT
    # metropolitan France keeps its shape: Brittany west of Alsace, Corsica south-east of Paris
    anchors = {s.region.name: s.anchor for s in francemap.layout()}
    assert anchors["Bretagne"][0] < anchors["Grand Est"][0]
    assert anchors["Corse"][0] > anchors["Île-de-France"][0] and anchors["Corse"][1] > anchors["Île-de-France"][1]
    assert anchors["Hauts-de-France"][1] < anchors["Occitanie"][1]


def test_region_names_are_matched_loosely_and_stored_officially() -> None:
    assert francemap.find_region("provence-alpes-cote-d'azur").name == "Provence-Alpes-Côte d'Azur"
    assert francemap.find_region("ILE DE FRANCE").name == "Île-de-France"
    assert francemap.find_region("Alsace") is None


def test_markers_link_each_sheet_on_its_region(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    page = BeautifulSoup((real_site / CASES).read_text(encoding="utf-8"), "html.parser")
    svg = page.select_one("figure.kit-carte svg.kit-carte__svg")
    assert svg is not None and svg.get("role") == "group"
    assert page.find(id=svg["aria-labelledby"]).get_text(strip=True)
    shapes = {s.region.name: s for s in francemap.layout()}
    markers = svg.select("a.kit-carte__repere")
    assert len(markers) == sum(1 for c in kit.cases if c.sheet.region)
    for number, case in enumerate(kit.cases, 1):
        marker = svg.select_one(f"a[data-kit-item='{case.slug}']")
        assert marker["href"] == f"{case.slug}.html" and (real_site / "fiches" / marker["href"]).is_file()
        assert marker.select_one("text").get_text() == str(number)
        assert case.sheet.titre in marker["aria-label"] and case.sheet.region in marker["aria-label"]
        circle = marker.select_one("circle")
        centre = (float(circle["cx"]), float(circle["cy"]))
        shape = shapes[case.sheet.region]
        sharing = sum(1 for c in kit.cases if c.sheet.region == case.sheet.region)
        if sharing == 1:  # alone: on the region's anchor, inside the region
            assert inside(centre, shape.rings) and centre == pytest.approx(shape.anchor, abs=0.06), case.slug
        else:  # several: around the anchor, at most a marker's spread away
            assert math.dist(centre, shape.anchor) <= francemap.spread(sharing) + 0.1, case.slug
        # the same number in the list of sheets above the map
        entry = page.select_one(f"ol.kit-fiches a[data-kit-item='{case.slug}']").find_parent("li")
        assert entry["value"] == str(number)
    regions_with_sheets = {c.sheet.region for c in kit.cases if c.sheet.region}
    highlighted = {p.find("title").get_text() for p in svg.select("path.kit-carte__region--fiches")}
    assert highlighted == regions_with_sheets


def test_markers_sharing_a_region_do_not_overlap() -> None:
    config, kit = load_kit(Project(REPO))
    sample = kit.cases[0]
    for count in (2, 3, 5, francemap.GROUP_AT):  # beyond, one marker for the group (test below)
        cases = [Case(f"fiche-{n}", sample.sheet, sample.source_file) for n in range(count)]
        placed = francemap.markers(cases)
        assert [m.number for m in placed] == list(range(1, count + 1))
        for first, second in itertools.combinations(placed, 2):
            assert math.dist((first.x, first.y), (second.x, second.y)) >= 2 * francemap.MARKER_RADIUS, count


def test_the_map_has_a_list_as_its_text_alternative(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    page = BeautifulSoup((real_site / CASES).read_text(encoding="utf-8"), "html.parser")
    text = page.select_one("figure.kit-carte figcaption")
    regions = {}
    for region in text.select("li[data-kit-groupe]"):
        name = region.find(string=True, recursive=False).strip()
        regions[name] = [(a["href"], a.find_parent("li").get_text(" ", strip=True)) for a in region.select("a")]
    for number, case in enumerate(kit.cases, 1):
        entries = regions[case.sheet.region]
        assert (f"{case.slug}.html", f"{number}. {case.sheet.titre}") in entries
    assert "Natural Earth" in text.get_text()


def test_a_sheet_without_region_is_listed_not_placed(tmp_path: Path) -> None:
    from builder.build import build
    from tests.conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    sheet.write_text(re.sub(r'^region: .*\n', "", sheet.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    site = build(project, tmp_path / "site", with_archive=False).site_dir
    page = BeautifulSoup((site / CASES).read_text(encoding="utf-8"), "html.parser")
    assert page.select_one("svg a[data-kit-item='charenton']") is None
    assert page.select_one("svg a[data-kit-item='silvergeek']") is not None
    unplaced = [li for li in page.select("figcaption li[data-kit-groupe]") if "Sans région" in li.get_text()]
    assert len(unplaced) == 1 and unplaced[0].select_one("a[href='charenton.html']")


def test_unknown_region_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    sheet = project.kit_dir / "cas" / "charenton.yml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace('region: "Île-de-France"', 'region: "Ile de Frances"'),
                     encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_kit(project)
    report = str(error.value)
    assert "charenton.yml" in report and "région « Ile de Frances » inconnue" in report
    assert "Vouliez-vous dire « Île-de-France » ?" in report


@pytest.mark.browser
def test_a_marker_leads_to_its_sheet(page, real_url: str) -> None:
    page.goto(real_url + CASES)
    marker = page.locator("svg.kit-carte__svg a.kit-carte__repere").first
    slug = marker.get_attribute("data-kit-item")
    marker.click()
    page.wait_for_url(f"**/fiches/{slug}.html")
    assert page.locator("h1").inner_text().strip()
    # keyboard users reach the markers too
    page.go_back()
    focused = page.evaluate("(() => { const a = document.querySelector('svg a.kit-carte__repere'); a.focus(); "
                            "return document.activeElement === a; })()")
    assert focused


def test_a_crowded_region_gets_one_marker_for_its_group_that_leads_to_its_list(tmp_path) -> None:
    """Issue 15: 2,000 sheets cannot each have a marker (the map holds about 150, and placing
    them apart is quadratic); past GROUP_AT sheets a region gets one marker with its count."""
    import re
    from types import SimpleNamespace

    crowded = [SimpleNamespace(slug=f"f{i}", sheet=SimpleNamespace(region="Île-de-France", titre=f"T{i}", territoire="X"))
               for i in range(2000)]
    alone = [SimpleNamespace(slug="seule", sheet=SimpleNamespace(region="Bretagne", titre="B", territoire="Y"))]
    placed = francemap.markers(crowded + alone)
    assert len(placed) == 2
    group = next(m for m in placed if m.case is None)
    assert group.group == 2000 and group.region == "Île-de-France"
    svg = str(francemap.map_svg(crowded + alone, lambda case: f"{case.slug}.html"))
    assert f'href="#{francemap.region_anchor("Île-de-France")}"' in svg
    assert 'aria-label="Île-de-France : 2000 fiches, voir leur liste sous la carte"' in svg
    assert 'href="seule.html"' in svg and len(re.findall(r"<a ", svg)) == 2
    # the region still lights up with the filters: every sheet listed on its outline
    assert "f0 f1 f2" in svg and "f1999" in svg
