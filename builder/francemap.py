"""The map of the case sheets: an SVG map of France drawn at build time.

Region outlines come from Natural Earth (public domain), vendored in
``builder/data/regions/`` with their licence and the command that derived them.
Metropolitan France is drawn in the Lambert-93 projection (the official French
conformal conic projection); each overseas region gets its own small inset below.
Each case sheet is a numbered marker on its region, linked to its page; the same
numbers are used by the list that serves as the map's text alternative.
Nothing is loaded by the browser: the map is plain SVG inside the page.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from builder.models import Case
# The region registry lives in the bottom layer (the model reads it); re-exported for the map's readers.
from builder.regions import DATA_FILE, OVERSEAS, Point, Region, Ring, find_region, load_regions, region_key, region_names  # noqa: F401


WIDTH = 600
METRO_HEIGHT = 560
MARGIN = 10
# The overseas insets, in rows below metropolitan France: wide enough for their names at
# the size a phone needs (issue 16: text >= 12 CSS px at 320 px wide, where the map is
# drawn at 288 px, so 26 map units; WCAG text spacing included).
INSETS_PER_ROW = 3
INSET_HEIGHT = 120
INSET_GAP = 8
INSET_LABEL = 34  # the band at the top of an inset that holds its name
INSET_ROWS = -(-5 // INSETS_PER_ROW)
HEIGHT = METRO_HEIGHT + INSET_ROWS * (INSET_HEIGHT + INSET_GAP) + INSET_GAP
# The markers' largest radius, in map units (the CSS of theme/assets/css/kit-reperes.css
# draws them at 14, 17 or 26 depending on the screen's width, so that a marker is always at
# least 24 CSS px wide and its number 12 CSS px high). Placement uses the largest.
MARKER_RADIUS = 26
MARKER_GAP = 3  # between two markers, at their largest
SPREAD = MARKER_RADIUS + MARKER_GAP  # distance from the anchor of markers sharing a region
DRAWN_RADIUS = 14  # the radius attribute, for a wide screen; the CSS enlarges it on narrow ones



@dataclass(frozen=True)
class Marker:
    number: int
    case: Case | None  # None: a region's group of sheets (``group`` of them)
    x: float
    y: float
    region: str = ""
    group: int = 0


# Past this many sheets in one region, the region gets one marker with their count, linked to
# the region's list below the map: a map of 600 units holds about 150 markers of a phone's
# size, so one marker per sheet cannot scale (issue 15: 2,000 sheets), and placing them apart
# is quadratic in their number.
GROUP_AT = 6


# --- projections ----------------------------------------------------------------------------


def lambert93(lon: float, lat: float) -> Point:
    """Lambert conformal conic with the Lambert-93 parallels (44° N, 49° N), on a sphere."""
    phi1, phi2, phi0, lam0 = map(math.radians, (44.0, 49.0, 46.5, 3.0))
    n = math.log(math.cos(phi1) / math.cos(phi2)) / math.log(
        math.tan(math.pi / 4 + phi2 / 2) / math.tan(math.pi / 4 + phi1 / 2))
    f = math.cos(phi1) * math.tan(math.pi / 4 + phi1 / 2) ** n / n
    rho = f / math.tan(math.pi / 4 + math.radians(lat) / 2) ** n
    rho0 = f / math.tan(math.pi / 4 + phi0 / 2) ** n
    theta = n * (math.radians(lon) - lam0)
    return rho * math.sin(theta), rho0 - rho * math.cos(theta)


def equirectangular(lat0: float) -> Callable[[float, float], Point]:
    scale = math.cos(math.radians(lat0))
    return lambda lon, lat: (lon * scale, lat)


class Frame:
    """Fits projected points into a box of the SVG (y axis pointing down)."""

    def __init__(self, points: Sequence[Point], box: tuple[float, float, float, float]):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        self.min_x, self.max_y = min(xs), max(ys)
        left, top, width, height = box
        span_x, span_y = (max(xs) - self.min_x) or 1.0, (self.max_y - min(ys)) or 1.0
        self.scale = min(width / span_x, height / span_y)
        self.left = left + (width - span_x * self.scale) / 2
        self.top = top + (height - span_y * self.scale) / 2

    def __call__(self, point: Point) -> Point:
        return (self.left + (point[0] - self.min_x) * self.scale, self.top + (self.max_y - point[1]) * self.scale)


@dataclass(frozen=True)
class Shape:
    region: Region
    rings: tuple[tuple[Point, ...], ...]  # in SVG coordinates
    anchor: Point


def _ring_area_centroid(ring: Sequence[Point]) -> tuple[float, Point]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        return 0.0, ring[0]
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def _anchor(polygons: Sequence[Sequence[Sequence[Point]]]) -> Point:
    """The centroid of the region's largest piece (islands would pull it into the sea)."""
    return max((_ring_area_centroid(polygon[0]) for polygon in polygons), key=lambda found: found[0])[1]


@functools.cache
def layout() -> tuple[Shape, ...]:
    """Every region in SVG coordinates: metropolitan France on top, the overseas insets below."""
    regions = load_regions()
    shapes = []
    metro = [r for r in regions if not r.overseas]
    projected = {r.name: [[[lambert93(*p) for p in ring] for ring in polygon] for polygon in r.polygons] for r in metro}
    frame = Frame([p for polygons in projected.values() for polygon in polygons for ring in polygon for p in ring],
                  (MARGIN, MARGIN, WIDTH - 2 * MARGIN, METRO_HEIGHT - 2 * MARGIN))
    for region in metro:
        shapes.append(_shape(region, projected[region.name], frame))
    boxes = {name: (left, top, width) for name, left, top, width in inset_boxes()}
    for name in OVERSEAS:
        region = next((r for r in regions if r.name == name), None)
        if region is None:
            continue
        lats = [lat for polygon in region.polygons for ring in polygon for _, lat in ring]
        project = equirectangular(sum(lats) / len(lats))
        polygons = [[[project(*p) for p in ring] for ring in polygon] for polygon in region.polygons]
        left, top, width = boxes[name]
        # below the name's band, never under it (the Guyane's name was overlapped)
        box = (left + 8, top + INSET_LABEL + 4, width - 16, INSET_HEIGHT - INSET_LABEL - 12)
        frame = Frame([p for polygon in polygons for ring in polygon for p in ring], box)
        shapes.append(_shape(region, polygons, frame))
    return tuple(shapes)


def _shape(region: Region, polygons: list[list[list[Point]]], frame: Frame) -> Shape:
    placed = [[[frame(p) for p in ring] for ring in polygon] for polygon in polygons]
    rings = tuple(tuple(ring) for polygon in placed for ring in polygon)
    return Shape(region, rings, _anchor(placed))


def inset_boxes() -> list[tuple[str, float, float, float]]:
    """(name, left, top, width) of each overseas inset: rows of INSETS_PER_ROW, left to right."""
    inset_width = (WIDTH - 2 * MARGIN - (INSETS_PER_ROW - 1) * INSET_GAP) / INSETS_PER_ROW
    return [(name, MARGIN + (i % INSETS_PER_ROW) * (inset_width + INSET_GAP),
             METRO_HEIGHT + INSET_GAP + (i // INSETS_PER_ROW) * (INSET_HEIGHT + INSET_GAP), inset_width)
            for i, name in enumerate(OVERSEAS)]


# --- markers and drawing ---------------------------------------------------------------------


def markers(cases: Sequence[Case]) -> list[Marker]:
    """A numbered marker per sheet that names a known region, spread around the region's
    anchor; a region with more than ``GROUP_AT`` sheets gets one marker for the group."""
    anchors = {s.region.name: s.anchor for s in layout()}
    by_region: dict[str, list[tuple[int, Case]]] = {}
    for number, case in enumerate(cases, 1):
        region = find_region(case.sheet.region)
        if region is not None:
            by_region.setdefault(region.name, []).append((number, case))
    placed = []
    for name, items in by_region.items():
        ax, ay = anchors[name]
        count = len(items)
        if count > GROUP_AT:
            placed.append(Marker(items[0][0], None, ax, ay, name, count))
            continue
        for index, (number, case) in enumerate(items):
            if count == 1:
                x, y = ax, ay
            else:  # on a circle around the anchor, first one at the top, wide enough not to overlap
                radius = spread(count)
                angle = -math.pi / 2 + 2 * math.pi * index / count
                x, y = ax + radius * math.cos(angle), ay + radius * math.sin(angle)
            placed.append(Marker(number, case, x, y, name))
    return _apart(sorted(placed, key=lambda m: m.number))


def region_anchor(name: str) -> str:
    """The id of a region's entry in the map's text (the list below the map)."""
    return "carte-" + region_key(name)


def spread(count: int) -> float:
    """Distance from the region's anchor of ``count`` markers sharing a region (map units)."""
    return max(SPREAD, (MARKER_RADIUS + MARKER_GAP / 2) / math.sin(math.pi / count))


def _apart(placed: list[Marker], rounds: int = 60) -> list[Marker]:
    """Markers of neighbouring regions pushed apart where they would overlap (at the largest
    radius), each pair by half the overlap along the line between them; deterministic."""
    points = [[m.x, m.y] for m in placed]
    least = 2 * MARKER_RADIUS + MARKER_GAP
    for _ in range(rounds):
        moved = False
        for i in range(len(points)):
            for j in range(i + 1, len(points)):
                dx, dy = points[j][0] - points[i][0], points[j][1] - points[i][1]
                distance = math.hypot(dx, dy)
                if distance >= least - 1e-6:
                    continue
                if distance < 1e-6:
                    dx, dy, distance = 1.0, 0.0, 1.0
                push = (least - distance) / 2 + 0.01
                ux, uy = dx / distance, dy / distance
                points[i][0] -= ux * push
                points[i][1] -= uy * push
                points[j][0] += ux * push
                points[j][1] += uy * push
                moved = True
        for point in points:  # inside the drawing
            point[0] = min(max(point[0], MARGIN + MARKER_RADIUS), WIDTH - MARGIN - MARKER_RADIUS)
            point[1] = min(max(point[1], MARGIN + MARKER_RADIUS), HEIGHT - MARGIN - MARKER_RADIUS)
        if not moved:
            break
    return [Marker(m.number, m.case, x, y, m.region, m.group) for m, (x, y) in zip(placed, points)]


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path(rings: Sequence[Sequence[Point]]) -> str:
    """Outlines to whole pixels (a 600-pixel map needs no more), repeated points dropped."""
    parts = []
    for ring in rings:
        points = [(round(x), round(y)) for x, y in ring]
        points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        if len(points) >= 3:
            parts.append("M" + "L".join(f"{x} {y}" for x, y in points) + "Z")
    return "".join(parts)


def map_svg(cases: Sequence[Case], href: Callable[[Case], str], title_id: str = "kit-carte-titre") -> Markup:
    """The map as inline SVG: region outlines, inset frames, and one link per placed sheet."""
    placed = markers(cases)
    active: dict[str, list[str]] = {}  # region → its sheets (the filters light up a region while one is shown)
    for case in cases:
        region = find_region(case.sheet.region)
        if region is not None:
            active.setdefault(region.name, []).append(case.slug)
    parts = [
        f'<svg class="kit-carte__svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="group" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">',
        '<g class="kit-carte__fond" aria-hidden="true">',
    ]
    for name, left, top, width in inset_boxes():
        parts.append(f'<rect class="kit-carte__encart" x="{_fmt(left)}" y="{_fmt(top)}" width="{_fmt(width)}" '
                     f'height="{INSET_HEIGHT}" rx="3"/>')
        parts.append(f'<text class="kit-carte__encart-nom" x="{_fmt(left + 6)}" y="{_fmt(top + INSET_LABEL - 8)}">'
                     f'{escape(name)}</text>')
    for shape in layout():
        if shape.region.name in active:
            attributes = f'class="kit-carte__region kit-carte__region--fiches" data-kit-fiches="{" ".join(active[shape.region.name])}"'
        else:
            attributes = 'class="kit-carte__region"'
        parts.append(f'<path {attributes} d="{_path(shape.rings)}"><title>{escape(shape.region.name)}</title></path>')
    parts.append("</g>")
    parts.append('<g class="kit-carte__reperes">')
    for marker in placed:
        if marker.case is None:  # a region's group: its count, linked to the region's list
            label = f"{marker.region} : {marker.group} fiches, voir leur liste sous la carte"
            parts.append(
                f'<a class="kit-carte__repere kit-carte__repere--groupe" href="#{region_anchor(marker.region)}" '
                f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
                f'<circle cx="{_fmt(marker.x)}" cy="{_fmt(marker.y)}" r="{DRAWN_RADIUS}"/>'
                f'<text x="{_fmt(marker.x)}" y="{_fmt(marker.y)}" dy="0.35em" text-anchor="middle">{marker.group}</text></a>'
            )
            continue
        sheet = marker.case.sheet
        label = f"{marker.number}. {sheet.titre} — {sheet.territoire} ({sheet.region})"
        parts.append(
            f'<a class="kit-carte__repere" href="{escape(href(marker.case))}" data-kit-item="{escape(marker.case.slug)}" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
            f'<circle cx="{_fmt(marker.x)}" cy="{_fmt(marker.y)}" r="{DRAWN_RADIUS}"/>'
            f'<text x="{_fmt(marker.x)}" y="{_fmt(marker.y)}" dy="0.35em" text-anchor="middle">{marker.number}</text></a>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))
