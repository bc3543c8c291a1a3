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
