"""The validation layer: every rule across fields, files and the disk, in one place.

The loader (``builder.loader``) reads and types each file; ``validate`` then receives what
it read (a ``Catalogue``: typed models with their YAML nodes, files and lines) and the
mandatory ``ValidationContext`` (the taxonomy of site_config.yml, the kit's folder), and
collects ALL the problems it finds into one ``Problems``: none is raised alone, so
``kit check`` and ``kit build`` (which both go through ``load_kit``) show every mistake at
once, each in French with its file, line, field and fix.

Rules that need the taxonomy live here, not in pydantic validators that would skip
silently without a context: a model typed on its own never stands for a valid catalogue;
only ``load_kit`` returns a ``Kit``, and only when ``validate`` found nothing.

The rules, by what they read:
- the project's files: kinds, names, sizes (``builder.files``), content/ pages' front matter,
  raw HTML, anchors, addresses (``builder.content_check``), and the links of content/ pages
  to files that are not there;
- documents: nature and family from ``taxonomie.natures``, ``fichier`` present in
  kit/fichiers/, ids unique;
- reading paths: ids unique, documents known, each document once in a path;
- case sheets: forms and approach from the taxonomy, documents known and listed once,
  placeholders of ``kit new-case`` left, themes spelt as the other sheets spell them, no
  date added in the future;
- key figures: ids unique; concept files: families unique, objectives' natures and logics
  named in the file;
- site_config.yml: each ``pages_a_propos`` entry names a page (else the page silently leaves
  the « Le kit » tab), each ``groupes_chiffres`` key a group of kit/chiffres.yml;
- content/ markers ``<!-- kit:… -->``: known name, well formed, argument where one is taken,
  the data file they show present; no page of content/ at the address of a generated page.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import posixpath
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic_core import PydanticCustomError

from builder import dialect
from builder.concepts import FRAGILITIES_FILE, OBJECTIVES_FILE
from builder.config import Project, SiteConfig
from builder.content_check import check_content, parser_limits
from builder.files import MAX_MARKDOWN_FILE_BYTES, FileRefused, check_files, check_theme, read_bounded
from builder.leftovers import leftovers, placeholders
from builder.loader import Catalogue, Loaded, load_catalogue
from builder.markers import BLOCK_NAMES, HOME_MARKER, LATER_MARKERS
from builder.models import Kit, Taxonomy, ValidationContext, check_local_file
from builder.paths import (CATALOGUE_PAGE, DOCUMENT_FILES_DIR, EXPORT_FILES, FEED_FILE, GLOSSARY_PAGE, NOT_FOUND_PAGE,
                           SEARCH_INDEX_FILE, OutputPaths)
from builder.problems import CatalogueError, Problems, did_you_mean
from builder.richtext import RenderMemo
from builder.themes import spelling_problems
from builder.typed_nodes import validate_node  # noqa: F401  (typing one node: the loader's; re-exported here)
from builder.yamlio import YamlFile, line_of

# Markers whose block shows an optional file: the file they need.
NEEDS_FILE = {"fragilites": FRAGILITIES_FILE, "objectifs": OBJECTIVES_FILE}
# Anything an editor may have meant as a marker: « <!-- kit:… --> » in any case or spacing.
# What the build replaces is only builder.markers.HOME_MARKER's strict form; the rest would be
# left in the page as an invisible comment, the block silently missing.
_LOOSE_MARKER = re.compile(r"<!--\s*kit\s*:(.*?)-->", re.I | re.S)


def load_kit(project: Project, edition: dt.date | None = None) -> tuple[SiteConfig, Kit]:
    """Load (``builder.loader.load_catalogue``) then validate the project's catalogue.
    ``edition``: the build context's date (``BuildContext.edition``), for the rules on dates.

    Returns (settings, the validated ``Kit``). Raises ``CatalogueError`` listing every
    problem found, of reading, typing and rules together. The one entry point of the build
    and of ``kit check``."""
    problems = Problems(project.root)
    catalogue = load_catalogue(project, problems)
    if catalogue is None:  # site_config.yml unreadable: no taxonomy to judge the rest by
        raise CatalogueError(problems)
    validate(catalogue, ValidationContext(catalogue.config.taxonomie, project.kit_dir, edition), problems)
    if problems:
        raise CatalogueError(problems)
    return catalogue.config, kit_of(catalogue)


def kit_of(catalogue: Catalogue) -> Kit:
    """The ``Kit`` made of the catalogue's valid nodes (call after ``validate`` found nothing)."""
    return Kit(
        documents=catalogue.valid(catalogue.documents),
        reading_paths=catalogue.valid(catalogue.reading_paths),
        cases=catalogue.valid(catalogue.cases),
        figures=catalogue.valid(catalogue.figures),
        glossary=catalogue.glossary,
        fragilities=catalogue.fragilities,
        objectives=catalogue.objectives,
    )


def validate(catalogue: Catalogue, context: ValidationContext, problems: Problems) -> Problems:
    """Apply every rule to ``catalogue`` and add what breaks them to ``problems`` (returned).

    ``context`` is required: the taxonomy the catalogue's ids are judged by and the kit's
    folder (kit/fichiers/). Never raises for a fault of the catalogue."""
    project = catalogue.project
    check_files(project.kit_dir, project.content_dir, problems)  # links, devices, types, names
    _report_unread_kit_files(project.kit_dir, problems)
    check_theme(project.root / "theme", problems)
    _check_documents(catalogue.documents, context, problems)
    known = [str(item.node["id"]) for item in catalogue.documents if isinstance(item.node, dict) and "id" in item.node]
    _check_reading_paths(catalogue.reading_paths, known, problems)
    _check_cases(catalogue.cases, known, context.taxonomy, problems, context.edition)
    _report_duplicates(catalogue.figures, "chiffre", problems)
    _check_concepts(catalogue, problems)
    groups = sorted({f.groupe for f in catalogue.valid(catalogue.figures) if f.groupe})
    check_markers(project.content_dir, groups, catalogue.fragilities is not None, catalogue.objectives is not None,
                  problems)
    check_content(project.content_dir, problems)  # front matter, anchors, addresses in content/
    generated = generated_pages(catalogue)
    _check_generated_addresses(project, generated, problems)
    _check_written_files(catalogue, problems)
    _check_case_only_addresses(catalogue, generated, problems)
    out = catalogue.config.sorties
    _check_links_to_files(project.content_dir, generated, {out.dossier_documents: "kit/documents.yml",
                                                          out.dossier_parcours: "kit/parcours.yml",
                                                          out.dossier_fiches: "kit/cas/ (nom de fichier)"}, problems)
    _check_settings(catalogue, groups, generated, problems)
    _check_output_folders(catalogue, problems)
    return problems


# --- catalogue files -----------------------------------------------------------------------

# The YAML files read directly in kit/ (case sheets are in kit/cas/).
KIT_FILES = ("documents.yml", "parcours.yml", "chiffres.yml", "glossaire.yml", FRAGILITIES_FILE, OBJECTIVES_FILE)


def _report_unread_kit_files(kit_dir: Path, problems: Problems) -> None:
    """A YAML file in kit/ that the builder does not read (« fiche.yml » put beside
    documents.yml, « documents.yaml ») would be lost without a word (issue 18, « No silent loss »)."""
    if not kit_dir.is_dir() or kit_dir.is_symlink():
        return
    for path in sorted(kit_dir.iterdir()):
        if path.is_symlink():
            continue  # reported as a link by builder.files
        if path.suffix.lower() in (".yml", ".yaml") and path.name not in KIT_FILES and not path.name.startswith("."):
            close = difflib.get_close_matches(path.stem.lower() + ".yml", KIT_FILES, n=1, cutoff=0.8)
            hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
            problems.add(path, 0, f"fichier ignoré : kit/ ne lit que {', '.join(KIT_FILES)} ; une fiche d'expérience "
                                  f"va dans kit/cas/. Renommez-le ou déplacez-le.{hint}")


def taxonomy_message(taxonomy: Taxonomy, kind: str, value: str) -> str | None:
    """Why ``value`` is not an id of the taxonomy's ``kind`` (« natures », « formes »,
    « demarches »), in French with the possible values; None when it is one."""
    allowed = [t.id for t in getattr(taxonomy, kind)]
    if value in allowed:
        return None
    hint = did_you_mean(value, allowed)
    if " - " in value:  # « - a » then « ␣␣␣- b »: YAML reads one item, « a - b »
        hint = (" La ligne suivante commence sans doute par « - » avec un retrait différent : alignez les « - » "
                "de la liste les uns sous les autres.")
    return f"« {value} » n'est pas une valeur connue. Valeurs possibles : {', '.join(allowed)}.{hint}"


def _family_message(taxonomy: Taxonomy, node: dict[str, Any]) -> str | None:
    nature = taxonomy.nature(node["nature"]) if isinstance(node.get("nature"), str) else None
    family = node.get("famille")
    if nature is None or (family is not None and not isinstance(family, str)):
        return None  # an unknown nature is reported on its own; a family of another type by the model
    families = [f.id for f in nature.familles]
    if families and family is None:
        return (f"la nature « {nature.id} » demande une famille : ajoutez « famille: » avec l'une de ces valeurs : "
                f"{', '.join(families)}.")
    if family is not None and family not in families:
        if not families:
            return f"la nature « {nature.id} » n'a pas de familles : retirez la ligne « famille: »."
        return (f"famille « {family} » inconnue pour la nature « {nature.id} ». Valeurs possibles : "
                f"{', '.join(families)}.{did_you_mean(family, families)}")
    return None


def _check_documents(documents: list[Loaded], context: ValidationContext, problems: Problems) -> None:
    _report_duplicates(documents, "document", problems)
    for item in documents:
        node, file, at = item.node, item.file, item.at
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("nature"), str):
            message = taxonomy_message(context.taxonomy, "natures", node["nature"])
            if message:
                problems.add(file.path, line_of(file, at + ("nature",)), f"« nature » : {message}")
        message = _family_message(context.taxonomy, node)
        if message:
            where = ("famille",) if "famille" in node else ()
            problems.add(file.path, line_of(file, at + where), message)
        if isinstance(node.get("fichier"), str):
            try:
                check_local_file(node["fichier"], context.kit_dir / "fichiers")
            except PydanticCustomError as error:
                problems.add(file.path, line_of(file, at + ("fichier",)), f"« fichier » : {error.message()}")


def _report_duplicates(items: list[Loaded], what: str, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for item in items:
        if item.value is None:
            continue
        line = line_of(item.file, item.at + ("id",))
        if item.value.id in seen:
            problems.add(item.file.path, line, f"identifiant « {item.value.id} » en double ({what} déjà défini ligne "
                                               f"{seen[item.value.id]}) : chaque identifiant doit être unique.")
        else:
            seen[item.value.id] = line


def _check_document_list(refs: list[str], known: list[str], file: YamlFile, at: tuple[Any, ...], what: str,
                         problems: Problems) -> None:
    """Each id of a ``documents:`` list names a document of kit/documents.yml, once."""
    first: dict[str, int] = {}
    for position, ref in enumerate(refs):
        if ref in known and ref not in first:
            first[ref] = position
            continue  # fine: no line looked up (a walk of the file's nodes, for every sheet)
        line = line_of(file, at + (position,))
        if ref not in known:
            problems.add(file.path, line,
                         f"document « {ref} » inconnu : il n'existe pas dans kit/documents.yml.{did_you_mean(ref, known)}")
        elif ref in first:
            # A path counts its steps from this list: a document twice would make « étape 3 sur 4 » of 3 pages.
            problems.add(file.path, line,
                         f"« documents » : le document « {ref} » figure deux fois dans {what} (déjà en position "
                         f"{first[ref] + 1}, ligne {line_of(file, at + (first[ref],))}) : gardez-le une seule fois, "
                         "à la place voulue.")


def _check_reading_paths(paths: list[Loaded], known: list[str], problems: Problems) -> None:
    _report_duplicates(paths, "parcours", problems)
    for item in paths:
        if item.value is not None:
            _check_document_list(item.value.documents, known, item.file, item.at + ("documents",),
                                 f"le parcours « {item.value.id} »", problems)


# Set by the incremental preview (builder.incremental) during one of its rounds only, never by
# kit build or kit check: the checks of one sheet that read nothing but its own reading (the
# new-case template's leftovers), kept by the id of its Loaded reading -> (that reading, what
# they found). A sheet whose bytes did not change is the same Loaded (builder.loader.CASE_MEMO),
# and any other input changing makes new ones; the rules between files always run again.
SHEET_CHECKS: RenderMemo | None = None


def _own_leftovers(item: Loaded) -> list[tuple[str, str]]:
    """``leftovers(item.node)``, the previous preview round's answer for the same reading."""
    memo = SHEET_CHECKS
    kept = memo.get(id(item)) if memo is not None else None
    if kept is None or kept[0] is not item:
        kept = (item, leftovers(_may_hold_leftovers(item.node)))
        if memo is not None:
            memo.put(id(item), kept)
    return kept[1]


def _may_hold_leftovers(node: dict[str, Any]) -> dict[str, Any]:
    """The fields of a sheet's ``node`` in which ``leftovers`` could find something, in order:
    a text that holds one of its key's placeholders, or « exemple.fr » in any case (its
    letters have no other case-insensitive match). ``leftovers`` splits every text of the
    sheet into lines: at 2,000 sheets, a quarter of the validation in this process."""
    known = placeholders()
    kept = {}
    for key, value in node.items():
        wanted = known.get(key, ())
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str) and (any(line in text for line in wanted)
                                          or (".f" in text or ".F" in text) and "exemple.fr" in text.lower()):
                kept[key] = value
                break
    return kept


def _check_cases(cases: list[Loaded], known: list[str], taxonomy: Taxonomy, problems: Problems,
                 edition: dt.date | None = None) -> None:
    for item in cases:
        node, file = item.node, item.file
        forms = node.get("formes")
        for position, form in enumerate(forms if isinstance(forms, list) else []):
            message = taxonomy_message(taxonomy, "formes", form) if isinstance(form, str) else None
            if message:
                problems.add(file.path, line_of(file, ("formes", position)), f"« formes » : {message}")
        if isinstance(node.get("demarche"), str):
            message = taxonomy_message(taxonomy, "demarches", node["demarche"])
            if message:
                problems.add(file.path, line_of(file, ("demarche",)), f"« demarche » : {message}")
    valid = [item for item in cases if item.value is not None]
    for item in valid:
        for key, message in _own_leftovers(item):  # the kit new-case template's placeholders
            problems.add(item.file.path, line_of(item.file, (key,)), f"« {key} » : {message}")
        _check_document_list(item.value.sheet.documents, known, item.file, ("documents",), "cette fiche", problems)
    for item, position, message in spelling_problems([(item, item.value.sheet.themes) for item in valid]):
        problems.add(item.file.path, line_of(item.file, ("themes", position)), f"« themes » : {message}")
    _report_future_dates(valid, problems, edition)


def _report_future_dates(cases: list[Loaded], problems: Problems, edition: dt.date | None = None) -> None:
    """A date added after the build date would pin the sheet at the top of the feed.

    The build date is today's, or SOURCE_DATE_EPOCH's when it is later: a reproducible
    rebuild of an older edition (SOURCE_DATE_EPOCH in the past) accepts what was valid
    when the sheets were added; the output itself never depends on the clock."""
    today = max(edition or _epoch_date(), dt.date.today())  # edition: the build context's date
    for item in cases:
        added = item.value.sheet.date_ajout
        if added and added > today:
            problems.add(item.file.path, line_of(item.file, ("date_ajout",)),
                         f"« date_ajout » : le {added.isoformat()} est postérieur à la date de construction du site "
                         f"({today.isoformat()}) : indiquez le jour où la fiche a été ajoutée (AAAA-MM-JJ), pas une "
                         "date à venir, qui placerait la fiche en tête du fil d'actualité.")


def _epoch_date() -> dt.date:
    """SOURCE_DATE_EPOCH's day (UTC), or today when it is unset or unreadable: an unreadable
    value is the environment's fault, not the catalogue's (``builder.safety.preflight`` names
    it for a build); ``kit check`` must not end on it. The one reading of the variable is
    ``builder.context.edition_date`` (bottom layer: it imports only the output-path table)."""
    from builder.context import edition_date

    try:
        return edition_date()
    except (ValueError, OverflowError, OSError):
        return dt.date.today()


def _check_concepts(catalogue: Catalogue, problems: Problems) -> None:
    """kit/fragilites.yml: each family once; kit/objectifs.yml: each objective's ``nature``
    and ``logique`` name an entry of the file's ``natures`` and ``logiques``."""
    fragilities, file = catalogue.fragilities, catalogue.fragilities_file
    if fragilities is not None and file is not None:
        seen: dict[str, int] = {}
        for index, family in enumerate(fragilities.familles):
            line = line_of(file, ("familles", index, "id"))
            if family.id in seen:
                problems.add(file.path, line, f"famille « {family.id} » en double (déjà définie ligne {seen[family.id]}) : "
                                              "chaque identifiant doit être unique.")
            seen.setdefault(family.id, line)
    objectives, file = catalogue.objectives, catalogue.objectives_file
    if objectives is None or file is None:
        return
    natures = [n.id for n in objectives.natures]
    logics = [lo.id for lo in objectives.logiques]
    for index, objective in enumerate(objectives.objectifs):
        checks = [("nature", objective.nature, natures, "natures")]
        if objective.logique is not None:
            checks.append(("logique", objective.logique, logics, "logiques"))
        for key, value, allowed, listing in checks:
            if value not in allowed:
                listed = ", ".join(allowed) if allowed else f"aucune (ajoutez une liste « {listing}: »)"
                problems.add(file.path, line_of(file, ("objectifs", index, key)),
                             f"« {key} » : « {value} » n'est pas dans la liste « {listing} » du fichier. "
                             f"Valeurs possibles : {listed}.{did_you_mean(value, allowed)}")


# --- content/ and the pages the builder writes ------------------------------------------------


def _content_pages(content_dir: Path) -> Iterable[tuple[Path, str]]:
    """Each readable Markdown page of content/ with its text (refused files are reported by
    ``builder.files``; read bounded, on the opened file, as everywhere)."""
    if not content_dir.is_dir() or content_dir.is_symlink():
        return
    for page in sorted(content_dir.rglob("*.md")):
        if page.is_symlink() or not page.is_file():
            continue
        try:
            text = read_bounded(page, MAX_MARKDOWN_FILE_BYTES).decode("utf-8-sig")
        except (FileRefused, OSError, UnicodeDecodeError):
            continue  # reported where the page is read
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if parser_limits(text) is None:  # else refused by check_content: never scanned (issue 18, bounded work)
            yield page, text


def check_markers(content_dir: Path, groups: list[str], has_fragilities: bool, has_objectives: bool,
                  problems: Problems) -> None:
    """Report, with page and line, a marker of content/ the build could not fill: an unknown
    name, a marker not written as the build reads it (capitals, spaces, another sign), a
    block whose data file is absent, an argument where none is expected, or a
    ``kit:chiffres`` group that kit/chiffres.yml (``groups``) does not have."""
    names = sorted([*BLOCK_NAMES, *LATER_MARKERS])
    present = {"fragilites": has_fragilities, "objectifs": has_objectives}
    listed = ", ".join(f"kit:{n}" for n in names)
    for page, text in _content_pages(content_dir):
        for loose in _LOOSE_MARKER.finditer(text):
            line = text.count("\n", 0, loose.start()) + 1
            match = HOME_MARKER.fullmatch(loose.group(0))
            if match is None:
                words = loose.group(1).split()
                name = words[0].lower() if words else ""
                fix = f"<!-- kit:{name}{' ' + words[1].lower() if len(words) > 1 else ''} -->"
                fix_hint = (f" : écrivez « {fix} »." if name in names else
                            f" ; les marqueurs possibles sont {listed}.{did_you_mean(name, names)}")
                problems.add(page, line, f"marqueur « {' '.join(loose.group(0).split())} » mal écrit : un marqueur "
                                         "s'écrit en minuscules, sans espace autour des deux-points, « <!-- kit:nom --> » "
                                         f"(et un argument éventuel après une espace){fix_hint}")
                continue
            name, argument = match.group(1), match.group(2)
            marker = f"« {match.group(0)} »"
            if name in BLOCK_NAMES and not _alone_on_its_line(text, loose.start(), loose.end()):
                # A block (a list, a figure…) put inside a sentence would end up inside a paragraph.
                problems.add(page, line, f"le marqueur {marker} doit être seul sur sa ligne (il est remplacé par un bloc "
                                         "entier) : mettez-le sur une ligne à part, précédée et suivie d'une ligne vide.")
            elif name not in names:
                problems.add(page, line, f"marqueur {marker} inconnu : les marqueurs possibles sont {listed}."
                                         f"{did_you_mean(name, names)}")
            elif name in NEEDS_FILE and not present[name]:
                problems.add(page, line, f"le marqueur {marker} affiche le contenu de kit/{NEEDS_FILE[name]}, absent ou "
                                         "invalide : ajoutez ce fichier (ou corrigez-le), ou retirez le marqueur.")
            elif name == "chiffres" and argument is not None and argument not in groups:
                listed_groups = ", ".join(groups) if groups else "aucun"
                problems.add(page, line, f"marqueur {marker} : le groupe « {argument} » n'existe pas dans kit/chiffres.yml "
                                         f"(champ « groupe »). Groupes : {listed_groups}.{did_you_mean(argument, groups)}")
            elif name not in ("chiffres", *LATER_MARKERS) and argument is not None:
                problems.add(page, line, f"marqueur {marker} : « kit:{name} » ne prend pas d'argument ; écrivez "
                                         f"« <!-- kit:{name} --> ».")


def _alone_on_its_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return not text[line_start:start].strip() and not text[end:len(text) if line_end < 0 else line_end].strip()


def generated_pages(catalogue: Catalogue) -> set[str]:
    """The pages the builder writes from the catalogue, as paths of the docs folder (« catalogue/index.md »)."""
    urls = OutputPaths.of(catalogue.config.sorties)
    generated = {urls.catalogue_source, urls.cases_index_source}
    generated |= {urls.document_source(d.id) for d in catalogue.valid(catalogue.documents)}
    generated |= {urls.reading_path_source(p.id) for p in catalogue.valid(catalogue.reading_paths)}
    generated |= {urls.case_source(c.slug) for c in catalogue.valid(catalogue.cases)}
    if catalogue.glossary.termes or catalogue.glossary.abreviations:
        generated.add(urls.glossary_source)
    return generated


def _check_generated_addresses(project: Project, generated: set[str], problems: Problems) -> None:
    """A page of content/ at the address of a page the builder writes (a document, a path, the
    catalogue, the sheets' index, the glossary) would be replaced by it without a word."""
    content = str(project.content_dir)
    folders: dict[str, bool] = {}  # nothing can be under a folder that is not there: one look per folder
    for relative in sorted(generated):
        folder = posixpath.dirname(relative)
        if folder not in folders:
            folders[folder] = os.path.isdir(os.path.join(content, folder))
        if not folders[folder]:
            continue
        page = project.content_dir / relative
        if os.path.lexists(page):
            problems.add(page, 0, f"cette page a l'adresse d'une page produite par le site ({relative.removesuffix('.md')}"
                                  ".html), qui la remplacerait sans rien dire : renommez-la ou déplacez-la.")


def _written_files(catalogue: Catalogue) -> dict[str, str]:
    """The files the builder writes besides pages (path in the site → what it is, in French)."""
    urls = OutputPaths.of(catalogue.config.sorties)
    written = {path: "un export du catalogue" for path in urls.exports}
    written[urls.feed] = "le fil d'actualité des fiches"
    written[posixpath.splitext(NOT_FOUND_PAGE)[0] + ".md"] = "la page « introuvable » du site, 404.html"
    for document in catalogue.valid(catalogue.documents):
        if document.fichier:
            written[urls.document_file(document.fichier)] = f"le fichier du document « {document.id} », copié de kit/fichiers/"
    return written


def _fold(path: str) -> str:
    """A path as Windows and macOS compare names: NFC, case folded (builder.files does the same for names)."""
    return unicodedata.normalize("NFC", path).casefold()


def _check_case_only_addresses(catalogue: Catalogue, generated: set[str], problems: Problems) -> None:
    """A file or folder of content/ whose address differs from one the builder writes only by
    case or Unicode form (« content/Fiches/index.md », « content/Catalogue/catalogue.csv »): the
    site and the zip then hold both, which Windows and macOS see as one (issue 18, « file names
    safe on Windows, macOS and Linux »). Exact matches are reported by the two checks above."""
    content_dir = catalogue.project.content_dir
    if not content_dir.is_dir() or content_dir.is_symlink():
        return
    out = catalogue.config.sorties
    addresses = {page.removesuffix(".md") + ".html" for page in generated} | set(_written_files(catalogue))
    addresses.add(posixpath.splitext(NOT_FOUND_PAGE)[0] + ".html")
    folders = {*FIXED_OUTPUT_FOLDERS, *(getattr(out, field) for field in _OUTPUT_FOLDER_FIELDS)}
    for address in list(addresses):
        parts = address.split("/")[:-1]
        folders |= {"/".join(parts[:n]) for n in range(1, len(parts) + 1)}
    known = {_fold(a): a for a in sorted(addresses)} | {_fold(f): f for f in sorted(folders)}
    for top, dirs, files in os.walk(content_dir):  # never follows links (reported by builder.files)
        dirs.sort()
        for name in sorted(files):
            relative = (Path(top) / name).relative_to(content_dir).as_posix()
            site = relative.removesuffix(".md") + ".html" if relative.endswith(".md") else relative
            parts = site.split("/")
            for n in range(1, len(parts) + 1):
                own = "/".join(parts[:n])
                theirs = known.get(_fold(own))
                if theirs is not None and theirs != own:
                    what = "l'adresse" if n == len(parts) else "le dossier"
                    problems.add(content_dir / relative, 0,
                                 f"{what} « {own} » ne diffère de « {theirs} » (que le site produit lui-même) que par "
                                 "les majuscules ou les accents : Windows et macOS n'y voient qu'un seul nom, et l'un "
                                 "remplacerait l'autre ; renommez-le ou déplacez-le.")
                    break


def _check_written_files(catalogue: Catalogue, problems: Problems) -> None:
    """A file of content/ at the address of a file the builder writes itself, besides pages:
    the catalogue's exports (a « catalogue/catalogue.csv » of content/ was replaced by the
    export), a document's file (« fichiers/guide.pdf »: the build stopped on a system error),
    the 404 page (« 404.md » replaced the theme's, without its fix for nested addresses)."""
    content_dir = catalogue.project.content_dir
    if not content_dir.is_dir() or content_dir.is_symlink():
        return
    for relative, what in sorted(_written_files(catalogue).items()):
        if os.path.lexists(content_dir / relative):
            problems.add(content_dir / relative, 0, f"ce fichier a l'adresse d'un fichier que le site produit lui-même "
                                                    f"({what}), qui le remplacerait : renommez-le ou déplacez-le.")


# A Markdown link or image to a file of the site: « [texte](../fichier.pdf) », « ![alt](img.png "titre") ».
_LOCAL_LINK = re.compile(r"(!?)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\n]*?[\"'])?\s*\)")
_CODE = re.compile(r"^(```|~~~).*?^\1[ \t]*$|`[^`\n]*`", re.M | re.S)


def _check_links_to_files(content_dir: Path, generated: set[str], folders: dict[str, str],
                          problems: Problems) -> None:
    """A link or image of a content/ page to a file of content/ or a generated page that does
    not exist: MkDocs' strict build would stop on it with an English warning, after the work.
    ``folders``: the generated pages' folders → where their ids come from, for the message."""
    if not content_dir.is_dir() or content_dir.is_symlink():
        return
    for page, text in _content_pages(content_dir):
        name = page.relative_to(content_dir).as_posix()
        blanked = _CODE.sub(lambda found: re.sub(r"[^\n]", " ", found.group(0)), text)  # code shows links as text
        for match in _LOCAL_LINK.finditer(blanked):
            target = match.group(2)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith(("#", "/")) or not parts.path \
                    or dialect.scheme_less_address(target):
                continue  # an outside address (checked by builder.content_check), an anchor of the page
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path)))
            if resolved in generated or resolved.startswith("../"):
                continue  # outside content/: the download (kit:telechargement) and exports are the builder's
            # A link to a folder (« ../catalogue/ ») opens its index page (the build points it
            # at index.html, builder.links.folder_links_to_index): that page must exist.
            # (Issue #16, part W: added to this layer's link rule; keep the two in step.)
            if parts.path.endswith("/") or posixpath.basename(parts.path) in (".", "..") \
                    or (content_dir / resolved).is_dir():
                index = "index.md" if resolved == "." else f"{resolved}/index.md"
                if index in generated or (content_dir / index).is_file():
                    continue
                line = text.count("\n", 0, match.start()) + 1
                problems.add(page, line, f"le lien vers « {target} » mène à un dossier sans page (content/{index} "
                                         "n'existe pas et le site ne la produit pas) : corrigez le chemin, qui part "
                                         "du dossier de la page (par exemple « ../catalogue/index.md »).")
                continue
            if (content_dir / resolved).exists() or _built_beside(resolved, generated):
                continue
            what = "l'image" if match.group(1) else "le lien"
            line = text.count("\n", 0, match.start()) + 1
            folder, _, rest = resolved.partition("/")
            source = folders.get(folder)
            if source and rest.endswith((".md", ".html")) and "/" not in rest:  # a page the builder writes
                wanted = posixpath.splitext(rest)[0]
                known = sorted(posixpath.splitext(g.partition("/")[2])[0] for g in generated
                               if g.startswith(f"{folder}/"))
                problems.add(page, line, f"{what} vers « {target} » mène à une page qui ne sera pas produite : "
                                         f"« {wanted} » n'est pas un identifiant de {source}.{did_you_mean(wanted, known)} "
                                         "Corrigez le lien (par exemple « ../documents/mon-document.md »).")
                continue
            problems.add(page, line, f"{what} vers « {target} » mène à un fichier absent (content/{resolved}) : "
                                     "ajoutez ce fichier à content/, ou corrigez le chemin (il part du dossier de la "
                                     "page).")


def _built_beside(resolved: str, generated: set[str]) -> bool:
    """A file the build writes next to its pages (the feed, the exports, a page's .html)."""
    stem, suffix = posixpath.splitext(resolved)
    if suffix == ".html" and f"{stem}.md" in generated:
        return True
    return posixpath.basename(resolved) in (FEED_FILE, *EXPORT_FILES)


# Folders of the built site that hold what the builder writes itself: a folder of ``sorties``
# named like one would mix its pages with them, and a page could replace another silently.
FIXED_OUTPUT_FOLDERS = {
    posixpath.dirname(CATALOGUE_PAGE): "du catalogue (sa page et ses exports)",
    posixpath.dirname(GLOSSARY_PAGE): "des pages rédigées « le kit » et du glossaire",
    posixpath.dirname(SEARCH_INDEX_FILE): "de l'index de recherche",
    "assets": "des feuilles de style et des scripts du thème",
    DOCUMENT_FILES_DIR: "des fichiers des documents (kit/fichiers/)",
}
_OUTPUT_FOLDER_FIELDS = ("dossier_documents", "dossier_fiches", "dossier_parcours", "dossier_telechargements")


def _check_output_folders(catalogue: Catalogue, problems: Problems) -> None:
    """``sorties``' folders must differ from each other and from ``FIXED_OUTPUT_FOLDERS``:
    with « dossier_fiches: catalogue » the sheets' index replaced the catalogue's page, and
    with two equal folders a sheet replaced the document of the same name (issue 18, « No
    silent loss »)."""
    if catalogue.config is None:
        return
    out, file = catalogue.config.sorties, catalogue.config_file
    seen: dict[str, str] = {}
    for field in _OUTPUT_FOLDER_FIELDS:
        folder = getattr(out, field)
        line = line_of(file, ("sorties", field))
        if folder in FIXED_OUTPUT_FOLDERS:
            problems.add(file.path, line, f"« {field} » : « {folder} » est déjà le dossier "
                                          f"{FIXED_OUTPUT_FOLDERS[folder]} ; une page pourrait en remplacer une autre sans "
                                          "rien dire : choisissez un autre nom.")
        elif folder in seen:
            problems.add(file.path, line, f"« {field} » : « {folder} » est déjà le dossier de « {seen[folder]} » ; une "
                                          "page pourrait en remplacer une autre du même nom sans rien dire : donnez à "
                                          "chacun son propre dossier.")
        seen.setdefault(folder, field)


def _check_settings(catalogue: Catalogue, groups: list[str], generated: set[str], problems: Problems) -> None:
    """site_config.yml's references to other files: ``rubriques.pages_a_propos`` entries name
    a page (of content/, or the generated glossary), once; ``rubriques.groupes_chiffres`` keys
    name a ``groupe`` of kit/chiffres.yml. Else the page, or the chart's title, silently drops."""
    config, file = catalogue.config, catalogue.config_file
    content_dir = catalogue.project.content_dir
    pages = sorted(p.relative_to(content_dir).as_posix() for p in content_dir.rglob("*.md")) \
        if content_dir.is_dir() and not content_dir.is_symlink() else []
    possible = sorted({*pages, *(g for g in generated if g.startswith("le-kit/"))} - {"index.md"})
    seen: dict[str, int] = {}
    for index, entry in enumerate(config.rubriques.pages_a_propos):
        line = line_of(file, ("rubriques", "pages_a_propos", index))
        if entry in seen:
            problems.add(file.path, line, f"« pages_a_propos » : la page « {entry} » figure deux fois (déjà ligne "
                                          f"{seen[entry]}) : gardez-la une seule fois.")
            continue
        seen[entry] = line
        if entry in pages or entry in generated:
            continue
        hint = did_you_mean(entry, possible)
        if not hint and not entry.endswith(".md") and f"{entry}.md" in possible:
            hint = f" Vouliez-vous dire « {entry}.md » ?"
        problems.add(file.path, line,
                     f"« pages_a_propos » : « {entry} » ne désigne aucune page de content/ : la page manquerait à "
                     f"l'onglet « {config.rubriques.a_propos} ». Écrivez le chemin d'une page à partir de content/ "
                     f"(par exemple « le-kit/ma-page.md »), ou retirez la ligne.{hint}")
    for group in config.rubriques.groupes_chiffres:
        if group not in groups:
            listed = ", ".join(groups) if groups else "aucun"
            problems.add(file.path, line_of(file, ("rubriques", "groupes_chiffres", group)),
                         f"« groupes_chiffres » : le groupe « {group} » n'existe pas dans kit/chiffres.yml (champ "
                         f"« groupe ») : son titre ne servirait à rien. Groupes : {listed}.{did_you_mean(group, groups)}")
