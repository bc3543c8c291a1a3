"""A document the site does not offer (neither ``lien`` nor ``fichier``, issue #16): its page
says what it is for, who published it and where to ask for it, with the publisher's
address as the source prints it, and says « not available » once."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from builder.config import Project
from builder.validate import load_kit
from tests.conftest import REPO

SEED = Path("/work/shared/seeds/002_e2ecc52e8daeedca.txt")


def test_pages_of_documents_without_link_say_where_to_ask(real_site: Path) -> None:
    config, kit = load_kit(Project(REPO))
    offline_only = [d for d in kit.documents if not d.lien and not d.fichier]
    assert offline_only
    site = config.site
    assert site.editeur_adresse and site.editeur_telephone
    if SEED.is_file():  # the address comes from the sources (invent nothing)
        footer = SEED.read_text(encoding="utf-8")
        assert "1, allée Charles V" in footer and "94300 Vincennes" in footer and "01-53-66-99-70" in footer
        assert "1, allée Charles V" in site.editeur_adresse and "94300 Vincennes" in site.editeur_adresse
    for doc in offline_only:
        page = BeautifulSoup((real_site / "documents" / f"{doc.id}.html").read_text(encoding="utf-8"), "html.parser")
        text = " ".join(page.select_one("article").get_text(" ", strip=True).replace("\u00a0", " ").replace("\u202f", " ").split())
        assert "son résumé, ci-dessus, dit ce qu'il contient et à quoi il sert" in text, doc.id
        published = text[text.index("Il a été publié par"):]  # who published it, all of them
        assert all(author in published[:200] for author in doc.auteurs), doc.id
        assert site.editeur_adresse in text and site.editeur_telephone in text, doc.id
        assert page.select_one(f'article a[href="{site.editeur_url}"]') is not None, doc.id
        section = text[text.index("Obtenir le document"):].split("Dans les parcours de lecture")[0]
        said = sum(section.count(w) for w in ("disponible", "n'est diffusé", "n'est pas", "désolé", "malheureusement"))
        assert said == 1, doc.id  # not available: said once, then what to do


def test_a_document_file_is_offered_with_its_format_and_size_in_both_editions(tmp_path: Path, fixed_epoch) -> None:
    import re
    import zipfile

    from builder.build import build
    from tests.conftest import FIXTURES, copy_project

    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    (project.kit_dir / "fichiers").mkdir(exist_ok=True)
    (project.kit_dir / "fichiers" / "rapport.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 1_234_558)
    documents = project.kit_dir / "documents.yml"
    old = "  lien: http://www.lerameau.fr/le-programme-phare/"
    text = documents.read_text(encoding="utf-8")
    assert old in text
    documents.write_text(text.replace(old, "  fichier: rapport.pdf"), encoding="utf-8")
    result = build(project, tmp_path / "site")
    online = (result.site_dir / "documents" / "phare.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(result.archive) as archive:
        names = archive.namelist()
        offline = archive.read(next(n for n in names if n.endswith("/documents/phare.html"))).decode("utf-8")
        assert any(n.endswith("/fichiers/rapport.pdf") for n in names)
    for page in (online, offline):
        link = BeautifulSoup(page, "html.parser").find("a", href="../fichiers/rapport.pdf")
        assert link is not None
        label = re.sub(r"[\u00a0\u202f]", " ", link.get_text(" ", strip=True))
        assert "« rapport.pdf » (PDF, 1,2 Mo)" in label, label
