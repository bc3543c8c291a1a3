"""``kit serve``: a local preview that rebuilds when the catalogue, content or theme change.

MkDocs' own LiveReloadServer serves the site and reloads the open pages; our rebuild
function runs the whole pipeline (validate, render, MkDocs) into a temporary folder.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from builder.build import build, terminal_progress
from builder.config import Project
from builder.loader import CatalogueError
from builder.site import MkDocsFailed


def serve(project: Project, host: str = "127.0.0.1", port: int = 8000) -> int:
    from mkdocs.livereload import LiveReloadServer

    site_dir = Path(tempfile.mkdtemp(prefix="kit-apercu-"))

    def rebuild() -> None:
        try:
            build(project, site_dir, progress=terminal_progress, with_archive=False)
            print("Aperçu à jour.", file=sys.stderr)
        except (CatalogueError, MkDocsFailed) as error:
            report = error.problems.report() if isinstance(error, CatalogueError) else str(error)
            print(f"{report}\nL'aperçu garde la version précédente.", file=sys.stderr)

    rebuild()
    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(site_dir))
    for path in project.watched():
        server.watch(str(path))
    print(f"Aperçu : http://{host}:{port}/ (Ctrl+C pour arrêter)", file=sys.stderr)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
    return 0
