"""Contributed files: what ``kit check`` accepts under ``kit/`` and ``content/``, and how
they are read and published.

Contributions arrive as pull requests that CI builds, so a file of the repository is
untrusted in itself, not only its text:

- a symbolic link could publish a file from outside the project (``/proc/self/environ``:
  the CI's secrets; ``../../.git/config``) or make a reader hang (``/dev/zero``); a device,
  a FIFO or a socket could do the same. None is accepted anywhere under ``kit/`` and
  ``content/``, and every read opens the file without following a link (``O_NOFOLLOW``)
  and checks the opened descriptor (``fstat``), not the path, which could change between
  the check and the read;
- a published ``.html``, ``.svg``, ``.js`` or ``.md`` would run script in the site's
  origin: ``kit/fichiers/`` holds documents only (``DOCUMENT_SUFFIXES``) and only the
  files a document names with ``fichier:`` are published;
- names must open on every reader's system (the offline zip is read on Windows and
  macOS too): no reserved Windows name (« con », « aux », « com1 »…), no control
  character, no ``\\ : * ? " < > |``, no trailing dot or space, no two names that differ
  by case alone (Microsoft, « Naming Files, Paths, and Namespaces »; macOS' default file
  system ignores case too).
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from builder.models import MAX_LOCAL_FILE_BYTES
from builder.problems import CatalogueError, Problems

# Formats a reader opens with an office suite, a PDF reader or an image viewer, none of
# which runs script in the browser. No .html, .svg, .xml, .js, .md (MkDocs would render it
# unsanitised), no legacy .doc/.xls/.ppt (macros).
DOCUMENT_SUFFIXES = (".csv", ".docx", ".gif", ".jpeg", ".jpg", ".odg", ".odp", ".ods", ".odt", ".pdf",
                     ".png", ".pptx", ".txt", ".webp", ".xlsx")
# content/ holds the editorial pages, and may hold the same documents and images.
CONTENT_SUFFIXES = (".md", *DOCUMENT_SUFFIXES)
# Each file of kit/fichiers/ is at most 20 MB (models.MAX_LOCAL_FILE_BYTES); all of them
# together at most this: every file goes into the site and the offline zip.
MAX_FILES_TOTAL_BYTES = 100_000_000
# A Markdown page of content/ is a few kilobytes; as for YAML files, a huge one is a mistake.
MAX_MARKDOWN_FILE_BYTES = 1_000_000
MAX_OTHER_FILE_BYTES = MAX_LOCAL_FILE_BYTES
_NAME_MAX_BYTES = 255  # ext4, APFS and NTFS

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$",
                     *(f"{port}{n}" for port in ("com", "lpt") for n in [*"0123456789", "¹", "²", "³"])}
_WINDOWS_FORBIDDEN = '<>:"\\|?*'
_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class FileRefused(Exception):
    """A file that is not read: the French reason is the exception's text."""


class FileTooBig(FileRefused):
    def __init__(self, size: int, limit: int):
        super().__init__(f"fichier trop gros ({megabytes(size)} Mo, maximum {megabytes(limit)} Mo).")
        self.size = size
        self.limit = limit


def file_label(path: Path) -> str:
    """A document file's format and size as a reader is shown them before downloading:
    « PDF, 1,2 Mo », « DOCX, 35 Ko » (the name's suffix in capitals; 1 Ko = 1,000 bytes,
    rounded up). An unreadable file gives its format only."""
    kind = path.suffix.lstrip(".").upper() or "fichier"
    try:
        size = path.stat().st_size
    except OSError:
        return kind
    if size >= 100_000:
        return f"{kind}, {megabytes(size)} Mo"
    return f"{kind}, {max(1, -(-size // 1000))} Ko"


def megabytes(size: int) -> str:
    """``size`` (bytes) in MB, French style: 1,5 ; 20."""
    return f"{size / 1_000_000:.1f}".replace(".", ",").removesuffix(",0")


def kind_refusal(mode: int) -> str | None:
    """Why a file of this ``st_mode`` is refused, in French; None for a regular file or folder."""
    if stat.S_ISLNK(mode):
        return ("lien symbolique refusé : il pourrait publier un fichier extérieur au projet ; remplacez le lien "
                "par une copie du fichier lui-même.")
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return ("ce n'est pas un fichier ordinaire (périphérique, tube nommé ou socket) : retirez-le ; le catalogue ne "
            "contient que des fichiers ordinaires.")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: opening a FIFO must not wait for a writer (the descriptor is checked first).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """Open ``path`` for reading without following a final link; FileRefused unless it is
    a regular file. Returns the descriptor (the caller closes it) and its ``fstat``."""
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise FileRefused("fichier introuvable.") from None
    refusal = kind_refusal(before.st_mode) or ("c'est un dossier, pas un fichier." if stat.S_ISDIR(before.st_mode) else None)
    if refusal:
        raise FileRefused(refusal)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:  # ELOOP: replaced by a link since the lstat
        raise FileRefused(kind_refusal(stat.S_IFLNK) or "") from error
    opened = os.fstat(descriptor)
    refusal = kind_refusal(opened.st_mode) or ("c'est un dossier, pas un fichier." if stat.S_ISDIR(opened.st_mode) else None)
    if refusal:
        os.close(descriptor)
        raise FileRefused(refusal)
    return descriptor, opened


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    The size is checked on the opened descriptor and the read stops after ``limit + 1``
    bytes, so neither a link to ``/dev/zero`` nor a file growing while read can exhaust
    memory. Raises ``FileTooBig`` (over ``limit``) or ``FileRefused`` (a link, a device, a
    FIFO, a folder, a missing file)."""
    descriptor, opened = _open_regular(path)
    try:
        if opened.st_size > limit:
            raise FileTooBig(opened.st_size, limit)
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise FileTooBig(len(data), limit)
        return data
    finally:
        os.close(descriptor)


def copy_bounded(source: Path, target: Path, limit: int) -> None:
    """Copy the regular file ``source`` to ``target`` (a new file), as ``read_bounded`` reads."""
    descriptor, opened = _open_regular(source)
    try:
        if opened.st_size > limit:
            raise FileTooBig(opened.st_size, limit)
        target.parent.mkdir(parents=True, exist_ok=True)
        copied = 0
        with os.fdopen(descriptor, "rb", closefd=False) as stream, target.open("xb") as out:
            while chunk := stream.read(1 << 20):
                copied += len(chunk)
                if copied > limit:
                    raise FileTooBig(copied, limit)
                out.write(chunk)
    finally:
        os.close(descriptor)


# --- names ------------------------------------------------------------------------------------


def name_refusal(name: str) -> str | None:
    """Why the file or folder name ``name`` would not open on Windows, macOS or Linux
    (French), or None. Rules: Microsoft's « Naming Files, Paths, and Namespaces »."""
    # C0/C1 controls, and the marks that reorder text (« rapport\u202efdp.exe » shows as « rapportexe.pdf »)
    control = next((c for c in name if unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS), None)
    if control is not None:
        return (f"nom de fichier refusé : il contient un caractère de contrôle (U+{ord(control):04X}) ; "
                "renommez-le avec des lettres, des chiffres, « - » et « _ ».")
    forbidden = next((c for c in name if c in _WINDOWS_FORBIDDEN), None)
    if forbidden is not None:
        return (f"nom de fichier refusé : le caractère « {forbidden} » est interdit sous Windows ; renommez-le "
                "avec des lettres, des chiffres, « - » et « _ ».")
    if name.endswith((".", " ")):
        return "nom de fichier refusé : il finit par un point ou une espace, que Windows retire ; renommez-le."
    if name.split(".", 1)[0].rstrip(" ").lower() in _WINDOWS_RESERVED:
        return (f"nom de fichier refusé : « {name.split('.', 1)[0]} » est un nom réservé sous Windows (comme con, "
                "prn, aux, nul, com1, lpt1) ; renommez-le.")
    if len(name.encode("utf-8")) > _NAME_MAX_BYTES:
        return f"nom de fichier trop long ({_NAME_MAX_BYTES} octets au plus) : raccourcissez-le."
    return None


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


# --- the check --------------------------------------------------------------------------------


def check_files(kit_dir: Path, content_dir: Path, problems: Problems) -> None:
    """Report, for ``kit check``, every file under ``kit_dir`` and ``content_dir`` that would
    not be read or published: links, devices, FIFOs and sockets; unsafe names and case-only
    duplicates; in ``kit_dir/fichiers``, types outside ``DOCUMENT_SUFFIXES`` and a total
    over ``MAX_FILES_TOTAL_BYTES``; in ``content_dir``, types outside ``CONTENT_SUFFIXES``,
    Markdown pages over ``MAX_MARKDOWN_FILE_BYTES`` and other files over
    ``MAX_OTHER_FILE_BYTES``. Nothing is followed or opened."""
    files_dir = kit_dir / "fichiers"
    total = 0
    for top in (kit_dir, content_dir):
        for path, info in _walk(top, problems):
            relative = path.relative_to(top)
            if path.name.startswith("."):
                continue  # never published (.gitkeep, .DS_Store)
            if top == content_dir:
                if path.suffix.lower() not in CONTENT_SUFFIXES:
                    problems.add(path, 0, _type_refusal(path, "content/", CONTENT_SUFFIXES))
                elif path.suffix.lower() == ".md" and info.st_size > MAX_MARKDOWN_FILE_BYTES:
                    problems.add(path, 0, f"{FileTooBig(info.st_size, MAX_MARKDOWN_FILE_BYTES)} Une page ne contient "
                                          "que du texte : retirez ce qui a été collé par erreur.")
                elif info.st_size > MAX_OTHER_FILE_BYTES:
                    problems.add(path, 0, f"{FileTooBig(info.st_size, MAX_OTHER_FILE_BYTES)} Déposez-le ailleurs et "
                                          "donnez son adresse dans la page.")
            elif relative.parts[0] == "fichiers" and len(relative.parts) > 1:
                total += info.st_size
                if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                    problems.add(path, 0, _type_refusal(path, "kit/fichiers/", DOCUMENT_SUFFIXES))
    if total > MAX_FILES_TOTAL_BYTES:
        problems.add(files_dir, 0, f"les fichiers de kit/fichiers/ pèsent ensemble {megabytes(total)} Mo "
                                   f"(maximum {megabytes(MAX_FILES_TOTAL_BYTES)} Mo) : ils sont tous publiés et mis "
                                   "dans l'édition hors ligne ; déposez les plus gros ailleurs et indiquez leur adresse "
                                   "avec « lien ».")


def check_theme(theme_dir: Path, problems: Problems) -> None:
    """Report links, special files and unsafe names under the project's ``theme_dir`` too:
    MkDocs copies the theme's files into the site following links."""
    for _ in _walk(theme_dir, problems):
        pass


def _type_refusal(path: Path, folder: str, allowed: Iterable[str]) -> str:
    kind = f"« {path.suffix} »" if path.suffix else "sans extension"
    return (f"type de fichier {kind} refusé dans {folder} : seuls ces formats sont publiés : "
            f"{', '.join(s.lstrip('.') for s in allowed)} (un fichier .html, .svg, .js ou .md pourrait exécuter du "
            "code dans le site) ; convertissez-le, en PDF par exemple, ou retirez-le.")


def _walk(top: Path, problems: Problems) -> Iterable[tuple[Path, os.stat_result]]:
    """Every regular file under ``top`` (sorted, links never followed) with its lstat;
    links, special files and unsafe names are reported on the way."""
    try:
        info = os.lstat(top)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        problems.add(top, 0, kind_refusal(info.st_mode) or "ce devrait être un dossier : retirez ce fichier.")
        return
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError:
            problems.add(folder, 0, "dossier illisible : vérifiez ses droits d'accès (lecture) ou retirez-le.")
            continue
        seen: dict[str, str] = {}
        for entry in entries:
            path = Path(entry.path)
            refusal = name_refusal(entry.name)
            if refusal:
                problems.add(path, 0, refusal)
            folded = _fold(entry.name)
            if folded in seen:
                problems.add(path, 0, f"nom de fichier refusé : il ne diffère de « {seen[folded]} » que par les "
                                      "majuscules ou les accents, et Windows et macOS n'y voient qu'un seul fichier ; "
                                      "renommez l'un des deux.")
            seen.setdefault(folded, entry.name)
            info = entry.stat(follow_symlinks=False)
            refusal = kind_refusal(info.st_mode)
            if refusal:
                problems.add(path, 0, refusal)
            elif stat.S_ISDIR(info.st_mode):
                folders.append(path)
            else:
                yield path, info


# --- publishing -------------------------------------------------------------------------------


def _raise_if(problems: Problems) -> None:
    if problems:
        raise CatalogueError(problems)


def copy_content(source: Path, target: Path, root: Path) -> None:
    """Copy the editorial pages and files of ``source`` (content/) into ``target``: regular
    files of ``CONTENT_SUFFIXES`` only, links never followed, dot files left out; Markdown
    pages bounded by ``MAX_MARKDOWN_FILE_BYTES``. Raises ``CatalogueError`` (paths relative
    to ``root``) for what cannot be copied: ``kit check`` has normally refused it already."""
    problems = Problems(root)
    for path, _ in _walk(source, problems):
        relative = path.relative_to(source)
        if any(part.startswith(".") for part in relative.parts) or path.suffix.lower() not in CONTENT_SUFFIXES:
            continue
        limit = MAX_MARKDOWN_FILE_BYTES if path.suffix.lower() == ".md" else MAX_OTHER_FILE_BYTES
        try:
            copy_bounded(path, target / relative, limit)
        except FileRefused as refused:
            problems.add(path, 0, str(refused))
    _raise_if(problems)


def publish_files(names: Iterable[str], source: Path, target: Path, root: Path) -> None:
    """Copy the files of ``source`` (kit/fichiers/) that a document names (``names``, paths
    relative to it, already validated) into ``target``; nothing else is published. Raises
    ``CatalogueError`` as ``copy_content`` does."""
    problems = Problems(root)
    for name in sorted(set(names)):
        path = source / name
        parent = source
        for part in Path(name).parts[:-1]:  # a folder on the way must not be a link either
            parent = parent / part
            if not parent.is_dir() or parent.is_symlink():
                problems.add(parent, 0, kind_refusal(stat.S_IFLNK) or "")
                break
        else:
            try:
                copy_bounded(path, target / name, MAX_OTHER_FILE_BYTES)
            except FileRefused as refused:
                problems.add(path, 0, str(refused))
    _raise_if(problems)
