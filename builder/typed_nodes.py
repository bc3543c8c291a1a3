"""One YAML node → one typed model, each pydantic error told in French on its line.

The loader (``builder.loader``) and the optional concept files (``builder.concepts``) type
every node through ``validate_node``: types, required keys, unknown keys, field formats.
Rules that need more than the node (the taxonomy of site_config.yml, other files, files on
disk) are not here: they are the validation layer's (``builder.validate``), so no model is
ever accepted because a context was missing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from builder.hints import list_under_text_message, typed_value_message
from builder.problems import Problems, did_you_mean
from builder.yamlio import YamlFile, line_of

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
) -> Any:
    """``node`` (the YAML data at ``prefix`` in ``file``) typed as ``model``, or None when it
    does not fit: then each error is added to ``problems`` in French, on its line. Never raises."""
    try:
        return model.model_validate(node)
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
