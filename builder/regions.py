"""The region registry: France's current regions, their names and outlines (bottom layer).

Read by the model (a case sheet's ``region`` is checked against it) and by the map
(``builder.francemap``). The outlines come from Natural Earth (public domain), vendored in
``builder/data/regions/`` with their licence and the command that derived them.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions" / "regions-france.geojson"
OVERSEAS = ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte")  # the insets, left to right

Point = tuple[float, float]
Ring = list[Point]


@dataclass(frozen=True)
class Region:
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring then holes, in lon/lat

    @property
    def overseas(self) -> bool:
        return self.name in OVERSEAS


def region_key(name: str) -> str:
    """Names compared without case, accents, hyphens or apostrophes (« Provence-Alpes-Côte-d'Azur »)."""
    flat = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return "".join(ch for ch in flat if ch.isalnum())


@functools.cache
def load_regions() -> tuple[Region, ...]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    regions = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        regions.append(Region(
            feature["properties"]["region"],
            tuple(tuple([(float(x), float(y)) for x, y in ring] for ring in polygon) for polygon in polygons),
        ))
    return tuple(sorted(regions, key=lambda r: region_key(r.name)))


def region_names() -> list[str]:
    return [r.name for r in load_regions()]


@functools.cache  # a few distinct names, looked up once per sheet (the index and its map)
def find_region(name: str | None) -> Region | None:
    if not name:
        return None
    key = region_key(name)
    return next((r for r in load_regions() if region_key(r.name) == key), None)
