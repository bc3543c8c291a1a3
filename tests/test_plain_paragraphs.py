"""Text without Markdown is written as paragraphs without the converter
(``richtext.plain_paragraphs``, issue 15): the very bytes Python-Markdown writes, on every
Markdown field of both kits, of generated sheets, and of random text made of the characters
that matter."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from builder import richtext

sys.path.insert(0, str(REPO / "benchmarks"))


def converted(source: str) -> str:
    converter, footnotes = richtext._converter()
    converter.reset()
    footnotes.unique_prefix = 0
    return converter.convert(source)


def strings_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_of(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_of(item)]
    return []


def kit_texts(root: Path) -> list[str]:
    texts = []
    for path in sorted((root / "kit").rglob("*.yml")):
        texts += strings_of(yaml.safe_load(path.read_text(encoding="utf-8")))
    return texts


def synthetic_texts(tmp_path: Path) -> list[str]:
    from synthetic import add_synthetic_sheets, copy_repo_project

    root = copy_repo_project(tmp_path / "projet")
    add_synthetic_sheets(root, 40)
    return kit_texts(root)


def test_plain_text_is_written_as_the_converter_writes_it(tmp_path: Path) -> None:
    texts = kit_texts(REPO) + kit_texts(REPO / "tests" / "fixtures" / "autre-kit") + synthetic_texts(tmp_path)
    fast = 0
    for text in texts:
        written = richtext.plain_paragraphs(text)
        if written is not None:
            fast += 1
            assert written == converted(text), text
    assert fast > len(texts) / 4, (fast, len(texts))  # the short way is taken for real text


# Text mostly of what plain text is made of, now and then a character or a sequence that
# starts syntax, a space or a break of another kind.
PLAIN = list("abcé Zz12.,;:!?'\"«»()–—/%\u00a0\u202f") + ["\n", "\n\n", " ", "-"]
RISKY = list("*_`[]{}<>&#+|~^=@\\\t\r\x0b\x0c\u2028\x85") + [
    " \n", "  \n", "\n ", "\u00a0\n", "\n\u00a0", "...", "--", "www.", "http://", "1. ", "1) ", "- ", "* ", "> ",
    "# ", ": ", "\n    ", "\n===", "\n---", "\n1.", "\n-", "\n:"]


@pytest.mark.parametrize("seed", range(4))
def test_random_text_is_either_left_to_the_converter_or_written_the_same(seed: int) -> None:
    chooser = random.Random(seed)
    fast = 0
    for _ in range(3000):
        pieces = [chooser.choice(RISKY if chooser.random() < 0.04 else PLAIN) for _ in range(chooser.randint(1, 40))]
        text = "".join(pieces)
        written = richtext.plain_paragraphs(text)
        if written is not None:
            fast += 1
            assert written == converted(text), repr(text)
    assert fast > 300, fast


@pytest.mark.parametrize("text", ["Un texte.", "Deux lignes\nd'un paragraphe.\n\nEt un autre.", "\n\nAutour\n\n\n"])
def test_the_render_of_plain_text_is_the_converter_s(text: str) -> None:
    fast = richtext.RichText(text)
    slow = richtext.RichText(text + "\n\n*x*")  # the converter's, with a last paragraph in emphasis
    assert fast.html.startswith("<p>") and fast.problem is None
    assert str(slow.html).startswith(str(fast.html) + "\n"), (fast.html, slow.html)
