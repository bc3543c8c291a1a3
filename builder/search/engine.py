"""Queries on ``search/index.js`` with lunr.py: what ``kit search`` and the tests run.

The browser runs the same clauses with lunr.js on the same index (see
``theme/assets/search/search.js``): every word is required; if no page has them all,
any of them will do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lunr.index import Index
from lunr.query import Query, QueryPresence

from builder.search import french
from builder.search.index import INDEX_FILE, expand_index, read_script


class IndexOutdated(Exception):
    pass


@dataclass(frozen=True)
class Result:
    url: str
    title: str
    kind: str
    paths: list[str]
    excerpt: str
    score: float


class SearchIndex:
    def __init__(self, data: dict):
        if data.get("pipeline") != french.PIPELINE:
            raise IndexOutdated(
                f"l'index de recherche a été produit par une autre version du constructeur "
                f"(« {data.get('pipeline')} », attendu « {french.PIPELINE} ») : relancez « kit build »."
            )
        self.docs = data["docs"]
        self.index = Index.load(expand_index(data["index"]))

    @classmethod
    def from_site(cls, site_dir: Path) -> SearchIndex:
        try:
            data = read_script((site_dir / INDEX_FILE).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
            raise IndexOutdated(
                f"{site_dir / INDEX_FILE} n'est pas un index de recherche lisible par cette version "
                "du constructeur : relancez « kit build »."
            ) from error
        return cls(data)

    def _run(self, clauses: list[french.Clause]) -> list[tuple[float, int]]:
        query = self.index.create_query()
        for clause in clauses:
            query.term(
                clause.term,
                use_pipeline=False,
                boost=clause.boost,
                wildcard=Query.WILDCARD_TRAILING if clause.prefix else Query.WILDCARD_NONE,
                presence=QueryPresence.REQUIRED if clause.required else QueryPresence.OPTIONAL,
            )
        # Ties broken by page order, as in the browser.
        return sorted(((m["score"], int(m["ref"])) for m in self.index.query(query)), key=lambda m: (-m[0], m[1]))

    def search(self, query: str, limit: int | None = None) -> list[Result]:
        clauses = french.query_clauses(query)
        if not clauses:
            return []
        matches = self._run(clauses) or self._run(french.relaxed(clauses))
        results = []
        for score, ref in matches[:limit]:
            url, title, kind, paths, excerpt = self.docs[ref]
            results.append(Result(url, title, kind, paths, excerpt, score))
        return results
