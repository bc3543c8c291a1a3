"""The browser tests wait in a way the site's Content Security Policy allows.

Playwright's ``wait_for_function`` evaluates a bare expression again with ``eval()`` at
each poll, outside its own DevTools call; the site's CSP has no ``'unsafe-eval'``, so such
a wait fails, but only when the first check is false (a race: it failed once in CI, in
tests/test_finding_filters.py). A function expression is evaluated once, inside
Playwright's call, and then only called. This test reads every test module and refuses
a bare expression, so the race cannot come back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).parent
FUNCTION = re.compile(r"\s*(\(|async\b|function\b|[A-Za-z_$][\w$]*\s*=>)")


def bare_waits(source: str) -> list[int]:
    """Line numbers of ``wait_for_function`` calls whose predicate is not a function."""
    tree = ast.parse(source)
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function" and node.args):
            continue
        first = node.args[0]
        text = first.value if isinstance(first, ast.Constant) else constants.get(getattr(first, "id", None))
        if isinstance(text, str) and not FUNCTION.match(text):
            lines.append(node.lineno)
    return lines


def test_the_check_finds_a_bare_expression() -> None:
    source = 'X = "() => 1"\npage.wait_for_function(X)\npage.wait_for_function("q => q", arg=1)\n' \
             'page.wait_for_function("document.title === \'a\'")\n'
    assert bare_waits(source) == [4]


def test_every_browser_wait_is_a_function() -> None:
    found = {path.name: lines for path in sorted(TESTS.glob("test_*.py"))
             if (lines := bare_waits(path.read_text(encoding="utf-8")))}
    assert not found, f"wait_for_function avec une expression nue (refusée par la CSP) : {found}"
