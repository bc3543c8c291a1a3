"""Reading YAML catalogue files while keeping the line of every key and item.

PyYAML's composer records where each node starts (``start_mark``), which every French
error message needs; its C parser (libyaml) reads a large catalogue about fifteen times
faster than ruamel.yaml's pure-Python round-trip loader. Duplicate keys, which YAML
loaders silently resolve to the last one, are found on the node tree and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.error import MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from builder.problems import Problems

class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, except that an impossible date (« 2026-13-01 ») stays text: the
    model then reports it with its line instead of the parser crashing."""


def _timestamp(loader: Any, node: Node) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class NumberTooLong(Exception):
    """An integer past Python's 4,300-digit conversion limit (PyYAML raises a bare ValueError)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line  # 1-based


def _int(loader: Any, node: Node) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:  # « Exceeds the limit (4300 digits) »: a pasted run of digits, not a year
        raise NumberTooLong(node.start_mark.line + 1) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _int)

NUMBER_TOO_LONG = ("nombre trop long : écrivez-le entre guillemets s'il s'agit d'un texte, sinon retirez les "
                   "chiffres collés par erreur.")

# A catalogue file is a few kilobytes; a huge one is a mistake (a pasted PDF, a binary).
MAX_YAML_BYTES = 1_000_000
# Nesting levels (indentation, lists, brackets): a case sheet has two or three.
MAX_DEPTH = 100
# Keys, values and list items in one file. Building the Python objects costs ~15 µs each:
# 99,000 keys fit in 1 MB and took seconds before any check. The repository's
# documents.yml has 600 in 29 KB; a real 1 MB file would have about 20,000.
MAX_NODES = 40_000


@dataclass
class YamlFile:
    path: Path
    data: Any  # plain dicts, lists and scalars
    node: Node  # the same document as composed nodes, which know their lines
    text: str | None = None  # the text parsed, for messages that quote a line as typed


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
    ("found undefined alias", "une valeur qui commence par « * » est lue comme un raccourci YAML : mettez-la entre guillemets."),
    ("while scanning an alias", "une valeur qui commence par « * » est lue comme un raccourci YAML : mettez-la entre guillemets."),
    ("while scanning an anchor", "une valeur qui commence par « & » est lue comme un raccourci YAML : mettez-la entre guillemets."),
]


def _french_syntax_message(error: MarkedYAMLError) -> str:
    text = f"{error.context or ''} {error.problem or ''}"
    for needle, hint in _SYNTAX_HINTS:
        if needle in text:
            return f"erreur de syntaxe YAML : {hint}"
    return "erreur de syntaxe YAML : vérifiez l'indentation, les « : » et les guillemets de cette ligne."


_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)

# Characters an editor does not show but the YAML reader rejects (a crash with a 25-line
# ReaderError) or reads as a line break (NEL, U+2028, U+2029: every line number after it
# would be wrong). Word's Shift+Enter pastes U+000B. A BOM is allowed only as the first character.
_INVISIBLE_NAMES = {
    "\x00": "caractère nul",
    "\x0b": "saut de ligne de traitement de texte",
    "\x0c": "saut de page",
    "\x85": "fin de ligne NEL",
    "\u2028": "séparateur de ligne",
    "\u2029": "séparateur de paragraphe",
    "\ufeff": "marque d'ordre des octets BOM au milieu du fichier",
    "\ufffe": "caractère non valide",
    "\uffff": "caractère non valide",
}
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _invisible_message(char: str) -> str:
    code = ord(char)
    name = _INVISIBLE_NAMES.get(char) or ("demi-caractère (surrogate) isolé" if 0xD800 <= code <= 0xDFFF else "caractère de contrôle")
    return (f"caractère invisible interdit (U+{code:04X}, {name}) : supprimez-le ou remplacez-le "
            "par un retour à la ligne.")


def _lone_surrogate(raw: bytes, start: int) -> str:
    """The surrogate encoded at ``raw[start:]`` (invalid in UTF-8: a bad copy from UTF-16), or ''."""
    try:
        char = raw[start:start + 3].decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return ""
    return char if len(char) == 1 and 0xD800 <= ord(char) <= 0xDFFF else ""


def _editor_line(text: str, end: int) -> int:
    """The line number an editor shows for ``text[end]``: Windows (CRLF) and old Mac (CR) line ends count once."""
    return text[:end].replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def read_yaml(path: Path, problems: Problems) -> YamlFile | None:
    """Parse one file; on failure, report why (in French, with the line) and return None."""
    from builder.files import FileRefused, FileTooBig, read_bounded

    try:  # bounded on the opened file, links not followed: « -> /dev/zero » must not hang
        raw = read_bounded(path, MAX_YAML_BYTES)
    except FileTooBig as error:
        problems.add(path, 0, f"fichier trop gros ({f'{error.size / 1_000_000:.1f}'.replace('.', ',')} Mo, maximum {MAX_YAML_BYTES // 1_000_000} Mo) : un fichier du catalogue ne contient que du texte ; retirez ce qui a été collé par erreur.")
        return None
    except FileRefused as error:
        problems.add(path, 0, str(error))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8", "replace")
        line = _editor_line(before, len(before))
        half = _lone_surrogate(raw, error.start)
        if half:
            problems.add(path, line, _invisible_message(half))
            return None
        problems.add(path, line, "le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 (dans votre éditeur : « Enregistrer sous », encodage UTF-8).")
        return None
    invisible = _INVISIBLE.search(text, 1 if text.startswith("\ufeff") else 0)
    if invisible:  # before the parser: it crashes on some, counts others as line breaks
        problems.add(path, _editor_line(text, invisible.start()), _invisible_message(invisible.group()))
        return None
    if not text.strip() or all(l.strip().startswith("#") or not l.strip() for l in text.splitlines()):
        problems.add(path, 0, "le fichier est vide : remplissez-le à partir du modèle (commande « kit new-case »), ou supprimez-le.")
        return None
    tab = _TAB_INDENT.search(text)
    if tab:
        line = text.count("\n", 0, tab.start()) + 1
        problems.add(path, line, "caractère de tabulation dans l'indentation : YAML n'accepte que des espaces ; remplacez chaque tabulation par deux espaces.")
        return None
    deep = _too_deep_line(text)
    if deep:
        problems.add(path, deep, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux de listes ou de blocs) : une fiche "
                                 "n'a que deux niveaux ; partez du modèle créé par « kit new-case ».")
        return None
    crowded = _too_many_nodes_line(text)
    if crowded:
        limit = f"{MAX_NODES:,}".replace(",", "\u202f")
        problems.add(path, crowded, f"fichier trop chargé (plus de {limit} clés, valeurs et éléments de liste) : un "
                                    "fichier du catalogue en contient quelques centaines ; retirez ce qui a été ajouté "
                                    "par erreur à partir de cette ligne.")
        return None
    alias = _first_alias_line(text) if "&" in text else 0
    if alias:
        problems.add(path, alias, "raccourci YAML (ancre « &nom » et alias « *nom ») refusé dans le catalogue : "
                                  "recopiez la valeur elle-même (une valeur qui commence par « * » ou « & » se met entre guillemets).")
        return None
    try:
        node, data = _compose_and_construct(text)
    except NumberTooLong as error:
        problems.add(path, error.line, NUMBER_TOO_LONG)
        return None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        mistake = contributor_mistake(text, line)
        unclosed = _unclosed_quote_line(text, line)
        if mistake:
            problems.add(path, *mistake)
        elif unclosed:
            problems.add(path, unclosed, "erreur de syntaxe YAML : le guillemet ouvert sur cette ligne n'est jamais refermé ; ajoutez le guillemet fermant en fin de valeur.")
        else:
            problems.add(path, line, _french_syntax_message(error))
        return None
    duplicate = _first_duplicate_key(node)
    if duplicate:
        key, line = duplicate
        problems.add(path, line, f"la clé « {key} » apparaît deux fois dans le même bloc : supprimez ou renommez l'une des deux.")
        return None
    return YamlFile(path, data, node, text)


# --- the mistakes of people who do not write YAML every day -----------------------------------
#
# The parser notices them late (often on the next key) and in its own terms (« expected <block
# end> »); each rule below finds the line the mistake is on and says what to type instead.

_KEY_PART = r"(?P<lead>[ ]*(?:-[ ]+)?(?P<key>[A-Za-z_][\w-]*):[ ]+)"
_CURLY_OPEN = "“‘«„"
_CURLY_COLON = re.compile(_KEY_PART + r"(?P<value>[" + _CURLY_OPEN + r"].*:[ ].*)$")
_SINGLE_QUOTED = re.compile(_KEY_PART + r"'(?P<body>(?:[^']|'')*)'(?P<rest>[^#\n]*?)[ ]*(?:#.*)?$")
_DOUBLE_QUOTED = re.compile(_KEY_PART + r'"(?P<body>(?:[^"\\]|\\.)*)"(?P<rest>[^#\n]*?)[ ]*(?:#.*)?$')
_NO_SPACE = re.compile(r"^(?P<indent>[ ]*(?:-[ ]+)?)(?P<key>[a-z_][a-z0-9_]*):(?P<value>[^\s/].*)$")
_TEXT_ON_BAR = re.compile(_KEY_PART.replace(":[ ]+)", r":[ ]*)") + r"(?P<bar>[|>][+-]?)[ ]+(?P<text>[^#\s].*)$")
_NBSP = re.compile(r"^[ ]*(?P<mark>(?:-[ ]+)?[A-Za-z_][\w-]*:|-)[\u00a0\u202f]")
_BLOCK_START = re.compile(r"^(?P<indent>[ ]*)(?:-[ ]+)?(?P<key>[A-Za-z_][\w-]*):[ ]*[|>][+-]?[0-9]?[ ]*(?:#.*)?$")
_KEY_LINE = re.compile(r"^[ ]*(?:-[ ]+)?[^\s:#][^:#]*:(?:[ ]|$)")


def _block_lines(lines: list[str]) -> dict[int, str]:
    """0-based index of each line inside a « | » or « > » text → the key of that text. A line
    at the margin after such a text, that is not a key, a list item nor a comment, is mapped too
    (a paragraph the writer forgot to indent)."""
    inside: dict[int, str] = {}
    key, indent = None, 0
    for index, line in enumerate(lines):
        if key is not None:
            if not line.strip() or len(line) - len(line.lstrip(" ")) > indent:
                inside[index] = key
                continue
            if (indent == 0 and not _KEY_LINE.match(line) and not line.startswith(("#", "-", " "))):
                inside[index] = key
                continue
            key = None
        start = _BLOCK_START.match(line)
        if start:
            key, indent = start.group("key"), len(start.group("indent"))
    return inside


def contributor_mistake(text: str, error_line: int) -> tuple[int, str] | None:
    """(line, French message) for the first common mistake up to the parser's ``error_line``
    (1-based; the line after it too, as the parser may stop just before), or None."""
    lines = text.splitlines()
    inside = _block_lines(lines)
    for index, line in enumerate(lines[: error_line + 1]):
        number = index + 1
        if index in inside:
            indent = len(line) - len(line.lstrip(" "))
            if indent == 0 and line.strip() and (index - 1) in inside:
                key = inside[index]
                return number, (f"erreur de syntaxe YAML : cette ligne continue sans doute le texte de « {key} » mais "
                                "n'est pas décalée : décalez-la de deux espaces, comme les lignes au-dessus (une ligne "
                                "vide, sans espace, sépare deux paragraphes).")
            continue
        found = _TEXT_ON_BAR.match(line)
        if found:
            return number, (f"erreur de syntaxe YAML : le texte commence sur la ligne de « {found.group('bar')} » : laissez "
                            f"« {found.group('key')}: {found.group('bar')} » seul sur sa ligne et écrivez le texte en "
                            "dessous, décalé de deux espaces.")
        found = _CURLY_COLON.match(line)
        if found:
            value = found.group("value").strip().strip(_CURLY_OPEN + "”’»“").strip()
            return number, ("erreur de syntaxe YAML : la valeur commence par un guillemet typographique "
                            f"« {found.group('value')[0]} », que YAML ne reconnaît pas, et contient « : » : "
                            f"entourez-la de guillemets droits, par exemple {found.group('key')}: \"{value}\".")
        found = _SINGLE_QUOTED.match(line)
        if found and found.group("rest").strip():
            value = (found.group("body") + "'" + found.group("rest").rstrip("'")).replace("''", "'")
            return number, ("erreur de syntaxe YAML : l'apostrophe après « " + found.group("body").replace("''", "'")
                            + " » ferme la valeur ouverte par une apostrophe : doublez l'apostrophe ou mettez des "
                            f"guillemets droits : {found.group('key')}: \"{value}\".")
        found = _DOUBLE_QUOTED.match(line)
        if found and found.group("rest").strip():
            inner = found.group("rest").rstrip('"')
            return number, ('erreur de syntaxe YAML : le guillemet « " » après « ' + found.group("body").strip()
                            + " » ferme la valeur : dans une valeur entre guillemets, citez avec « » ou avec "
                            f"l'apostrophe, par exemple {found.group('key')}: \"{found.group('body')}« "
                            + inner.split('"', 1)[0] + " »" + (inner.split('"', 1)[1] if '"' in inner else "") + '".')
        found = _NO_SPACE.match(line)
        if found and not line.lstrip().startswith("#"):
            return number, (f"erreur de syntaxe YAML : il manque une espace après « {found.group('key')}: » : "
                            f"écrivez « {found.group('key')}: {found.group('value')} ».")
        found = _NBSP.match(line)
        if found:
            return number, (f"erreur de syntaxe YAML : l'espace après « {found.group('mark')} » est une espace insécable "
                            "(collée d'un traitement de texte, ou tapée avec Alt+Espace), que YAML ne reconnaît pas : "
                            "remplacez-la par une espace ordinaire.")
    return None


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


_BLOCK_INDICATORS = re.compile(r"(?:[-?:](?:[ ]+|$))*")
# A line starting with MAX_DEPTH characters of indentation or « - »: needed to be that deep.
_DEEP_PREFIX = re.compile(r"^(?:[ ]|[-?:][ ]){%d,}" % MAX_DEPTH, re.M)


def _too_deep_line(text: str) -> int:
    """The first line nested deeper than MAX_DEPTH (flow brackets, indentation, « - - - »).
    The C parser recurses once per level: tens of thousands of « [ » crash the process."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DEEP_PREFIX.search(text):
        return 0  # the usual case, decided without a loop over every character
    flow = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        indicators = _BLOCK_INDICATORS.match(stripped).group(0)  # « - - - x »: three levels
        block = (len(line) - len(stripped)) // 2 + sum(1 for c in indicators if c in "-?:")
        for char in stripped:
            if char in "[{":
                flow += 1
                if block + flow > MAX_DEPTH:
                    return number
            elif char in "]}":
                flow = max(0, flow - 1)
        if block + flow > MAX_DEPTH:
            return number
    return 0


def _too_many_nodes_line(text: str) -> int:
    """The line where the file passes MAX_NODES nodes, or 0. Counted on the C parser's event
    stream, which stops there: 40,000 events take about 0.1 s."""
    if text.count("\n") + text.count(",") < MAX_NODES // 2:
        return 0  # too few lines and commas to hold that many nodes (each line or item holds two)
    count = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                count += 1
                if count > MAX_NODES:
                    return event.start_mark.line + 1
    except MarkedYAMLError:
        return 0  # a syntax error: reported by the parse that follows
    return 0


def _first_alias_line(text: str) -> int:
    """The line of the first alias (« *nom »). Editors never need them, and nested aliases
    multiply a few lines into billions of values (a contributed file must not hang kit check)."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1
    except MarkedYAMLError:
        return 0  # a syntax error: reported by the parse that follows
    return 0


def _compose_and_construct(text: str) -> tuple[Node, Any]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return node, None
        try:
            return node, _construct(loader, node)
        except Exception:  # noqa: BLE001  (raised by a node the loader built: raised again below, in its order)
            pass
    finally:
        loader.dispose()
    return _constructed_by_the_loader(text)


def _constructed_by_the_loader(text: str) -> tuple[Node, Any]:
    """The nodes and data of ``text`` as PyYAML's own constructor makes them, raising what it
    raises first (it builds nested blocks after their parent's values, not in file order)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))


def _construct(loader: Any, node: Node) -> Any:
    """``loader.construct_document(node)``'s data, the strings, lists and blocks of text keys
    built here, anything else (numbers, dates, other tags, other keys, « << ») by the loader:
    its generic walk was half of reading a case sheet after parsing (issue 15, partie E).
    Equal values (aliases, which the loader would share, are refused before: _first_alias_line)."""
    tag = node.tag
    if tag == _STR and type(node) is ScalarNode:
        return node.value
    if tag == _SEQ and type(node) is SequenceNode:
        return [_construct(loader, item) for item in node.value]
    if tag == _MAP and type(node) is MappingNode and all(key.tag == _STR and type(key) is ScalarNode
                                                          for key, _ in node.value):
        return {key.value: _construct(loader, value) for key, value in node.value}
    return loader.construct_document(node)


def compose(text: str) -> Node | None:
    """The composed nodes (with their lines) of ``text`` (str), a file ``read_yaml`` accepted:
    the same parser, so the same nodes and lines as its ``YamlFile.node``. For a reading sent
    from another process without its nodes (``builder.loader``). Raises ``yaml.YAMLError`` for
    text ``read_yaml`` would have refused."""
    return _compose_and_construct(text)[0]


def _first_duplicate_key(node: Node | None) -> tuple[str, int] | None:
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    return key.value, key.start_mark.line + 1
                seen.add(key.value)
            found = _first_duplicate_key(value)
            if found:
                return found
    elif isinstance(node, SequenceNode):
        for item in node.value:
            found = _first_duplicate_key(item)
            if found:
                return found
    return None


def line_of(file: YamlFile, path: tuple[Any, ...]) -> int:
    """The 1-based line of the value at ``path`` in the file, or of its nearest parent."""
    node = file.node
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        if isinstance(node, MappingNode):
            entry = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
            if entry is None:
                break
            line = entry[0].start_mark.line + 1
            node = entry[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
