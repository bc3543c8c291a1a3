"""Optional concept data of the kit: kit/fragilites.yml and kit/objectifs.yml (loading only).

They hold, as data, lists the concept pages print (the 16 fragility indicators by family,
the four objectives of territories in co-construction), so that a page and a test read the
same list. Both files are optional: another kit builds without them (a page that asks for
them with a marker gets a French error from ``builder.validate``, which also checks the
files' own cross-references: families named once, objectives' natures and logics known).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from builder.models import Fragilities, TerritoryObjectives
from builder.problems import Problems
from builder.typed_nodes import validate_node
from builder.yamlio import YamlFile, read_yaml

FRAGILITIES_FILE = "fragilites.yml"
OBJECTIVES_FILE = "objectifs.yml"


def _read_mapping(path: Path, model: type[BaseModel], keys: str, problems: Problems) -> tuple[YamlFile | None, Any]:
    """(file, model instance) for an optional concept file that holds a YAML mapping; the
    instance is None when the file is absent or invalid (problems added, with file and line)."""
    if not path.is_file():
        return None, None
    file = read_yaml(path, problems)
    if file is None:
        return None, None
    if not isinstance(file.data, dict):
        problems.add(path, 1, f"le fichier doit contenir des clés {keys}… et non une liste ou un texte.")
        return file, None
    return file, validate_node(model, file.data, file, (), problems)


def load_fragilities(kit_dir: Path, problems: Problems) -> tuple[YamlFile | None, Fragilities | None]:
    """kit/fragilites.yml read and typed: (its file, the model), the model None when the file
    is absent or invalid (the problems, with file and line, are added to ``problems``)."""
    return _read_mapping(kit_dir / FRAGILITIES_FILE, Fragilities, "« familles: », « source: »", problems)


def load_objectives(kit_dir: Path, problems: Problems) -> tuple[YamlFile | None, TerritoryObjectives | None]:
    """kit/objectifs.yml read and typed: (its file, the model), the model None when the file
    is absent or invalid."""
    return _read_mapping(kit_dir / OBJECTIVES_FILE, TerritoryObjectives, "« natures: », « objectifs: »", problems)
