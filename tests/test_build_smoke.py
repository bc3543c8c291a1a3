"""End-to-end build of the small fixture kit: the pages exist and link to each other."""

from pathlib import Path


def test_fixture_kit_builds_every_page_kind(mini_site: Path) -> None:
    for page in ("index.html", "parcours/comprendre.html", "documents/phare.html", "fiches/charenton.html",
                 "catalogue/index.html", "fiches/index.html", "le-kit/glossaire.html"):
        assert (mini_site / page).is_file(), page
    html = (mini_site / "documents/phare.html").read_text(encoding="utf-8")
    assert "Études PHARE sur les fragilités" in html
    assert 'href="../parcours/comprendre.html"' in html
