"""Guards run before any work: what ``kit`` may write or replace, and whether the
environment can build a whole site.

Rules (issue 11, « never lose a user's files »):
- ``kit build --dossier-site DOSSIER`` replaces DOSSIER only when it is new, empty, or was
  made by ``kit build`` (it holds ``MARKER``); never the project, its parents, ``kit/``,
  ``content/``, ``theme/``, ``.git``, the work folder, the builder, nor anything inside them;
- ``kit zip --sortie FICHIER`` writes FICHIER only when it is new or a zip ``kit`` wrote
  (``--forcer`` allows any file), never a folder;
- the environment (SOURCE_DATE_EPOCH, theme, package data) is checked up front, so a
  fault stops the build with a French message instead of a half-made or degraded site.

Only the standard library is imported here: the CLI uses ``KitError`` before anything else loads.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from builder.paths import ARCHIVE_SUFFIX, HOME_PAGE, SEARCH_INDEX_FILE, built

HOME_PAGE_FILE = built(HOME_PAGE)
# Written into every site ``kit build`` makes: the proof that the folder may be replaced.
MARKER = ".kit-site"
MARKER_TEXT = "Ce dossier est construit par « kit build » et remplacé à chaque construction : n'y rangez rien.\n"
# A site built before the marker existed: the kit's own search index is unmistakable.
LEGACY_SIGNATURE = (HOME_PAGE_FILE, SEARCH_INDEX_FILE)
# What a kit zip starts with (builder.package.README_NAME, first entry of every archive).
ZIP_README = "LISEZMOI.txt"
# The theme files without which the site silently loses its search box and footer.
THEME_FILES = ("main.html", "partials/kit-search.html", "partials/kit-footer.html")
# Package data the pages need (pyproject.toml [tool.setuptools.package-data]).
PACKAGE_DATA = ("templates/case.md.j2", "templates/nouvelle_fiche.yml", "data")
BUILDER_DIR = Path(__file__).resolve().parent


class KitError(Exception):
    """A known fault, told to the user as its French message (exit code ``code``)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def protected_folders(root: Path, theme_dir: Path) -> list[tuple[Path, str]]:
    """The folders no output may replace or live in, each with how the message names it."""
    root = root.resolve()
    return [
        (root / "kit", f"{root / 'kit'} (le catalogue)"),
        (root / "content", f"{root / 'content'} (les pages rédigées)"),
        (root / "theme", f"{root / 'theme'} (le thème)"),
        (theme_dir.resolve(), f"{theme_dir} (le thème utilisé)"),
        (root / ".git", f"{root / '.git'} (l'historique Git)"),
        (root / ".kit-build", f"{root / '.kit-build'} (le dossier de travail)"),
        (BUILDER_DIR, f"{BUILDER_DIR} (le constructeur)"),
    ]


def is_kit_site(folder: Path) -> bool:
    """True when ``folder`` was made by ``kit build`` (marker, or a site built before it)."""
    if (folder / MARKER).is_file():
        return True
    return all((folder / name).is_file() for name in LEGACY_SIGNATURE)


def check_site_dir(site_dir: Path, root: Path, theme_dir: Path) -> Path:
    """Refuse, before any work, an output folder whose replacement could destroy files.

    In: the folder asked for (``--dossier-site``, relative to the current folder), the project
    root and the theme in use. Out: the resolved folder. Raises ``KitError`` (French message
    naming the folder, why, and what to do) for the project or one of its parents, a folder
    of ``protected_folders`` or inside one, a file, a missing parent, or an existing non-empty
    folder without ``MARKER``.
    """
    target = Path(os.path.abspath(site_dir))
    resolved = target.resolve()
    root = root.resolve()
    advice = "choisissez un dossier nouveau, par exemple « --dossier-site site »."
    if resolved == root or _inside(root, resolved):
        what = "le dossier du projet" if resolved == root else "un dossier parent du projet"
        raise KitError(f"Refusé : {target} est {what} ; le remplacer effacerait le catalogue et tout le reste. {advice.capitalize()}")
    for folder, name in protected_folders(root, theme_dir):
        if _inside(resolved, folder):
            where = f"le dossier {name}" if resolved == folder else f"dans le dossier {name}"
            raise KitError(f"Refusé : {target} est {where}, que « kit build » ne remplace jamais. {advice.capitalize()}")
    if resolved.exists() and not resolved.is_dir():
        raise KitError(f"Refusé : {target} est un fichier, pas un dossier ; « kit build » ne le remplace pas. {advice.capitalize()}")
    if not resolved.parent.is_dir():
        raise KitError(f"Le dossier {resolved.parent} n'existe pas : créez-le d'abord, ou {advice}")
    if resolved.is_dir() and any(resolved.iterdir()) and not is_kit_site(resolved):
        raise KitError(
            f"Refusé : {target} existe, n'est pas vide et n'a pas été construit par « kit build » "
            f"(il n'a pas le fichier {MARKER}) ; le remplacer effacerait son contenu. "
            f"Videz-le ou supprimez-le vous-même si vous n'en avez plus besoin, ou {advice}"
        )
    return resolved


def is_kit_zip(path: Path) -> bool:
    """True when ``path`` is a zip that ``kit`` wrote (its first entry is TOP/LISEZMOI.txt)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return bool(names) and names[0].count("/") == 1 and names[0].endswith("/" + ZIP_README)


def check_zip_target(target: Path, root: Path, theme_dir: Path, force: bool = False) -> Path:
    """Where ``kit zip --sortie FICHIER`` may write.

    In: the file asked for (``.zip`` is added when missing), the project root, the theme,
    and ``force`` (``--forcer``: replace an existing file that is not a kit zip). Out: the
    resolved path. Raises ``KitError`` for a folder, a parent that is a file, a place inside
    ``protected_folders``, or, without ``force``, an existing file that is not a kit zip.
    """
    target = Path(os.path.abspath(target))
    if target.is_dir():
        # Suggest a file kit zip would accept: not one inside kit/ or theme/ (« --sortie kit »).
        folders = [folder for folder, _ in protected_folders(root, theme_dir)]
        example = next((c for c in (target / "kit.zip", target.parent / (target.name + ARCHIVE_SUFFIX), root / "kit.zip")
                        if not any(_inside(c.resolve(), folder) for folder in folders)), None)
        hint = f", par exemple « --sortie {example} »" if example else ""
        raise KitError(f"Refusé : {target} est un dossier ; indiquez un fichier{hint}.")
    if target.suffix.lower() != ".zip" and not (target.exists() and not force):
        # An existing « notes.yml » is refused below, not quietly turned into « notes.yml.zip ».
        target = target.with_name(target.name + ".zip")
        if target.is_dir():
            raise KitError(f"Refusé : {target} est un dossier ; indiquez un autre nom de fichier.")
    resolved = target.resolve()
    for folder, name in protected_folders(root, theme_dir):
        if _inside(resolved, folder):
            raise KitError(f"Refusé : {target} serait écrit dans le dossier {name} ; choisissez un fichier hors de ce dossier.")
    # A missing folder is created (that destroys nothing), unless a file stands in the way.
    blocking = next((p for p in resolved.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise KitError(f"Refusé : {blocking} est un fichier, pas un dossier ; le zip ne peut pas être écrit dans {resolved.parent}.")
    if resolved.exists() and not force and not is_kit_zip(resolved):
        raise KitError(
            f"Refusé : {target} existe et n'est pas une édition hors ligne écrite par « kit » ; il serait écrasé. "
            "Choisissez un autre nom de fichier (se terminant par .zip), ou ajoutez --forcer pour le remplacer quand même."
        )
    return resolved


def check_epoch() -> None:
    """SOURCE_DATE_EPOCH, when set, must be a whole number of seconds since 1970 that
    gives a date (reproducible-builds.org's specification). Raises ``KitError``."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return
    import datetime as dt

    try:
        dt.datetime.fromtimestamp(int(value), tz=dt.timezone.utc)
        if int(value) < 0:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise KitError(
            f"La variable d'environnement SOURCE_DATE_EPOCH vaut « {value} », ce qui n'est pas une date : "
            "donnez un nombre entier de secondes depuis le 1er janvier 1970 (par exemple "
            "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)), ou supprimez la variable (unset SOURCE_DATE_EPOCH)."
        ) from None


def check_theme(root: Path, theme_dir: Path) -> None:
    """The theme in use must hold ``THEME_FILES``: without them MkDocs would build a site
    with no search box nor footer, silently. Raises ``KitError`` naming what is missing."""
    own = root / "theme"
    if not theme_dir.is_dir():
        raise KitError(
            f"Le thème est introuvable : ni {own} ni {theme_dir} n'existent. Restaurez le dossier theme/ "
            "du dépôt (git checkout -- theme), puis relancez."
        )
    missing = [name for name in THEME_FILES if not (theme_dir / name).is_file()]
    if missing:
        state = "est vide" if not any(theme_dir.iterdir()) else f"est incomplet (manque {', '.join(missing)})"
        raise KitError(
            f"Le dossier du thème {theme_dir} {state} : le site n'aurait ni recherche ni pied de page. "
            "Restaurez-le depuis le dépôt (git checkout -- theme), ou supprimez-le pour utiliser le thème du constructeur."
        )


def check_package_data(package_dir: Path = BUILDER_DIR) -> None:
    """The builder's installed data (page templates, region outlines) must be present:
    an install built without ``package-data`` would fail halfway. Raises ``KitError``."""
    missing = [name for name in PACKAGE_DATA if not (package_dir / name).exists()]
    if missing:
        raise KitError(
            f"Installation incomplète : {', '.join(missing)} manque dans {package_dir}. "
            "Réinstallez le constructeur depuis le dépôt : python3 -m pip install -e ."
        )


def preflight(root: Path, theme_dir: Path) -> None:
    """Every environment check, in order (raises ``KitError``)."""
    check_epoch()
    check_package_data()
    check_theme(root, theme_dir)


def os_error_message(error: OSError) -> str:
    """A French sentence for a system fault (full disk, read-only folder, missing file)."""
    import errno

    where = error.filename or ""
    target = f" ({where})" if where else ""
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"Le disque est plein{target} : libérez de la place, puis relancez."
    if error.errno == errno.EROFS:
        return f"Le dossier est en lecture seule{target} : choisissez un dossier où vous pouvez écrire, ou rendez-le modifiable."
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"Accès refusé{target} : vérifiez les droits d'écriture sur ce dossier, ou choisissez-en un autre."
    if error.errno == errno.ENOENT:
        return f"Fichier ou dossier introuvable{target} : vérifiez le chemin."
    if error.errno == errno.EADDRINUSE:
        return "Le port est déjà utilisé."
    return f"Erreur du système{target} : {error.strerror or error}."
