"""``kit search "requête"``: the site's search, in the terminal, on the built site's index."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from builder.config import Project
from builder.problems import terminal_safe
from builder.search import french
from builder.search.engine import IndexOutdated, Passage, SearchIndex
from builder.search.index import INDEX_FILE


def _newest_source(project: Project) -> float:
    newest = 0.0
    for path in project.watched():
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def _index_file(project: Project) -> Path:
    """The built site's index; the site is built first when there is none."""
    site_dir = project.root / "site"
    index_file = site_dir / INDEX_FILE
    if index_file.is_file():
        built = dt.datetime.fromtimestamp(index_file.stat().st_mtime).strftime("%d/%m/%Y à %H:%M")
        print(f"Recherche dans l'index du site construit ({index_file}, construit le {built}).", file=sys.stderr)
        if _newest_source(project) > index_file.stat().st_mtime:
            print("Attention : le catalogue ou les pages ont changé depuis ; relancez « kit build » pour en tenir compte.",
                  file=sys.stderr)
        return index_file
    print(f"Pas d'index de recherche dans {site_dir} : construction du site d'abord (comme « kit build »).", file=sys.stderr)
    from builder.build import build, terminal_progress

    build(project, site_dir, progress=terminal_progress)
    print(f"Recherche dans l'index du site qui vient d'être construit ({index_file}).", file=sys.stderr)
    return index_file


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def run_search(project: Project, query: str, limit: int = 10) -> int:
    """Print the ranked results, the first ``limit`` (1 at least); 0 when something was found,
    1 otherwise."""
    index_file = _index_file(project)
    try:
        index = SearchIndex.from_site(index_file.parent.parent)
    except IndexOutdated as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    results = index.search(query)
    if not results:
        why = french.nothing_to_look_for(query)
        print(f"Aucun résultat pour « {terminal_safe(query)} »" + (f" : {why[0].lower()}{why[1:]}" if why else "."))
        if index.links:
            print(f"Essayez d'autres mots ou moins de mots, ou parcourez le catalogue ({index.links['catalogue']}) "
                  f"et les fiches d'expérience avec leurs filtres ({index.links['fiches']}).")
        return 1
    shown = results[: max(limit, 1)]
    searched = query
    if results.corrected:
        # One word at least is on no page: say so, then what was searched instead, and how
        # to search the words as typed (the browser's « Rechercher … tel quel »).
        print(f"Aucune page n'a tous les mots de « {terminal_safe(query)} » tels que tapés : "
              f"résultats pour « {terminal_safe(results.corrected)} ».")
        print(f"Pour chercher « {terminal_safe(query)} » tel quel : kit search '{terminal_safe(results.as_typed or query)}'")
        searched = results.corrected
    first = "" if len(shown) == len(results) else " (le premier)" if len(shown) == 1 else f" ({len(shown)} premiers)"
    print(f"{plural(len(results), 'résultat', 'résultats')} pour « {terminal_safe(searched)} »{first} :")
    width = len(str(len(shown)))
    bold = sys.stdout.isatty()
    for number, result in enumerate(shown, 1):
        about = [result.kind]
        if result.paths:
            about.append("Parcours : " + ", ".join(result.paths))
        # Titles come from the catalogue: control characters (ESC…) are shown, not obeyed.
        print(f"{number:>{width}}. {terminal_safe(result.title)}")
        print(f"{' ' * width}  {terminal_safe(' · '.join(about))} — {terminal_safe(result.url)}")
        main, subs = index.passages(result.ref, results.marks)
        if main.segments:
            print(f"{' ' * width}  « {_passage(main, bold)} »")
        for sub in subs:
            print(f"{' ' * width}  ↳ {terminal_safe(sub.heading)} ({terminal_safe(result.url)}#{terminal_safe(sub.anchor)}) :"
                  f" « {_passage(sub, bold)} »")
    return 0


def _passage(passage: Passage, bold: bool) -> str:
    """A passage on one line, its matched words in bold on a terminal (escaped first)."""
    return "".join(f"\x1b[1m{terminal_safe(text)}\x1b[0m" if marked and bold else terminal_safe(text)
                   for text, marked in passage.segments)
