"""Package stage: the last pass over the built site, and the offline edition (a zip).

Order, once MkDocs and the post-build stages are done (``finish``):
1. every page's links to other sites are marked as needing internet (both editions);
2. the zip is written from the offline variant of the pages, kept in memory: links
   to files the zip leaves out (the zip itself) point to the online address, and the
   download blocks become a sentence saying which edition the reader holds;
3. the online pages get the zip's size where the templates left ``<!--kit:taille-->``.
The zip's pages never show its size, so there is no loop: one pass, deterministic.

Reproducible means byte-identical for the same input and SOURCE_DATE_EPOCH: sorted
entries, a fixed timestamp, fixed permissions (CPython's ``zipfile.write`` would
record each file's mtime and mode).
"""

from __future__ import annotations

import collections
import datetime as dt
import html as htmllib
import os
import posixpath
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from zlib_ng import zlib_ng

from builder import links
from builder.config import SiteConfig
from builder.paths import NOT_FOUND_PAGE, OutputPaths
from builder.context import edition_date, french_date

README_NAME = "LISEZMOI.txt"
# What a reader of the offline copy has no use for: source maps, compressed
# duplicates (sitemap.xml.gz), files for search engines, the server's 404 page.
EXCLUDED_SUFFIXES = (".map", ".gz")
EXCLUDED_AT_ROOT = {"sitemap.xml", NOT_FOUND_PAGE, "robots.txt"}
MATERIAL_LUNR = "assets/javascripts/lunr/"
# Material's own search (its worker and lunr): copied into every site, used only when
# its search plugin puts this component in the pages (the kit ships its own search).
MATERIAL_SEARCH_FILES = (MATERIAL_LUNR, "assets/javascripts/workers/")
MATERIAL_SEARCH_MARK = 'data-md-component="search"'
SIZE_MARK = "<!--kit:taille-->"
ONLINE_BLOCK = re.compile(r"<!--kit:en-ligne-->.*?<!--/kit:en-ligne-->", re.DOTALL)
HTML_SUFFIX = ".html"


def size_label(path: Path) -> str:
    size = path.stat().st_size / 1_000_000
    return f"{size:.1f} Mo".replace(".", ",")


def archive_relpath(config: SiteConfig) -> str:
    """The zip's place in the site (``telechargements/kit.zip``): builder.paths."""
    return OutputPaths.of(config.sorties).archive


# --- which files go into the zip ---


def is_packed(relative: str, config: SiteConfig, material_search: bool = True) -> bool:
    name = relative.rsplit("/", 1)[-1]
    if relative == archive_relpath(config) or name.endswith(EXCLUDED_SUFFIXES) or relative in EXCLUDED_AT_ROOT:
        return False
    if any(part.startswith(".") for part in relative.split("/")):
        return False
    if relative.startswith(MATERIAL_SEARCH_FILES) and not material_search:
        return False
    return not (relative.startswith(MATERIAL_LUNR) and not _needed_lunr_file(name, config.site.langue))


def uses_material_search(pages: Mapping[str, str]) -> bool:
    if isinstance(pages, OnlinePages):
        return pages.raw_text_has(MATERIAL_SEARCH_MARK)
    return any(MATERIAL_SEARCH_MARK in text for text in pages.values())


def _needed_lunr_file(name: str, language: str) -> bool:
    """Material copies lunr's support for 30 languages; the site's search needs its own."""
    if name in ("tinyseg.js", "wordcut.js"):  # segmenters for Japanese and Thai
        return {"tinyseg.js": "ja", "wordcut.js": "th"}[name] == language
    if not name.startswith("lunr."):
        return True
    return name.split(".")[1] in (language, "stemmer", "multi")


def site_files(site_dir: Path) -> list[str]:
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())


# --- the offline variant of a page ---


def offline_notice(config: SiteConfig, edition: dt.date) -> str:
    """What replaces a download block in the zip's pages (the zip cannot contain itself)."""
    url = htmllib.escape(config.site.url)
    return (
        f"Vous lisez l'édition hors ligne du kit, datée du {french_date(edition)}. "
        f'Version en ligne, peut-être plus récente : <a class="{links.EXTERNAL_CLASS}" href="{url}">{url}'
        f"{links.EXTERNAL_NOTE}</a>."
    )


def links_to_any(names: set[str]) -> re.Pattern[str]:
    """A first look for links (href) to one of these files: it spares the parsing of most pages."""
    alternatives = "|".join(sorted(re.escape(posixpath.basename(n)) for n in names))
    return re.compile(rf"""href=["']?(?:[^"'\s>]*/)?(?:{alternatives})[#?"'\s>]""")


def offline_page(text: str, page: str, left_out: AbstractSet[str], config: SiteConfig, candidates: re.Pattern[str] | None = None,
                 edition: dt.date | None = None) -> str:
    """A page as the zip holds it: links to files left out point to the online site."""
    notice = offline_notice(config, edition or edition_date())
    text = ONLINE_BLOCK.sub(lambda _: notice, text).replace(SIZE_MARK, "")
    if not (candidates or links_to_any(left_out)).search(text):
        return text
    online = config.site.url.rstrip("/") + "/"

    def edit(anchor: links.Anchor, inner: str) -> tuple[dict[str, str | None], str] | None:
        target = links.link_target(page, anchor.href)
        if target not in left_out:
            return None
        attrs, note = links.as_external({**anchor.attrs, "href": online + target}, inner)
        attrs.pop("download", None)  # a download attribute is ignored across origins anyway
        return attrs, note

    return links.rewrite_anchors(text, edit)


def online_page(text: str, size: str) -> str:
    # A no-break space between the figure and its unit, as the typography stage puts
    # elsewhere (builder/typography.py runs before this one).
    return text.replace(SIZE_MARK, f" (zip, {size.replace(' ', chr(0xA0))})" if size else "")


# --- the zip ---


def readme_text(config: SiteConfig, edition: dt.date) -> str:
    site = config.site
    lines = [
        f"{site.titre} — édition hors ligne",
        "=" * 60,
        "",
        site.description,
        "",
        "Pour l'ouvrir :",
        "  1. Décompressez l'archive où vous voulez (sous Windows : clic droit sur le",
        "     fichier zip, « Extraire tout… »). Ouvrir index.html sans décompresser",
        "     l'archive ne fonctionne pas : les pages perdent leur mise en forme et leurs liens.",
        f"  2. Dans le dossier obtenu ({config.sorties.archive}), ouvrez le fichier",
        "     index.html avec votre navigateur (double-clic).",
        "",
        "Tout le kit fonctionne sans connexion internet : pages, parcours de lecture,",
        "fiches d'expérience, recherche. Les liens marqués « nécessite une connexion",
        "internet » mènent vers d'autres sites.",
        "",
        f"Édition du {french_date(edition)}.",
        f"Version en ligne, peut-être plus récente : {site.url}",
        "",
    ]
    # CRLF and a byte-order mark: older Windows Notepad shows accents and lines right.
    return "\ufeff" + "\r\n".join(lines)


def _zip_time(day: dt.date) -> tuple[int, int, int, int, int, int]:
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def _entry(name: str, edition: dt.date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time(edition))
    info.external_attr = 0o644 << 16
    info.create_system = 3
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _deflate(data: bytes) -> tuple[bytes, int]:
    """``data`` compressed as ``zipfile`` compresses a ZIP_DEFLATED entry (raw deflate at the
    default level, 6), by zlib-ng, and its CRC-32. zlib-ng (python-zlib-ng, pinned in
    pyproject.toml: the bytes depend on its version) is zlib's maintained successor with the
    same interface: at 2,000 sheets, 110 MB to compress, it took 2.2 s of processor time
    against zlib's 4.1 s, for a zip 0.4 % larger (benchmarks/README.md, issue 15). Any
    reader of zip files reads its deflate streams. It lets go of the interpreter's lock while
    it works, so threads compress side by side."""
    compressor = zlib_ng.compressobj(zlib_ng.Z_DEFAULT_COMPRESSION, zlib_ng.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data)


def _add_deflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, compressed: bytes, crc: int) -> None:
    """Append an entry whose data is already deflated: the bytes ``writestr`` writes (the
    local header with the final sizes and CRC, then the data), as ``ZipFile.mkdir`` appends
    its own entries."""
    info.file_size, info.compress_size, info.CRC, info.flag_bits = size, len(compressed), crc, 0
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT  # writestr's own test: the same header
    # The file's position is where the last entry ended (start_dir): no seek or tell, each a
    # system call and a seek a flush of the write buffer.
    info.header_offset = archive.start_dir
    archive._writecheck(info)
    archive._didModify = True
    header = info.FileHeader(zip64)
    archive.fp.write(header)
    archive.fp.write(compressed)
    archive.start_dir = info.header_offset + len(header) + len(compressed)
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info


class Deflated(NamedTuple):
    """An entry's data compressed ahead (``deflate_ahead``): its size, its deflated bytes, its CRC-32."""

    size: int
    compressed: bytes
    crc: int


def _done(value: tuple[bytes, int]) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _deflated_in_order(items: Iterable[tuple[Any, bytes | Deflated]]) -> Iterator[tuple[Any, Deflated]]:
    """Each (key, data) item's data compressed (``Deflated``; data given ``Deflated`` kept as
    it is), in the items' order, by one thread per core while the next items are read and
    made (issue 15: compression was a fifth of the package stage); a bounded number wait at
    once, so memory stays flat. A consumer that stops early leaves the rest uncompressed."""
    workers = max(1, os.cpu_count() or 1)
    waiting: collections.deque = collections.deque()
    with ThreadPoolExecutor(max_workers=workers) as compressors:
        for key, data in items:
            if isinstance(data, Deflated):
                waiting.append((key, data.size, _done((data.compressed, data.crc))))
            else:
                waiting.append((key, len(data), compressors.submit(_deflate, data)))
            if len(waiting) > 4 * workers:
                key, size, done = waiting.popleft()
                yield key, Deflated(size, *done.result())
        while waiting:
            key, size, done = waiting.popleft()
            yield key, Deflated(size, *done.result())


def _write_entries(archive: zipfile.ZipFile, entries: Iterable[tuple[str, bytes | Deflated]], edition: dt.date) -> None:
    """The entries, in their order, compressed (``_deflated_in_order``) and appended. Bytes as
    ``writestr`` writes them (tests/test_build_speed.py)."""
    for name, deflated in _deflated_in_order(entries):
        _add_deflated(archive, _entry(name, edition), deflated.size, deflated.compressed, deflated.crc)


def write_zip(target: Path, entries: Iterable[tuple[str, bytes | Deflated]], edition: dt.date | None = None) -> Path:
    """Write the entries (already in order) to ``target`` through a temporary file,
    so that an interrupted build never leaves half a zip at the stable address.
    Every entry is dated ``edition`` (None: ``context.edition_date()``), at midnight."""
    edition = edition or edition_date()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        # Entries get the default level (6): with zlib, level 9 made a zip 1 % smaller in twice the time.
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _write_entries(archive, entries, edition)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


@dataclass
class _Plan:
    """What the zip holds, from the files of the site as they are: the files packed, in
    order, and those left out (the offline pages' links to them point online)."""

    packed: list[str]
    left_out: frozenset[str]

    @classmethod
    def of(cls, site_dir: Path, config: SiteConfig, pages: Mapping[str, str]) -> "_Plan":
        files = site_files(site_dir)  # listed now, before the zip's temporary file exists
        material_search = uses_material_search(pages)
        packed = [f for f in files if is_packed(f, config, material_search)]
        return cls(packed, frozenset(set(files) - set(packed) | {archive_relpath(config)}))  # the zip is not written yet

    def data(self, relative: str, site_dir: Path, config: SiteConfig, pages: Mapping[str, str],
             candidates: re.Pattern[str], edition: dt.date) -> bytes:
        if relative in pages:
            return offline_page(pages[relative], relative, self.left_out, config, candidates, edition).encode("utf-8")
        return (site_dir / relative).read_bytes()


def _stamp(path: Path) -> tuple[int, int, int]:
    found = path.stat()
    return found.st_size, found.st_mtime_ns, found.st_ino


# At most this much compressed data is made ahead (``deflate_ahead``): the whole zip at 2,000
# sheets (27 MB), about a quarter of it at 10,000, where memory is the limit (issue 15: < 1 GB;
# the peak is then while this process compresses ahead and the search index's child runs).
AHEAD_BUDGET = 32 * 1024 * 1024


@dataclass
class Ahead:
    """Entries compressed before the site was complete (``deflate_ahead``): the plan they were
    made for, and for each file its stamp (size, modification time, inode) then and its data."""

    left_out: frozenset[str]
    entries: dict[str, tuple[tuple[int, int, int], Deflated]] = field(default_factory=dict)
    pages: "OnlinePages | None" = None  # the pages as read then (what marking left unchanged)

    def entry(self, relative: str, site_dir: Path, left_out: frozenset[str]) -> Deflated | None:
        """The file's entry made ahead, if it is still right: the same files left out of the
        zip, and the file unchanged since."""
        kept = self.entries.get(relative)
        if kept is None or left_out != self.left_out or _stamp(site_dir / relative) != kept[0]:
            return None
        return kept[1]


def deflate_ahead(site_dir: Path, config: SiteConfig, edition: dt.date | None = None, budget: int = AHEAD_BUDGET) -> Ahead:
    """The zip's entries of the files the site holds now, made and compressed (``Deflated``)
    in the zip's order until ``budget`` bytes of compressed data: done while the post-build
    stages' children still write their own files (search index, exports; ``builder.build``),
    so that the zip, written when they are done, has only the rest to compress. An entry is
    used only if it is still right then (``Ahead.entry``)."""
    edition = edition or edition_date()
    pages = read_pages(site_dir)
    plan = _Plan.of(site_dir, config, pages)
    candidates = links_to_any(set(plan.left_out))
    ahead = Ahead(plan.left_out, pages=pages)

    def items() -> Iterator[tuple[tuple[str, tuple[int, int, int]], bytes]]:
        for relative in plan.packed:
            stamp = _stamp(site_dir / relative)  # before the file is read
            yield (relative, stamp), plan.data(relative, site_dir, config, pages, candidates, edition)

    made = 0
    for (relative, stamp), deflated in _deflated_in_order(items()):
        ahead.entries[relative] = (stamp, deflated)
        made += len(deflated.compressed)
        if made >= budget:
            break
    return ahead


def zip_entries(site_dir: Path, config: SiteConfig, pages: Mapping[str, str],
                edition: dt.date | None = None, ahead: Ahead | None = None) -> Iterable[tuple[str, bytes | Deflated]]:
    """LISEZMOI.txt first, then the site's files in sorted order, under one top folder; the
    entries ``ahead`` made that are still right, as they are."""
    edition = edition or edition_date()
    top = config.sorties.archive
    plan = _Plan.of(site_dir, config, pages)
    candidates = links_to_any(set(plan.left_out))

    def entries() -> Iterable[tuple[str, bytes | Deflated]]:
        yield f"{top}/{README_NAME}", readme_text(config, edition).encode("utf-8")
        for relative in plan.packed:
            made = ahead.entry(relative, site_dir, plan.left_out) if ahead is not None else None
            yield f"{top}/{relative}", made if made is not None else plan.data(relative, site_dir, config, pages,
                                                                               candidates, edition)

    return entries()


class OnlinePages(Mapping[str, str]):
    """Every built page (its path in the site -> its HTML) with its external links marked and
    its links to a folder pointed at the folder's index.html (the online edition's HTML),
    read from the disk each time a page is asked for: the pages are never all held in memory
    (10,000 sheets are about 350 MB of HTML; issue 15 keeps a build under 1 GB)."""

    def __init__(self, site_dir: Path, files: list[str] | None = None):
        self.site_dir = site_dir
        self.names = [f for f in (site_files(site_dir) if files is None else files) if f.endswith(HTML_SUFFIX)]
        self.built = frozenset(self.names)
        self.as_built: set[str] = set()  # pages the marking left unchanged: not looked at again
        self._has: dict[str, bool] = {}  # raw_text_has's answers

    def __getitem__(self, relative: str) -> str:
        if relative not in self.built:
            raise KeyError(relative)
        built = (self.site_dir / relative).read_bytes().decode("utf-8")
        if relative in self.as_built:
            return built
        text = links.mark_external_links(built)
        # Links to a folder (an editor's « ../catalogue/ ») lead to its index.html, in both editions.
        text = links.folder_links_to_index(text, relative, self.built.__contains__)
        if text == built:
            self.as_built.add(relative)
        return text

    def __contains__(self, relative: object) -> bool:
        return relative in self.built

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def raw_text_has(self, mark: str) -> bool:
        """Whether any page, as built, holds ``mark`` (link marking adds no such mark)."""
        if mark not in self._has:
            encoded = mark.encode("utf-8")
            self._has[mark] = any(encoded in (self.site_dir / relative).read_bytes() for relative in self.names)
        return self._has[mark]


def read_pages(site_dir: Path) -> OnlinePages:
    """Every built page with its external links marked (the online edition's HTML), read lazily."""
    return OnlinePages(site_dir)


def build_archive(site_dir: Path, config: SiteConfig, target: Path | None = None, edition: dt.date | None = None,
                  ahead: Ahead | None = None) -> Path:
    """Write the offline edition of the site in ``site_dir`` (by default at its stable address),
    dated ``edition`` (the build context's date; None: ``context.edition_date()``), with the
    entries ``ahead`` made that are still right."""
    edition = edition or edition_date()
    target = target or site_dir / archive_relpath(config)
    return write_zip(target, zip_entries(site_dir, config, read_pages(site_dir), edition, ahead), edition)


def finish(site_dir: Path, config: SiteConfig, with_archive: bool = True, edition: dt.date | None = None,
           ahead: Ahead | None = None) -> Path | None:
    """The last pass over a built site: links marked, zip written (with the entries ``ahead``
    made that are still right), its size in the pages. ``edition``: the build context's date
    (None: ``context.edition_date()``)."""
    pages = read_pages(site_dir)
    if ahead is not None and ahead.pages is not None and ahead.pages.names == pages.names:
        pages = ahead.pages  # the same pages (the children write none): what was read is known
    archive = None
    if with_archive:
        edition = edition or edition_date()
        archive = write_zip(site_dir / archive_relpath(config), zip_entries(site_dir, config, pages, edition, ahead),
                            edition)
    size = size_label(archive) if archive else ""
    for relative in pages:  # each page read and marked again: never all in memory (OnlinePages)
        marked = pages[relative]
        text = online_page(marked, size)
        if relative in pages.as_built and text == marked:
            continue  # as built, no size to fill: not written again (a rewrite is ~3 ms of disk each)
        (site_dir / relative).write_bytes(text.encode("utf-8"))
    return archive
