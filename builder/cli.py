"""The ``kit`` command: build, check, serve, new-case, from-issue, zip, search."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# Only the standard library, builder.safety and builder.errorlog at import time: a broken install must still
# reach the top-level handler of ``main`` and get a French message.
from builder.errorlog import kit_version, log_unexpected
from builder.safety import KitError, check_epoch

if TYPE_CHECKING:
    from builder.config import Project

CASE_TEMPLATE = "nouvelle_fiche.yml"


def _project(args: argparse.Namespace, required: bool = True) -> Project:
    """The project named by ``--projet``, or found at or above the current folder.
    Raises ``KitError`` naming the folder searched and the fix when there is none."""
    from builder.config import CONFIG_FILE, find_project

    if args.projet and Path(args.projet).exists() and not Path(args.projet).is_dir():
        raise KitError(f"{args.projet} est un fichier, pas un dossier : donnez à --projet le dossier du projet "
                       "(celui qui contient site_config.yml).")
    if args.projet and not Path(args.projet).is_dir():
        raise KitError(f"Le dossier {args.projet} n'existe pas : vérifiez le chemin donné à --projet.")
    start = Path(args.projet).resolve() if args.projet else Path.cwd().resolve()
    project = find_project(start)
    special = start / CONFIG_FILE
    if required and os.path.lexists(special) and not special.is_file():
        # a FIFO, a device, a link to one: never opened (it could block or never end), named as what it is
        raise KitError(f"{special} n'est pas un fichier ordinaire (lien, tube nommé, périphérique ou dossier) : "
                       "remplacez-le par le fichier de réglages du projet lui-même.")
    if required and not project.config_file.is_file():
        where = f"{start} ne contient pas {CONFIG_FILE}" if args.projet else f"ni {start} ni ses dossiers parents ne contiennent {CONFIG_FILE}"
        raise KitError(
            f"Aucun projet kit trouvé : {where}. Placez-vous dans le dossier du projet (cd DOSSIER-DU-PROJET) "
            f"ou indiquez-le : kit --projet DOSSIER-DU-PROJET {args.commande}."
        )
    return project


def cmd_build(args: argparse.Namespace) -> int:
    from builder.build import build, terminal_progress
    from builder.context import BuildContext, BuildOptions

    # The run's context, made once here: the edition's date is fixed now (builder.context),
    # once SOURCE_DATE_EPOCH is known to be a date (else a French message, code 1).
    check_epoch()
    context = BuildContext.create(_project(args), BuildOptions(site_dir=Path(args.site_dir) if args.site_dir else None),
                                  terminal_progress)
    result = build(context.project, context=context)
    from builder.typography import decimal

    print(f"Site construit dans {result.site_dir} ({result.page_count} pages, {decimal(result.seconds)} s).")
    if result.archive:
        from builder.package import size_label

        print(f"Édition hors ligne : {result.archive} ({size_label(result.archive)}).")
    from builder.paths import OutputPaths

    home = result.site_dir / OutputPaths.of(result.config.sorties).home
    print(f"Pour le consulter : ouvrez {home} dans un navigateur, ou lancez « kit serve ».")
    return 0


def cmd_zip(args: argparse.Namespace) -> int:
    from builder.build import build_offline_edition, terminal_progress
    from builder.context import BuildContext, BuildOptions
    from builder.package import size_label

    check_epoch()
    context = BuildContext.create(_project(args), BuildOptions(zip_target=Path(args.sortie) if args.sortie else None,
                                                               force=args.force), terminal_progress)
    archive = build_offline_edition(context.project, context=context)
    print(f"Édition hors ligne : {archive} ({size_label(archive)}). Le dossier site/ n'a pas été modifié.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from builder.validate import load_kit  # load, then every rule

    config, kit = load_kit(_project(args))
    print(
        f"Catalogue valide : {len(kit.documents)} documents, {len(kit.reading_paths)} parcours, "
        f"{len(kit.cases)} {'fiche' if len(kit.cases) < 2 else 'fiches'} d'expérience."
    )
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from builder import schemas
    from builder.loader import CatalogueError, load_config
    from builder.problems import Problems

    project = _project(args)
    problems = Problems(project.root)
    config = load_config(project, problems)
    if config is None:
        raise CatalogueError(problems)
    written = schemas.write(project, config)
    for path in written:
        print(f"Écrit : {path.relative_to(project.root).as_posix()}")
    if not written:
        print("Schémas et formulaire déjà à jour.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from builder.serve import serve

    return serve(_project(args), host="127.0.0.1", port=args.port)


def cmd_new_case(args: argparse.Namespace) -> int:
    from importlib.resources import files

    from builder.loader import _is_slug, _suggest_slug

    from builder.problems import terminal_safe

    project = _project(args)
    slug = new_case_slug(args.slug)
    if not _is_slug(slug):
        # a name typed (or pasted from an issue) may hold escapes: shown, never obeyed
        print(f"Nom « {terminal_safe(slug)} » invalide : utilisez des minuscules sans accents, des chiffres et des tirets, par exemple « {_suggest_slug(slug)} ».", file=sys.stderr)
        return 2
    from builder.loader import load_config, reserved_case_slugs
    from builder.problems import Problems

    config = load_config(project, Problems(project.root))
    if config is not None and slug in reserved_case_slugs(project, config):  # kit check would refuse the file
        from builder.paths import OutputPaths

        print(f"Nom « {slug} » réservé : le site a déjà une page {OutputPaths.of(config.sorties).case(slug)} ; "
              f"choisissez un autre nom, par exemple « {slug}-territoire ».", file=sys.stderr)
        return 2
    target = project.kit_dir / "cas" / f"{slug}.yml"
    if target.exists():
        print(f"La fiche {target} existe déjà : choisissez un autre nom ou modifiez-la.", file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    template = files("builder").joinpath("templates", CASE_TEMPLATE).read_text(encoding="utf-8")
    target.write_text(template, encoding="utf-8")
    print(f"Fiche créée : {target}")
    print("Remplissez chaque rubrique en suivant les commentaires, puis lancez « kit check ».")
    return 0


def new_case_slug(text: str) -> str:
    """« foo.yml », « kit/cas/foo.yml » or « foo » all mean the sheet « foo »."""
    name = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".yml", ".yaml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def cmd_from_issue(args: argparse.Namespace) -> int:
    from builder.from_issue import run

    return run(_project(args), args.fichier)


def cmd_search(args: argparse.Namespace) -> int:
    from builder.search.cli import run_search

    query = " ".join(args.requete)  # « kit search partenariats -alsace »: the words, as one query
    if not query.strip():
        raise KitError("La requête est vide : indiquez un ou plusieurs mots, par exemple kit search \"co-construction\".", code=2)
    project = _project(args, required=False)  # a built site/ is enough to search
    if not project.config_file.is_file() and not (project.root / "site").is_dir():
        _project(args)  # raises: the folder searched and the fix
    return run_search(project, query, limit=args.nombre)


# argparse's own words (usage, help, errors), in French: it looks them up through its
# module-level gettext function at each call, and Python ships no French catalogue for it.
ARGPARSE_FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide et quitte",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s attendu) : %(value)r",
    "expected one argument": "une valeur est attendue",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "show program's version number and exit": "affiche la version et quitte",
}


@contextlib.contextmanager
def french_argparse() -> Iterator[None]:
    """argparse's words in French while ``main`` runs, then argparse as it was: importing
    this module, or calling ``main`` from another program, leaves argparse alone for the
    rest of the process."""
    saved = argparse._
    argparse._ = lambda text: ARGPARSE_FRENCH.get(text, text)
    try:
        yield
    finally:
        argparse._ = saved


def whole_number(text: str) -> int:
    """``int`` for argparse, refused in French (argparse's own message names Python's type, « int »).

    Raises ``argparse.ArgumentTypeError``, which argparse prints after the option's name."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, pas « {text} »") from None


def count_of_results(text: str) -> int:
    """``whole_number`` of 1 or more (``kit search -n``); raises ``argparse.ArgumentTypeError``."""
    number = whole_number(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"nombre de résultats à afficher attendu (1 ou plus), pas « {text} »")
    return number


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="kit",
        description="Construit le centre de ressources du kit à partir du catalogue YAML.",
    )
    main.add_argument("--version", action="version", version=f"kit {kit_version()}", help="affiche la version et quitte")
    main.add_argument("--projet", help=PROJECT_HELP)
    main.add_argument("--details", dest="debug", action="store_true", help=DEBUG_HELP)
    _old_spelling(main, "--debug", "debug", action="store_true")
    # The same two options after the command (« kit build --projet X »), without overriding.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--projet", default=argparse.SUPPRESS, help=PROJECT_HELP)
    common.add_argument("--details", dest="debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    _old_spelling(common, "--debug", "debug", action="store_true")
    commands = main.add_subparsers(dest="commande", metavar="COMMANDE")
    add_parser = commands.add_parser

    def with_common(name: str, **options):
        return add_parser(name, parents=[common], **options)

    commands.add_parser = with_common  # type: ignore[method-assign]

    build = commands.add_parser(
        "build",
        help="valide le catalogue et construit le site (et l'édition hors ligne)",
        description="Valide le catalogue, construit le site dans un dossier temporaire, puis remplace le dossier de "
        "sortie d'un coup : un échec ou une interruption laisse le site précédent intact.",
    )
    build.add_argument(
        "--dossier-site", dest="site_dir", metavar="DOSSIER",
        help="dossier de sortie (par défaut : site/). Seuls sont acceptés un dossier nouveau ou vide, ou un dossier "
        "déjà construit par « kit build » (il contient le fichier .kit-site) ; sont refusés le dossier du projet et "
        "ses parents, kit/, content/, theme/, .git/, .kit-build/ et tout dossier à l'intérieur, ainsi que tout "
        "dossier non vide que « kit build » n'a pas construit.",
    )
    _old_spelling(build, "--site-dir", "site_dir")
    build.set_defaults(func=cmd_build)

    check = commands.add_parser("check", help="valide le catalogue sans construire le site")
    check.set_defaults(func=cmd_check)

    schemas_ = commands.add_parser(
        "schemas",
        help="régénère les schémas JSON (schemas/) et le formulaire « Proposer une fiche d'expérience »",
        description="Régénère schemas/*.schema.json et .github/ISSUE_TEMPLATE/proposer-une-fiche.yml à partir "
        "des modèles et de la taxonomie de site_config.yml. À lancer après avoir changé l'un ou l'autre.",
    )
    schemas_.set_defaults(func=cmd_schemas)

    serve = commands.add_parser("serve", help="aperçu local sur 127.0.0.1, rechargé à chaque modification")
    serve.add_argument("--port", type=whole_number, default=8000, help="port de l'aperçu (8000 par défaut)")
    serve.set_defaults(func=cmd_serve)

    new_case = commands.add_parser("new-case", help="crée kit/cas/SLUG.yml à partir du modèle commenté")
    new_case.add_argument("slug", metavar="SLUG", help="nom du fichier, par exemple « mon-initiative »")
    new_case.set_defaults(func=cmd_new_case)

    from_issue = commands.add_parser(
        "from-issue",
        help="écrit kit/cas/NOM.yml à partir d'une demande « Proposer une fiche d'expérience »",
        description="Lit le texte d'une demande (issue) écrite avec le formulaire « Proposer une fiche d'expérience », "
        "écrit la fiche kit/cas/NOM.yml (NOM tiré du nom de l'initiative) et affiche son chemin. "
        "Si une rubrique est invalide, n'écrit rien et dit laquelle corriger.",
    )
    from_issue.add_argument("fichier", metavar="FICHIER", help="fichier contenant le texte de la demande, ou « - » pour l'entrée standard")
    from_issue.set_defaults(func=cmd_from_issue)

    zip_ = commands.add_parser(
        "zip",
        help="construit seulement l'édition hors ligne (zip), sans toucher à site/",
        description="Construit le site dans un dossier temporaire et n'en garde que l'édition hors ligne. "
        "« kit build » la produit aussi, dans site/telechargements/.",
    )
    zip_.add_argument(
        "--sortie", metavar="FICHIER",
        help="fichier zip à écrire (par défaut : NOM.zip dans le dossier du projet, NOM étant sorties.archive de "
        "site_config.yml) ; « .zip » est ajouté s'il manque. Sont refusés un dossier, un emplacement dans kit/, "
        "content/, theme/ ou .git/, et un fichier existant qui n'est pas un zip écrit par « kit » (sauf avec --forcer).",
    )
    zip_.add_argument("--forcer", dest="force", action="store_true", help="remplace FICHIER même s'il n'a pas été écrit par « kit »")
    _old_spelling(zip_, "--force", "force", action="store_true")
    zip_.set_defaults(func=cmd_zip)

    search = commands.add_parser("search", help="cherche dans le site construit, comme la recherche du site")
    search.add_argument("requete", metavar="REQUÊTE", nargs="+",
                        help="les mots cherchés (entre guillemets s'ils sont plusieurs) ; « \"…\" » pour une expression, "
                        "« -mot » pour exclure un mot, y compris en tête : kit search -alsace")
    search.add_argument("-n", "--nombre", type=count_of_results, default=10,
                        help="nombre de résultats à afficher, 1 ou plus (10 par défaut)")
    search.set_defaults(func=cmd_search)
    return main


def _old_spelling(parser: argparse.ArgumentParser, option: str, dest: str, **options) -> None:
    """An option's former English spelling, still accepted but left out of the help: scripts
    written before the options were named in French keep working (issue 14)."""
    parser.add_argument(option, dest=dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **options)


PROJECT_HELP = "dossier du projet (par défaut : le dossier courant ou un parent contenant site_config.yml)"
DEBUG_HELP = "en cas d'erreur inattendue, affiche aussi les détails techniques (la trace Python)"


# --- the console: never crash on what it cannot print ---


class SafeStream:
    """A text stream that replaces what the console cannot encode (cp1252, ASCII) and
    goes quiet when the reader has gone (closed pipe, « kit search x | head -1 »)."""

    def __init__(self, stream):
        self._stream = stream
        self._closed = False

    def write(self, text: str) -> int:
        if self._closed:
            return len(text)
        if getattr(self._stream, "errors", "strict") not in (None, "strict"):
            # stderr's default « backslashreplace » would print a backslash code for « à » on an ASCII console.
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            text = text.encode(encoding, "replace").decode(encoding, "replace")
        try:
            return self._stream.write(text)
        except UnicodeEncodeError:
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            return self._guard(lambda: self._stream.write(text.encode(encoding, "replace").decode(encoding, "replace")), len(text))
        except OSError as error:
            return self._broken(error, len(text))

    def flush(self) -> None:
        if not self._closed:
            self._guard(self._stream.flush, None)

    def _guard(self, action, default):
        try:
            return action()
        except OSError as error:
            return self._broken(error, default)

    def _broken(self, error: OSError, default):
        if error.errno not in (errno.EPIPE, errno.EINVAL) and not isinstance(error, BrokenPipeError):
            raise error
        self._closed = True
        # Later flushes (at exit) go to the null device instead of raising again.
        with contextlib.suppress(OSError, AttributeError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        return default

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_console() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeStream(sys.stdout) if sys.stdout is not None else SafeStream(open(os.devnull, "w"))
    sys.stderr = SafeStream(sys.stderr) if sys.stderr is not None else SafeStream(open(os.devnull, "w"))
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = saved


# --- signals: SIGTERM (closing a terminal, kill) and SIGHUP clean up as Ctrl+C does ---


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, _frame) -> None:
    try:
        from builder import runs
    except ImportError:  # a broken install: nothing was claimed
        raise Interrupted(signum) from None
    runs.interrupt(Interrupted(signum))  # held off while a lock and its folder change together


@contextlib.contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Turn Ctrl+C, SIGTERM and SIGHUP into KeyboardInterrupt, so that every ``finally``
    (staging folders, the preview folder, locks) runs; held off during ``runs.uninterrupted``
    blocks so that no lock file outlives its folder. SIGKILL cannot be caught: see builder.runs."""
    saved = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        with contextlib.suppress(ValueError, OSError):  # not the main thread: leave them
            saved[number] = signal.signal(number, _raise_interrupted)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


# --- the top-level handler ---


def _known_project(args: argparse.Namespace) -> Project | None:
    try:
        return _project(args)
    except Exception:
        return None


def handle(args: argparse.Namespace) -> int:
    """Run the command; turn every error into a French message and an exit code
    (1: the input or the environment; 2: unexpected, details in the log file; 128+n: signal n)."""
    unchanged = "Le site n'a pas été modifié." if args.commande in ("build", "zip") else ""
    try:
        from builder.loader import CatalogueError
        from builder.pool import WorkerFailed
        from builder.site import MkDocsFailed
    except ImportError as error:
        return _broken_install(error, args)
    try:
        return args.func(args)
    except KitError as error:
        _say(error.message, unchanged)
        return error.code
    except CatalogueError as error:
        _say(error.problems.report(), unchanged or "Corrigez ces erreurs puis relancez « kit check ».")
        return 1
    except MkDocsFailed as error:
        _say(f"Erreur : {error}", unchanged)
        return 1
    except WorkerFailed as error:  # a worker process died (killed, out of memory): nothing was delivered
        _say(error.message, unchanged)
        return 1
    except KeyboardInterrupt as error:
        signum = error.signum if isinstance(error, Interrupted) else signal.SIGINT
        _say("Interrompu.", unchanged)
        return 128 + int(signum)
    except ImportError as error:
        return _broken_install(error, args)
    except OSError as error:
        from builder.safety import os_error_message

        _say(os_error_message(error), unchanged)
        return 1
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        log = log_unexpected(error, _known_project(args))
        _say(f"Erreur inattendue ({type(error).__name__}) : ce n'est pas votre faute. Les détails sont dans {log} ; "
             "joignez ce fichier à votre signalement. Relancez avec --details pour les afficher.", unchanged)
        return 2


def _broken_install(error: ImportError, args: argparse.Namespace) -> int:
    if args.debug:
        traceback.print_exc()
    _say(f"Installation incomplète : le module « {error.name or error} » manque. Réinstallez le constructeur "
         "depuis le dossier du projet : python3 -m pip install -e .", "")
    return 1


def _say(message: str, after: str) -> None:
    from builder.problems import terminal_safe

    # Messages may quote catalogue text (MkDocs' warnings, a KitError): its controls shown as escapes, line by line.
    message = "\n".join(terminal_safe(line) for line in message.split("\n"))
    print(message + (f"\n{after}" if after else ""), file=sys.stderr)


# Options of « kit search »: those that take a value, and the others (a word beginning with
# « - » that is none of them is the query, an exclusion: « kit search -alsace »).
_SEARCH_VALUED = frozenset({"-n", "--nombre", "--projet"})
_SEARCH_FLAGS = frozenset({"-h", "--help", "--details", "--debug"})


def _dash_query_kept(argv: list[str]) -> list[str]:
    """``argv`` with « -- » put before a ``kit search`` query that holds a word beginning with
    « - » (README: « -mot » excludes a word), which argparse would otherwise refuse as an
    unknown option; the command's own options, wherever they stand (« kit search -alsace
    -n 1 »), are moved before it."""
    if "search" not in argv or "--" in argv:
        return argv
    at = argv.index("search") + 1
    options: list[str] = []
    words: list[str] = []
    index = at
    while index < len(argv):
        word = argv[index]
        if word in _SEARCH_VALUED:
            options += argv[index:index + 2]
            index += 2
            continue
        if word.split("=", 1)[0] in _SEARCH_VALUED | _SEARCH_FLAGS or (word.startswith("-n") and word[2:].isdigit()):
            options.append(word)
        else:
            words.append(word)
        index += 1
    if not any(word.startswith("-") and word != "-" for word in words):
        return argv
    return argv[:at] + options + ["--"] + words


def main(argv: list[str] | None = None) -> int:
    """The ``kit`` command. In: the arguments (``sys.argv[1:]`` by default). Out: the exit
    code; never a traceback unless ``--details`` (old spelling ``--debug``) (argparse exits 2 itself on usage errors)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with french_argparse(), safe_console(), cleanup_on_signals():
        command_line = parser()
        args = command_line.parse_args(_dash_query_kept(sys.argv[1:] if argv is None else list(argv)))
        if args.commande is None:  # « kit » alone: what it can do
            command_line.print_help()
            return 0
        return handle(args)
