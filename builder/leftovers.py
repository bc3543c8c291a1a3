"""Text left from the ``kit new-case`` template, found by ``kit check`` (and ``kit from-issue``).

A sheet copied from the template and never filled passes every type check (« Nom de
l'initiative » is a fine title): it would be published as it is. The template itself is the
list of what to refuse: each of its placeholder values, each line of its Markdown
placeholders, and its example address (``exemple.fr``, also in the commented examples).
Identifiers (« partenariats » in ``formes``) are real choices, not placeholders.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from builder.models import SLUG_PATTERN

TEMPLATE_NAME = "nouvelle_fiche.yml"
_EXAMPLE_HOST = re.compile(r"(?<![\w.-])(?:www\.)?exemple\.fr(?![\w-])", re.I)
_BULLET = re.compile(r"^(?:[-*+]|\d+[.)])\s+")


def _lines(text: str) -> list[str]:
    return [_BULLET.sub("", line.strip()) for line in text.splitlines() if line.strip()]


@cache
def placeholders() -> dict[str, frozenset[str]]:
    """Key → the template's placeholder texts for it (whole values and Markdown lines)."""
    data = yaml.safe_load(files("builder").joinpath("templates", TEMPLATE_NAME).read_text(encoding="utf-8"))
    found: dict[str, frozenset[str]] = {}
    for key, value in data.items():
        texts = value if isinstance(value, list) else [value]
        lines = {line for text in texts if isinstance(text, str) for line in _lines(text)}
        found[key] = frozenset(line for line in lines if not re.fullmatch(SLUG_PATTERN, line))
    return found


def leftovers(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, French message) for each field of a case sheet's ``data`` that still holds text
    of the template: a placeholder, a line of one, or the example address ``exemple.fr``.
    One message per field, in the order of ``data``."""
    problems = []
    known = placeholders()
    for key, value in data.items():
        texts = value if isinstance(value, list) else [value]
        for text in (t for t in texts if isinstance(t, str)):
            left = next((line for line in _lines(text) if line in known.get(key, ())), None)
            if left is not None:
                problems.append((key, f"texte du modèle laissé tel quel (« {left} ») : remplacez-le par celui de "
                                      "votre fiche."))
                break
            if _EXAMPLE_HOST.search(text):
                problems.append((key, "adresse d'exemple « exemple.fr » laissée du modèle : indiquez une adresse publiée "
                                      "(par l'initiative ou par ses sources), ou retirez-la."))
                break
    return problems
