"""The search stage made cheaper (issue 15, part Q) writes the same bytes: its files compared,
byte for byte, with an index built the straightforward way (lunr.py's Builder over
``entry_terms``, positions from ``phrase_sequence``, the vocabulary counted piece by piece),
and its page reader with the reader it replaced, on both kits."""

from __future__ import annotations

import html
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from builder.build import build
from builder.config import Project
from builder.search import french, index
from builder.search.index import Entry, entry_terms, page_entries, page_sections, phrase_sequence, write_index_files
from builder.validate import load_kit
from conftest import EPOCH, FIXTURES, REPO, copy_project

# --- the references, written the straightforward way ---


def _reference_data(entries: list[Entry]) -> dict:
    from lunr.builder import Builder

    stock = Builder()
    stock.ref("id")
    for name, boost in index.FIELDS:
        stock.field(name, boost=boost)
    for number, entry in enumerate(entries):
        stock.add({"id": str(number), **entry_terms(entry)}, {"boost": entry.boost} if entry.boost != 1 else None)
    positions: dict[str, dict[int, list[int]]] = {}
    for page, entry in enumerate(entries):
        for term, position in phrase_sequence(entry):
            positions.setdefault(term, {}).setdefault(page, []).append(position)
    spellings: dict[str, Counter] = defaultdict(Counter)
    pages_of: Counter = Counter()
    for entry in entries:
        stems = set()
        texts = [entry.title, *(t for _, heading, text in entry.sections for t in (heading, text)),
                 " ; ".join(f for f in entry.fields if f)]
        for text in texts:
            for written in re.findall(r"[^\s\-]+", french.normalise(text).lower()):
                found = index._vocabulary_word(written)
                if found:
                    spellings[found[1]][found[0]] += 1
                    stems.add(found[2])
        pages_of.update(stems)
    vocabulary = []
    for folded in sorted(spellings):
        best = min(spellings[folded].items(), key=lambda item: (-item[1], item[0]))[0]
        pages = pages_of[french.stem(folded)]
        vocabulary.append([folded, pages] if best == folded else [folded, pages, best])
    return {"pipeline": french.PIPELINE, "config": french.browser_rules(),
            "docs": [[e.url, e.title, e.kind, e.paths] for e in entries],
            "index": index.compact_index(stock.build().serialize()),
            "positions": {term: list(pages.items()) for term, pages in positions.items()},
            "pages": [[list(section) for section in e.sections] for e in entries], "vocabulary": vocabulary}


_OLD_TOKEN = re.compile(r"""<!--.*?(?:-->|$)|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>|<|[^<]+""", re.S)


def _reference_sections(page: str) -> tuple[str, list[tuple[str, str, str]]]:
    # The reader the stage had before (match objects read group by group, no possessive pattern).
    start = page.find('<article class="md-content__inner')
    if start < 0:
        return "", []
    end = page.find("</article>", start)
    body = page[page.find(">", start) + 1:end if end >= 0 else len(page)]
    title: list[str] = []
    sections: list[list] = [["", [], []]]
    target = sections[-1][2]
    skipped, depth = "", 0
    seen_title = in_title = False
    for token in _OLD_TOKEN.finditer(body):
        name = token.group(2)
        if skipped:
            if name and name.lower() == skipped:
                depth += -1 if token.group(1) else (0 if token.group(3).rstrip().endswith("/") else 1)
                if depth == 0:
                    skipped = ""
            continue
        if name is None:
            if not token.group(0).startswith("<!--"):
                target.append(token.group(0))
            continue
        name, closing, attributes = name.lower(), bool(token.group(1)), token.group(3)
        if not closing and name not in index._VOID and (
                name in ("script", "style")
                or name in ("a", "span")
                and index._SKIPPED_CLASSES & set(index._attribute(index._CLASS, attributes).split())):
            skipped, depth = name, 1
            continue
        if name in index._BLOCK:
            target.append(" ")
        if name == "h1" and not seen_title:
            if closing and in_title:
                in_title, seen_title = False, True
                target = sections[-1][2]
            elif not closing:
                in_title, target = True, title
        elif name in index._HEADINGS and not in_title:
            if not closing:
                sections.append([index._attribute(index._ID, attributes), [], []])
                target = sections[-1][1]
            else:
                target = sections[-1][2]
    found = []
    for anchor, heading, text in sections:
        heading_text, body_text = index._clean(html.unescape("".join(heading))), index._clean(html.unescape("".join(text)))
        if heading_text or body_text:
            found.append((anchor, heading_text, body_text))
    return index._clean(html.unescape("".join(title))), found


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- both kits, built once ---


@pytest.fixture(scope="module")
def autre_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Project]:
    root = tmp_path_factory.mktemp("autre-built")
    project = copy_project(FIXTURES / "autre-kit", root / "autre")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return build(project, root / "site").site_dir, project


@pytest.fixture(params=["repository", "autre-kit"])
def kit_site(request: pytest.FixtureRequest) -> tuple[Path, Project]:
    if request.param == "repository":
        return request.getfixturevalue("real_site"), Project(REPO)
    return request.getfixturevalue("autre_site")


def test_the_stage_writes_the_bytes_of_the_index_built_the_straightforward_way(
        kit_site: tuple[Path, Project], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, project = kit_site
    config, kit = load_kit(project)
    entries = page_entries(site, config, kit)
    assert len(entries) > 5
    for shard_characters in (index.SHARD_CHARACTERS, 700):  # 700: many small shards
        monkeypatch.setattr(index, "SHARD_CHARACTERS", shard_characters)
        reference, written = tmp_path / f"reference-{shard_characters}", tmp_path / f"stage-{shard_characters}"
        index._write_index(reference, config, _reference_data(entries))
        write_index_files(written, config, entries)
        expected, found = _files(reference), _files(written)
        assert len(expected) > len(entries) + 3 and found.keys() == expected.keys()
        assert [name for name in expected if found[name] != expected[name]] == []


def test_the_page_reader_reads_what_the_former_one_read(kit_site: tuple[Path, Project]) -> None:
    site, _ = kit_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert page_sections(text) == _reference_sections(text), page
    hostile = ['<h2 id="a" title="x > y">T<a class="headerlink">¶</a></h2><p>un <em>co</em>-texte</p>',
               "<p a='<' b=\"unclosed>texte <script>x<script>y</script>z</script> suite",
               "<span class='kit-externe__note'><span>n</span></span> après <!-- c --> <",
               "<h1>Titre</h1><h1>Deux</h1><h3 id='b'>Sous</h3>fin<br/>ligne<img src=x>"]
    for body in hostile:
        page = f'<article class="md-content__inner md-typeset">{body}</article>'
        assert page_sections(page) == _reference_sections(page), body


def test_stretches_read_as_one_text_give_each_stretchs_terms_and_positions() -> None:
    # Line breaks, a combining accent opening a stretch, ligatures, elisions, hyphens, stop words:
    # the analysis of the body read at once is the stretch-by-stretch one (entry_terms, phrase_sequence).
    entries = [
        Entry("a.html", "L’Œuvre co-construite", "k", [], [("", "", "Le labo\u0301 de l'innovation sociétale."),
                                                            ("s", "\u0301Accent seul", "ﬁnancement — et 2015–2016"),
                                                            ("t", "De la", "")], ["Alsace", "", "Fiche"]),
        Entry("b.html", "Deux\nlignes", "k", [], [("", "", "une\nligne\u2028puis l'autre"), ("u", "", "rien")], []),
        Entry("c.html", "", "k", [], [], ["seul champ"]),
    ]
    for entry in entries:
        terms, positions, _ = index.analyse(entry)
        assert terms == entry_terms(entry)
        expected: dict[str, list[int]] = {}
        for term, position in phrase_sequence(entry):
            expected.setdefault(term, []).append(position)
        assert positions == expected and list(positions) == list(expected)


def test_pieces_split_on_spaces_and_hyphens_as_the_pattern_did() -> None:
    # str.split() and the regular expression's \s are the same test (Py_UNICODE_ISSPACE), every code point.
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))]
    assert spaces == [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    alphabet = [*spaces, "a", "é", "-", "'", "’", ",", "\u2010"]
    chooser = random.Random(15)
    for _ in range(3000):
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 14)))
        assert text.replace("-", " ").split() == re.findall(r"[^\s\-]+", text)


def test_thousandths_are_lunrs_three_decimals_even_next_to_a_half() -> None:
    chooser = random.Random(15)
    values = [chooser.uniform(0, 60) for _ in range(20000)]
    values += [n / 2000 + d for n in range(0, 200001, 7) for d in (0.0, 1e-12, -1e-12, 5e-8, -5e-8)]
    values += [1e10 / 3, 2.0005, 0.0285, 1.0015, 0.0]
    special = 0
    for value in values:
        scaled = value * 1000
        special += not -0.4999 < scaled - round(scaled) < 0.4999
        assert index._thousandths(value) == round(round(value, 3) * 1000), value
    assert special > 1000  # the slow path was taken too
