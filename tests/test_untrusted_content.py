"""Contributed text is untrusted: kit check refuses what would run or embed, the sanitiser
neutralises it anyway, and plain-text fields stay plain text in the built pages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import ValidationError

from builder.config import Project
from builder.markdown import MarkdownRenderer, plain_text, sanitise, unsafe_markup
from builder.models import CaseSheet, check_markdown, check_url

# --- what a hostile editor may write in a Markdown field -----------------------------------

HOSTILE_MARKDOWN = {
    "script": "Texte <script>alert(1)</script> suite.",
    "script-majuscules": "<SCRIPT>alert(1)</SCRIPT>",
    "script-coupe": "<script\n>alert(1)</script\n>",
    "iframe": '<iframe src="https://exemple.fr/"></iframe>',
    "object": '<object data="x.swf"></object>',
    "embed": '<embed src="x.swf">',
    "svg-onload": "<svg/onload=alert(1)>",
    "math-xlink": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-majuscules": "<IMG SRC=x ONERROR=alert(1)>",
    "evenement-coupe": "<a href='https://exemple.fr'\nonclick='alert(1)'>x</a>",
    "details-ontoggle": "<details open ontoggle=alert(1)>x</details>",
    "attr-list-onclick": '[x](https://exemple.fr){ onclick="alert(1)" }',
    "attr-list-style": "[x](https://exemple.fr){: style=position:fixed;inset:0 }",
    "style-attribut": '<div style="position:fixed;top:0;left:0;width:100%;height:100%">x</div>',
    "style-balise": "<style>body{display:none}</style>",
    "lien-javascript": "[clic](javascript:alert(1))",
    "lien-javascript-casse": "[clic](JaVaScRiPt:alert(1))",
    "lien-entite-hexa": "[clic](jav&#x61;script:alert(1))",
    "lien-entite-colon": "[clic](javascript&colon;alert(1))",
    "lien-tabulation": "[clic](java\tscript:alert(1))",
    "lien-reference": "[clic][r]\n\n[r]: javascript:alert(1)",
    "lien-html-tabulation": '<a href="java\tscript:alert(1)">x</a>',
    "lien-auto": "<javascript:alert(1)>",
    "lien-html-entite": '<a href="&#106;avascript:alert(1)">x</a>',
    "lien-html-saut": '<a href="java&#10;script:alert(1)">x</a>',
    "lien-vbscript": "[clic](vbscript:msgbox(1))",
    "lien-data": "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "image-externe": "![pixel](https://traceur.exemple/p.gif)",
    "formulaire": '<form action="https://exemple.fr"><input name="mdp"><button>OK</button></form>',
    "meta-refresh": "<meta http-equiv=refresh content='0;url=https://exemple.fr'>",
    "base": '<base href="https://exemple.fr/">',
    "link": '<link rel="stylesheet" href="https://exemple.fr/x.css">',
}

# The French message (its beginning) each one gets from kit check.
EXPECTED_PROBLEM = {
    "script": "balise HTML « <script> » interdite",
    "script-majuscules": "balise HTML « <script> » interdite",
    "script-coupe": "balise HTML « <script> » interdite",
    "iframe": "balise HTML « <iframe> » interdite",
    "object": "balise HTML « <object> » interdite",
    "embed": "balise HTML « <embed> » interdite",
    "svg-onload": "balise HTML « <svg> » interdite",
    "math-xlink": "balise HTML « <math> » interdite",
    "img-onerror": "image interdite",
    "img-majuscules": "image interdite",
    "evenement-coupe": "attribut HTML « onclick » interdit",
    "details-ontoggle": "attribut HTML « ontoggle » interdit",
    "attr-list-onclick": "attribut HTML « onclick » interdit",
    "attr-list-style": "attribut HTML « style » interdit",
    "style-attribut": "attribut HTML « style » interdit",
    "style-balise": "balise HTML « <style> » interdite",
    "lien-javascript": "adresse « javascript: » interdite dans un lien",
    "lien-javascript-casse": "adresse « javascript: » interdite dans un lien",
    "lien-entite-hexa": "adresse « javascript: » interdite dans un lien",
    "lien-entite-colon": "adresse « javascript: » interdite dans un lien",
    "lien-tabulation": "adresse « javascript: » interdite dans un lien",
    "lien-reference": "adresse « javascript: » interdite dans un lien",
    "lien-html-tabulation": "adresse « javascript: » interdite dans un lien",
    "lien-auto": "adresse « javascript: » interdite dans un lien",
    "lien-html-entite": "adresse « javascript: » interdite dans un lien",
    "lien-html-saut": "adresse « javascript: » interdite dans un lien",
    "lien-vbscript": "adresse « vbscript: » interdite dans un lien",
    "lien-data": "adresse « data: » interdite dans un lien",
    "image-data": "image interdite",
    "image-externe": "image interdite",
    "formulaire": "balise HTML « <form> » interdite",
    "meta-refresh": "balise HTML « <meta> » interdite",
    "base": "balise HTML « <base> » interdite",
    "link": "balise HTML « <link> » interdite",
}

SAFE_SCHEMES = {"http", "https", "mailto"}
RUNNING_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "img", "style", "form", "input",
                "button", "meta", "base", "link", "details", "frame", "video", "audio"}


class Elements(HTMLParser):
    """Every start tag with its attributes (entities decoded, names lower-cased)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def scheme(url: str) -> str | None:
    """The scheme as a browser reads it (WHATWG URL: tabs and line breaks dropped anywhere,
    leading spaces and control characters dropped)."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("".join(chr(c) for c in range(0x21)))
    found = re.match(r"^([a-z][a-z0-9+.\-]*):", cleaned, re.I)
    return found.group(1).lower() if found else None


def assert_inert(html: str) -> None:
    """Nothing in ``html`` can run, embed, load or restyle."""
    for tag, attrs in Elements(html).tags:
        assert tag not in RUNNING_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name != "style", html
            if name in ("href", "src", "action", "xlink:href", "data") and value:
                assert scheme(value) in (None, *SAFE_SCHEMES), (value, html)


def test_the_corpus_and_its_messages_match() -> None:
    assert HOSTILE_MARKDOWN.keys() == EXPECTED_PROBLEM.keys()


@pytest.mark.parametrize("name", sorted(HOSTILE_MARKDOWN))
def test_check_refuses_hostile_markdown_with_a_french_message(name: str) -> None:
    problem = unsafe_markup(HOSTILE_MARKDOWN[name])
    assert problem is not None and problem.startswith(EXPECTED_PROBLEM[name]), problem


@pytest.mark.parametrize("name", sorted(HOSTILE_MARKDOWN))
def test_sanitiser_neutralises_hostile_markdown(name: str) -> None:
    html = str(MarkdownRenderer()(HOSTILE_MARKDOWN[name]))
    assert_inert(html)
    assert "alert(1)</script>" not in html


def test_the_unsanitised_markdown_would_have_been_dangerous() -> None:
    # The corpus is not toothless: without the sanitiser, Python-Markdown lets it through.
    import markdown

    raw = markdown.markdown(HOSTILE_MARKDOWN["lien-javascript"] + "\n\n" + HOSTILE_MARKDOWN["img-onerror"])
    assert 'href="javascript:alert(1)"' in raw and "onerror=alert(1)" in raw
    with pytest.raises(AssertionError):
        assert_inert(raw)


@pytest.mark.parametrize(
    "text",
    [
        "Les open data : une ressource partagée.",  # « data : » in prose is not an address
        "La balise `<script>` est citée comme du code.",
        "Voir [le site](https://www.exemple.fr/page?a=1&b=2) et [écrire](mailto:contact@exemple.fr).",
        "Un lien automatique : <https://www.exemple.fr/>.",
        "Une note[^1].\n\n[^1]: Le texte de la note.",
        "| Année | Valeur |\n|---|---|\n| 2015 | 69 % |",
        "Un cas « javascript: » écrit dans une phrase, sans lien.",
    ],
)
def test_check_accepts_ordinary_markdown(text: str) -> None:
    assert unsafe_markup(text) is None
    assert check_markdown(text) == text


def test_check_error_reaches_the_editor_in_french() -> None:
    with pytest.raises(ValidationError) as caught:
        CaseSheet.model_validate(sheet(genese="Texte [clic](jav&#x61;script:alert(1))."))
    [error] = caught.value.errors()
    assert error["loc"] == ("genese",)
    assert error["msg"] == (
        "adresse « javascript: » interdite dans un lien : seules les adresses https://, http:// et mailto: "
        "sont acceptées ; pour un lien, écrivez [texte](https://…)."
    )


def test_sanitiser_keeps_footnotes_and_drops_other_ids_and_classes() -> None:
    html = str(MarkdownRenderer()("Une note[^1].\n\n[^1]: Texte."))
    assert 'id="fnref:1-1"' in html and 'id="fn:1-1"' in html and 'href="#fn:1-1"' in html
    assert 'class="footnote"' in html
    hostile = sanitise('<a id="__md_scope" class="md-button md-button--primary" href="https://exemple.fr">x</a>'
                       '<div class="md-dialog kit-x">y</div>')
    assert "__md_scope" not in hostile and "md-button" not in hostile and "md-dialog" not in hostile
    assert 'href="https://exemple.fr"' in hostile and 'rel="noopener noreferrer"' in hostile


# --- web addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x",
     "ftp://exemple.fr/", "//exemple.fr/", "exemple.fr", "https://", "https://exemple.fr/\"onmouseover=alert(1)",
     "https://exemple.fr/<script>", "file:///etc/passwd"],
)
def test_web_addresses_other_than_http_and_mailto_are_refused(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CaseSheet.model_validate(sheet(site_web=url))
    [error] = caught.value.errors()
    assert error["loc"] == ("site_web",)
    assert "seules les adresses commençant par https://, http:// ou mailto: sont acceptées" in error["msg"]


@pytest.mark.parametrize("url", ["https://www.exemple.fr/", "http://www.exemple.fr/a_(b)?c=d&e=f", "mailto:contact@exemple.fr"])
def test_web_addresses_accepted(url: str) -> None:
    assert check_url(url) == url


# --- plain-text fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["titre", "territoire", "statut", "region"])
def test_tags_in_plain_text_fields_are_refused(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CaseSheet.model_validate(sheet(**{field: "Nom</title><script>alert(1)</script>"}))
    [error] = caught.value.errors()
    assert error["loc"] == (field,)
    assert error["msg"] == "balise HTML « </title> » interdite : ce champ est un texte simple, affiché tel quel ; retirez la balise."


def test_tags_in_plain_text_lists_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        CaseSheet.model_validate(sheet(sources=["Rapport <img src=x onerror=alert(1)>"], themes=["<b>emploi</b>"]))
    assert sorted(e["loc"] for e in caught.value.errors()) == [("sources", 0), ("themes", 0)]


def test_plain_text_keeps_comparisons_and_joins_lines() -> None:
    case = CaseSheet.model_validate(sheet(titre="Moins de 5 ans < 10 %\n  et plus", statut="a<5"))
    assert case.titre == "Moins de 5 ans < 10 % et plus"
    assert case.statut == "a<5"


def test_plain_text_becomes_inert_markdown() -> None:
    text = str(plain_text('[x](javascript:alert(1)) {: onclick=alert(1) } --8<-- "mkdocs.yml" !!! <b>'))
    assert "[" not in text and "(" not in text and "{" not in text and "<" not in text and "!" not in text
    import markdown

    html = markdown.markdown(text, extensions=["attr_list", "admonition"])
    assert_inert(html)
    assert "<a" not in html and "onclick=" not in html.replace("onclick&#61;", "")


# --- the same, end to end: a sheet with hostile plain text builds into inert pages ----------------


HOSTILE_PLAIN = {
    "titre": "Agir {: onclick=alert(1) } [titre](javascript:alert(1))",
    "territoire": "Paris [clic](javascript:alert(2)){: onmouseover=alert(3) }",
    "statut": '--8<-- "mkdocs.yml"',
    "themes": ["[t](javascript:alert(4))", "*[RSE]: x"],
    "sources": ['!!! danger "Piège"', "[s](data:text/html,x)", 'Rapport « 2024 » "cité"'],
}


def write_hostile_plain_sheet(project: Project) -> Path:
    from ruamel.yaml import YAML

    target = project.kit_dir / "cas" / "piege.yml"
    data = sheet(**HOSTILE_PLAIN, objet='Un objet avec des "guillemets" et un <https://www.lerameau.fr/> lien.')
    data["documents"] = []
    with target.open("w", encoding="utf-8") as stream:
        YAML().dump(data, stream)
    return target


def test_hostile_plain_text_builds_into_inert_pages(mini_project: Project, tmp_path: Path, fixed_epoch: str) -> None:
    from builder.build import build

    write_hostile_plain_sheet(mini_project)
    site = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    page = (site / "fiches" / "piege.html").read_text(encoding="utf-8")
    index = (site / "fiches" / "index.html").read_text(encoding="utf-8")
    article = page.split("<article", 1)[1].split("</article>", 1)[0]
    assert_inert("<article" + article)
    for html in (page, index):  # the index has the team's own filter form: links only
        # anywhere in the page (header, title, navigation): no handler, no script address
        for tag, attrs in Elements(html).tags:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert not any(str(v).strip().lower().startswith(("javascript:", "data:")) for v in attrs.values() if v), (tag, attrs)
    elements = Elements(page).tags
    assert not any("admonition" in (attrs.get("class") or "") for _, attrs in elements)  # « !!! » stayed text
    assert "site_name" not in page  # the snippet marker did not include mkdocs.yml
    text = html_text(page)
    for shown in (HOSTILE_PLAIN["titre"], HOSTILE_PLAIN["territoire"], HOSTILE_PLAIN["statut"], *HOSTILE_PLAIN["sources"]):
        assert shown in text, shown  # shown as typed
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert html_text(title).startswith(HOSTILE_PLAIN["titre"])
    # the description meta tag is not broken by the quotes of the objet
    meta = next(attrs for tag, attrs in elements if tag == "meta" and attrs.get("name") == "description")
    assert meta["content"].startswith('Un objet avec des "guillemets"')


def html_text(html: str) -> str:
    """The text a reader sees, on one line."""
    import html as html_module

    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- helpers ------------------------------------------------------------------------------


def sheet(**changes: object) -> dict:
    base = {
        "titre": "Une initiative",
        "territoire": "Charenton-le-Pont",
        "statut": "Association",
        "objet": "Faire dialoguer les acteurs.",
        "formes": ["dialogue-territorial"],
        "genese": "Une étude.",
        "objectif": "Rapprocher.",
        "activites": "Des rencontres.",
        "resultats": "Des projets.",
        "prochaines_etapes": "Poursuivre.",
        "documents": ["etude"],
        "sources": ["Le RAMEAU, note, 2015"],
    }
    base.update(changes)
    return base


# --- texts that would stall Python-Markdown ---------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("a" * 20_001, "texte trop long (20\u202f001 caractères, 20\u202f000 au plus) : résumez-le, ou répartissez-le entre les rubriques."),
    ("[" * 20_000, "trop de crochets « [ » (20000, 100 au plus) : un crochet ouvre un lien [texte](https://…) ; "
                   "retirez ceux qui n'en sont pas."),
    ("<![CDATA[" * 2_000, "trop de crochets « [ » (4000, 100 au plus) : un crochet ouvre un lien [texte](https://…) ; "
                          "retirez ceux qui n'en sont pas."),
], ids=["long", "crochets", "cdata"])
def test_texts_that_would_stall_the_renderer_are_refused_before_rendering(text: str, message: str) -> None:
    # « [ » × 20 000 took two minutes in Python-Markdown: refused without rendering.
    with pytest.raises(ValidationError) as caught:
        CaseSheet.model_validate(sheet(genese=text))
    [error] = caught.value.errors()
    assert error["loc"] == ("genese",) and error["msg"] == message


def test_the_limits_leave_room_for_real_texts() -> None:
    text = ("Voir [le rapport](https://www.exemple.fr/r) et la note[^1]. " * 49) + "a" * 15_000 + "\n\n[^1]: Une note."
    assert text.count("[") <= 100 and len(text) <= 20_000
    assert check_markdown(text) == text


def test_plain_text_is_short() -> None:
    with pytest.raises(ValidationError) as caught:
        CaseSheet.model_validate(sheet(sources=["Rapport " + "x" * 1_000]))
    [error] = caught.value.errors()
    assert error["loc"] == ("sources", 0)
    assert error["msg"] == ("texte trop long (1008 caractères, 1000 au plus) : ce champ est un titre, un nom ou une "
                            "référence ; les explications vont dans les rubriques en Markdown.")


# --- every Markdown field of every template, and the plain-text fields too ------------------------
#
# Text that kit check accepts (escaped Markdown punctuation, entities, code) but that would
# become live markup if the sanitised HTML were parsed as Markdown again, or if an acronym's
# expansion were written into a page unescaped. Every payload would call alert() or set
# window.kitPwned. « PIEGE » is a glossary sigle whose expansion is hostile too.

ESCAPED_HOSTILE = "\n\n".join([
    "PIEGE \\*note\\*\\{: autofocus onfocus=alert('attr-list') \\}",
    "Voir \\[source\\](javascript:alert('lien')) et \\<img src=x onerror=alert('img')\\>.",
    "&lt;script&gt;window.kitPwned=1&lt;/script&gt; et &#60;svg onload=window.kitPwned=2&#62; PIEGE.",
    "`{: onclick=window.kitPwned=3 }` et ``<a href=javascript:window.kitPwned=4>x</a>``",
    "\\{: onmouseover=window.kitPwned=5 \\}",
    "Une note[^n] PIEGE.\n\n[^n]: \\*n\\*\\{: onmouseover=alert('note') \\}",
    "\\!\\!\\! danger \"Piège\"\n\n\\*\\[PIEGE\\]: \\<b onclick=alert('abbr')\\>",
])
HOSTILE_LINE = ("PIEGE {: onclick=alert('plain') } [t](javascript:alert('plain')) \\*x\\*\\{: onfocus=alert('plain') \\} "
                "&lt;img src=x onerror=alert('plain')&gt; \" onmouseover=\"alert('plain')")
HOSTILE_THEME = "{: onclick=alert('t') }[t](javascript:x)"  # a theme has 40 characters at most
HOSTILE_EXPANSION = "Piège \" onmouseover=\"alert('abbr') {: onclick=alert('abbr') } [x](javascript:alert('abbr'))"
# The pages where catalogue text appears (relative to the site), with the Markdown fields each holds.
PAGES_WITH_CATALOGUE_TEXT = ["documents/referentiel.html", "documents/film.html", "parcours/comprendre.html",
                             "parcours/animer.html", "fiches/partout.html", "le-kit/glossaire.html",
                             "catalogue/index.html", "fiches/index.html", "index.html"]


def write_hostile_everywhere(project: Project) -> None:
    """Hostile text (accepted by kit check) in every Markdown and plain-text field of every
    catalogue file of ``project`` (the mini fixture), and a case sheet « partout » with all of it."""
    from ruamel.yaml import YAML

    yaml = YAML()

    def edit(path: Path, change) -> None:
        data = yaml.load(path.read_text(encoding="utf-8"))
        change(data)
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump(data, stream)

    def documents(items) -> None:
        for doc in items:
            doc["titre"] = f"{doc['titre']} {HOSTILE_LINE}"
            doc["auteurs"] = [*doc["auteurs"], HOSTILE_LINE]
            doc["resume"] = f"{doc['resume']}\n\n{ESCAPED_HOSTILE}\n"
            doc["remarque"] = ESCAPED_HOSTILE + "\n"

    def paths(items) -> None:
        for path in items:
            path["titre"] = f"{path['titre']} {HOSTILE_LINE}"
            path["titre_court"] = path["titre_court"] + " {: onclick=x }"
            path["introduction"] = f"{path['introduction']}\n\n{ESCAPED_HOSTILE}\n"

    def glossary(data) -> None:
        for term in data["termes"]:
            term["terme"] = f"{term['terme']} {HOSTILE_LINE}"
            term["definition"] = f"{term['definition']}\n\n{ESCAPED_HOSTILE}\n"
            term["source"] = HOSTILE_LINE
        data["abreviations"] = [*data["abreviations"], {"sigle": "PIEGE", "developpement": HOSTILE_EXPANSION}]
        data["abreviations"][0]["developpement"] = HOSTILE_EXPANSION

    edit(project.kit_dir / "documents.yml", documents)
    edit(project.kit_dir / "parcours.yml", paths)
    edit(project.kit_dir / "glossaire.yml", glossary)
    markdown_fields = ("objet", "genese", "objectif", "activites", "resultats", "prochaines_etapes")
    data = sheet(**{key: ESCAPED_HOSTILE for key in markdown_fields}, titre=f"Partout {HOSTILE_LINE}",
                 territoire=HOSTILE_LINE, statut=HOSTILE_LINE, themes=[HOSTILE_THEME], sources=[HOSTILE_LINE])
    with (project.kit_dir / "cas" / "partout.yml").open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)


def assert_site_inert(site: Path) -> None:
    """No page of the built ``site`` has a live handler, a script address, an autofocus, a
    smuggled script, or a duplicate id; catalogue text is inert inside every article."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        name = page.relative_to(site).as_posix()
        elements = Elements(html).tags
        for tag, attrs in elements:
            assert not any(key.startswith("on") for key in attrs), (name, tag, attrs)
            assert "autofocus" not in attrs, (name, tag, attrs)
            for key in ("href", "src", "action", "formaction", "xlink:href", "data"):
                if attrs.get(key):
                    assert scheme(attrs[key]) in (None, *SAFE_SCHEMES), (name, tag, attrs)
        for opening, code in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            if "application/json" in opening or "application/ld+json" in opening:
                assert "<" not in code, (name, code[:200])  # data: cannot close its element
            else:
                assert "kitPwned" not in code and "alert(" not in code, (name, code[:200])
        ids = [attrs["id"] for _, attrs in elements if attrs.get("id")]
        assert len(ids) == len(set(ids)), (name, sorted(i for i in ids if ids.count(i) > 1))
        assert "kit:bloc" not in html, name  # every placeholder replaced
    for relative in ("documents/referentiel.html", "parcours/comprendre.html", "fiches/partout.html", "le-kit/glossaire.html"):
        html = (site / relative).read_text(encoding="utf-8")
        article = html.split("<article", 1)[1].split("</article>", 1)[0]
        assert_inert("<article" + article)
        assert "PIEGE" in html_text(article), relative


def test_hostile_text_in_every_field_of_every_template_builds_inert(mini_project: Project, tmp_path: Path,
                                                                    fixed_epoch: str) -> None:
    from builder.build import build
    from builder.validate import load_kit

    write_hostile_everywhere(mini_project)
    config, kit = load_kit(mini_project)  # all of it passes the check: it is text
    assert any(c.slug == "partout" for c in kit.cases) and kit.documents[0].remarque
    site = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    assert_site_inert(site)
    document = html_text((site / "documents" / "referentiel.html").read_text(encoding="utf-8"))
    # shown as typed: in the summary, in the « Remarque » box, in the title and the authors
    assert document.count("*note*{: autofocus onfocus=alert('attr-list') }") == 2
    assert document.count("[source](javascript:alert('lien'))") == 2
    assert document.count("<script>window.kitPwned=1</script>") == 2
    assert document.count(HOSTILE_LINE) >= 2  # the title (heading) and the authors
    glossary = (site / "le-kit" / "glossaire.html").read_text(encoding="utf-8")
    abbr = [attrs for tag, attrs in Elements(glossary).tags if tag == "abbr"]
    assert abbr and all(a["title"] == HOSTILE_EXPANSION for a in abbr if "Piège" in a["title"])
    article = glossary.split("<article", 1)[1].split("</article>", 1)[0]
    assert {tag for tag, _ in Elements("<article" + article).tags} <= {
        "article", "h1", "h2", "a", "p", "div", "abbr", "em", "code", "sup", "ol", "li", "hr", "span", "table",
        "thead", "tbody", "tr", "th", "td", "strong",
    }


def test_a_content_page_heading_cannot_close_the_title_element(mini_project: Project, tmp_path: Path,
                                                               fixed_epoch: str) -> None:
    """A page of content/ without « title: » takes its first heading as title; Material's
    « striptags » un-escapes it into <title>, before the policy's content boundary."""
    from builder.build import build

    headings = {"entites": "# Réunion &lt;/title&gt;&lt;script&gt;window.kitPwned=1&lt;/script&gt;\n",
                "code": "# Réunion `</title><script>window.kitPwned=2</script>`\n"}
    for name, heading in headings.items():
        (mini_project.content_dir / f"{name}.md").write_text(heading + "\nTexte.\n", encoding="utf-8")
    site = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    for name, number in (("entites", 1), ("code", 2)):
        html = (site / f"{name}.html").read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        assert "<script>window.kitPwned" not in head, name
        title = head.split("<title>", 1)[1].split("</title>", 1)[0]
        assert html_text(title).startswith(f"Réunion </title><script>window.kitPwned={number}</script> - "), title
    for page in site.rglob("*.html"):  # nor in the navigation of any page
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", page.read_text(encoding="utf-8"), re.S)
        assert not any("kitPwned" in code for code in scripts), page


def test_controls_in_a_markdown_field_keep_the_page_front_matter(mini_project: Project, tmp_path: Path,
                                                                 fixed_epoch: str) -> None:
    """DEL, C1 controls, NEL and U+2028 pass the check in Markdown fields; written raw into the
    generated page's front matter, they made it unparseable, and MkDocs published it as text:
    the JSON-LD's catalogue text read as Markdown, a code span's <style> became live."""
    import yaml

    from builder.build import build
    from builder.metadata import yaml_safe_json

    odd = "\x7f\x85\x9b\u2028\u2029"
    data = sheet(titre="Bocage solidaire", objet=f"Bocage{odd} `<style>body{{display:none}}</style>` fin.")
    data["documents"] = []
    (mini_project.kit_dir / "cas" / "bocage.yml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                             encoding="utf-8")
    site = build(mini_project, tmp_path / "site", with_archive=False).site_dir
    page = (site / "fiches" / "bocage.html").read_text(encoding="utf-8")
    assert "<title>Bocage solidaire - " in page  # the front matter was read
    assert "schema:" not in page and "<style>body" not in page
    assert "&lt;style&gt;body{display:none}&lt;/style&gt;" in page  # the code span, as text
    for text in (odd, f'a"{odd}<b>\u00e9'):
        written = yaml_safe_json(json.dumps(text, ensure_ascii=False))
        assert written.isascii() or "\u00e9" in written
        assert yaml.safe_load(written) == text == json.loads(written)
