"""Blocks of content/ markers link from the page holding the marker, wherever it sits."""

from __future__ import annotations

import pytest

from builder.pages import PageRenderer
from builder.validate import load_kit
from conftest import FIXTURES, copy_project


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PageRenderer:
    project = copy_project(FIXTURES / "mini", tmp_path_factory.mktemp("blocs") / "mini")
    config, kit = load_kit(project)
    return PageRenderer(project, config, kit)


def test_natures_block_links_are_relative_to_the_page_holding_the_marker(renderer: PageRenderer) -> None:
    """« <!-- kit:natures --> » in a page of a subfolder of content/ (le-kit/x.md) must link to
    ../catalogue/index.md: MkDocs refuses le-kit/catalogue/index.md and the build failed,
    though kit check accepts the marker there."""
    home = renderer.home_blocks("<!-- kit:natures -->\n", "index.md")
    nested = renderer.home_blocks("<!-- kit:natures -->\n", "le-kit/page.md")
    assert "](catalogue/index.md#" in home
    assert "](../catalogue/index.md#" in nested
    assert "](catalogue/index.md#" not in nested


def test_download_block_links_to_the_zip_from_the_page_holding_the_marker(renderer: PageRenderer) -> None:
    """« <!-- kit:telechargement --> » in le-kit/x.md linked to le-kit/telechargements/… (a 404)."""
    archive = renderer.urls.archive
    home = renderer.home_blocks("<!-- kit:telechargement -->\n", "index.md")
    nested = renderer.home_blocks("<!-- kit:telechargement -->\n", "le-kit/page.md")
    assert f'href="{archive}"' in home
    assert f'href="../{archive}"' in nested
