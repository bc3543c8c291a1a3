"""Problems found in the catalogue: one French message, a file and a line each.

Every check reports into a ``Problems`` collection instead of raising, so that
``kit check`` can show all of them at once.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# What a terminal or a log viewer would obey instead of showing: C0 and C1 controls (ESC
# starts the sequences that move the cursor, retitle the window or rewrite earlier lines;
# CR and LF forge lines), DEL, and the Unicode controls that reorder text (« Trojan Source »,
# CVE-2021-42574).
_TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def terminal_safe(text: str) -> str:
    """``text`` (from the catalogue) with every control character shown as an escape
    (ESC → ``\\x1b``, LF → ``\\n``, U+202E → ``\\u202e``), fit to print to a terminal or a CI log."""
    return _TERMINAL_CONTROLS.sub(lambda found: _ESCAPES.get(found.group(0)) or _escape(found.group(0)), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _annotation_data(text: str) -> str:
    # GitHub's workflow commands: « % », CR and LF escaped in the message (actions/toolkit,
    # packages/core/src/command.ts, escapeData); other controls shown as escapes.
    return terminal_safe(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _annotation_property(text: str) -> str:
    # ... and « : » and « , » too in a property (escapeProperty): a file name cannot end it.
    return _annotation_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the project root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: str

    def __str__(self) -> str:
        """One line for the terminal: file names and catalogue text with controls escaped."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return terminal_safe(f"{where} : {self.message}")

    def github_annotation(self) -> str:
        """A workflow command GitHub shows on the changed lines of a pull request; the file
        and message are escaped so that neither can end it or start another command."""
        line = f",line={self.line}" if self.line else ""
        return f"::error file={_annotation_property(self.file)}{line},title=kit check::{_annotation_data(self.message)}"


@dataclass
class Problems:
    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Problem(self.relative(path), line, message))

    def relative(self, path: Path | str) -> str:
        path = Path(path)
        try:
            # The folder is resolved, not the file: a link is named as itself, never as its target.
            return (path.parent.resolve() / path.name).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))

    def report(self) -> str:
        lines = [str(p) for p in self.sorted()]
        count = len(lines)
        lines.append(
            f"{count} erreur trouvée." if count == 1 else f"{count} erreurs trouvées."
        )
        if os.environ.get("GITHUB_ACTIONS") == "true":
            lines.extend(p.github_annotation() for p in self.sorted())
        return "\n".join(lines)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A French « did you mean » suffix, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f" Vouliez-vous dire « {close[0]} » ?"
    return ""


class CatalogueError(Exception):
    """The catalogue has problems; ``problems`` says which."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems
