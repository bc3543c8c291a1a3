"""The typed models: the one place that defines a document, a path, a case sheet.

Validation (``kit check``), the JSON Schemas handed to editors (``kit schemas``)
and the page templates all read these classes. Field descriptions are French
because editors see them in their editor's completion.

The models check one node's types and formats only. Rules that depend on the taxonomy
(which is data, in ``site_config.yml``), on other files or on files on disk live in the
validation layer (``builder.validate``), which requires a ``ValidationContext``: a model is
never accepted because a context was missing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from builder.richtext import RichText
from builder.themes import MAX_THEME_CHARS, normalise_theme

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A local file joined to a document: bigger files belong on another host, linked with `lien`.
MAX_LOCAL_FILE_BYTES = 20_000_000
SAFE_URL_SCHEMES = ("https", "http", "mailto")
# A file of kit/fichiers/ (sub-folders allowed): the name goes into a link as it is.
FILE_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$"


# --- the taxonomy: data, read from site_config.yml --------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(Strict):
    id: Annotated[str, Field(pattern=SLUG_PATTERN, description="Identifiant (minuscules, chiffres, tirets).")]
    libelle: Annotated[str, Field(min_length=1, description="Libellé affiché."), AfterValidator(lambda v: check_plain_text(v))]
    description: Annotated[str, Field(description="Phrase d'explication affichée à côté du libellé."),
                           AfterValidator(lambda v: check_one_line(v))] = ""


class Nature(Term):
    familles: Annotated[list[Term], Field(description="Familles de documents de cette nature, dans l'ordre d'affichage.")] = []

    def family(self, family_id: str | None) -> Term | None:
        return next((f for f in self.familles if f.id == family_id), None)


class Taxonomy(Strict):
    natures: list[Nature]
    formes: list[Term]
    demarches: list[Term] = []

    def nature(self, nature_id: str) -> Nature | None:
        return next((n for n in self.natures if n.id == nature_id), None)

    def label(self, kind: str, term_id: str) -> str:
        terms: list[Term] = getattr(self, kind)
        return next((t.libelle for t in terms if t.id == term_id), term_id)


@dataclass(frozen=True)
class ValidationContext:
    """What the validation layer's rules read beside the catalogue (``builder.validate.validate``)."""

    taxonomy: Taxonomy
    kit_dir: Path  # the folder holding documents.yml, parcours.yml, cas/, fichiers/
    # the build's edition date (builder.context.BuildContext.edition); None: kit check's own
    edition: dt.date | None = None


# --- reusable field types -----------------------------------------------------------------

# Markup that would run, embed or load something. Contributed text is also sanitised when
# rendered (builder.markdown), but refusing it here tells the editor what is wrong. The
# check inspects the rendered HTML, as the sanitiser does, so that entity-obfuscated
# addresses, attr_list attributes and upper-case tags are caught, and a « <script> »
# written inside `code` (shown as text) is not.


# Python-Markdown is slow on some inputs (each unmatched « [ » rescans the rest of the
# text: 20 000 of them take minutes). No real text comes near these limits; a hostile one
# must not stall kit check or the build.
MAX_MARKDOWN_CHARS = 20_000
MAX_MARKDOWN_BRACKETS = 100
# Each « < » that does not close a tag makes Python-Markdown's HTML pass rescan the rest
# (« <a » + tab repeated: 27 s for one sheet); real text has a few at most.
MAX_MARKDOWN_ANGLES = 100
# List and quote markers opening one line (« 1. 1. 1. … », « > > > … »): each is a nesting
# level, parsed recursively (a thousand crash Python-Markdown); a real text has two or three.
MAX_MARKDOWN_NESTING = 20
# Each backtick run looks ahead for a run of the same length (find_code_spans): « ``a` » repeated
# through 10,000 characters costs 1.4 s per paragraph, 30 s for one sheet; real text has a few.
MAX_MARKDOWN_BACKTICKS = 100
_DEEP_MARKERS = re.compile(r"^[ \t]*(?:(?:[-*+>]|\d{1,9}[.)])[ \t]+){%d}" % MAX_MARKDOWN_NESTING, re.M)


# Characters whose count makes the Markdown parser's work grow faster than the text (issue 18):
# (character, at most, error code, French message with {count} and {limit}).
_MARKDOWN_CHARACTER_CAPS = (
    ("[", MAX_MARKDOWN_BRACKETS, "kit_markdown_brackets",
     "trop de crochets « [ » ({count}, {limit} au plus) : un crochet ouvre un lien [texte](https://…) ; "
     "retirez ceux qui n'en sont pas."),
    ("<", MAX_MARKDOWN_ANGLES, "kit_markdown_angles",
     "trop de chevrons « < » ({count}, {limit} au plus) : le texte n'a pas besoin de balises HTML ; pour "
     "comparer, écrivez « inférieur à »."),
    ("`", MAX_MARKDOWN_BACKTICKS, "kit_markdown_backticks",
     "trop d'accents graves « ` » ({count}, {limit} au plus) : chacun ouvre un extrait de code ; retirez ceux qui "
     "ne servent pas, ou écrivez l'apostrophe « ’ »."),
)


def check_markdown(text: str) -> RichText:
    """A Markdown field (str) → its ``RichText``, rendered once here (builder.richtext): the
    unsafe-markup check reads that render, and so do the pages, the feed and the exports.
    Raises a French ``PydanticCustomError`` (too long, too many « [ », « < » or « ` », too deep, unsafe markup)."""
    if len(text) > MAX_MARKDOWN_CHARS:
        raise PydanticCustomError(
            "kit_markdown_long",
            "texte trop long ({count} caractères, {limit} au plus) : résumez-le, ou répartissez-le entre les rubriques.",
            {"count": f"{len(text):,}".replace(",", "\u202f"), "limit": f"{MAX_MARKDOWN_CHARS:,}".replace(",", "\u202f")},
        )
    for character, limit, code, message in _MARKDOWN_CHARACTER_CAPS:
        if text.count(character) > limit:
            raise PydanticCustomError(code, message, {"count": text.count(character), "limit": limit})
    deep = _DEEP_MARKERS.search(text)
    rich = RichText(text)
    try:
        problem = None if deep else rich.problem
    except RecursionError:  # nesting built another way than markers on one line
        deep = True
    if deep:
        raise PydanticCustomError(
            "kit_markdown_nesting",
            "imbrication trop profonde (plus de {limit} listes ou citations les unes dans les autres) : une ligne "
            "ne commence que par un ou deux « - », « 1. » ou « > ».",
            {"limit": MAX_MARKDOWN_NESTING},
        )
    if problem:
        raise PydanticCustomError("kit_unsafe_markup", "{problem}.", {"problem": problem})
    return rich


def check_url(url: str) -> str:
    url = unwrap_curly_quotes(url.strip())
    parts = urlsplit(url.strip())
    if (parts.scheme.lower() not in SAFE_URL_SCHEMES or (parts.scheme != "mailto" and not parts.netloc)
            or re.search(r'[\s<>"`]', url.strip())):
        raise PydanticCustomError(
            "kit_url",
            "adresse « {url} » refusée : seules les adresses commençant par https://, http:// ou mailto: sont acceptées.{hint}",
            {"url": url, "hint": f" Écrivez l'adresse complète : « https://{url.strip()} »." if not parts.scheme and "." in url and " " not in url.strip() else ""},
        )
    return url.strip()


MAX_PLAIN_CHARS = 1_000
# Controls in a one-line field: invisible, yet they break the XML feed, obey in terminals
# (ESC) or reorder the text around them (U+202E). Tabs and line breaks are only spaces here.
_PLAIN_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A tag in a plain-text field (« <b> », « </title> », « <!-- »); « a < b » is not one.
_TAG_LIKE = re.compile(r"<[a-z!?/]", re.I)


def check_one_line(text: str) -> str:
    """A one-line field (a title, a unit, a source) without control characters (C0 but tab
    and line breaks, DEL, C1, bidirectional overrides); raises ``kit_plain_control``."""
    control = _PLAIN_CONTROL.search(text)
    if control:
        raise PydanticCustomError(
            "kit_plain_control",
            "caractère de contrôle invisible (U+{code}) interdit : ce champ est un texte simple, sur une ligne ; "
            "retirez-le (il vient souvent d'un copier-coller ou d'un « \\x… » entre guillemets).",
            {"code": f"{ord(control.group(0)):04X}"},
        )
    return text


# Word and phone keyboards type these; YAML does not take them for quotes, so a value wrapped
# in them keeps them: « titre: “Agir ensemble” » would show the quotes in the title.
_CURLY_PAIRS = {"“": "”", "‘": "’", "„": "“", "”": "”"}


def unwrap_curly_quotes(text: str) -> str:
    """``text`` without the curly quotes wrapping all of it (“…”, ‘…’, „…“); quotes inside
    a value (« le “club” ») are kept."""
    if len(text) > 2 and text[0] in _CURLY_PAIRS and text[-1] == _CURLY_PAIRS[text[0]]:
        inner = text[1:-1]
        if not any(q in inner for q in (text[0], text[-1])):
            return inner.strip()
    return text


def check_plain_text(text: str) -> str:
    """A title, a place, a source: shown as typed, on one line, never read as markup.

    The templates escape these fields, but MkDocs' theme inserts page titles and the
    navigation unescaped: refusing tags here keeps those places safe too."""
    check_one_line(text)
    found = _TAG_LIKE.search(text)
    if found:
        tag = text[found.start():].split(">", 1)[0][:30] + (">" if ">" in text[found.start():] else "")
        raise PydanticCustomError(
            "kit_plain_markup",
            "balise HTML « {tag} » interdite : ce champ est un texte simple, affiché tel quel ; retirez la balise.",
            {"tag": tag},
        )
    collapsed = unwrap_curly_quotes(" ".join(text.split()))  # a line break would break a heading or a list item
    if not collapsed:
        raise PydanticCustomError("kit_empty", "ne doit pas être vide.")
    if len(collapsed) > MAX_PLAIN_CHARS:
        raise PydanticCustomError(
            "kit_plain_long",
            "texte trop long ({count} caractères, {limit} au plus) : ce champ est un titre, un nom ou une référence ; "
            "les explications vont dans les rubriques en Markdown.",
            {"count": len(collapsed), "limit": MAX_PLAIN_CHARS},
        )
    return collapsed


Markdown = Annotated[str, Field(min_length=1, json_schema_extra={"maxLength": MAX_MARKDOWN_CHARS}), AfterValidator(check_markdown)]
PlainText = Annotated[str, Field(min_length=1, json_schema_extra={"maxLength": MAX_PLAIN_CHARS}), AfterValidator(check_plain_text)]
OneLine = Annotated[str, AfterValidator(check_one_line)]  # short data text: a unit, a group, a period
WebAddress = Annotated[
    str,
    AfterValidator(check_url),
    Field(json_schema_extra={"pattern": r"^\s*(https?://|mailto:)\S+", "format": "uri"}),
]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


def taxonomy_ids(kind: str) -> dict[str, Any]:
    """Marks a field whose values are ids of ``site_config.yml``'s taxonomy (``kind``):
    ``kit schemas`` replaces the mark by the list of allowed ids."""
    return {"x-kit-taxonomie": kind}


# --- the catalogue ------------------------------------------------------------------------


class Document(Strict):
    """A document of the kit's catalogue (one item of kit/documents.yml)."""

    id: Annotated[Slug, Field(description="Identifiant unique du document (minuscules, chiffres, tirets) ; il donne l'adresse de sa page.")]
    titre: Annotated[PlainText, Field(description="Titre du document.")]
    nature: Annotated[str, Field(description="Nature du document (voir site_config.yml, taxonomie.natures).", json_schema_extra=taxonomy_ids("natures"))]
    famille: Annotated[str | None, Field(description="Famille, obligatoire quand la nature a des familles.")] = None
    auteurs: Annotated[list[PlainText], Field(min_length=1, description="Auteurs (organisations ou personnes).")]
    annee: Annotated[int, Field(ge=1900, le=2100, description="Année de publication.")]
    mois: Annotated[int | None, Field(ge=1, le=12, description="Mois de publication (1 à 12), s'il est connu.")] = None
    annee_fin: Annotated[int | None, Field(ge=1900, le=2100, description="Dernière année, pour une série publiée sur plusieurs années.")] = None
    resume: Annotated[Markdown, Field(description="Résumé en Markdown (2 à 6 phrases).")]
    lien: Annotated[WebAddress | None, Field(description="Adresse web du document (https://…).")] = None
    fichier: Annotated[str | None, Field(description="Nom d'un fichier placé dans kit/fichiers/ (lettres sans accents, chiffres, « . », « - », « _ »).", json_schema_extra={"pattern": FILE_NAME_PATTERN})] = None
    remarque: Annotated[Markdown | None, Field(description="Remarque en Markdown (par exemple un écart entre deux sources).")] = None

    @property
    def years(self) -> str:
        return f"{self.annee}-{self.annee_fin}" if self.annee_fin and self.annee_fin != self.annee else str(self.annee)


def check_local_file(name: str, folder: Path) -> Path:
    """A file named by an editor must stay inside ``folder`` and be reasonably small."""
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts or name.startswith(("/", "\\")) or "\\" in name:
        raise PydanticCustomError(
            "kit_file_outside",
            "fichier « {name} » refusé : indiquez seulement un nom de fichier placé dans kit/fichiers/ (sans « .. » ni chemin absolu).",
            {"name": name},
        )
    if not re.fullmatch(FILE_NAME_PATTERN, name):
        # The name becomes part of a link: no space, bracket or accent to break or bend it.
        raise PydanticCustomError(
            "kit_file_name",
            "nom de fichier « {name} » refusé : utilisez seulement des lettres sans accents, des chiffres, « . », « - » "
            "et « _ » (renommez le fichier dans kit/fichiers/, par exemple « rapport-2024.pdf »).",
            {"name": name},
        )
    path = folder / candidate
    if path.is_dir() and not path.is_symlink():
        raise PydanticCustomError(
            "kit_file_folder",
            "« {name} » est un dossier de kit/fichiers/, pas un fichier : indiquez le fichier lui-même (par exemple "
            "« {name}/rapport.pdf »).",
            {"name": name},
        )
    if not path.is_file():
        raise PydanticCustomError(
            "kit_file_missing",
            "fichier « {name} » introuvable dans kit/fichiers/ : ajoutez-le à ce dossier ou corrigez son nom.",
            {"name": name},
        )
    if not path.resolve().is_relative_to(folder.resolve()):
        raise PydanticCustomError(
            "kit_file_outside",
            "fichier « {name} » refusé : c'est un lien qui mène hors de kit/fichiers/.",
            {"name": name},
        )
    size = path.stat().st_size
    if size > MAX_LOCAL_FILE_BYTES:
        raise PydanticCustomError(
            "kit_file_size",
            "fichier « {name} » trop gros ({size} Mo, maximum {limit} Mo) : déposez-le ailleurs et indiquez son adresse avec « lien ».",
            {"name": name, "size": f"{size / 1_000_000:.1f}".replace(".", ","), "limit": MAX_LOCAL_FILE_BYTES // 1_000_000},
        )
    return path


class ReadingPath(Strict):
    """A reading path (« parcours de lecture »), one item of kit/parcours.yml."""

    id: Annotated[Slug, Field(description="Identifiant du parcours ; il donne l'adresse de sa page.")]
    titre: Annotated[PlainText, Field(description="Titre complet du parcours.")]
    titre_court: Annotated[PlainText, Field(max_length=30, description="Libellé court, affiché dans l'onglet.")]
    introduction: Annotated[Markdown, Field(description="Introduction en Markdown : à qui il s'adresse, ce que le lecteur saura faire à la fin.")]
    documents: Annotated[list[Slug], Field(min_length=1, description="Identifiants des documents du parcours, dans l'ordre de lecture.")]


class CaseSheet(Strict):
    """A case sheet (« fiche d'expérience »): one file kit/cas/<slug>.yml."""

    titre: Annotated[PlainText, Field(description="Nom de l'initiative.")]
    territoire: Annotated[PlainText, Field(description="Territoire de l'initiative (commune, département, région…).")]
    region: Annotated[PlainText | None, Field(description="Région actuelle qui contient le territoire (pour la carte), par exemple « Grand Est ».")] = None
    statut: Annotated[PlainText, Field(description="Statut de la structure porteuse (association, fondation, collectivité…).")]
    objet: Annotated[Markdown, Field(description="Objet de l'initiative, en une ou deux phrases (Markdown).")]
    formes: Annotated[list[Annotated[str, Field(json_schema_extra=taxonomy_ids("formes"))]], Field(min_length=1, description="Formes de co-construction : dialogue-territorial, partenariats, experimentations-collectives.")]
    formes_source: Annotated[Literal["sources", "equipe"], Field(description="Qui classe l'initiative parmi les formes : « sources » (une publication citée la classe ainsi ; par défaut) ou « equipe » (aucune source ne le fait : classement proposé par l'équipe du kit, signalé sur la fiche).")] = "sources"
    demarche: Annotated[str | None, Field(description="Démarche (voir site_config.yml, taxonomie.demarches).", json_schema_extra=taxonomy_ids("demarches"))] = None
    themes: Annotated[list[Annotated[PlainText, AfterValidator(normalise_theme), Field(json_schema_extra={"maxLength": MAX_THEME_CHARS})]], Field(description="Thèmes (mots courts en minuscules).")] = []
    genese: Annotated[Markdown, Field(description="Genèse : comment l'initiative est née (Markdown).")]
    objectif: Annotated[Markdown, Field(description="Objectif de l'initiative (Markdown).")]
    activites: Annotated[Markdown, Field(description="Activités en matière de partenariats (Markdown).")]
    resultats: Annotated[Markdown, Field(description="Résultats obtenus (Markdown).")]
    prochaines_etapes: Annotated[Markdown, Field(description="Prochaines étapes (Markdown).")]
    site_web: Annotated[WebAddress | None, Field(description="Adresse du site web de l'initiative (https://…).")] = None
    documents: Annotated[list[Slug], Field(description="Identifiants des documents du catalogue liés à cette fiche.")]
    sources: Annotated[list[PlainText], Field(min_length=1, description="Publications d'où viennent les faits de la fiche.")]
    date_ajout: Annotated[dt.date | None, Field(description="Date d'ajout de la fiche (AAAA-MM-JJ), pour le fil d'actualité.")] = None

    @field_validator("region")
    @classmethod
    def _region_known(cls, value: str | None) -> str | None:
        # The map places a sheet on its region: the name must be one the map knows.
        if value is None:
            return value
        from builder.regions import find_region, region_names
        from builder.problems import did_you_mean

        region = find_region(value)
        if region is None:
            names = region_names()
            raise PydanticCustomError(
                "kit_region",
                "région « {value} » inconnue : indiquez l'une des régions actuelles : {allowed}.{hint}",
                {"value": value, "allowed": ", ".join(names), "hint": did_you_mean(value, names)},
            )
        return region.name




class KeyFigure(Strict):
    """A key figure of kit/chiffres.yml, drawn as a chart."""

    id: Slug
    valeur: float
    unite: OneLine = ""
    libelle: PlainText
    source: PlainText
    annee: Annotated[int | str, Field(description="Année (ou période) de la donnée.")]
    groupe: OneLine | None = None

    @field_validator("annee")
    @classmethod
    def _period_one_line(cls, value: int | str) -> int | str:
        return check_one_line(value) if isinstance(value, str) else value


class FragilityFamily(Strict):
    """A family of criteria of kit/fragilites.yml (économiques, sociaux…) and its indicators."""

    id: Annotated[Slug, Field(description="Identifiant de la famille (minuscules, chiffres, tirets).")]
    libelle: Annotated[PlainText, Field(description="Nom de la famille de critères, par exemple « Critères économiques ».")]
    indicateurs: Annotated[list[PlainText], Field(min_length=1, description="Les indicateurs de la famille, dans l'ordre de la source.")]


class Fragilities(Strict):
    """kit/fragilites.yml (optional): what a territorial fragility is, as families of indicators.

    Rendered by the marker ``<!-- kit:fragilites -->`` in a page of content/. The rule (the
    16 indicators in four families) comes from Le RAMEAU's 2016 slide « Qu'est-ce qu'une
    fragilité ? » (seed 001); the file holds it as data so that pages and tests read one list."""

    introduction: Annotated[Markdown | None, Field(description="Texte affiché avant les familles (Markdown).")] = None
    familles: Annotated[list[FragilityFamily], Field(min_length=1, description="Les familles de critères, dans l'ordre de la source.")]
    remarque: Annotated[Markdown | None, Field(description="Remarque sur la lecture de la source (Markdown).")] = None
    source: Annotated[PlainText, Field(description="La publication d'où viennent les indicateurs.")]

    @property
    def indicators(self) -> list[str]:
        return [i for f in self.familles for i in f.indicateurs]


class ObjectiveAxis(Strict):
    """A way of grouping the objectives of kit/objectifs.yml: a nature or a logic."""

    id: Annotated[Slug, Field(description="Identifiant (minuscules, chiffres, tirets).")]
    libelle: Annotated[PlainText, Field(description="Libellé affiché.")]
    description: Annotated[PlainText | None, Field(description="Explication, en une phrase.")] = None


class TerritoryObjective(Strict):
    """One objective of territories in co-construction (kit/objectifs.yml)."""

    id: Annotated[Slug, Field(description="Identifiant de l'objectif.")]
    titre: Annotated[PlainText, Field(description="Nom de l'objectif, par exemple « Le développement économique ».")]
    nature: Annotated[Slug, Field(description="Identifiant d'une des « natures » du fichier.")]
    logique: Annotated[Slug | None, Field(description="Identifiant d'une des « logiques » du fichier.")] = None
    description: Annotated[PlainText, Field(description="Ce que les alliances apportent à cet objectif, en une ou deux phrases.")]


class TerritoryObjectives(Strict):
    """kit/objectifs.yml (optional): the objectives of territories in co-construction.

    Rendered by the marker ``<!-- kit:objectifs -->``. Each objective has a nature (two
    economic, two social) and a logic (the territory's own needs, or its standing towards
    the outside), after Le RAMEAU's note of 2015, part 1.2.a (seed 002). The loader checks
    that every ``nature`` and ``logique`` names an entry of the file."""

    introduction: Annotated[Markdown | None, Field(description="Texte affiché avant les objectifs (Markdown).")] = None
    natures: Annotated[list[ObjectiveAxis], Field(min_length=1, description="Les natures d'objectifs, dans l'ordre d'affichage.")]
    logiques: Annotated[list[ObjectiveAxis], Field(description="Les logiques auxquelles répondent les objectifs.")] = []
    logiques_introduction: Annotated[Markdown | None, Field(description="Texte affiché avant les logiques (Markdown).")] = None
    objectifs: Annotated[list[TerritoryObjective], Field(min_length=1, description="Les objectifs, dans l'ordre de la source.")]
    source: Annotated[PlainText, Field(description="La publication d'où viennent les objectifs.")]

    def of_nature(self, nature_id: str) -> list[TerritoryObjective]:
        return [o for o in self.objectifs if o.nature == nature_id]

    def of_logic(self, logic_id: str) -> list[TerritoryObjective]:
        return [o for o in self.objectifs if o.logique == logic_id]


class GlossaryTerm(Strict):
    terme: PlainText
    definition: Markdown
    source: OneLine = ""


# A sigle: a letter, then letters, digits, and « - » or « . » between them (« RSE », « BoP »,
# « S.A. », « COVID-19 »); at least one capital. It is looked for in the text of every page.
_SIGLE = re.compile(r"^[^\W\d_](?:[^\W_]|[-.](?=[^\W_])|\.$)*$")
# Names of HTML's syntax (tags, attributes, character references), where a sigle would be
# looked for in vain or, in a careless pass, found inside the markup: refused as sigles.
_HTML_TAGS = set("""a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption
cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer
form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark math
menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp
script search section select slot small source span strong style sub summary sup svg table tbody td template
textarea tfoot th thead time title tr track u ul var video wbr image animate set use foreignobject""".split())
_HTML_ATTRIBUTES = set("""accept action align alt async autofocus autoplay charset checked cite class cols colspan
content contenteditable controls coords crossorigin data datetime decoding defer dir disabled download draggable
enctype for form formaction headers height hidden high href hreflang id inert integrity is itemprop kind label
lang list loop low max media method min multiple muted name nonce open optimum pattern ping placeholder popover
poster preload readonly referrerpolicy rel required reversed role rows rowspan sandbox scope selected shape size
sizes slot span spellcheck src srcdoc srclang srcset start step style tabindex target title translate type usemap
value width wrap xmlns xlink""".split())


def _entity_names() -> set[str]:
    from html.entities import html5

    return {name.rstrip(";") for name in html5}


def check_sigle(sigle: str) -> str:
    """A glossary sigle that the acronym pass (builder.markdown.Abbreviations) can look for
    safely in every page: raises a French ``PydanticCustomError`` otherwise."""
    if sigle in _entity_names():
        raise PydanticCustomError(
            "kit_sigle_html",
            "le sigle « {sigle} » est le nom d'une entité HTML (« &{sigle}; », comme « lt », « amp », « nbsp ») : "
            "il se confondrait avec le code des pages ; retirez-le ou écrivez-le autrement.",
            {"sigle": sigle},
        )
    if sigle == sigle.lower() and (sigle in _HTML_TAGS | _HTML_ATTRIBUTES or sigle.startswith("on")):
        raise PydanticCustomError(
            "kit_sigle_html",
            "le sigle « {sigle} » est un nom de balise ou d'attribut HTML : il se confondrait avec le code des "
            "pages ; écrivez le sigle en majuscules (« {upper} ») ou retirez-le.",
            {"sigle": sigle, "upper": sigle.upper()},
        )
    if len(sigle) > 20 or not _SIGLE.match(sigle):
        raise PydanticCustomError(
            "kit_sigle",
            "sigle « {sigle} » invalide : un sigle commence par une lettre et ne contient que des lettres, des "
            "chiffres, et « - » ou « . » entre eux (20 caractères au plus), par exemple « RSE » ou « COVID-19 ».",
            {"sigle": sigle},
        )
    if not any(c.isupper() for c in sigle):
        raise PydanticCustomError(
            "kit_sigle_capitale",
            "sigle « {sigle} » sans majuscule : un sigle s'écrit avec au moins une majuscule (par exemple "
            "« {upper} ») ; un mot ordinaire n'a pas sa place dans les abréviations.",
            {"sigle": sigle, "upper": sigle.upper()},
        )
    return sigle


class Abbreviation(Strict):
    sigle: Annotated[PlainText, AfterValidator(check_sigle),
                     Field(description="Sigle : lettres, chiffres, « - » ou « . », au moins une majuscule (par exemple RSE).")]
    developpement: Annotated[PlainText, Field(description="Développement du sigle, affiché au survol.")]


class Glossary(Strict):
    termes: list[GlossaryTerm] = []
    abreviations: list[Abbreviation] = []

    @model_validator(mode="after")
    def _one_expansion_per_sigle(self) -> Glossary:
        seen: set[str] = set()
        for abbreviation in self.abreviations:
            if abbreviation.sigle in seen:
                raise PydanticCustomError(
                    "kit_sigle_double",
                    "le sigle « {sigle} » figure deux fois dans « abreviations » : gardez un seul développement.",
                    {"sigle": abbreviation.sigle},
                )
            seen.add(abbreviation.sigle)
        return self


@dataclass
class Case:
    """A validated case sheet with the slug taken from its file name."""

    slug: str
    sheet: CaseSheet
    source_file: Path


@dataclass
class Kit:
    """The whole validated catalogue, ready to render."""

    documents: list[Document]
    reading_paths: list[ReadingPath]
    cases: list[Case]
    figures: list[KeyFigure]
    glossary: Glossary
    # Optional concept data (kit/fragilites.yml, kit/objectifs.yml): another kit may have none.
    fragilities: Fragilities | None = None
    objectives: TerritoryObjectives | None = None

    def document(self, doc_id: str) -> Document | None:
        return self._documents_by_id().get(doc_id)

    def _documents_by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    def reading_paths_of(self, doc_id: str) -> list[ReadingPath]:
        """The reading paths listing the document ``doc_id``, in the paths' order."""
        return [p for p in self.reading_paths if doc_id in p.documents]

    def cases_of(self, doc_id: str) -> list[Case]:
        return [c for c in self.cases if doc_id in c.sheet.documents]


def schema_of(model: type[BaseModel], title: str, as_list: bool = False) -> dict[str, Any]:
    """The JSON Schema editors' tools read, generated from the model itself."""
    schema = model.model_json_schema()
    if as_list:
        defs = schema.pop("$defs", {})
        schema = {"type": "array", "items": schema, **({"$defs": defs} if defs else {})}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **schema}
