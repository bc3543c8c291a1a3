"""``kit serve``: a local preview that rebuilds when the catalogue, content or theme change.

MkDocs' own LiveReloadServer serves the site and reloads the open pages; our rebuild
function runs an incremental round (``builder.incremental``: after a first full build, a
saved case sheet re-renders only the pages that depend on it) in the preview folder, a
claimed temporary folder (``builder.runs``) removed on Ctrl+C, SIGTERM or SIGHUP, and by the
next preview if this one was killed. The server subclass adds what a page served to a
browser needs: the site's own 404 page, a 400 for malformed addresses, a refusal of
requests for another host name (DNS rebinding, as MkDocs' own ``serve`` does not check it),
and a French page explaining that the preview holds no offline edition.

Saves are seen through inotify (``watch``: watchdog's ``InotifyObserver``) as they happen,
where MkDocs' own watcher polls every file twice a second (up to 0.5 s before a round starts,
and a scan of the whole catalogue each time: 27 ms at 2,000 sheets); the polling observer
stays the fallback where inotify is missing or out of watches. The kernel sends only writes,
creations, removals and renames (``_event_filter``: no opening nor reading), and the round
starts as soon as a save is over (``_ends_a_save``: a source file closed after writing or
renamed into place), after a short delay for any other change. In a partial round the open
pages reload as soon as the saved sheet's page is published (``reload_browsers``), before the
index and the other pages are made.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import html
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from builder import csp
from builder.build import preflight, terminal_progress
from builder.config import Project
from builder.loader import CatalogueError
from builder.paths import NOT_FOUND_PAGE, OutputPaths
from builder.safety import KitError
from builder.site import MkDocsFailed
from builder.typography import decimal

PREVIEW_PREFIX = "kit-apercu-"
SWITCH_INTERVAL = 0.0005  # s (``sys.setswitchinterval``; Python's default is 0.005): see serve()
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


def french_page(title: str, text: str) -> bytes:
    """A short French page the preview answers itself (refusals, errors), under the site's
    Content-Security-Policy like every page it serves (builder.csp; it has no script)."""
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f'<meta http-equiv="{csp.META_NAME}" content="{csp.policy([])}">'
        f'<title>{html.escape(title, quote=False)}</title></head>'
        f"<body><h1>{html.escape(title, quote=False)}</h1><p>{html.escape(text, quote=False)}</p></body></html>"
    ).encode("utf-8")


def allowed_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` headers the preview answers: its own address, by IP or as localhost."""
    names = {host, *LOCAL_NAMES}
    return {f"{name}:{port}" for name in names} | ({*names} if port == 80 else set())


def request_problem(environ: dict, hosts: set[str]) -> tuple[str, bytes] | None:
    """Why a request must be refused before it reaches the files (status, French page), or None."""
    host = environ.get("HTTP_HOST")
    if host is not None and host.lower() not in hosts:
        return "403 Forbidden", french_page(
            "Accès refusé",
            f"L'aperçu ne répond qu'à son adresse locale ({sorted(hosts)[0]}), pas à « {host} ».",
        )
    raw = environ.get("PATH_INFO", "")
    try:
        path = raw.encode("latin-1").decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        path = None
    if path is None or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "400 Bad Request", french_page("Adresse invalide", "L'adresse demandée contient des caractères interdits.")
    return None


_CSP_SCRIPTS = re.compile(rb"""(<meta http-equiv=["']?Content-Security-Policy["']? content="[^"]*?script-src)""", re.I)


def allow_reload_script(page: bytes) -> bytes:
    """The pages' Content-Security-Policy lists the hashes of their inline scripts; the
    reload script MkDocs' server adds before ``</body>`` gets its hash there too (preview only)."""
    end = page.rfind(b"</script>")
    start = page.rfind(b"<script>", 0, end)
    if start < 0 or end < 0:
        return page
    digest = base64.b64encode(hashlib.sha256(page[start + len(b"<script>"):end]).digest())
    return _CSP_SCRIPTS.sub(lambda m: m.group(1) + b" 'sha256-" + digest + b"'", page, count=1)


# What a change of a watched file looks like to watchdog; opening, reading and closing a file
# unwritten are not changes (each round reads files of content/ and theme/: that would start
# the next round).
CHANGE_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed", "attrib"})
# A change ends a save when it is a file closed after writing, or a file renamed into place,
# and that file is one the site is made from (a catalogue file, a page of content/): the round
# starts at once. After any other change (a write not closed yet, a new file still empty, an
# editor's temporary or backup file, a file removed), the round starts once no other change
# came for BUILD_DELAY (MkDocs' default is 0.1 s): an editor's save comes within a millisecond.
SAVE_EVENTS = frozenset({"closed", "moved"})
SOURCE_SUFFIXES = (".yml", ".yaml", ".md")
BUILD_DELAY = 0.05
POLLING_INTERVAL = 0.5  # the fallback's, as MkDocs' own watcher


def _ends_a_save(event) -> bool:
    """Whether ``event`` (watchdog) completes the save of a source file: see SAVE_EVENTS."""
    if event.event_type not in SAVE_EVENTS:
        return False
    path = os.fsdecode(event.dest_path if event.event_type == "moved" else event.src_path)
    name = os.path.basename(path)
    return not name.startswith((".", "#")) and name.endswith(SOURCE_SUFFIXES)


class _Rounds:
    """Asks a LiveReloadServer for a round: at once (``now``), or once no other change came for
    BUILD_DELAY (``soon``). The server's own delay is set to 0 (``make_server``): MkDocs'
    build loop starts the round as soon as it is asked."""

    def __init__(self, server) -> None:
        import threading

        self.server = server
        self.lock = threading.Lock()
        self.timer = None

    def now(self) -> None:
        with self.lock:
            if self.timer is not None:  # the round starts after that change too: it sees it
                self.timer.cancel()
                self.timer = None
        with self.server._rebuild_cond:  # MkDocs' build loop waits on it (mkdocs.livereload)
            self.server._want_rebuild = True
            self.server._rebuild_cond.notify_all()

    def soon(self) -> None:
        import threading

        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(BUILD_DELAY, self.now)
            self.timer.daemon = True
            self.timer.start()


def _rounds_of(server) -> _Rounds:
    rounds = getattr(server, "_kit_rounds", None)
    if rounds is None:
        rounds = server._kit_rounds = _Rounds(server)
    return rounds


def _changes_handler(server, only: str | None = None):
    """A watchdog handler that asks ``server`` (a LiveReloadServer) for a round on each change
    of a file (``only``: of that one path), as MkDocs' ``LiveReloadServer.watch`` does; at once
    for the end of a save, after BUILD_DELAY for any other change (``_ends_a_save``)."""
    from watchdog.events import FileSystemEventHandler

    rounds = _rounds_of(server)

    class Changes(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.is_directory or event.event_type not in CHANGE_EVENTS:
                return
            if only is not None and only not in (os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")):
                return
            if _ends_a_save(event):
                rounds.now()
            else:
                rounds.soon()

    return Changes()


def _event_filter() -> list:
    """The watchdog events asked for: with inotify, the kernel then sends no opening, reading
    or closing without writing (every round reads files of content/ and theme/)."""
    from watchdog import events

    return [events.FileCreatedEvent, events.FileDeletedEvent, events.FileModifiedEvent, events.FileMovedEvent,
            events.FileClosedEvent, events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent]


def watch(server, paths: list[Path], inotify: bool = True):
    """Start watching ``paths`` (folders recursively; a file through its folder, so that a
    save by renaming a new file onto it is seen too) for ``server``; returns the started
    observer (stop and join it at the end). inotify when ``inotify`` and it works, else
    watchdog's polling observer."""
    from watchdog.observers.polling import PollingObserver

    def schedule(observer, handler, folder: Path, recursive: bool) -> None:
        try:
            observer.schedule(handler, str(folder), recursive=recursive, event_filter=_event_filter())
        except TypeError:  # an older watchdog takes no filter: every event comes, the handler sorts them
            observer.schedule(handler, str(folder), recursive=recursive)

    def started(observer):
        for path in paths:
            path = Path(os.path.abspath(path))
            # MkDocs' server adds its reload script to the pages only while it watches a path
            # (its own observer, started by serve(), then watches nothing: this one does).
            server._watched_paths[str(path)] = 1
            if path.is_dir():
                schedule(observer, _changes_handler(server), path, recursive=True)
            else:
                schedule(observer, _changes_handler(server, str(path)), path.parent, recursive=False)
        observer.start()
        return observer

    if inotify:
        try:
            from watchdog.observers.inotify import InotifyObserver

            observer = InotifyObserver()
        except (ImportError, OSError):  # not Linux, or no inotify
            pass
        else:
            try:
                return started(observer)
            except OSError:  # out of watches or instances: poll instead
                try:
                    observer.stop()
                except Exception:  # noqa: BLE001 (half started: nothing of it is used)
                    pass
    return started(PollingObserver(timeout=POLLING_INTERVAL))


def reload_browsers(server) -> None:
    """Tell the open pages of ``server`` (a LiveReloadServer, during its round) to reload now,
    before the round ends: what MkDocs' build loop does after the round (``_build_loop``),
    done as soon as the saved sheet's page is published (``Preview.page_ready``). The requests
    that came meanwhile, held until the round ends, are answered from then on; the files the
    round still replaces are swapped whole (``os.replace``). The loop's own reload at the end
    sees the same version and reloads nothing again."""
    with server._epoch_cond:
        server._visible_epoch = server._wanted_epoch
        server._epoch_cond.notify_all()


def make_server(project: Project, site_dir: Path, rebuild, host: str, port: int, archive_path: str):
    """A LiveReloadServer bound to ``host:port`` (raises ``KitError`` when the port is taken)."""
    from mkdocs.livereload import LiveReloadServer

    hosts = allowed_hosts(host, port)

    class PreviewServer(LiveReloadServer):
        def serve_request(self, environ, start_response):
            problem = request_problem(environ, hosts)
            if problem is None and environ.get("PATH_INFO", "").lstrip("/") == archive_path:
                problem = "404 Not Found", french_page(
                    "Édition hors ligne absente de l'aperçu",
                    "L'aperçu ne construit pas l'édition hors ligne, pour rester rapide. "
                    "Pour l'obtenir, lancez « kit build » (elle est alors dans site/) ou « kit zip ».",
                )
            if problem:
                status, body = problem
                start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
                return [body]
            return super().serve_request(environ, start_response)

        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            return allow_reload_script(super()._inject_js_into_html(content, epoch))

    server = PreviewServer(builder=rebuild, host=host, port=port, root=str(site_dir))
    server.build_delay = 0  # the watcher waits itself, only where a save is not over (_Rounds)
    server.error_handler = lambda code: _error_page(site_dir, code)
    try:
        server.server_bind()
        server.server_activate()
    except OverflowError:
        server.server_close()
        raise KitError(f"Port {port} invalide : choisissez un nombre entre 1024 et 65535, par exemple « kit serve --port 8001 ».")
    except OSError as error:
        server.server_close()
        if error.errno == errno.EADDRINUSE:
            raise KitError(f"Le port {port} est déjà utilisé : essayez « kit serve --port {port + 1} ».") from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise KitError(f"Le port {port} est réservé : essayez « kit serve --port 8000 ».") from None
        raise
    # serve() binds again: it must find the socket ready instead.
    server.server_bind = server.server_activate = lambda: None
    return server


def _error_page(site_dir: Path, code: int) -> bytes | None:
    """The site's own French 404 page; a short French sentence for anything else."""
    if code == 404:
        page = site_dir / NOT_FOUND_PAGE
        if page.is_file():
            return page.read_bytes()
        return french_page("Page introuvable", "Cette page n'existe pas dans l'aperçu.")
    return french_page("Erreur de l'aperçu", "L'aperçu n'a pas pu servir cette page ; voir le terminal.")


def serve(project: Project, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve a live preview until interrupted; returns the exit code. Raises ``KitError``
    (busy port, faulty environment) before anything is announced."""
    from builder import runs

    preflight(project)
    # The open page reloads while the round goes on (``reload_browsers``): the server's threads
    # then wait for the interpreter's lock between each of their steps, up to the switch
    # interval each time (5 ms by default: 30 to 80 ms per file of the page, a dozen files).
    sys.setswitchinterval(SWITCH_INTERVAL)
    temporary_root = Path(tempfile.gettempdir())
    runs.sweep(temporary_root, PREVIEW_PREFIX)  # previews killed without cleaning up
    with runs.claimed(temporary_root, PREVIEW_PREFIX) as preview:
        from builder.incremental import PARTIAL, Preview

        rounds = Preview(project, preview.path, progress=terminal_progress)
        site_dir = rounds.site_dir
        site_dir.mkdir()
        server = observer = None
        started = [0.0]  # when the current round started
        try:
            def page_ready() -> None:
                reload_browsers(server)
                print(f"Page de la fiche à jour ({decimal(time.perf_counter() - started[0])} s) : la page ouverte se "
                      "recharge ; l'index et les autres pages suivent.", file=sys.stderr)

            def rebuild() -> None:
                try:
                    preflight(project)
                    start = started[0] = time.perf_counter()
                    mode = rounds.rebuild()
                    seconds = time.perf_counter() - start
                    if mode == PARTIAL:
                        print(f"Aperçu à jour. (mise à jour partielle : {len(rounds.changed)} fichier(s) changé(s), "
                              f"{decimal(seconds)} s ; index de recherche et exports mis à jour ensuite)", file=sys.stderr)
                    else:
                        print(f"Aperçu à jour. (reconstruction complète, {decimal(seconds)} s)", file=sys.stderr)
                except (CatalogueError, MkDocsFailed, KitError, OSError) as error:
                    print(f"{describe(error)}\nL'aperçu garde la version précédente.", file=sys.stderr)
                except Exception as error:  # the preview goes on; the details go to the log file
                    from builder.errorlog import log_unexpected

                    log = log_unexpected(error, project)
                    print(f"Erreur inattendue pendant la reconstruction (détails : {log}).\n"
                          "L'aperçu garde la version précédente.", file=sys.stderr)

            archive_path = _archive_path(project)
            server = make_server(project, site_dir, rebuild, host, port, archive_path)
            rounds.page_ready = page_ready
            rebuild()
            observer = watch(server, project.watched())  # not server.watch: see the module's docstring
            print(f"Aperçu : http://{host}:{port}/ (Ctrl+C pour arrêter)", file=sys.stderr)
            try:
                server.serve()
            except KeyboardInterrupt:  # Ctrl+C, or SIGTERM/SIGHUP turned into it by the CLI
                print("Aperçu arrêté.", file=sys.stderr)
        finally:
            rounds.close()  # the search index of the last round, if it still runs
            if observer is not None:
                observer.stop()
                observer.join()
            if server is not None:
                server.shutdown()
                server.server_close()
    return 0


def _archive_path(project: Project) -> str:
    """Where the pages link the offline edition (``telechargements/NOM.zip``)."""
    from builder.loader import load_config
    from builder.problems import Problems

    config = load_config(project, Problems(project.root))
    return OutputPaths().archive if config is None else OutputPaths.of(config.sorties).archive


def describe(error: BaseException) -> str:
    """The French message of a failed round, its quoted text's controls shown as escapes."""
    from builder.problems import terminal_safe

    if isinstance(error, CatalogueError):
        text = error.problems.report()
    elif isinstance(error, KitError):
        text = error.message
    elif isinstance(error, OSError):
        from builder.safety import os_error_message

        text = os_error_message(error)
    else:
        text = str(error)
    return "\n".join(terminal_safe(line) for line in text.split("\n"))
