"""Problems found in the catalogue: one French message, a file and a line each.

Every check reports into a ``Problems`` collection instead of raising, so that
``kit check`` can show all of them at once.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the project root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} : {self.message}"

    def github_annotation(self) -> str:
        # GitHub shows these on the changed lines of a pull request.
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        line = f",line={self.line}" if self.line else ""
        return f"::error file={self.file}{line},title=kit check::{message}"


@dataclass
class Problems:
    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Problem(self.relative(path), line, message))

    def relative(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
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
