"""Package stage: the offline edition, a reproducible zip of the built site.

Reproducible means byte-identical for the same input and SOURCE_DATE_EPOCH: sorted
entries, a fixed timestamp, fixed permissions (CPython's ``zipfile.write`` would
record each file's mtime and mode).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from builder.config import SiteConfig
from builder.site import build_date, french_date

EXCLUDED_SUFFIXES = (".map", ".gz")
README_NAME = "LISEZMOI.txt"


def size_label(path: Path) -> str:
    size = path.stat().st_size / 1_000_000
    return f"{size:.1f} Mo".replace(".", ",")


def _zip_time() -> tuple[int, int, int, int, int, int]:
    day = build_date()
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time())
    info.external_attr = 0o644 << 16
    info.create_system = 3
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def readme_text(config: SiteConfig) -> str:
    site = config.site
    return (
        f"{site.titre} — édition hors ligne\n"
        f"{'=' * 60}\n\n"
        f"{site.description}\n\n"
        "Pour l'ouvrir :\n"
        "  1. Décompressez l'archive où vous voulez (clic droit, « Extraire tout »).\n"
        "  2. Ouvrez le dossier obtenu, puis le fichier index.html avec votre navigateur.\n"
        "  Aucune connexion internet n'est nécessaire, recherche comprise.\n"
        "  Les liens marqués « nécessite une connexion internet » mènent vers d'autres sites.\n\n"
        f"Édition du {french_date(build_date())}.\n"
        f"Version en ligne : {site.url}\n"
    )


def files_to_pack(site_dir: Path, config: SiteConfig) -> list[Path]:
    downloads = site_dir / config.sorties.dossier_telechargements
    return sorted(
        p for p in site_dir.rglob("*")
        if p.is_file() and not p.is_relative_to(downloads) and not p.name.endswith(EXCLUDED_SUFFIXES)
    )


def build_archive(site_dir: Path, config: SiteConfig) -> Path:
    """Write ``<site>/telechargements/<archive>.zip`` with one top folder and a LISEZMOI.txt."""
    top = config.sorties.archive
    target = site_dir / config.sorties.dossier_telechargements / f"{top}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    files = files_to_pack(site_dir, config)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(_entry(f"{top}/{README_NAME}"), readme_text(config))
        for path in files:
            archive.writestr(_entry(f"{top}/{path.relative_to(site_dir).as_posix()}"), path.read_bytes())
    return target
