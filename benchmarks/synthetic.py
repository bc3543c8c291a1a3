"""Synthetic case sheets for benchmarks: N valid sheets of ~300 words of varied French.

The text is drawn (with a fixed seed) from the words of the repository's own
case sheets, so that search and build see a realistic vocabulary.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SECTIONS = ("genese", "objectif", "activites", "resultats", "prochaines_etapes")
REGIONS = ["Île-de-France", "Grand Est", "Auvergne-Rhône-Alpes", "Nouvelle-Aquitaine", "Occitanie", "Bretagne"]
FORMS = ["dialogue-territorial", "partenariats", "experimentations-collectives"]


def vocabulary() -> list[str]:
    words: list[str] = []
    for sheet in sorted((REPO / "kit" / "cas").glob("*.yml")):
        data = yaml.safe_load(sheet.read_text(encoding="utf-8"))
        for key in SECTIONS:
            words += re.findall(r"[A-Za-zÀ-ÿœŒ'’-]{3,}", data.get(key, ""))
    return words


def copy_repo_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("kit", "content", "theme"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "site_config.yml", target / "site_config.yml")
    return target


def add_synthetic_sheets(project_root: Path, count: int, words_per_sheet: int = 300, seed: int = 42) -> None:
    rng = random.Random(seed)
    words = vocabulary()
    documents = [d["id"] for d in yaml.safe_load((project_root / "kit" / "documents.yml").read_text(encoding="utf-8"))]
    folder = project_root / "kit" / "cas"
    per_section = words_per_sheet // len(SECTIONS)
    for number in range(1, count + 1):
        sheet = {
            "titre": f"Initiative synthétique {number}",
            "territoire": f"Commune synthétique {number}",
            "region": rng.choice(REGIONS),
            "statut": rng.choice(["Association", "Fondation", "Collectivité territoriale"]),
            "objet": " ".join(rng.choices(words, k=20)) + ".",
            "formes": sorted(set(rng.choices(FORMS, k=2))),
            **{key: " ".join(rng.choices(words, k=per_section)) + "." for key in SECTIONS},
            "documents": sorted(set(rng.choices(documents, k=2))),
            "sources": ["Fiche synthétique pour les mesures de performance"],
            "date_ajout": "2026-01-01",
        }
        (folder / f"synthetique-{number:05d}.yml").write_text(
            yaml.safe_dump(sheet, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
