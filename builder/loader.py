"""Load: catalogue files → typed models, with their files and lines; every problem collected.

The loader only reads: YAML parsed (``builder.yamlio``), each node typed by its model
(``builder.typed_nodes``: types, required and unknown keys, formats), line numbers kept.
Rules across fields, files and the disk (the taxonomy, ids known, duplicates, markers of
content/, files named by the catalogue…) are the validation layer's (``builder.validate``),
which the build and ``kit check`` both call: ``builder.validate.load_kit``.
"""

from __future__ import annotations

import gc
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from builder.concepts import load_fragilities, load_objectives
from builder.config import Project, SiteConfig
from builder.models import (
    SLUG_PATTERN,
    Case,
    CaseSheet,
    Document,
    Fragilities,
    Glossary,
    KeyFigure,
    ReadingPath,
    TerritoryObjectives,
)
from builder.paths import CASES_INDEX_PAGE, FEED_FILE, OutputPaths
from builder import pool
from builder.problems import CatalogueError, Problem, Problems  # noqa: F401  (CatalogueError: re-exported)
from builder.typed_nodes import french_message, validate_node  # noqa: F401  (french_message: re-exported)
from builder.yamlio import YamlFile, compose, read_yaml

CASE_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Loaded:
    """One node of a catalogue file as read: its typed model (``value``, None when the node
    did not fit its model: the problems are already reported), the YAML data as written
    (``node``), its file and where it sits in it (``at``: ``(index,)`` for a list item,
    ``()`` for a whole file), so that a rule can name the line."""

    value: Any
    node: Any
    file: YamlFile
    at: tuple[Any, ...]


@dataclass
class Catalogue:
    """Everything the loader read, before any rule across fields or files (``builder.validate``).

    Lists hold every node read, valid or not (``Loaded.value`` None), so that a rule on a
    node's raw data (a nature, a file name) reports even when another field of it is wrong."""

    project: Project
    config: SiteConfig
    config_file: YamlFile
    documents: list[Loaded] = field(default_factory=list)
    reading_paths: list[Loaded] = field(default_factory=list)
    cases: list[Loaded] = field(default_factory=list)  # value: a Case (slug from the file name)
    figures: list[Loaded] = field(default_factory=list)
    glossary: Glossary = field(default_factory=Glossary)
    fragilities: Fragilities | None = None
    objectives: TerritoryObjectives | None = None
    fragilities_file: YamlFile | None = None
    objectives_file: YamlFile | None = None

    @staticmethod
    def valid(items: list[Loaded]) -> list[Any]:
        return [item.value for item in items if item.value is not None]


def load_config(project: Project, problems: Problems) -> SiteConfig | None:
    """site_config.yml typed, or None (problems added, in French, with their lines)."""
    loaded = _load_config_file(project, problems)
    return loaded[0] if loaded else None


def _load_config_file(project: Project, problems: Problems) -> tuple[SiteConfig, YamlFile] | None:
    if not project.config_file.is_file():
        problems.add(project.config_file, 0, "fichier de réglages introuvable : le dossier du projet doit contenir site_config.yml.")
        return None
    file = read_yaml(project.config_file, problems)
    if file is None:
        return None
    config = validate_node(SiteConfig, file.data, file, (), problems)
    return (config, file) if config is not None else None


def _load_list(path: Path, model: type[BaseModel], problems: Problems, required: bool = True) -> list[Loaded]:
    """Each item of a YAML list file, typed, with its file and index (None when invalid)."""
    if not path.is_file():
        if required:
            problems.add(path, 0, f"fichier introuvable : le catalogue doit contenir {path.name}.")
        return []
    file = read_yaml(path, problems)
    if file is None:
        return []
    if not isinstance(file.data, list):
        problems.add(path, 1, "le fichier doit contenir une liste : chaque élément commence par « - » en début de ligne.")
        return []
    return [Loaded(validate_node(model, node, file, (index,), problems), node, file, (index,))
            for index, node in enumerate(file.data)]


def reserved_case_slugs(project: Project, config: SiteConfig, content: bool = True) -> set[str]:
    """Names a case sheet cannot take: its page would overwrite (or be overwritten by) a page
    the builder writes in the sheets' folder (the index, the feed) or, with ``content``, a page of content/."""
    reserved = {Path(CASES_INDEX_PAGE).stem, Path(FEED_FILE).stem}
    pages = project.content_dir / config.sorties.dossier_fiches
    if content and pages.is_dir() and not pages.is_symlink():
        reserved |= {p.stem for p in pages.iterdir() if p.suffix == ".md"}
    return reserved


# Set by the incremental preview (builder.incremental) during one of its rounds only, never by
# kit build: case sheet file -> (its stat signature, its Loaded reading), for sheets read without
# problem. A sheet whose file is unchanged (``_unchanged_signature``) is not read, parsed nor
# typed again (cross-file rules still run).
CASE_MEMO: dict[Path, tuple[tuple[int, ...], Loaded]] | None = None


def _unchanged_signature(path: Path) -> tuple[int, ...]:
    """What tells a file unchanged without reading it: size, modification and change times
    (ns), inode. Any write or rename onto it changes the change time, which no program sets
    back (touch sets the modification time only): at 2,000 sheets, reading every sheet's
    bytes to compare them cost 0.1 to 0.2 s of each preview round."""
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


def _load_cases(project: Project, config: SiteConfig, problems: Problems) -> list[Loaded]:
    """Every case sheet of kit/cas/, in the order of the file names: its ``Loaded`` reading
    (``value`` None when it does not fit ``CaseSheet``), problems added to ``problems``.

    The names are judged here, in order (hidden files, sub-folders, suffixes, reserved and
    invalid names, duplicates, the preview's ``CASE_MEMO``); the sheets kept are read and
    typed by ``_read_sheets``, in worker processes forked from this one when there are many
    (``_read_in_workers``), else here. Either way the readings come back in the files' order
    and their problems are put where the loop in one process would have added them, so
    ``kit check`` and the build see the same catalogue and the same list."""
    folder = project.kit_dir / "cas"
    if not folder.is_dir() or folder.is_symlink():
        return []
    order: list[Loaded | int] = []  # a sheet kept by the memo, or the position of one to read
    queued: list[tuple[str, str, tuple[int, ...] | None]] = []  # (slug, path, signature for the memo)
    marks: list[int] = []  # where each sheet to read puts its problems in ``problems.items``
    slugs: dict[str, Path] = {}
    # A page of content/ at a sheet's address is the intruder: builder.validate reports it, on it.
    reserved = reserved_case_slugs(project, config, content=False)
    memo = CASE_MEMO
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            continue  # links and special files: reported by builder.files.check_files
        if path.is_dir():
            _report_nested_cases(path, problems)
            continue
        if path.suffix not in CASE_SUFFIXES:
            problems.add(path, 0, "fichier ignoré dans kit/cas/ : une fiche porte l'extension .yml (par exemple « mon-initiative.yml »).")
            continue
        slug = path.stem
        if slug in reserved:
            problems.add(path, 0, f"nom de fiche « {slug} » réservé : le site écrit déjà une page "
                                  f"{OutputPaths.of(config.sorties).case(slug)}, que cette fiche écraserait ; renommez le "
                                  f"fichier (par exemple « {slug}-territoire.yml »).")
            continue
        if not _is_slug(slug):
            problems.add(path, 0, f"nom de fichier « {path.name} » invalide : utilisez des minuscules sans accents, des chiffres et des tirets (par exemple « {_suggest_slug(slug)}.yml »).")
            continue
        if slug.lower() in slugs:
            problems.add(path, 0, f"fiche « {slug} » en double : {problems.relative(slugs[slug.lower()])} porte déjà ce nom ; renommez l'un des deux fichiers.")
            continue
        slugs[slug.lower()] = path
        raw = None
        if memo is not None:  # the preview's previous round read this very file: reuse its reading
            raw = _unchanged_signature(path)  # taken before the file is read: a later write is seen next round
            kept = memo.get(path)
            if kept is not None and kept[0] == raw:
                order.append(kept[1])
                continue
        order.append(len(queued))
        queued.append((slug, str(path), raw))
        marks.append(len(problems.items))
    readings = _read_in_workers(queued, problems.root)
    if readings is None:
        readings = _read_sheets([(slug, path) for slug, path, _ in queued], problems.root)
    # Each sheet's problems go where the one-process loop added them: after the name problems
    # of the files before it, before those of the files after it.
    merged, done = [], 0
    for mark, (_, found) in zip(marks, readings):
        merged += problems.items[done:mark]
        merged += found
        done = mark
    problems.items[:] = merged + problems.items[done:]
    cases: list[Loaded] = []
    for entry in order:
        if not isinstance(entry, int):
            cases.append(entry)
            continue
        loaded, found = readings[entry]
        if loaded is None:
            continue
        cases.append(loaded)
        raw = queued[entry][2]
        if memo is not None and raw is not None and loaded.value is not None and not found:
            memo[Path(queued[entry][1])] = (raw, loaded)
    return cases


Reading = tuple[Loaded | None, list[Problem]]  # a sheet read and typed (None: nothing to keep), its problems


class SheetFile(YamlFile):
    """A case sheet's ``YamlFile`` that travels light between processes: pickled without its
    composed nodes, which are composed again from its text on first use (``node``). The nodes
    are read only to name the line of a problem, and they made two thirds of the time spent
    sending 2,000 readings back from the workers (1.4 of 2.0 s pickling, 0.8 of 1.1 s
    unpickling: benchmarks/README.md, issue 15, partie V)."""

    def __reduce__(self) -> tuple[Any, ...]:
        if self.text is None:  # nothing to compose them from: they travel
            return (SheetFile, (self.path, self.data, self.node, self.text))
        return (_sheet_file_without_nodes, (self.path, self.data, self.text))

    def __getattr__(self, name: str) -> Any:  # called only for an attribute not set: ``node`` after a trip
        if name != "node" or "text" not in self.__dict__:
            raise AttributeError(name)
        self.node = compose(self.text)
        return self.node


def _sheet_file_without_nodes(path: Path, data: Any, text: str) -> SheetFile:
    file = SheetFile.__new__(SheetFile)
    file.path, file.data, file.text = path, data, text
    return file


def _read_sheets(sheets: list[tuple[str, str]], root: Path) -> list[Reading]:
    """Each (slug, path) sheet read and typed, alone: its ``Loaded`` (None when the file could
    not be read as a block of keys) and the problems found in it (paths relative to ``root``),
    in order. Depends on nothing but the file, so it runs the same in a worker process."""
    readings: list[Reading] = []
    for slug, name in sheets:
        path = Path(name)
        found = Problems(root)
        file = read_yaml(path, found)
        if file is None:
            readings.append((None, found.items))
            continue
        if not isinstance(file.data, dict):
            found.add(path, 1, "une fiche est un bloc de clés (« titre: … », « territoire: … ») et non une liste ou un texte : partez du modèle créé par « kit new-case ».")
            readings.append((None, found.items))
            continue
        file = SheetFile(file.path, file.data, file.node, file.text)
        sheet = validate_node(CaseSheet, file.data, file, (), found)
        readings.append((Loaded(Case(slug, sheet, path) if sheet is not None else None, file.data, file, ()), found.items))
    return readings


def _read_sheets_in_worker(sheets: list[tuple[str, str]], root: Path) -> list[Reading]:
    """``_read_sheets`` in a forked worker (which ends silently on a signal: ``pool.spread`` forks it so)."""
    gc.enable()  # forked while the parent held it off (see below): the worker collects as the loop here does
    return _read_sheets(sheets, root)


# Below this many sheets to read, one process. Measured (benchmarks/README.md, issue 15, partie
# V): at 200 sheets the workers cost 6 % more CPU in all (pickling, forking), and this process
# keeps 0.5 s of the 2.4 s; the rest is halved on two free cores. pool.MIN_PARALLEL_ITEMS
# (pool.worker_count), when lower, lowers it too (tests lower either).
MIN_PARALLEL_CASES = 200


def _read_in_workers(queued: list[tuple[str, str, bytes | None]], root: Path) -> list[Reading] | None:
    """``_read_sheets`` of the queued sheets, computed by worker processes forked from this one
    (``builder.pool``), chunk by chunk, the readings back in order: the models with the HTML
    of their Markdown fields already rendered (``RichText`` pickles its render). None where
    it is not worth it (fewer than ``MIN_PARALLEL_CASES``, one core) or not safe (threads
    running: ``kit serve``); the caller then reads them here. Raises what reading raises, and
    ``pool.WorkerFailed`` (French) when a worker dies without an answer."""
    workers = pool.worker_count(len(queued))  # pool's threshold, or what a caller set
    if workers <= 1 and len(queued) >= MIN_PARALLEL_CASES:
        workers = pool.cores()
    if workers <= 1 or not pool.can_fork():
        return None
    pieces = pool.chunks([(slug, path) for slug, path, _ in queued], workers * pool.CHUNKS_PER_WORKER)
    collecting = gc.isenabled()
    # The readings are unpickled here, hundreds of thousands of new objects with no cycle among
    # them: the collector's passes over them cost more than the unpickling itself (2,000 sheets'
    # readings with their YAML nodes: 4.2 s for the nodes alone with it, 1.1 s for all without),
    # and find nothing to free.
    gc.disable()
    try:
        done = pool.spread(_read_sheets_in_worker, pieces, root, workers=workers, fork=True)  # quiet on signals
    finally:
        if collecting:
            gc.enable()
    return [reading for chunk in done for reading in chunk]


def _report_nested_cases(folder: Path, problems: Problems) -> None:
    """Sheets are read from kit/cas/ itself: a file in a sub-folder would be silently left out."""
    for root, folders, names in os.walk(folder):  # links to folders are not followed
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                problems.add(Path(root) / name, 0, "fichier ignoré : les fiches sont lues dans kit/cas/ même, pas dans "
                                                   f"ses sous-dossiers ; déplacez-le dans kit/cas/ (« kit/cas/{name} »).")


def _is_slug(text: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, text) is not None


def _suggest_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "ma-fiche"


def load_catalogue(project: Project, problems: Problems) -> Catalogue | None:
    """Read and type every file of the project's catalogue (site_config.yml, kit/).

    Returns the ``Catalogue`` (valid and invalid nodes, with files and lines), or None when
    site_config.yml itself cannot be read (nothing else can be judged without it). Problems
    of reading and typing are added to ``problems``; nothing is raised. Cross-file rules are
    not applied here: see ``builder.validate.validate``."""
    loaded = _load_config_file(project, problems)
    if loaded is None:
        return None
    config, config_file = loaded
    kit_dir = project.kit_dir
    catalogue = Catalogue(project, config, config_file)
    catalogue.documents = _load_list(kit_dir / "documents.yml", Document, problems)
    catalogue.reading_paths = _load_list(kit_dir / "parcours.yml", ReadingPath, problems)
    catalogue.cases = _load_cases(project, config, problems)
    catalogue.figures = _load_list(kit_dir / "chiffres.yml", KeyFigure, problems, required=False)
    catalogue.glossary = _load_glossary(kit_dir / "glossaire.yml", problems)
    catalogue.fragilities_file, catalogue.fragilities = load_fragilities(kit_dir, problems)
    catalogue.objectives_file, catalogue.objectives = load_objectives(kit_dir, problems)
    return catalogue


def _load_glossary(path: Path, problems: Problems) -> Glossary:
    if not path.is_file():
        return Glossary()
    file = read_yaml(path, problems)
    if file is None:
        return Glossary()
    return validate_node(Glossary, file.data, file, (), problems) or Glossary()
