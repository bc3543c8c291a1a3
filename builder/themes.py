"""Themes of the case sheets: one theme, one entry of the sheets' filter.

« Insertion » and « insertion », an NFD « économie » (e + combining accent, as some
editors on macOS write it) and an NFC one, « emploi » and « emplois » would each be an
entry of the filter. A theme is normalised when read (Unicode NFC, spaces, lower case but
acronyms), must stay short, and ``kit check`` asks « vouliez-vous dire » when a sheet
spells a theme that other sheets spell differently (same letters once accents, case and
a final « s » or « x » are set aside).
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_THEME_CHARS = 40  # the longest in the kit: « partenariats associations-entreprises » (37)


def normalise_theme(text: str) -> str:
    """A theme as it is filtered and shown: NFC, single spaces, lower case except words
    written in capitals (« RSE », « ESS »). Raises ``kit_theme_long`` past MAX_THEME_CHARS."""
    words = unicodedata.normalize("NFC", text).split()
    theme = " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in words)
    separator = next((c for c in ";," if c in theme), None)
    if separator:  # « emploi; insertion » typed as one theme would be one filter entry
        raise PydanticCustomError(
            "kit_theme_list",
            "thème « {theme} » : un seul thème par élément de la liste ; écrivez par exemple "
            "themes: [{example}]",
            {"theme": theme, "example": ", ".join(part.strip() for part in theme.split(separator) if part.strip())},
        )
    if len(theme) > MAX_THEME_CHARS:
        raise PydanticCustomError(
            "kit_theme_long",
            "thème « {theme} » trop long ({count} caractères, {limit} au plus) : un thème est un mot ou deux, "
            "par exemple « emploi » ou « maintien à domicile » ; les explications vont dans les rubriques.",
            {"theme": theme, "count": len(theme), "limit": MAX_THEME_CHARS},
        )
    return theme


# Applied after PlainText's checks (tags, controls, length of any plain text).
Theme = Annotated[str, AfterValidator(normalise_theme), Field(json_schema_extra={"maxLength": MAX_THEME_CHARS})]


def folded(theme: str) -> str:
    """The theme without accents, case or a final « s »/« x » on each word: two spellings of
    one theme fold to the same text."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", theme.casefold()) if not unicodedata.combining(c))
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in bare.split())


def spelling_problems(themes_by_sheet: list[tuple[Any, list[str]]]) -> list[tuple[Any, int, str]]:
    """(sheet, position, French message) for each theme written differently from the way
    most sheets write it. ``themes_by_sheet``: (sheet key, its normalised themes), in order;
    ties go to the spelling met first."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for _, themes in themes_by_sheet:
        for theme in dict.fromkeys(themes):
            spellings[folded(theme)][theme] += 1
    problems = []
    for sheet, themes in themes_by_sheet:
        earlier: dict[str, str] = {}
        for position, theme in enumerate(themes):
            if folded(theme) in earlier:  # « emploi, Emploi » or « emploi, emplois » in one sheet
                problems.append((sheet, position, (
                    f"thème « {theme} » en double dans cette fiche (déjà « {earlier[folded(theme)]} ») : retirez-le.")))
                continue
            earlier[folded(theme)] = theme
            counts = spellings[folded(theme)]
            usual = counts.most_common(1)[0][0]
            if theme != usual:
                problems.append((sheet, position, (
                    f"thème « {theme} » : d'autres fiches écrivent « {usual} ». Vouliez-vous dire « {usual} » ? "
                    "Un même thème s'écrit de la même façon partout pour n'être qu'une entrée du filtre des fiches.")))
    return problems
