"""Load and validate: catalogue files → typed models, with every problem reported at once."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from builder.config import Project, SiteConfig
from builder.models import (
    SLUG_PATTERN,
    Case,
    CaseSheet,
    Document,
    Glossary,
    KeyFigure,
    Kit,
    ReadingPath,
    ValidationContext,
)
from builder.files import check_files, check_theme
from builder.problems import CatalogueError, Problems, did_you_mean  # CatalogueError: re-exported, callers import it from here
from builder.yamlio import YamlFile, line_of, read_yaml

CASE_SUFFIXES = (".yml", ".yaml")
# Unknown keys named per block: a file of 99,000 of them must not take minutes to report
# (finding each key's line is a search of its block) nor bury the other problems.
MAX_UNKNOWN_KEYS_REPORTED = 10


# --- pydantic's errors, told in French ----------------------------------------------------

_TYPE_MESSAGES = {
    "string_type": "« {key} » doit être un texte.",
    "int_type": "« {key} » doit être un nombre entier (par exemple 2016).",
    "int_parsing": "« {key} » doit être un nombre entier (par exemple 2016).",
    "int_from_float": "« {key} » doit être un nombre entier (par exemple 2016).",
    "float_type": "« {key} » doit être un nombre.",
    "float_parsing": "« {key} » doit être un nombre.",
    "bool_type": "« {key} » doit valoir true ou false.",
    "list_type": "« {key} » doit être une liste : un élément par ligne, chacun commençant par « - ».",
    "dict_type": "« {key} » doit être un bloc de clés (une ligne « clé: valeur » par clé).",
    "model_type": "cet élément doit être un bloc de clés (une ligne « clé: valeur » par clé).",
    "model_attributes_type": "cet élément doit être un bloc de clés (une ligne « clé: valeur » par clé).",
    "date_type": "« {key} » doit être une date au format AAAA-MM-JJ (par exemple 2026-01-31).",
    "date_parsing": "« {key} » doit être une date au format AAAA-MM-JJ (par exemple 2026-01-31).",
    "date_from_datetime_parsing": "« {key} » doit être une date au format AAAA-MM-JJ (par exemple 2026-01-31).",
    "string_too_short": "« {key} » ne doit pas être vide.",
    "string_too_long": "« {key} » est trop long ({max_length} caractères au plus).",
    "too_short": "« {key} » doit contenir au moins {min_length} élément(s).",
    "greater_than_equal": "« {key} » doit être supérieur ou égal à {ge}.",
    "less_than_equal": "« {key} » doit être inférieur ou égal à {le}.",
    "string_pattern_mismatch": "« {key} » : identifiant invalide ; utilisez des minuscules sans accents, des chiffres et des tirets (par exemple « mon-identifiant »).",
}


def _key_of(loc: tuple[Any, ...]) -> str:
    return next((str(p) for p in reversed(loc) if isinstance(p, str)), "élément")


def french_message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    key = _key_of(loc)
    if kind.startswith("kit_"):
        prefix = f"« {key} » : " if loc else ""
        return prefix + error["msg"]
    if kind == "missing":
        return f"clé obligatoire « {key} » absente : ajoutez une ligne « {key}: … » (voir le modèle créé par « kit new-case »)."
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        return f"clé inconnue « {key} ».{did_you_mean(key, fields)} Clés possibles : {', '.join(fields)}."
    value = error.get("input")
    if value is None and kind.endswith("_type"):  # « titre: » with nothing after it
        field = model.model_fields.get(key) if len(loc) == 1 else None
        return _empty_value(key, loc, kind, optional=field is not None and not field.is_required())
    if kind == "string_type" and isinstance(value, (int, float, bool, dt.date)):
        # YAML read « 2024 », « oui » or « 2026-01-31 » as a number, a boolean or a date
        return f"« {key} » doit être un texte : mettez la valeur entre guillemets, par exemple {key}: \"{value}\"."
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type") and isinstance(value, str):
        return (f"« {key} » : « {value} » n'est pas une date existante au format AAAA-MM-JJ "
                "(par exemple 2026-01-31 : l'année, le mois de 01 à 12, le jour).")
    if kind == "literal_error" and isinstance(value, str):  # formes_source: « équipe » for « equipe »
        choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        if choices:
            return (f"« {key} » : « {value} » n'est pas une valeur possible. Valeurs possibles : {', '.join(choices)}."
                    + did_you_mean(value, choices))
    template = _TYPE_MESSAGES.get(kind, "« {key} » : valeur invalide.")
    return template.format(key=key, **(error.get("ctx") or {}))


def _empty_value(key: str, loc: tuple[Any, ...], kind: str, optional: bool) -> str:
    if loc and isinstance(loc[-1], int):
        return f"un élément de « {key} » est vide : écrivez sa valeur après le « - », ou retirez cette ligne."
    if kind == "list_type":
        return (f"« {key} » est vide : écrivez ses éléments en dessous, un par ligne commençant par « - », "
                f"ou « {key}: [] » pour une liste vide.")
    if optional:
        return f"« {key} » est vide : écrivez sa valeur après « {key}: », ou retirez la ligne (cette rubrique est facultative)."
    return f"« {key} » est vide : écrivez sa valeur après « {key}: » (cette rubrique est obligatoire)."


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the (nested) model at ``loc``, for « did you mean »."""
    current: Any = model
    for part in loc:
        if isinstance(part, str) and isinstance(current, type) and issubclass(current, BaseModel):
            annotation = current.model_fields[part].annotation if part in current.model_fields else None
            current = _inner_model(annotation)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def validate_node(
    model: type[BaseModel],
    node: Any,
    file: YamlFile,
    prefix: tuple[Any, ...],
    problems: Problems,
    context: ValidationContext | None,
) -> Any:
    """Validate one YAML node against ``model``; report each error with its line."""
    try:
        return model.model_validate(node, context=context)
    except ValidationError as errors:
        found = errors.errors()
        unknown: dict[tuple[Any, ...], int] = {}  # per block: how many unknown keys
        for error in found:
            loc = tuple(error["loc"])
            if error["type"] == "extra_forbidden":
                unknown[loc[:-1]] = unknown.get(loc[:-1], 0) + 1
                if unknown[loc[:-1]] > MAX_UNKNOWN_KEYS_REPORTED:
                    continue
            message = french_message(error, model)
            if error["type"] == "string_type" and loc:  # YAML read another type than the text typed
                from builder.hints import list_under_text_message, typed_value_message

                key = _key_of(loc)
                message = (list_under_text_message(model, key, error.get("input")) if len(loc) == 1 else None) \
                    or typed_value_message(file, prefix + loc, key, error.get("input")) or message
            if error["type"] == "missing":
                message = _misspelt_key(loc, found, file, prefix) or message
            problems.add(file.path, line_of(file, prefix + loc), message)
        for block, count in unknown.items():
            if count > MAX_UNKNOWN_KEYS_REPORTED:
                more = count - MAX_UNKNOWN_KEYS_REPORTED
                problems.add(file.path, line_of(file, prefix + block),
                             f"{count} clés inconnues dans ce bloc ({more} de plus que les "
                             f"{MAX_UNKNOWN_KEYS_REPORTED} nommées) : retirez-les ; les clés possibles sont celles du "
                             "modèle créé par « kit new-case ».")
        return None


def _misspelt_key(loc: tuple[Any, ...], errors: list[Any], file: YamlFile, prefix: tuple[Any, ...]) -> str | None:
    """A required key is missing and an unknown key beside it looks like it: say they are one
    (rather than « add a line », which would leave the misspelt one behind)."""
    unknown = [str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden" and tuple(e["loc"][:-1]) == loc[:-1]]
    unknown = unknown[:MAX_UNKNOWN_KEYS_REPORTED]  # the ones reported; difflib over thousands is slow
    close = difflib.get_close_matches(str(loc[-1]), unknown, n=1, cutoff=0.6)
    if not close:
        return None
    line = line_of(file, prefix + loc[:-1] + (close[0],))
    return (f"clé obligatoire « {loc[-1]} » absente : la ligne {line} porte « {close[0]} », sans doute la même clé "
            f"mal orthographiée ; renommez-la « {loc[-1]} ».")


# --- the files ------------------------------------------------------------------------------


def load_config(project: Project, problems: Problems) -> SiteConfig | None:
    if not project.config_file.is_file():
        problems.add(project.config_file, 0, "fichier de réglages introuvable : le dossier du projet doit contenir site_config.yml.")
        return None
    file = read_yaml(project.config_file, problems)
    if file is None:
        return None
    return validate_node(SiteConfig, file.data, file, (), problems, None)


def _load_list(
    path: Path, model: type[BaseModel], problems: Problems, context: ValidationContext, required: bool = True
) -> list[tuple[Any, YamlFile, int]]:
    """Each item of a YAML list file, validated, with its file and index."""
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
    items = []
    for index, node in enumerate(file.data):
        item = validate_node(model, node, file, (index,), problems, context)
        if item is not None:
            items.append((item, file, index))
    return items


def _report_duplicates(items: list[tuple[Any, YamlFile, int]], what: str, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for item, file, index in items:
        line = line_of(file, (index, "id"))
        if item.id in seen:
            problems.add(file.path, line, f"identifiant « {item.id} » en double ({what} déjà défini ligne {seen[item.id]}) : chaque identifiant doit être unique.")
        else:
            seen[item.id] = line


def _report_unknown_documents(
    refs: list[str], known: list[str], file: YamlFile, prefix: tuple[Any, ...], problems: Problems
) -> None:
    for position, ref in enumerate(refs):
        if ref not in known:
            problems.add(
                file.path,
                line_of(file, prefix + (position,)),
                f"document « {ref} » inconnu : il n'existe pas dans kit/documents.yml.{did_you_mean(ref, known)}",
            )


def reserved_case_slugs(project: Project, config: SiteConfig) -> set[str]:
    """Names a case sheet cannot take: its page would overwrite (or be overwritten by) a page
    the builder writes in the sheets' folder (the index, the feed) or a page of content/."""
    from builder.pages import CASES_INDEX_PAGE, FEED_FILE

    reserved = {Path(CASES_INDEX_PAGE).stem, Path(FEED_FILE).stem}
    pages = project.content_dir / config.sorties.dossier_fiches
    if pages.is_dir() and not pages.is_symlink():
        reserved |= {p.stem for p in pages.iterdir() if p.suffix == ".md"}
    return reserved


def _load_cases(project: Project, config: SiteConfig, problems: Problems,
                context: ValidationContext) -> list[tuple[Case, YamlFile]]:
    folder = project.kit_dir / "cas"
    if not folder.is_dir() or folder.is_symlink():
        return []
    cases: list[tuple[Case, YamlFile]] = []
    slugs: dict[str, Path] = {}
    reserved = reserved_case_slugs(project, config)
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
                                  f"{config.sorties.dossier_fiches}/{slug}.html, que cette fiche écraserait ; renommez le "
                                  f"fichier (par exemple « {slug}-territoire.yml »).")
            continue
        if not _is_slug(slug):
            problems.add(path, 0, f"nom de fichier « {path.name} » invalide : utilisez des minuscules sans accents, des chiffres et des tirets (par exemple « {_suggest_slug(slug)}.yml »).")
            continue
        if slug.lower() in slugs:
            problems.add(path, 0, f"fiche « {slug} » en double : {problems.relative(slugs[slug.lower()])} porte déjà ce nom ; renommez l'un des deux fichiers.")
            continue
        slugs[slug.lower()] = path
        file = read_yaml(path, problems)
        if file is None:
            continue
        if not isinstance(file.data, dict):
            problems.add(path, 1, "une fiche est un bloc de clés (« titre: … », « territoire: … ») et non une liste ou un texte : partez du modèle créé par « kit new-case ».")
            continue
        sheet = validate_node(CaseSheet, file.data, file, (), problems, context)
        if sheet is not None:
            from builder.leftovers import leftovers  # the kit new-case template's placeholders

            for key, message in leftovers(file.data):
                problems.add(path, line_of(file, (key,)), f"« {key} » : {message}")
            cases.append((Case(slug, sheet, path), file))
    return cases


def _report_nested_cases(folder: Path, problems: Problems) -> None:
    """Sheets are read from kit/cas/ itself: a file in a sub-folder would be silently left out."""
    for root, folders, names in os.walk(folder):  # links to folders are not followed
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                problems.add(Path(root) / name, 0, "fichier ignoré : les fiches sont lues dans kit/cas/ même, pas dans "
                                                   f"ses sous-dossiers ; déplacez-le dans kit/cas/ (« kit/cas/{name} »).")


def _report_future_dates(cases: list[tuple[Case, YamlFile]], problems: Problems) -> None:
    """A date added after the build date would pin the sheet at the top of the feed.

    The build date is today's, or SOURCE_DATE_EPOCH's when it is later: a reproducible
    rebuild of an older edition (SOURCE_DATE_EPOCH in the past) accepts what was valid
    when the sheets were added; the output itself never depends on the clock."""
    from builder.site import build_date

    today = max(build_date(), dt.date.today())
    for case, file in cases:
        added = case.sheet.date_ajout
        if added and added > today:
            problems.add(file.path, line_of(file, ("date_ajout",)),
                         f"« date_ajout » : le {added.isoformat()} est postérieur à la date de construction du site "
                         f"({today.isoformat()}) : indiquez le jour où la fiche a été ajoutée (AAAA-MM-JJ), pas une "
                         "date à venir, qui placerait la fiche en tête du fil d'actualité.")


def _is_slug(text: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, text) is not None


def _suggest_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "ma-fiche"


def _report_generated_addresses(project: Project, config: SiteConfig, documents: list[Any], paths: list[Any],
                                glossary: Any, problems: Problems) -> None:
    """A page of content/ at the address of a page the builder writes (a document, a path, the
    catalogue, the sheets' index, the glossary) would be replaced by it without a word."""
    from builder.pages import CASES_INDEX_PAGE, CATALOGUE_PAGE, GLOSSARY_PAGE

    out = config.sorties
    generated = {CATALOGUE_PAGE, f"{out.dossier_fiches}/{CASES_INDEX_PAGE}"}
    generated |= {f"{out.dossier_documents}/{d.id}.md" for d in documents}
    generated |= {f"{out.dossier_parcours}/{p.id}.md" for p in paths}
    if glossary is not None and (glossary.termes or glossary.abreviations):
        generated.add(GLOSSARY_PAGE)
    for relative in sorted(generated):
        page = project.content_dir / relative
        if os.path.lexists(page):
            problems.add(page, 0, f"cette page a l'adresse d'une page produite par le site ({relative.removesuffix('.md')}"
                                  ".html), qui la remplacerait sans rien dire : renommez-la ou déplacez-la.")


def load_kit(project: Project) -> tuple[SiteConfig, Kit]:
    """Read and validate everything; raise ``CatalogueError`` listing every problem."""
    problems = Problems(project.root)
    config = load_config(project, problems)
    if config is None:
        raise CatalogueError(problems)
    check_files(project.kit_dir, project.content_dir, problems)  # links, devices, types, names
    check_theme(project.root / "theme", problems)
    context = ValidationContext(config.taxonomie, project.kit_dir)
    kit_dir = project.kit_dir

    documents = _load_list(kit_dir / "documents.yml", Document, problems, context)
    _report_duplicates(documents, "document", problems)
    # Ids of invalid documents count as known: one mistake must not cascade into many.
    known = _raw_ids(kit_dir / "documents.yml")

    paths = _load_list(kit_dir / "parcours.yml", ReadingPath, problems, context)
    _report_duplicates(paths, "parcours", problems)
    for path, file, index in paths:
        _report_unknown_documents(path.documents, known, file, (index, "documents"), problems)

    cases = _load_cases(project, config, problems, context)
    from builder.themes import spelling_problems  # one theme, one spelling across the sheets

    for (case, file), position, message in spelling_problems([((c, f), c.sheet.themes) for c, f in cases]):
        problems.add(file.path, line_of(file, ("themes", position)), f"« themes » : {message}")
    _report_future_dates(cases, problems)
    for case, file in cases:
        _report_unknown_documents(case.sheet.documents, known, file, ("documents",), problems)

    figures = _load_list(kit_dir / "chiffres.yml", KeyFigure, problems, context, required=False)
    glossary = _load_glossary(kit_dir / "glossaire.yml", problems)
    from builder.concepts import check_markers, load_fragilities, load_objectives  # optional concept data

    fragilities = load_fragilities(kit_dir, problems)
    objectives = load_objectives(kit_dir, problems)
    check_markers(project.content_dir, [f for f, _, _ in figures], fragilities, objectives, problems)
    from builder.content_check import check_content  # front matter, anchors, addresses in content/

    check_content(project.content_dir, problems)
    _report_generated_addresses(project, config, [d for d, _, _ in documents], [p for p, _, _ in paths], glossary,
                                problems)

    if problems:
        raise CatalogueError(problems)
    kit = Kit(
        documents=[d for d, _, _ in documents],
        paths=[p for p, _, _ in paths],
        cases=[c for c, _ in cases],
        figures=[f for f, _, _ in figures],
        glossary=glossary,
        fragilities=fragilities,
        objectives=objectives,
    )
    return config, kit


def _raw_ids(path: Path) -> list[str]:
    file = read_yaml(path, Problems(path.parent)) if path.is_file() else None
    if file is None or not isinstance(file.data, list):
        return []
    return [str(node["id"]) for node in file.data if isinstance(node, dict) and "id" in node]


def _load_glossary(path: Path, problems: Problems) -> Glossary:
    if not path.is_file():
        return Glossary()
    file = read_yaml(path, problems)
    if file is None:
        return Glossary()
    return validate_node(Glossary, file.data, file, (), problems, None) or Glossary()
