"""Issue 15, partie E: loading, validating and exporting the catalogue cost less CPU, with the
same results. Each shortcut is held to the slow path it replaces, on every code point where
that is cheap, and on the fields of the kits (the whole builds are compared in
tests/test_exports_memory.py and benchmarks/catalogue_cpu.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.richtext import RichText, html_to_text, plain_paragraphs, sanitise, strip_invisible
from conftest import FIXTURES

REPO = Path(__file__).resolve().parent.parent


def _slow_render(source: str) -> tuple[str, str]:
    """What RichText made of text without Markdown before the shortcut: the sanitiser's HTML
    (invisible characters removed) and the text read from it by the HTML parser."""
    raw = plain_paragraphs(source)
    assert raw is not None
    html = strip_invisible(sanitise(raw))
    return html, html_to_text(html)


def _plain_sources() -> list[str]:
    # Every code point up to U+3000 (controls, Latin, spaces, punctuation), the noncharacters
    # and specials of the BMP; elsewhere one in 13 (astral: one in 251).
    codes = [*range(0x3000), *range(0x3000, 0xD800, 13), *range(0xE000, 0xFDD0, 13), *range(0xFDD0, 0xFDF0),
             *range(0xFE00, 0x10000), *range(0x10000, 0x110000, 251), 0x1F600, 0x1FFFE, 0x10FFFD, 0x10FFFF]
    sources = []
    for code in codes:
        for source in (f"Un{chr(code)}deux", f"{chr(code)} trois\n\nquatre\xa0cinq"):
            if plain_paragraphs(source) is not None:
                sources.append(source)
    return sources


def test_plain_text_renders_as_the_sanitiser_and_the_parser_did() -> None:
    sources = _plain_sources()
    assert len(sources) > 15_000  # most code points are plain text
    for source in sources:
        rich = RichText(source)
        html, text = _slow_render(source)
        assert (str(rich.html), rich.text, rich.problem) == (html, text, None), repr(source)


@pytest.mark.parametrize("kit", [REPO / "kit", FIXTURES / "autre-kit" / "kit", FIXTURES / "mini" / "kit"])
def test_every_plain_field_of_the_kits_renders_as_before(kit: Path) -> None:
    import yaml

    checked = 0
    for path in sorted(kit.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else [data]
        for item in items:
            for value in (item.values() if isinstance(item, dict) else []):
                if isinstance(value, str) and plain_paragraphs(value) is not None:
                    rich = RichText(value)
                    assert (str(rich.html), rich.text) == _slow_render(value), (path, value[:40])
                    checked += 1
    assert checked > 0


def test_the_fields_kept_for_the_template_check_give_its_answer() -> None:
    """validate._may_hold_leftovers passes leftovers only the fields where it could find
    something: the same problems, in the same order, for the template itself, each of its
    fields alone, its lines as list items, « exemple.fr » in any case, and real sheets."""
    import random

    import yaml

    from builder.leftovers import TEMPLATE_NAME, leftovers
    from builder.validate import _may_hold_leftovers

    template = yaml.safe_load((REPO / "builder" / "templates" / TEMPLATE_NAME).read_text(encoding="utf-8"))
    sheets = [template, *({key: value} for key, value in template.items())]
    sheets += [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((REPO / "kit" / "cas").glob("*.yml"))]
    rng = random.Random(15)
    lines = [line for value in template.values() for line in (value if isinstance(value, list) else [value])
             if isinstance(line, str) for line in line.splitlines() if line.strip()]
    for _ in range(300):
        sheet = dict(rng.choice(sheets[len(template) + 1:]))
        key = rng.choice(sorted(template))
        filler = rng.choice(["- " + rng.choice(lines).strip(), "voir WWW.EXEMPLE.FR/page", "Exemple.Fr", "exemple.fra",
                             "  " + rng.choice(lines).strip() + "  ", "texte ordinaire"])
        sheet[key] = [filler] if isinstance(sheet.get(key), list) else f"Début.\n{filler}\nFin."
        sheets.append(sheet)
    found = 0
    for sheet in sheets:
        assert leftovers(_may_hold_leftovers(sheet)) == leftovers(sheet), sheet
        found += bool(leftovers(sheet))
    assert found > 50 and leftovers(template)


def test_the_plain_text_test_answers_as_its_regular_expression() -> None:
    """richtext._not_plain (a class, substrings, line edges) finds Markdown where
    _NOT_PLAIN_CHARACTER's single search does: every code point in five places, and random
    mixes of what each part looks for (spaces of all kinds, digits, hosts in any case)."""
    import random

    from builder.richtext import _NOT_PLAIN_CHARACTER, _not_plain

    def rule(text: str) -> bool:
        return _NOT_PLAIN_CHARACTER.search(text) is not None

    for code in [*range(0x3000), *range(0x3000, 0xD800, 7), *range(0xE000, 0x10000, 7), *range(0x10000, 0x110000, 997)]:
        char = chr(code)
        for text in (char, f"a{char}b", f"a\n{char}", f"a{char}\nb", f"ww{char}."):
            assert _not_plain(text) == rule(text), (hex(code), text)
    rng = random.Random(15)
    parts = [*"ab -.:/wWfFtTpP\n \t1\u0663\xa0\u2003\r\x1c", "www.", "FTP.", "--", "...", "://", "\n\n", "Www.", "fTp."]
    for _ in range(50_000):
        text = "".join(rng.choices(parts, k=rng.randint(1, 12)))
        assert _not_plain(text) == rule(text), repr(text)


YAML_SAMPLES = [
    "titre: Un\nformes: [a, b]\nannee: 2016\nmois: 08\nvrai: yes\nrien: ~\nreel: 1.5e3\n",
    "date_ajout: 2026-11-25\nmauvaise: 2026-13-01\nheure: 2001-12-14t21:59:43.10-05:00\n",
    "? [a, b]\n: liste en clé\n",
    "1: nombre en clé\nnull: rien\ntrue: vrai\n",
    "<<: {a: 1}\nb: 2\n",
    "base:\n  <<: [{a: 1}, {b: 2}]\n  c: 3\n",
    "=: valeur\n",
    "- !!binary aGVsbG8=\n- !!set {a, b}\n- !!omap [{a: 1}]\n- !!str 12\n- !!int '7'\n",
    "inconnu: !truc valeur\n",
    "a:\n  b: !!int x\nc: !truc y\n",
    "a: !truc y\nb:\n  c: !!int x\n",
    "a: 1\na: 2\nb: [1, [2, [3, {c: d}]]]\n",
    "nombre: " + "9" * 5000 + "\n",
    "- a\n- {x: !!float '1.5', y: !!bool 'false'}\n- [~, -1, 0x1F, 0o17, .inf, .NaN]\n",
    "texte: |\n  Première ligne\n\n  Seconde\xa0ligne.\n",
]


@pytest.mark.parametrize("text", YAML_SAMPLES)
def test_yaml_data_built_here_is_the_loaders(text: str) -> None:
    """yamlio._compose_and_construct builds strings, lists and text-keyed blocks itself and
    leaves the rest to PyYAML's constructor: the same data (types included), or the same
    error first (PyYAML builds nested blocks after their parent's values)."""
    from builder import yamlio

    def outcome(make):
        try:
            return "ok", make(text)[1]
        except Exception as error:  # noqa: BLE001
            return "error", (type(error), str(error))

    mine, theirs = outcome(yamlio._compose_and_construct), outcome(yamlio._constructed_by_the_loader)
    assert repr(mine) == repr(theirs)  # types and values (repr: NaN is not equal to itself)
    assert "NaN" in text or mine == theirs


def test_every_yaml_file_of_the_kits_reads_as_the_loader_reads_it() -> None:
    from builder import yamlio

    paths = sorted([*REPO.glob("kit/**/*.yml"), *FIXTURES.glob("*/kit/**/*.yml"), *FIXTURES.glob("*/site_config.yml"),
                    REPO / "site_config.yml", *(REPO / "tests" / "bad_inputs").rglob("*.yml")])
    read = 0
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            expected = yamlio._constructed_by_the_loader(text)[1]
        except Exception:  # noqa: BLE001  (a file of bad inputs: the other test holds errors)
            continue
        assert repr(yamlio._compose_and_construct(text)[1]) == repr(expected), path
        read += 1
    assert read > 20
