"""The details of an unexpected error, written where a user can send them to the team.

The CLI (and the preview's rebuild loop) print a short French message naming this file
instead of a Python traceback (issue 11); ``--details`` (formerly ``--debug``) shows the traceback itself.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # standard library only at import time: the CLI's last resort must import
    from builder.config import Project

ERROR_LOG = "erreur.log"  # in the work folder (.kit-build/): the details of an unexpected error


def kit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kit-co-construction")
    except PackageNotFoundError:
        return "(version inconnue : constructeur non installé)"


def log_unexpected(error: BaseException, project: Project | None = None) -> Path:
    """Write the full details of an unexpected error to the work folder's ``erreur.log``
    (else the temporary folder); return that file's path."""
    import datetime as dt
    import tempfile

    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    text = f"kit {kit_version()}, {dt.datetime.now().isoformat(timespec='seconds')}\n{' '.join(sys.argv)}\n\n{details}"
    places = [project.work_dir] if project is not None else []
    places.append(Path(tempfile.gettempdir()))
    for folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if folder in places[:-1]:
                path = folder / ERROR_LOG
                path.write_text(text, encoding="utf-8")
                return path
            # The shared temporary folder: a new file of our own (O_EXCL), never a name (or a link)
            # that someone else placed there.
            handle, name = tempfile.mkstemp(prefix="kit-erreur-", suffix=".log", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            return Path(name)
        except OSError:
            continue
    return Path(os.devnull)
