"""Issue 11: the ``kit`` command never loses a user's files, survives concurrent and
interrupted runs, and never shows a Python traceback.

The CLI runs as a subprocess (``python -m builder``, as a user types ``kit``) on copies of
the small fixture project; each case checks the exit code, a French message naming what
was refused, that the files it must not touch are byte-identical, and that no output
holds « Traceback ».
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EPOCH, FIXTURES, copy_project

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # seconds for one build of the fixture kit on a busy 2-core machine


def run_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": EPOCH,
           "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_ACTIONS", None)
    env.update(extra)
    return env


def kit(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "builder", *args], cwd=cwd, env=env or run_env(),
                            capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def start_kit(*args: str, cwd: Path, env: dict[str, str] | None = None, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "builder", *args], cwd=cwd, env=env or run_env(),
                            text=True, encoding="utf-8", errors="replace", **options)


def digest(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with its content's hash (folders: « dossier »)."""
    return {
        p.relative_to(folder).as_posix(): "dossier" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def debris(project: Path) -> list[str]:
    """What killed or failed runs could leave: staging folders, locks, work folders."""
    found = [p.name for p in project.iterdir() if p.name.startswith(".site.")]
    work = project / ".kit-build"
    if work.is_dir():
        found += [f".kit-build/{p.name}" for p in work.iterdir() if p.name.startswith("run-")]
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(FIXTURES / "mini", tmp_path / "projet").root
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project built once by ``kit build``; tests copy it (``built``)."""
    root = copy_project(FIXTURES / "mini", tmp_path_factory.mktemp("construit") / "projet").root
    sheet = root / "kit" / "cas" / "charenton.yml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace('titre: "Agir ensemble', 'titre: "🌱 Agir ensemble', 1), encoding="utf-8")
    result = kit("build", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    target = tmp_path / "projet"
    shutil.copytree(built_once, target, symlinks=True)
    return target


# --- output folders are guarded ---


@pytest.mark.parametrize("target, named", [
    (".", "le dossier du projet"),
    ("..", "un dossier parent du projet"),
    ("kit", "(le catalogue)"),
    ("kit/cas", "(le catalogue)"),
    ("content", "(les pages rédigées)"),
    ("theme", "(le thème)"),
    (".git", "(l'historique Git)"),
    (".kit-build", "(le dossier de travail)"),
    ("../bureau", "n'a pas été construit par « kit build »"),
    ("site_config.yml", "est un fichier"),
    ("../absent/site", "n'existe pas"),
])
def test_build_refuses_an_output_folder_it_could_destroy(project: Path, target: str, named: str) -> None:
    desktop = project.parent / "bureau"
    desktop.mkdir()
    (desktop / "photo.txt").write_text("souvenir\n", encoding="utf-8")
    before = digest(project.parent)
    result = kit("build", "--site-dir", target, cwd=project)
    assert result.returncode == 1
    assert named in result.stderr and "Le site n'a pas été modifié." in result.stderr
    assert str((project / target).resolve()) in result.stderr or "n'existe pas" in named
    assert digest(project.parent) == before  # refused before any work: nothing written at all


def test_build_writes_a_new_folder_then_replaces_only_what_it_made(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "sortie"
    assert kit("build", "--site-dir", str(out), cwd=project).returncode == 0
    assert (out / ".kit-site").is_file() and (out / "index.html").is_file()
    (out / "vieux.txt").write_text("remplacé au prochain build\n", encoding="utf-8")
    assert kit("build", "--site-dir", str(out), cwd=project).returncode == 0  # its own folder: replaced
    assert not (out / "vieux.txt").exists() and (out / "index.html").is_file()
    (out / ".kit-site").unlink()  # no longer ours (nor a site built before the marker existed)
    (out / "search" / "index.js").unlink()
    before = digest(out)
    refused = kit("build", "--site-dir", str(out), cwd=project)
    assert refused.returncode == 1 and ".kit-site" in refused.stderr
    assert digest(out) == before
    empty = tmp_path / "vide"
    empty.mkdir()
    assert kit("build", "--site-dir", str(empty), cwd=project).returncode == 0


def test_build_help_says_what_is_refused(project: Path) -> None:
    text = " ".join(kit("build", "--help", cwd=project).stdout.split())
    assert "sont refusés le dossier du projet et ses parents, kit/, content/, theme/, .git/" in text
    zip_help = " ".join(kit("zip", "--help", cwd=project).stdout.split())
    assert "« .zip » est ajouté s'il manque" in zip_help and "--force" in zip_help


def test_zip_refuses_folders_and_files_it_did_not_write(project: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.yml"
    notes.write_text("titre: mes notes\n", encoding="utf-8")
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("vacances.jpg", b"...")
    before = digest(tmp_path)
    for target, named in ((tmp_path, "est un dossier"), (notes, "n'est pas une édition hors ligne"),
                          (foreign, "n'est pas une édition hors ligne"), (project / "kit" / "x.zip", "(le catalogue)")):
        result = kit("zip", "--sortie", str(target), cwd=project)
        assert result.returncode == 1, target
        assert str(target) in result.stderr and named in result.stderr
    assert digest(tmp_path) == before

    stale, fresh = tmp_path / ".edition.zip.k1ll3d00", tmp_path / ".edition.zip.wr1t1ng0"
    stale.write_bytes(b"PK moitie de zip")  # a zip writer killed with SIGKILL, an hour ago
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh.write_bytes(b"PK en cours")  # maybe another run writing right now: kept
    made = kit("zip", "--sortie", str(tmp_path / "edition"), cwd=project)  # « .zip » added
    assert made.returncode == 0 and (tmp_path / "edition.zip").is_file()
    assert not stale.exists() and fresh.exists()
    assert kit("zip", "--sortie", str(tmp_path / "edition.zip"), cwd=project).returncode == 0  # its own zip
    forced = kit("zip", "--sortie", str(foreign), "--force", cwd=project)
    assert forced.returncode == 0
    with zipfile.ZipFile(foreign) as archive:
        assert archive.namelist()[0].endswith("/LISEZMOI.txt")
    assert notes.read_text(encoding="utf-8") == "titre: mes notes\n"


def test_zip_refusing_a_folder_suggests_a_file_it_would_accept(project: Path) -> None:
    (project / "content" / "sous-dossier").mkdir(parents=True)
    for folder in ("kit", "content", "content/sous-dossier"):
        result = kit("zip", "--sortie", folder, cwd=project)
        assert result.returncode == 1 and "est un dossier" in result.stderr
        suggested = result.stderr.split("« --sortie ", 1)[1].split(" »", 1)[0]
        assert not Path(suggested).exists()
        accepted = kit("zip", "--sortie", suggested, cwd=project)  # the advice, followed, works
        assert accepted.returncode == 0, accepted.stderr
        assert Path(suggested).is_file() and not Path(suggested).resolve().is_relative_to(project / folder)
        Path(suggested).unlink()


# --- concurrent and interrupted runs ---


def test_two_concurrent_builds_never_corrupt_the_site(built: Path) -> None:
    reference = digest(built / "site")
    runs = [start_kit("build", cwd=built, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=TIMEOUT) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert "Traceback" not in out + err
        assert run.returncode == 0 or "une autre construction est en cours (PID" in err, err
    assert 0 in [run.returncode for run in runs]
    assert digest(built / "site") == reference  # complete, and the same as a lone build
    assert debris(built) == []


def test_a_build_killed_with_sigkill_leaves_the_site_then_the_next_build_cleans_up(built: Path) -> None:
    before = digest(built / "site")
    (built / "kit" / "cas" / "charenton.yml").write_text(
        (built / "kit" / "cas" / "charenton.yml").read_text(encoding="utf-8").replace("Agir ensemble", "Agir encore", 1),
        encoding="utf-8")
    run = start_kit("build", cwd=built, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    assert digest(built / "site") == before
    result = kit("build", cwd=built)
    assert result.returncode == 0
    assert debris(built) == []
    assert "Agir encore" in (built / "site" / "fiches" / "charenton.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_or_ctrl_c_during_a_build_cleans_up_and_leaves_the_site(built: Path, signum: int, code: int) -> None:
    before = digest(built / "site")
    run = start_kit("build", cwd=built, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT  # wait until the run has claimed its folders
    while not debris(built) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(signum)
    out, err = run.communicate(timeout=60)
    assert "Traceback" not in out + err
    if run.returncode != 0:  # the signal came in time (else the build had already finished)
        assert run.returncode == code and "Interrompu." in err and "Le site n'a pas été modifié." in err
        assert digest(built / "site") == before
    assert debris(built) == []


def test_the_swap_is_atomic_and_a_site_lost_between_two_renames_comes_back(tmp_path: Path) -> None:
    from builder import runs

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("ancien", encoding="utf-8")
    new = runs.claim(tmp_path, runs.staging_prefix(site))
    (new.path / "index.html").write_text("nouveau", encoding="utf-8")
    if runs.exchange(new.path, site):  # Linux: one system call swaps the two folders
        assert (site / "index.html").read_text(encoding="utf-8") == "nouveau"
        assert (new.path / "index.html").read_text(encoding="utf-8") == "ancien"
    new.release()
    # Elsewhere, two renames: a run killed between them left no site/, only the old one aside.
    shutil.rmtree(site)
    lost = tmp_path / ".site.ancien-1234-abcd"
    lost.mkdir()
    (lost / "index.html").write_text("précédent", encoding="utf-8")
    runs.clean_debris(site)
    assert (site / "index.html").read_text(encoding="utf-8") == "précédent"
    staging = runs.claim(tmp_path, runs.staging_prefix(site))
    (staging.path / "index.html").write_text("suivant", encoding="utf-8")
    runs.swap_in(staging.path, site, atomic=False)
    staging.release()
    assert (site / "index.html").read_text(encoding="utf-8") == "suivant"
    # only the site, and the lock that orders the two renames of concurrent runs
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.verrou", "site"]


def test_a_live_runs_folder_is_never_swept(tmp_path: Path) -> None:
    from builder import runs

    held = runs.claim(tmp_path, runs.RUN_PREFIX)
    dead = tmp_path / f"{runs.RUN_PREFIX}999-dead"
    dead.mkdir()
    (tmp_path / "autre").mkdir()
    assert runs.sweep(tmp_path, runs.RUN_PREFIX) == [dead]
    assert held.path.is_dir() and (tmp_path / "autre").is_dir()
    held.release()
    assert not held.path.exists()


# --- environment faults ---


def test_an_invalid_source_date_epoch_is_named(built: Path) -> None:
    before = digest(built / "site")
    for value in ("demain", "-5", "99999999999999999999"):
        result = kit("build", cwd=built, env=run_env(SOURCE_DATE_EPOCH=value))
        assert result.returncode == 1 and f"SOURCE_DATE_EPOCH vaut « {value} »" in result.stderr
    assert digest(built / "site") == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="Linux /proc needed: a folder where no file can be made")
def test_an_output_folder_where_no_lock_can_be_made_gets_a_french_message(built: Path) -> None:
    before = digest(built / "site")
    result = kit("build", "--site-dir", "/proc/kit-essai", cwd=built)
    assert result.returncode == 1
    assert "could not be acquired" not in result.stderr and "Le site n'a pas été modifié." in result.stderr
    assert "/proc/.kit-essai.nouveau-" in result.stderr  # names the file it could not make
    assert digest(built / "site") == before


def test_an_empty_theme_stops_the_build(built: Path) -> None:
    before = digest(built / "site")
    (built / "theme").mkdir()
    result = kit("build", cwd=built)
    assert result.returncode == 1 and f"{built / 'theme'} est vide" in result.stderr
    assert digest(built / "site") == before


def test_a_missing_theme_and_missing_package_data_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder import config, safety

    project = copy_project(FIXTURES / "mini", tmp_path / "projet")
    monkeypatch.setattr(config, "DEFAULT_THEME", tmp_path / "absent")
    with pytest.raises(safety.KitError, match="Le thème est introuvable"):
        safety.check_theme(project.root, project.theme_dir)
    with pytest.raises(safety.KitError, match="Installation incomplète : templates/case.md.j2, templates/nouvelle_fiche.yml, data manque"):
        safety.check_package_data(tmp_path)
    safety.check_package_data()  # this install is complete


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "Le disque est plein"), (errno.EROFS, "en lecture seule"),
                                         (errno.EACCES, "Accès refusé")])
def test_system_faults_during_a_build_are_told_in_french(built: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], code: int, words: str) -> None:
    from builder import build as build_module
    from builder.cli import main

    def fault(site_dir: Path, *_: object) -> None:
        raise OSError(code, os.strerror(code), str(site_dir / "search" / "index.js"))

    before = digest(built / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(build_module, "POST_BUILD_STAGES", [*build_module.POST_BUILD_STAGES, fault])
    assert main(["--projet", str(built), "build"]) == 1
    err = capsys.readouterr().err
    assert words in err and "index.js" in err and "Le site n'a pas été modifié." in err and "Traceback" not in err
    assert digest(built / "site") == before and debris(built) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root écrit partout : pas de dossier en lecture seule")
def test_a_read_only_output_folder_is_told_in_french(built: Path, tmp_path: Path) -> None:
    locked = tmp_path / "lecture-seule"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = kit("build", "--site-dir", str(locked / "site"), cwd=built)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1 and "Accès refusé" in result.stderr


# --- no traceback ever ---


def test_an_unexpected_error_gives_a_log_file_and_exit_2(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from builder import cli

    def broken(args: object) -> int:
        raise RuntimeError("panne imprévue")

    monkeypatch.setattr(cli, "cmd_check", broken)
    assert cli.main(["--projet", str(project), "check"]) == 2
    err = capsys.readouterr().err
    log = project / ".kit-build" / "erreur.log"
    assert "Erreur inattendue (RuntimeError)" in err and str(log) in err and "Traceback" not in err
    assert "panne imprévue" in log.read_text(encoding="utf-8") and "Traceback" in log.read_text(encoding="utf-8")
    assert cli.main(["--projet", str(project), "check", "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("char, name", [
    ("\x0b", "U+000B, saut de ligne de traitement de texte"),
    ("\x00", "U+0000, caractère nul"),
    ("\x0c", "U+000C, saut de page"),
    ("\x85", "U+0085, fin de ligne NEL"),
    ("\ufeff", "U+FEFF, marque d'ordre des octets BOM au milieu du fichier"),
    ("\u2028", "U+2028, séparateur de ligne"),
    ("\x1b", "U+001B, caractère de contrôle"),
    ("\ud800", "U+D800, demi-caractère (surrogate) isolé"),
])
def test_an_invisible_character_is_named_on_the_line_the_editor_shows(project: Path, char: str, name: str) -> None:
    sheet = project / "kit" / "cas" / "charenton.yml"
    lines = sheet.read_text(encoding="utf-8").split("\n")
    assert lines[3].startswith("statut:")
    lines[3] += char + " suite"
    sheet.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    result = kit("check", cwd=project)
    assert result.returncode == 1
    assert (f"kit/cas/charenton.yml:4 : caractère invisible interdit ({name}) : supprimez-le ou "
            "remplacez-le par un retour à la ligne") in result.stderr


def test_a_nel_does_not_shift_the_line_numbers(project: Path) -> None:
    sheet = project / "kit" / "cas" / "charenton.yml"
    lines = sheet.read_text(encoding="utf-8").split("\n")
    lines[1] += "\x85"  # YAML reads it as a line break; editors do not
    lines[3] += "\x0b"
    sheet.write_text("\n".join(lines), encoding="utf-8")
    result = kit("check", cwd=project)
    assert result.returncode == 1
    assert "kit/cas/charenton.yml:2 : caractère invisible interdit (U+0085, fin de ligne NEL)" in result.stderr


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_an_invisible_character_is_on_its_line_with_windows_or_old_mac_line_ends(project: Path, line_end: str) -> None:
    sheet = project / "kit" / "cas" / "charenton.yml"
    lines = sheet.read_text(encoding="utf-8").split("\n")
    lines[3] += "\x0b suite"
    sheet.write_bytes(line_end.join(lines).encode("utf-8"))
    result = kit("check", cwd=project)
    assert result.returncode == 1
    assert "kit/cas/charenton.yml:4 : caractère invisible interdit (U+000B" in result.stderr


@pytest.mark.parametrize("char, name", [("\x0b", "U+000B, saut de ligne de traitement de texte"),
                                        ("\x00", "U+0000, caractère nul"), ("\x85", "U+0085, fin de ligne NEL")])
def test_an_invisible_character_in_a_page_front_matter_is_named_on_its_line(project: Path, char: str, name: str) -> None:
    page = project / "content" / "index.md"
    text = page.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Accueil\n")
    page.write_text(text.replace("title: Accueil\n", f"title: Accueil{char}\n", 1), encoding="utf-8")
    result = kit("check", cwd=project)
    assert result.returncode == 1
    assert f"content/index.md:2 : en-tête de la page (entre les lignes « --- ») : caractère invisible interdit ({name})" in result.stderr


def test_the_error_log_outside_a_project_never_follows_a_planted_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from builder.errorlog import log_unexpected

    victim = tmp_path / "victime.txt"
    victim.write_text("à garder\n", encoding="utf-8")
    shared = tmp_path / "tmp"
    shared.mkdir()
    (shared / "kit-erreur.log").symlink_to(victim)  # placed by another user of a shared /tmp
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    path = log_unexpected(ValueError("détail"), None)
    assert victim.read_text(encoding="utf-8") == "à garder\n"
    assert path.parent == shared and not path.is_symlink() and "ValueError: détail" in path.read_text(encoding="utf-8")


# --- any console ---


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_console_that_cannot_print_a_character_gets_a_replacement(built: Path, encoding: str) -> None:
    result = subprocess.run([sys.executable, "-m", "builder", "search", "Charenton"], cwd=built,
                            env=run_env(PYTHONIOENCODING=encoding), capture_output=True, timeout=TIMEOUT)
    out, err = result.stdout.decode(encoding), result.stderr.decode(encoding, "replace")
    assert result.returncode == 0, err
    assert "Traceback" not in out + err
    assert "? Agir ensemble" in out  # the emoji replaced, the rest of the title kept
    # stderr too (Python's default there is « backslashreplace »): « à » becomes « ? », never « \\xe0 »
    assert "Recherche dans l'index" in err and "\\x" not in err


def test_a_closed_pipe_does_not_crash_the_output(built: Path) -> None:
    run = start_kit("search", "Charenton", cwd=built, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()  # as « kit search … | head -0 »
    err = run.stderr.read()
    assert run.wait(timeout=TIMEOUT) in (0, 1)
    assert "Traceback" not in err and "Exception ignored" not in err


# --- command line rough edges ---


def test_odd_command_lines_get_french_answers(project: Path, tmp_path: Path) -> None:
    alone = kit(cwd=project)
    assert alone.returncode == 0 and alone.stdout.startswith("utilisation : kit") and "COMMANDE" in alone.stdout
    version = kit("--version", cwd=project)
    assert version.returncode == 0 and version.stdout.startswith("kit 0.")
    empty = kit("search", "  ", cwd=project)
    assert empty.returncode == 2 and "La requête est vide" in empty.stderr
    made = kit("new-case", "foo.yml", cwd=project)
    assert made.returncode == 0 and (project / "kit" / "cas" / "foo.yml").is_file()
    assert not (project / "kit" / "cas" / "foo.yml.yml").exists()
    again = kit("new-case", "kit/cas/foo.yml", cwd=project)
    assert again.returncode == 2 and "existe déjà" in again.stderr
    after = kit("check", "--projet", str(project), cwd=tmp_path)  # the option after the command
    assert "foo.yml" in after.stderr  # the new sheet is checked (and still empty)

    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    outside = kit("check", cwd=elsewhere)
    assert outside.returncode == 1
    assert f"ni {elsewhere} ni ses dossiers parents ne contiennent site_config.yml" in outside.stderr
    assert "cd DOSSIER-DU-PROJET" in outside.stderr and "--projet" in outside.stderr
    missing = kit("--projet", str(tmp_path / "absent"), "build", cwd=elsewhere)
    assert missing.returncode == 1 and "n'existe pas" in missing.stderr
    a_file = project / "site_config.yml"
    not_a_folder = kit("--projet", str(a_file), "check", cwd=elsewhere)
    assert not_a_folder.returncode == 1 and "est un fichier, pas un dossier" in not_a_folder.stderr
    assert list(elsewhere.iterdir()) == []


# --- kit serve ---


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_on_a_busy_port_says_so_before_announcing_anything(project: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = kit("serve", "--port", str(port), cwd=project, env=run_env(TMPDIR=str(tmp_path)), timeout=60)
    assert result.returncode == 1
    assert f"le port {port} est déjà utilisé : essayez « kit serve --port {port + 1} »" in result.stderr.lower()
    assert "Aperçu :" not in result.stderr + result.stdout
    assert not list(tmp_path.glob("kit-apercu-*")), "rien ne reste dans le dossier temporaire"


class Preview:
    def __init__(self, root: Path, temporary: Path):
        self.root, self.temporary, self.port = root, temporary, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log: list[str] = []
        self.process = start_kit("serve", "--port", str(self.port), cwd=root, env=run_env(TMPDIR=str(temporary)),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=lambda: [self.log.append(line) for line in self.process.stdout], daemon=True).start()
        deadline = time.monotonic() + TIMEOUT
        while not any("Aperçu :" in line for line in self.log):
            assert time.monotonic() < deadline and self.process.poll() is None, "".join(self.log)
            time.sleep(0.1)

    def get(self, path: str, host: str | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path, headers={"Host": host} if host else {})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    base = tmp_path_factory.mktemp("apercu")
    root = copy_project(FIXTURES / "mini", base / "projet").root
    temporary = base / "tmp"
    temporary.mkdir()
    (temporary / "kit-apercu-4242-dead").mkdir()  # left by a preview killed with SIGKILL
    running = Preview(root, temporary)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_the_preview_swept_a_killed_previews_folder(preview: Preview) -> None:
    assert not (preview.temporary / "kit-apercu-4242-dead").exists()
    assert len(list(preview.temporary.glob("kit-apercu-*[!u]"))) == 1  # its own (lock files end in « u »)


def test_the_preview_serves_the_sites_french_404_page(preview: Preview) -> None:
    status, body = preview.get("page-absente.html")
    assert status == 404 and "<h1>Page introuvable</h1>" in body and 'lang="fr"' in body


def test_the_preview_answers_400_to_a_malformed_address_and_keeps_serving(preview: Preview) -> None:
    for path in ("fiches/%00.html", "%ff%fe.html"):
        status, body = preview.get(path)
        assert status == 400 and "Adresse invalide" in body
    assert preview.get("index.html")[0] == 200


def test_the_preview_refuses_another_host_name(preview: Preview) -> None:
    status, body = preview.get("index.html", host="attaquant.example:%d" % preview.port)
    assert status == 403 and "L'aperçu ne répond qu'à son adresse locale" in body
    assert preview.get("index.html", host=f"localhost:{preview.port}")[0] == 200


def test_the_previews_offline_edition_button_says_why_there_is_none(preview: Preview) -> None:
    home = preview.get("index.html")[1]
    assert 'href="telechargements/kit-co-construction-territoriale.zip"' in home
    status, body = preview.get("telechargements/kit-co-construction-territoriale.zip")
    assert status == 404 and "L'aperçu ne construit pas l'édition hors ligne" in body and "kit zip" in body


def test_a_build_beside_the_preview_leaves_both_whole(preview: Preview) -> None:
    result = kit("build", cwd=preview.root)
    assert result.returncode == 0, result.stderr
    assert (preview.root / "site" / "index.html").is_file() and debris(preview.root) == []
    assert preview.get("fiches/charenton.html")[0] == 200
    assert not [line for line in preview.log if "Traceback" in line]


def test_sigterm_stops_the_preview_and_removes_its_folder(preview: Preview) -> None:
    preview.process.send_signal(signal.SIGTERM)  # as closing the terminal
    assert preview.process.wait(timeout=60) == 0
    assert list(preview.temporary.iterdir()) == []
    assert not [line for line in preview.log if "Traceback" in line]


# --- quick start ---


def test_ci_runs_the_readmes_test_command_in_a_virtual_environment() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme[readme.index("## Démarrage rapide"):readme.index("## Commandes")]
    commands = [line for line in quick_start.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2 and commands[0].endswith(".venv/bin/kit build")
    assert commands[1] in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "py -m venv .venv" in contributing and "python3 -m venv .venv" in contributing


def test_a_signal_while_a_claim_is_made_waits_until_it_is_whole_then_nothing_is_left(tmp_path: Path, monkeypatch) -> None:
    """The CI fault: SIGTERM between taking a lock and making its folder left the lock file."""
    from builder import cli, runs

    real_mkdir = Path.mkdir

    def mkdir_then_signal(self, *args, **kwargs):
        if self.name.startswith(runs.RUN_PREFIX):
            os.kill(os.getpid(), signal.SIGTERM)  # comes in between the lock and the folder
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir_then_signal)
    reached = []
    with cli.cleanup_on_signals(), pytest.raises(cli.Interrupted) as stopped:
        with runs.claimed(tmp_path, runs.RUN_PREFIX) as owned:
            reached.append(owned.path.is_dir())
    assert stopped.value.signum == signal.SIGTERM
    assert reached == []  # raised before the block, once the claim could be released
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_interruption_held_off_is_raised_once_the_outermost_block_ends() -> None:
    from builder import cli, runs

    steps = []
    with cli.cleanup_on_signals(), pytest.raises(cli.Interrupted):
        with runs.uninterrupted():
            with runs.uninterrupted():
                os.kill(os.getpid(), signal.SIGINT)
                steps.append("inner")
            steps.append("outer")
        steps.append("after")
    assert steps == ["inner", "outer"]
