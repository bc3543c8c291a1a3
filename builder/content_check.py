"""``kit check`` on the editorial pages of content/: what MkDocs would silently get wrong, or
stop the build for in English.

- a key twice in a page's front matter (between the « --- » lines): MkDocs keeps the last one;
- a front matter MkDocs cannot read (YAML mistake, not « key: value » lines): MkDocs ignores it
  without a word and shows it as text; the same hints as the catalogue's, on the line;
- a link to an anchor that the target page does not have (« [x](#genèse-du-kit) »): MkDocs'
  strict build stops on its own warning. The anchors are the ids the page's HTML will have
  (Python-Markdown's toc, as MkDocs configures it: lower case, accents dropped, « - » for
  spaces); the message suggests the right one, accents folded;
- a link target that is an address without « https:// » (builder.dialect).
"""

from __future__ import annotations

import difflib
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown as md
from markdown.extensions.toc import slugify

from yaml import MarkedYAMLError

from builder import dialect
from builder.models import MAX_MARKDOWN_NESTING
from builder.problems import Problems
from builder.richtext import URL_ATTRIBUTES, URL_SCHEMES, RenderMemo, outside_link_problem, url_scheme

# What MkDocs renders content/ with (builder.site), less the builder's own post-processing.
_EXTENSIONS = ["abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
               *dialect.EXTENSIONS]
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*\n", re.S)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.raw_html: list[str] = []
        # (text to find the line by, French message): what would run script, though written in Markdown
        self.unsafe: list[tuple[str, str]] = []
        self.addresses: list[str] = []  # link and image addresses without a scheme (may leave the site)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):  # attr_list « {: onclick=… } »
                self.unsafe.append((name, f"attribut « {name} » refusé : une page ne déclenche pas de script ; retirez "
                                          f"« {name}=… » de la liste d'attributs « {{: … }} »."))
            elif name in URL_ATTRIBUTES and value:
                scheme = url_scheme(value)
                if scheme is None:
                    self.addresses.append(value)
                if scheme is not None and scheme not in URL_SCHEMES:  # « [x](javascript:…) », « {: href=… } »
                    self.unsafe.append((f"{scheme}:", f"adresse « {scheme}: » refusée dans un lien ou une image : "
                                                      "seules les adresses https://, http:// et mailto: et les chemins "
                                                      "vers les pages et fichiers du site sont acceptés ; corrigez le lien."))
            if name in ("id", "name") and value:
                self.ids.add(value)
            elif name == "href" and tag == "a" and value:
                self.links.append(value)


def _body(text: str) -> tuple[str, int]:
    """The page's Markdown without its front matter, and the number of lines dropped."""
    found = _FRONT_MATTER.match(text)
    return (text[found.end():], found.group(0).count("\n")) if found else (text, 0)


# Python-Markdown rescans the rest of a paragraph for each « [ » or « < » that does not close
# (5,000 « [ » in a page: 12 s; 20,000: minutes), and nests lists and quotes by recursion (a
# few thousand markers on a line crash it). MkDocs renders content/ with it too: a page is
# refused before any parsing, as catalogue fields are (builder.models.check_markdown). Real
# pages have a dozen of each; a paragraph is a few hundred words.
MAX_PAGE_BRACKETS = 100
MAX_PAGE_ANGLES = 100
# Each backtick run looks ahead for a run of the same length (find_code_spans: quadratic).
MAX_PAGE_BACKTICKS = 100
MAX_PARAGRAPH_CHARS = 10_000
_DEEP_LINE = re.compile(r"^[ \t]*(?:(?:[-*+>]|\d{1,9}[.)])[ \t]*){%d}" % MAX_MARKDOWN_NESTING, re.M)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def parser_limits(text: str) -> tuple[int, str] | None:
    """Why Python-Markdown must not be given the page ``text`` (line, French message), or None.
    Linear in the text (counts, one regular expression, one split). Rule: issue 18, « Bounded work »."""
    for character, limit, what, use in (("[", MAX_PAGE_BRACKETS, "de crochets « [ »", "à un lien"),
                                        ("<", MAX_PAGE_ANGLES, "de chevrons « < »", "à un lien"),
                                        ("`", MAX_PAGE_BACKTICKS, "d'accents graves « ` »", "à un extrait de code")):
        count = text.count(character)
        if count > limit:
            nth = -1
            for _ in range(limit + 1):
                nth = text.index(character, nth + 1)
            return (text.count("\n", 0, nth) + 1,
                    f"trop {what} dans la page ({count}, {limit} au plus) : chacun fait relire la suite du "
                    f"paragraphe au convertisseur Markdown ; retirez ceux qui ne servent pas {use}, ou répartissez "
                    "le texte sur plusieurs pages.")
    deep = _DEEP_LINE.search(text)
    if deep:
        return (text.count("\n", 0, deep.start()) + 1,
                f"imbrication trop profonde (plus de {MAX_MARKDOWN_NESTING} listes ou citations les unes dans les "
                "autres) : une ligne ne commence que par un ou deux « - », « 1. » ou « > ».")
    start = 0
    for blank in [*_BLANK_LINES.finditer(text), None]:
        end = blank.start() if blank else len(text.rstrip("\n"))
        if end - start > MAX_PARAGRAPH_CHARS:
            return (text.count("\n", 0, start) + 1 + (text[start] == "\n" if start < len(text) else 0),
                    f"paragraphe trop long ({end - start} caractères sans ligne vide, {MAX_PARAGRAPH_CHARS} au plus) : "
                    "séparez les paragraphes par une ligne vide.")
        start = blank.end() if blank else end
    return None


# Set by the incremental preview (builder.incremental) during one of its rounds only, never by
# kit build or kit check: a page body's render (``_render``, read only) kept by its text.
RENDERS: RenderMemo | None = None


def _render(text: str) -> _Anchors:
    memo = RENDERS
    kept = memo.get(text) if memo is not None else None
    if kept is not None:
        return kept[0]
    found = _render_afresh(text)
    if memo is not None:
        memo.put(text, (found,))
    return found


def _render_afresh(text: str) -> _Anchors:
    converter = md.Markdown(extensions=_EXTENSIONS, extension_configs=dialect.EXTENSION_CONFIGS)
    parser = _Anchors()
    parser.feed(converter.convert(text))
    parser.close()
    parser.raw_html = _raw_tags(converter)
    return parser


def _meta_stripped(text: str) -> str | None:
    """The page's body as MkDocs gives it to Markdown (front matter or MultiMarkdown meta lines
    removed), when it is a tail of ``text``; else None."""
    from mkdocs.utils.meta import get_data

    body, _ = get_data(text)
    return body if text.endswith(body) else None


def _mkdocs_body(text: str) -> str:
    """What MkDocs converts of a page: its body without front matter or meta lines."""
    meta_body = _meta_stripped(text)
    return meta_body if meta_body is not None else _body(text)[0]


def _raw_tags(converter: md.Markdown) -> list[str]:
    """The raw HTML tags the last ``converter.convert`` stashed, as typed (first 40 characters).

    Pages of content/ are contributed like the catalogue, and MkDocs publishes their raw HTML
    unsanitised: a ``<meta http-equiv="refresh">`` or a ``<style>`` would pass the
    Content-Security-Policy. One dialect for both (README « Markdown »): raw HTML is refused.
    Comments stay allowed: they are invisible editors' notes, and « <!-- kit:… --> » are markers."""
    tags = []
    for raw in converter.htmlStash.rawHtmlBlocks:
        text = str(raw).strip()
        if text.startswith("<") and not text.startswith(("</", "<!--")):
            tags.append(text.split(">", 1)[0][:40] + ">")
    return tags


def _line_of(text: str, needle: str, skipped: int) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number + skipped
    return 0


def _front_matter_alias(path: Path, text: str, problems: Problems) -> bool:
    """Report an alias (« *nom ») in the front matter, as in the catalogue: nested aliases turn a
    few lines into billions of values for any walk over them. True when one was reported."""
    from builder.yamlio import _first_alias_line

    found = _FRONT_MATTER.match(text)
    line = _first_alias_line(found.group(1)) if found and "&" in found.group(1) else 0
    if line:
        problems.add(path, line + 1, "raccourci YAML (ancre « &nom » et alias « *nom ») refusé dans l'en-tête de la "
                                     "page : recopiez la valeur elle-même (une valeur qui commence par « * » ou « & » se "
                                     "met entre guillemets).")
    return bool(line)


def _front_matter_duplicates(path: Path, text: str, problems: Problems) -> None:
    from builder.yamlio import NUMBER_TOO_LONG, NumberTooLong, _compose_and_construct, _first_duplicate_key, contributor_mistake

    found = _FRONT_MATTER.match(text)
    if not found:
        return
    from builder.yamlio import _INVISIBLE, _invisible_message

    invisible = _INVISIBLE.search(found.group(1))
    if invisible:  # named on its line, as in the catalogue (the parser only says « unacceptable character »)
        problems.add(path, found.group(1).count("\n", 0, invisible.start()) + 2,
                     f"en-tête de la page (entre les lignes « --- ») : {_invisible_message(invisible.group())}")
        return
    try:
        node, data = _compose_and_construct(found.group(1))
    except MarkedYAMLError as error:
        # MkDocs swallows it without a word: the page loses its title and shows the front matter as text.
        from builder.yamlio import _french_syntax_message, _unclosed_quote_line

        mark = error.problem_mark or error.context_mark
        # The parser may stop on the closing « --- »: the mistake is inside the front matter.
        line = min(mark.line + 1, found.group(1).count("\n")) if mark else 0
        mistake = contributor_mistake(found.group(1), line)
        unclosed = _unclosed_quote_line(found.group(1), line)
        if mistake:
            line, message = mistake
        elif unclosed:
            line, message = unclosed, ("erreur de syntaxe YAML : le guillemet ouvert sur cette ligne n'est jamais "
                                       "refermé ; ajoutez le guillemet fermant en fin de valeur.")
        else:
            message = _french_syntax_message(error)
        problems.add(path, line + 1, f"en-tête de la page (entre les lignes « --- ») : {message} MkDocs l'ignorerait "
                                     "sans rien dire et afficherait ces lignes dans la page.")
        return
    except NumberTooLong as error:
        problems.add(path, error.line + 1, f"en-tête de la page (entre les lignes « --- ») : {NUMBER_TOO_LONG}")
        return
    except Exception:  # not YAML at all (a reader error): reported the same way, without a line
        problems.add(path, 1, "en-tête de la page (entre les lignes « --- ») illisible : MkDocs l'ignorerait sans rien "
                              "dire ; écrivez une ligne « clé: valeur » par réglage, par exemple « title: Accueil ».")
        return
    if not isinstance(data, dict):
        mistake = contributor_mistake(found.group(1), found.group(1).count("\n"))  # « title:Accueil » alone
        if mistake:
            problems.add(path, mistake[0] + 1, f"en-tête de la page (entre les lignes « --- ») : {mistake[1]} MkDocs "
                                               "l'ignorerait sans rien dire et afficherait ces lignes dans la page.")
            return
        problems.add(path, 2, "en-tête de la page (entre les lignes « --- ») : ce n'est pas une suite de lignes "
                              "« clé: valeur » ; MkDocs l'ignorerait sans rien dire. Écrivez par exemple « title: Accueil ».")
        return
    duplicate = _first_duplicate_key(node)
    if duplicate:
        key, line = duplicate
        problems.add(path, line + 1, f"la clé « {key} » apparaît deux fois dans l'en-tête de la page (entre les lignes "
                                     "« --- ») : MkDocs ne garderait que la dernière ; gardez-en une seule.")


# Material prints page.meta values into the HTML unescaped (the description in a <meta>
# attribute, the title in the header): « < » or « " » there would write markup, even a
# <script> before the page's content, which the Content-Security-Policy allows as the
# theme's own. « template » would swap theme/main.html (and the content boundary of
# builder.csp) for another template: a script written in the page would then be allowed.
_META_MARKUP = ("<", '"')


# Invisible characters in a front-matter value (typed « \\e », « \\x85 », « \\u2028 » between double
# quotes): the theme prints the title into <title>, og:title and every page's navigation, where
# ESC obeys a terminal reading the HTML and U+202E reorders the text (site_config.yml's rule).
_META_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                           "\u2028\u2029\ufdd0-\ufdef\ufffe\uffff]")


def _control_message(key: str, char: str, where: str) -> str:
    return (f"« {key} » : caractère de contrôle invisible (U+{ord(char):04X}) refusé dans l'en-tête de la page ({where}) : "
            "le thème l'écrit tel quel dans le titre et la navigation de chaque page ; retirez-le (il vient souvent "
            "d'un copier-coller ou d'un « \\e », « \\x… » ou « \\u… » entre guillemets).")


def _front_matter_controls(path: Path, root: object, problems: Problems) -> None:
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    nodes: list[tuple[object, str]] = [(root, "")]
    while nodes:
        node, key = nodes.pop()
        if isinstance(node, MappingNode):
            for name, value in reversed(node.value):
                label = _META_CONTROL.sub("?", str(name.value)) if isinstance(name, ScalarNode) else key
                nodes.append((value, label))
                nodes.append((name, label))
        elif isinstance(node, SequenceNode):
            nodes.extend((item, key) for item in reversed(node.value))
        elif isinstance(node, ScalarNode):
            control = _META_CONTROL.search(str(node.value))
            if control:
                problems.add(path, node.start_mark.line + 2,
                             _control_message(key, control.group(0), "entre les lignes « --- »"))


def _front_matter_markup(path: Path, text: str, problems: Problems) -> None:
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from builder.yamlio import _compose_and_construct

    found = _FRONT_MATTER.match(text)
    if not found:
        return
    try:
        root, _ = _compose_and_construct(found.group(1))
    except Exception:  # a syntax error: MkDocs reports it itself, with the file
        return
    _front_matter_controls(path, root, problems)
    if isinstance(root, MappingNode):
        for key, _value in root.value:
            if isinstance(key, ScalarNode) and key.value == "template":
                problems.add(path, key.start_mark.line + 2,
                             "la clé « template » est refusée dans l'en-tête d'une page : toutes les pages utilisent le "
                             "gabarit du site ; retirez cette ligne.")
    nodes = [root]
    while nodes:
        node = nodes.pop()
        if isinstance(node, MappingNode):
            nodes.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, SequenceNode):
            nodes.extend(reversed(node.value))
        elif isinstance(node, ScalarNode):
            mark = next((c for c in _META_MARKUP if c in str(node.value)), None)
            if mark:
                problems.add(path, node.start_mark.line + 2,
                             f"caractère « {mark} » refusé dans l'en-tête de la page (entre les lignes « --- ») : le "
                             "thème l'écrit tel quel dans le HTML ; écrivez les guillemets « » et retirez les balises.")


def _multimarkdown_meta(path: Path, text: str, problems: Problems) -> None:
    """The same rules for a page without « --- »: MkDocs then reads its first lines « clé: valeur »
    as the page's meta-data (MultiMarkdown style), printed by the theme just as unescaped."""
    if _FRONT_MATTER.match(text):
        return
    from mkdocs.utils.meta import META_RE, get_data

    _, data = get_data(text)
    if not data:
        return
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines()[:len(data) * 50 + 50], 1):
        found = META_RE.match(line)
        if found:
            lines.setdefault(found.group("key").lower().strip(), number)
    for key, value in data.items():
        if key == "template":
            problems.add(path, lines.get(key, 1), "la clé « template » est refusée dans l'en-tête d'une page : toutes les "
                                                  "pages utilisent le gabarit du site ; retirez cette ligne.")
        control = _META_CONTROL.search(f"{key}{value}")
        if control:
            problems.add(path, lines.get(key, 1), _control_message(_META_CONTROL.sub("?", key), control.group(0),
                                                                   "ses premières lignes « clé: valeur »"))
        mark = next((c for c in _META_MARKUP if c in str(value)), None)
        if mark:
            problems.add(path, lines.get(key, 1),
                         f"caractère « {mark} » refusé dans l'en-tête de la page (ses premières lignes « clé: valeur », "
                         "que MkDocs lit comme un en-tête) : le thème l'écrit tel quel dans le HTML ; écrivez les "
                         "guillemets « » et retirez les balises.")


def check_content(content_dir: Path, problems: Problems) -> None:
    """Report, with file and line, the front-matter duplicates, links to missing anchors and
    addresses without scheme of every page of ``content_dir``."""
    if not content_dir.is_dir():
        return
    from builder.files import MAX_MARKDOWN_FILE_BYTES, FileRefused, read_bounded

    texts: dict[str, str] = {}
    pages: dict[str, Path] = {}
    for page in sorted(content_dir.rglob("*.md")):
        try:  # bounded, on the opened file: links, FIFOs and huge pages are reported by builder.files
            # Read as MkDocs reads a page (utf-8-sig, universal newlines): a BOM or Windows line ends
            # must not hide the front matter from these checks while MkDocs still uses it.
            raw = read_bounded(page, MAX_MARKDOWN_FILE_BYTES).decode("utf-8-sig", errors="replace")
            texts[page.relative_to(content_dir).as_posix()] = raw.replace("\r\n", "\n").replace("\r", "\n")
        except (FileRefused, OSError):
            continue
        pages[page.relative_to(content_dir).as_posix()] = page
    # Each page rendered once, as MkDocs will (its meta lines dropped, builder.richtext's rule):
    # raw HTML, anchors and links are all read from that one render.
    rendered: dict[str, _Anchors] = {}
    for name, text in texts.items():
        limit = parser_limits(text)
        if limit:  # never parsed: it would stall (or crash) this check and MkDocs
            problems.add(pages[name], limit[0], limit[1])
            continue
        try:
            rendered[name] = _render(_mkdocs_body(text))
        except RecursionError:  # nesting built some other way
            problems.add(pages[name], 0, "imbrication trop profonde de listes ou de citations : simplifiez la page.")
    for name, path in pages.items():
        text = texts[name]
        if name not in rendered:
            continue
        if not _front_matter_alias(path, text, problems):  # walking nested aliases would never end
            _front_matter_duplicates(path, text, problems)
            _front_matter_markup(path, text, problems)
        _multimarkdown_meta(path, text, problems)
        body, skipped = _body(text)
        raw_html, html_body, html_skipped = rendered[name].raw_html, body, skipped
        meta_body = _meta_stripped(text)
        if meta_body is not None and meta_body != body:  # MultiMarkdown meta lines: MkDocs drops them too
            html_body, html_skipped = meta_body, text[:len(text) - len(meta_body)].count("\n")
        for tag in raw_html:
            problems.add(path, _line_of(html_body, tag.split()[0].rstrip(">"), html_skipped),
                         f"HTML « {tag} » refusé : les pages s'écrivent en Markdown (**gras**, *italique*, listes « - », "
                         "liens [texte](https://…)) ; retirez la balise.")
        for needle, message in rendered[name].unsafe:
            problems.add(path, _line_of(html_body, needle, html_skipped) or _line_of(html_body.lower(), needle, html_skipped),
                         message)
        for address in rendered[name].addresses:  # « //hote/x », « /etc/passwd », « ../../x »
            outside = outside_link_problem(address, depth=name.count("/"))
            if outside:
                problems.add(path, _line_of(html_body, address, html_skipped), f"« {address} » : {outside}.")
        for href in rendered[name].links:
            if dialect.scheme_less_address(href):
                problems.add(path, _line_of(body, f"]({href}", skipped),
                             f"lien vers « {href} » sans « https:// » : le navigateur y chercherait une page du site ; "
                             f"écrivez {dialect.complete_address(href)}.")
                continue
            target, _, anchor = href.partition("#")
            if not anchor or "://" in target or target.startswith(("mailto:", "/")):
                continue
            page = posixpath.normpath(posixpath.join(posixpath.dirname(name), target)) if target else name
            if page not in rendered:
                continue  # a generated page (documents/, fiches/…): its anchors are the builder's
            ids = rendered[page].ids
            if anchor in ids:
                continue
            where = "cette page" if page == name else f"content/{page}"
            guess = slugify(anchor, "-")
            hint = guess if guess in ids else next(iter(difflib.get_close_matches(guess, sorted(ids), n=1, cutoff=0.6)), None)
            problems.add(path, _line_of(body, f"#{anchor}", skipped),
                         f"lien vers l'ancre « #{anchor} », qui n'existe pas dans {where}."
                         + (f" Vouliez-vous dire « #{hint} » ?" if hint else "")
                         + " Une ancre est l'intertitre en minuscules, sans accents ni ponctuation, avec « - » entre les mots.")
