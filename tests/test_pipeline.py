"""The explicit pipeline (issue #14): argparse's French installed by ``main`` only,
post-build stages as a fixed tuple, one build context, one orchestration for build and zip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_importing_the_cli_leaves_argparse_alone():
    # In a fresh process: another program importing builder.cli keeps argparse's English.
    code = (
        "import argparse, builder.cli\n"
        "p = argparse.ArgumentParser(prog='x')\n"
        "p.add_argument('--n', type=int)\n"
        "print(p.format_usage())\n"
        "print(argparse._('the following arguments are required: %s'))\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: x"), result.stdout
    assert "the following arguments are required" in result.stdout
    assert "utilisation" not in result.stdout


def test_main_speaks_french_then_restores_argparse():
    code = (
        "import argparse, contextlib, io, builder.cli\n"
        "err = io.StringIO()\n"
        "with contextlib.redirect_stderr(err):\n"
        "    try:\n"
        "        builder.cli.main(['commande-inconnue'])\n"
        "    except SystemExit as exit:\n"
        "        print('code', exit.code)\n"
        "print(err.getvalue())\n"
        "print(argparse.ArgumentParser(prog='x').format_usage())\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert "code 2" in result.stdout
    assert "utilisation : kit" in result.stdout and "choix invalide" in result.stdout
    # after main, argparse is English again for the rest of the process
    assert "usage: x" in result.stdout


# --- post-build stages, the build context, one orchestration ---


def test_post_build_stages_are_a_fixed_tuple_of_one_signature(tmp_path):
    import inspect

    from builder import build as pipeline
    from builder.context import BuildContext

    assert isinstance(pipeline.POST_BUILD_STAGES, tuple) and pipeline.POST_BUILD_STAGES
    assert pipeline.POST_BUILD_STAGES[-1].__name__ == "csp_stage"  # the policy hashes final pages
    for stage in pipeline.POST_BUILD_STAGES:
        # every stage takes (site_dir, config, kit, context), as the pipeline calls it
        inspect.signature(stage).bind(tmp_path, None, None, BuildContext.create(None))


def test_only_the_context_reads_source_date_epoch():
    # The edition's date is computed in one place (builder.context.edition_date); safety only
    # checks the variable's value up front.
    readers = sorted(
        p.relative_to(REPO).as_posix()
        for p in (REPO / "builder").rglob("*.py")
        if '"SOURCE_DATE_EPOCH"' in p.read_text(encoding="utf-8")
    )
    assert readers == ["builder/context.py", "builder/safety.py"]


def test_edition_date_from_source_date_epoch():
    import datetime as dt

    from builder.context import edition_date, french_date

    assert edition_date({"SOURCE_DATE_EPOCH": "1700000000"}) == dt.date(2023, 11, 14)
    assert edition_date({}) == dt.date.today()
    assert french_date(dt.date(2026, 1, 1)) == "1er janvier 2026"
    assert french_date(dt.date(2023, 11, 14)) == "14 novembre 2023"


def test_the_context_date_reaches_every_output(tmp_path, monkeypatch):
    """The date fixed in the context, not the clock nor the environment read again, dates the
    footer, the offline notice and LISEZMOI.txt, catalogue.json and the zip's entries."""
    import datetime as dt
    import json
    import zipfile

    from conftest import FIXTURES, copy_project

    from builder.build import build
    from builder.context import BuildContext
    from builder.paths import OutputPaths

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 novembre 2023: must NOT appear
    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    context = BuildContext.create(project)
    context = BuildContext(project, dt.date(2021, 3, 1), context.options)
    result = build(project, context=context)
    urls = OutputPaths.of(result.config.sorties)
    home = (result.site_dir / urls.home).read_text(encoding="utf-8")
    assert "1er mars 2021" in home and "14 novembre 2023" not in home
    data = json.loads((result.site_dir / urls.exports[0]).read_text(encoding="utf-8"))
    assert data["site"]["edition"] == "2021-03-01"
    with zipfile.ZipFile(result.archive) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {(2021, 3, 1)}
        readme = next(n for n in archive.namelist() if n.endswith("LISEZMOI.txt"))
        assert "1er mars 2021" in archive.read(readme).decode("utf-8-sig")


def test_build_and_zip_share_one_orchestration(tmp_path, monkeypatch):
    """kit zip runs the same pipeline as kit build: its zip is byte for byte the one that
    kit build puts in the site, and both go through builder.build.run."""
    from conftest import FIXTURES, copy_project

    from builder import build as pipeline
    from builder.cli import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = copy_project(FIXTURES / "mini", tmp_path / "mini")
    destinations = []
    real_run = pipeline.run

    def recording_run(context, destination):
        destinations.append(type(destination).__name__)
        return real_run(context, destination)

    monkeypatch.setattr(pipeline, "run", recording_run)
    assert main(["--projet", str(project.root), "build", "--site-dir", str(tmp_path / "site")]) == 0
    assert main(["--projet", str(project.root), "zip", "--sortie", str(tmp_path / "seul.zip")]) == 0
    assert destinations == ["SiteDestination", "ZipDestination"]
    built = next((tmp_path / "site").rglob("*.zip"))
    assert built.read_bytes() == (tmp_path / "seul.zip").read_bytes()


# --- options named in French, former spellings hidden but accepted ---

import re  # noqa: E402

import pytest  # noqa: E402


@pytest.mark.parametrize("command, new, old, dest, value", [
    ([], "--details", "--debug", "debug", True),
    (["build"], "--dossier-site", "--site-dir", "site_dir", "ailleurs"),
    (["build"], "--details", "--debug", "debug", True),
    (["zip"], "--forcer", "--force", "force", True),
])
def test_french_options_and_hidden_old_spellings(command, new, old, dest, value):
    from builder.cli import parser, french_argparse

    def parse(option):
        words = [option] if value is True else [option, value]
        return vars(parser().parse_args([*words, *command] if not command else [*command, *words]))

    assert parse(new)[dest] == value
    assert parse(old)[dest] == value  # scripts written with the old spelling keep working
    help_parser = parser()
    if command:
        help_parser = help_parser._subparsers._group_actions[0].choices[command[0]]
    with french_argparse():
        text = help_parser.format_help()
    assert new in text
    assert not re.search(re.escape(old) + r"(?![\w-])", text), text  # hidden from the help
