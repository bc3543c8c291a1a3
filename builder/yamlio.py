"""Reading YAML catalogue files while keeping the line of every key and item.

ruamel.yaml is used rather than PyYAML because its round-trip loader records
the line and column of each mapping key and sequence item, which every French
error message needs, and because it rejects duplicate keys instead of silently
keeping the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from builder.problems import Problems

# A catalogue file is a few kilobytes; a huge one is a mistake (a pasted PDF, a binary).
MAX_YAML_BYTES = 1_000_000


@dataclass
class YamlFile:
    path: Path
    data: Any  # ruamel CommentedMap / CommentedSeq / scalar


# The parser's English messages, told again in French with what to do.
_SYNTAX_HINTS = [
    ("found duplicate key", "une clé apparaît deux fois dans le même bloc : supprimez ou renommez l'une des deux."),
    ("mapping values are not allowed", "deux-points inattendu : vérifiez l'indentation de cette ligne, ou mettez la valeur entre guillemets si elle contient « : »."),
    ("could not find expected ':'", "il manque « : » après une clé, ou la ligne est mal indentée."),
    ("did not find expected key", "indentation incohérente : alignez cette ligne sur les clés voisines (2 espaces par niveau)."),
    ("expected <block end>", "indentation incohérente : alignez cette ligne sur les clés voisines (2 espaces par niveau)."),
    ("did not find expected '-' indicator", "indentation incohérente dans une liste : chaque élément commence par « - » au même niveau."),
    ("found unexpected end of stream", "un guillemet ou un crochet ouvert n'est jamais refermé."),
    ("while scanning a quoted scalar", "un guillemet ouvert n'est jamais refermé."),
    ("cannot start any token", "caractère interdit en début de valeur (par exemple « @ », « ` » ou « % ») : mettez la valeur entre guillemets."),
    ("while parsing a flow", "une liste entre crochets [ ] ou un bloc entre accolades { } est mal refermé."),
]


def _french_syntax_message(error: MarkedYAMLError) -> str:
    text = f"{error.context or ''} {error.problem or ''}"
    for needle, hint in _SYNTAX_HINTS:
        if needle in text:
            return f"erreur de syntaxe YAML : {hint}"
    return "erreur de syntaxe YAML : vérifiez l'indentation, les « : » et les guillemets de cette ligne."


_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)


def read_yaml(path: Path, problems: Problems) -> YamlFile | None:
    """Parse one file; on failure, report why (in French, with the line) and return None."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        problems.add(path, 0, f"fichier trop gros ({size / 1_000_000:.1f} Mo, maximum {MAX_YAML_BYTES // 1_000_000} Mo) : un fichier du catalogue ne contient que du texte ; retirez ce qui a été collé par erreur.")
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.add(path, line, "le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 (dans votre éditeur : « Enregistrer sous », encodage UTF-8).")
        return None
    if not text.strip() or all(l.strip().startswith("#") or not l.strip() for l in text.splitlines()):
        problems.add(path, 0, "le fichier est vide : remplissez-le à partir du modèle (commande « kit new-case »), ou supprimez-le.")
        return None
    tab = _TAB_INDENT.search(text)
    if tab:
        line = text.count("\n", 0, tab.start()) + 1
        problems.add(path, line, "caractère de tabulation dans l'indentation : YAML n'accepte que des espaces ; remplacez chaque tabulation par deux espaces.")
        return None
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except DuplicateKeyError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        key = re.search(r'found duplicate key "([^"]+)"', str(error))
        name = f"« {key.group(1)} » " if key else ""
        problems.add(path, line, f"la clé {name}apparaît deux fois dans le même bloc : supprimez ou renommez l'une des deux.")
        return None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        unclosed = _unclosed_quote_line(text, line)
        if unclosed:
            problems.add(path, unclosed, "erreur de syntaxe YAML : le guillemet ouvert sur cette ligne n'est jamais refermé ; ajoutez le guillemet fermant en fin de valeur.")
        else:
            problems.add(path, line, _french_syntax_message(error))
        return None
    return YamlFile(path, data)


_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s:#][^:#]*:\s+)?(["'])(.*)$""")


def _unclosed_quote_line(text: str, error_line: int) -> int:
    """The first line, up to the error, whose quoted value is never closed (the parser
    only notices many lines later, where the next key makes no sense)."""
    for number, line in enumerate(text.splitlines()[:error_line], 1):
        found = _QUOTED_VALUE.match(line)
        if not found:
            continue
        quote, rest = found.groups()
        body = rest.replace('\\\\', "").replace('\\"', "") if quote == '"' else rest.replace("''", "")
        if quote not in body:
            return number
    return 0


def line_of(node: Any, path: tuple[Any, ...]) -> int:
    """The 1-based line of the value at ``path`` inside ``node``, or of its nearest parent."""
    line = 1
    if isinstance(node, (CommentedMap, CommentedSeq)) and node.lc.line is not None:
        line = node.lc.line + 1
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def to_plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts, lists and Python scalars."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node
