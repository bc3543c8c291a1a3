"""The ``kit`` command: build, check, serve, new-case, from-issue, zip, search."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from builder.config import Project, find_project
from builder.loader import CatalogueError
from builder.site import MkDocsFailed

CASE_TEMPLATE = "nouvelle_fiche.yml"


def _project(args: argparse.Namespace) -> Project:
    return find_project(Path(args.projet) if args.projet else None)


def cmd_build(args: argparse.Namespace) -> int:
    from builder.build import build, terminal_progress

    project = _project(args)
    site_dir = Path(args.site_dir) if args.site_dir else None
    result = build(project, site_dir, progress=terminal_progress)
    print(f"Site construit dans {result.site_dir} ({result.page_count} pages, {result.seconds:.1f} s).")
    if result.archive:
        from builder.package import size_label

        print(f"Édition hors ligne : {result.archive} ({size_label(result.archive)}).")
    print(f"Pour le consulter : ouvrez {result.site_dir / 'index.html'} dans un navigateur, ou lancez « kit serve ».")
    return 0


def cmd_zip(args: argparse.Namespace) -> int:
    from builder.build import build_offline_edition, terminal_progress
    from builder.package import size_label

    archive = build_offline_edition(_project(args), Path(args.sortie) if args.sortie else None, progress=terminal_progress)
    print(f"Édition hors ligne : {archive} ({size_label(archive)}). Le dossier site/ n'a pas été modifié.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from builder.loader import load_kit

    config, kit = load_kit(_project(args))
    print(
        f"Catalogue valide : {len(kit.documents)} documents, {len(kit.paths)} parcours, "
        f"{len(kit.cases)} fiches d'expérience."
    )
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from builder import schemas
    from builder.loader import load_config
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

    project = _project(args)
    slug = args.slug
    if not _is_slug(slug):
        print(f"Nom « {slug} » invalide : utilisez des minuscules sans accents, des chiffres et des tirets, par exemple « {_suggest_slug(slug)} ».", file=sys.stderr)
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


def cmd_from_issue(args: argparse.Namespace) -> int:
    from builder.from_issue import run

    return run(_project(args), args.fichier)


def cmd_search(args: argparse.Namespace) -> int:
    from builder.search.cli import run_search

    return run_search(_project(args), args.requete, limit=args.nombre)


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
}
argparse._ = lambda text: ARGPARSE_FRENCH.get(text, text)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="kit",
        description="Construit le centre de ressources du kit à partir du catalogue YAML.",
    )
    main.add_argument("--projet", help="dossier du projet (par défaut : le dossier courant ou un parent contenant site_config.yml)")
    commands = main.add_subparsers(dest="commande", required=True, metavar="COMMANDE")

    build = commands.add_parser("build", help="valide le catalogue et construit le site (et l'édition hors ligne)")
    build.add_argument("--site-dir", help="dossier de sortie (par défaut : site/)")
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
    serve.add_argument("--port", type=int, default=8000)
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
    zip_.add_argument("--sortie", metavar="FICHIER", help="fichier zip à écrire (par défaut : NOM.zip dans le dossier du projet, NOM étant sorties.archive de site_config.yml)")
    zip_.set_defaults(func=cmd_zip)

    search = commands.add_parser("search", help="cherche dans le site construit, comme la recherche du site")
    search.add_argument("requete", metavar="REQUÊTE")
    search.add_argument("-n", "--nombre", type=int, default=10, help="nombre de résultats (10 par défaut)")
    search.set_defaults(func=cmd_search)
    return main


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except CatalogueError as error:
        print(error.problems.report(), file=sys.stderr)
        print("Le site n'a pas été modifié." if args.commande in ("build", "zip") else "Corrigez ces erreurs puis relancez « kit check ».", file=sys.stderr)
        return 1
    except MkDocsFailed as error:
        print(f"Erreur : {error}\nLe site n'a pas été modifié.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
