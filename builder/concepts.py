"""Optional concept data of the kit: kit/fragilites.yml and kit/objectifs.yml.

They hold, as data, lists the concept pages print (the 16 fragility indicators by family,
the four objectives of territories in co-construction), so that a page and a test read the
same list. Both files are optional: another kit builds without them (a page that asks for
them with a marker gets a French error, see ``builder.pages``).
"""

from __future__ import annotations

from pathlib import Path

from builder.models import Fragilities, TerritoryObjectives
from builder.problems import Problems
from builder.yamlio import line_of, read_yaml

FRAGILITIES_FILE = "fragilites.yml"
OBJECTIVES_FILE = "objectifs.yml"


def _read_mapping(path: Path, model, keys: str, problems: Problems):
    """(file, model instance) for an optional concept file that holds a YAML mapping; the
    instance is None when the file is absent or invalid (problems added, with file and line)."""
    from builder.loader import validate_node

    if not path.is_file():
        return None, None
    file = read_yaml(path, problems)
    if file is None:
        return None, None
    if not isinstance(file.data, dict):
        problems.add(path, 1, f"le fichier doit contenir des clés {keys}… et non une liste ou un texte.")
        return file, None
    return file, validate_node(model, file.data, file, (), problems, None)


def load_fragilities(kit_dir: Path, problems: Problems) -> Fragilities | None:
    """kit/fragilites.yml validated, or None when the file is absent or invalid (the
    problems, with file and line, are added to ``problems``)."""
    path = kit_dir / FRAGILITIES_FILE
    file, fragilities = _read_mapping(path, Fragilities, "« familles: », « source: »", problems)
    if fragilities is None:
        return None
    seen: dict[str, int] = {}
    for index, family in enumerate(fragilities.familles):
        line = line_of(file, ("familles", index, "id"))
        if family.id in seen:
            problems.add(path, line, f"famille « {family.id} » en double (déjà définie ligne {seen[family.id]}) : "
                                     "chaque identifiant doit être unique.")
        seen.setdefault(family.id, line)
    return fragilities


def load_objectives(kit_dir: Path, problems: Problems) -> TerritoryObjectives | None:
    """kit/objectifs.yml validated, or None when the file is absent or invalid. Each
    objective's ``nature`` and ``logique`` must name an entry of the file's ``natures`` and
    ``logiques``: an unknown one is reported on its own line, with the possible values."""
    from builder.problems import did_you_mean

    path = kit_dir / OBJECTIVES_FILE
    file, objectives = _read_mapping(path, TerritoryObjectives, "« natures: », « objectifs: »", problems)
    if objectives is None:
        return None
    natures = [n.id for n in objectives.natures]
    logics = [lo.id for lo in objectives.logiques]
    for index, objective in enumerate(objectives.objectifs):
        checks = [("nature", objective.nature, natures, "natures")]
        if objective.logique is not None:
            checks.append(("logique", objective.logique, logics, "logiques"))
        for key, value, allowed, listing in checks:
            if value not in allowed:
                listed = ", ".join(allowed) if allowed else f"aucune (ajoutez une liste « {listing}: »)"
                problems.add(path, line_of(file, ("objectifs", index, key)),
                             f"« {key} » : « {value} » n'est pas dans la liste « {listing} » du fichier. "
                             f"Valeurs possibles : {listed}.{did_you_mean(value, allowed)}")
    return objectives


# --- markers of content/ pages ----------------------------------------------------------------

# Markers replaced after the Markdown pages are written, not by a block of templates/blocks/.
LATER_MARKERS = ("date-edition",)  # builder.accessibility: the edition's date
# Markers whose block shows an optional file: the file they need.
NEEDS_FILE = {"fragilites": FRAGILITIES_FILE, "objectifs": OBJECTIVES_FILE}


def check_markers(content_dir: Path, figures: list, fragilities: Fragilities | None,
                  objectives: TerritoryObjectives | None, problems: Problems) -> None:
    """Report, with page and line, a marker of content/ the build could not fill: an unknown
    name, a block whose data file is absent, an argument where none is expected, or a
    ``kit:chiffres`` group that kit/chiffres.yml does not have."""
    from builder.files import MAX_MARKDOWN_FILE_BYTES, FileRefused, read_bounded
    from builder.pages import BLOCK_NAMES, HOME_MARKER

    if not content_dir.is_dir() or content_dir.is_symlink():
        return
    names = sorted([*BLOCK_NAMES, *LATER_MARKERS])
    present = {"fragilites": fragilities is not None, "objectifs": objectives is not None}
    groups = sorted({f.groupe for f in figures if f.groupe})
    for page in sorted(content_dir.rglob("*.md")):
        if page.is_symlink() or not page.is_file():
            continue  # reported by builder.files.check_files
        try:  # bounded, on the opened file (builder.files): a huge page is not read whole
            text = read_bounded(page, MAX_MARKDOWN_FILE_BYTES).decode("utf-8")
        except (FileRefused, OSError, UnicodeDecodeError):
            continue  # reported where the page is read
        for match in HOME_MARKER.finditer(text):
            name, argument = match.group(1), match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            marker = f"« {match.group(0)} »"
            if name not in names:
                listed = ", ".join(f"kit:{n}" for n in names)
                problems.add(page, line, f"marqueur {marker} inconnu : les marqueurs possibles sont {listed}.")
            elif name in NEEDS_FILE and not present[name]:
                problems.add(page, line, f"le marqueur {marker} affiche le contenu de kit/{NEEDS_FILE[name]}, absent ou "
                                         "invalide : ajoutez ce fichier (ou corrigez-le), ou retirez le marqueur.")
            elif name == "chiffres" and argument is not None and argument not in groups:
                listed = ", ".join(groups) if groups else "aucun"
                problems.add(page, line, f"marqueur {marker} : le groupe « {argument} » n'existe pas dans kit/chiffres.yml "
                                         f"(champ « groupe »). Groupes : {listed}.{_hint(argument, groups)}")
            elif name not in ("chiffres", *LATER_MARKERS) and argument is not None:
                problems.add(page, line, f"marqueur {marker} : « kit:{name} » ne prend pas d'argument ; écrivez "
                                         f"« <!-- kit:{name} --> ».")


def _hint(value: str, allowed: list[str]) -> str:
    from builder.problems import did_you_mean

    return did_you_mean(value, allowed)
