"""Messages for values YAML read otherwise than the writer meant, quoting what was typed.

YAML 1.1 (PyYAML's) reads « off », « non », « yes » as booleans, « 01000 » as the octal
number 512, « 12:30 » as 750 (base 60): the model then sees a boolean or a number where a
text is expected, and a message built from that value (« False », « 512 ») would puzzle the
writer. The node keeps the text as typed and its place on the line: the message echoes it
and gives the line to write (« themes: [culture, "off"] »).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from builder.yamlio import YamlFile


def node_at(file: YamlFile, path: tuple[Any, ...]) -> Node | None:
    """The YAML node at ``path`` (keys and list positions), or None."""
    node: Node | None = file.node
    for part in path:
        if isinstance(node, MappingNode):
            node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return f"un booléen ({'vrai' if value else 'faux'})"
    if isinstance(value, (int, float)):
        return f"le nombre {value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return "une date"
    return "autre chose qu'un texte"


def typed_value_message(file: YamlFile, path: tuple[Any, ...], key: str, value: Any) -> str | None:
    """For a text field that YAML read as ``value`` (a boolean, a number, a date) although the
    writer typed something else (« off », « 01000 »): the French message, echoing the line as it
    should be written. None when the text typed is the value's own (« 2024 »)."""
    if not isinstance(value, (bool, int, float, dt.date)):  # an empty value has its own message
        return None
    node = node_at(file, path)
    if not isinstance(node, ScalarNode) or node.style or node.value == str(value):
        return None
    lines = file.text.splitlines() if file.text is not None else []
    start, end = node.start_mark, node.end_mark
    if start.line != end.line or start.line >= len(lines):
        fixed = f'{key}: "{node.value}"'
    else:
        line = lines[start.line]
        fixed = (line[: start.column] + f'"{node.value}"' + line[end.column:]).strip()
    return (f"« {key} » doit être un texte : mettez la valeur entre guillemets, car YAML lit « {node.value} » comme "
            f"{_what(value)} ; écrivez {fixed}.")


def list_under_text_message(model: type[BaseModel], key: str, value: Any) -> str | None:
    """For a Markdown field written as a YAML list (« activites: » then « - … » lines, the « | »
    forgotten): how to make it a text whose lines are a Markdown list."""
    from builder.models import check_markdown

    field = model.model_fields.get(key)
    if field is None or not isinstance(value, list):
        return None
    if not any(getattr(m, "func", None) is check_markdown for m in field.metadata):
        return None
    return (f"« {key} » est un texte, pas une liste YAML : écrivez « {key}: | » puis, en dessous, les lignes « - … » "
            "décalées de deux espaces ; elles deviendront une liste dans le texte.")
