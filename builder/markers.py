"""The markers of content/ pages (bottom layer: imports nothing of the builder).

A page of content/ asks for a generated block with a marker, an HTML comment with an optional
argument: ``<!-- kit:chiffres fragilites-citoyens -->``. The render step replaces them
(``builder.pages``); the validation layer checks them first (``builder.validate.check_markers``):
both read the syntax and the names here.
"""

from __future__ import annotations

import re
from pathlib import Path

# The syntax the build replaces: a lower-case name, then an optional lower-case argument.
HOME_MARKER = re.compile(r"<!--\s*kit:([a-z-]+)(?:\s+([a-z0-9-]+))?\s*-->")
# One block per template of templates/blocks/ (« parcours.md.j2 » → « kit:parcours »).
BLOCK_NAMES = sorted(p.name.removesuffix(".md.j2") for p in (Path(__file__).parent / "templates" / "blocks").glob("*.md.j2"))
# Markers replaced after the Markdown pages are written, not by a block of templates/blocks/.
LATER_MARKERS = ("date-edition",)  # builder.accessibility: the edition's date
