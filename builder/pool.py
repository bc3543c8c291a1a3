"""Independent work spread over the machine's cores (bottom layer: imports nothing of the builder).

A build is mostly pure Python, which one process runs on one core (the GIL). Work made of
independent pieces (the same rewrite of every page of the site) is cut into chunks and
handed to worker processes, as many as ``os.cpu_count()`` says (the standard library's
``concurrent.futures.ProcessPoolExecutor``: no dependency, and it reports a worker's
exception, or its death, to the caller).

Workers are *spawned* (a fresh interpreter) by default: a fork copies a process that may
hold threads (``kit serve``), and a spawned worker imports only the modules of the functions
it runs (``builder.typography``, ``builder.csp``: about 20 MB). Work that needs the loaded
catalogue (rendering the case sheets' pages) is *forked* instead, only when no other thread
runs (``can_fork``): the workers share the parent's memory pages until they write to them,
and nothing is pickled or imported again.

As with any use of ``multiprocessing``, a script that runs a build must guard its own code
with ``if __name__ == "__main__":`` (a spawned worker imports the main module again; ``kit``,
``python -m builder`` and the benchmarks do).

Results never depend on which worker ran what: each piece is worked on alone, results come
back in the order of the pieces (``spread``), so a build stays byte-identical with
``SOURCE_DATE_EPOCH`` whether it used one process or many.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many pieces, starting interpreters costs more than it saves: 259 pages took
# 0.9 s in this process, 1.5 s over two spawned workers (benchmarks/README.md, issue 15).
MIN_PARALLEL_ITEMS = 1000
# Chunks per worker: small enough to even out slow and fast chunks, large enough that
# sending the work to a process costs little beside it.
CHUNKS_PER_WORKER = 4


class WorkerFailed(Exception):
    """A worker process stopped without an answer (killed, out of memory). ``message`` is French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def worker_count(items: int) -> int:
    """How many processes to use for ``items`` independent pieces: ``os.cpu_count()`` (the
    cores this process may use, where the system says it), 1 below ``MIN_PARALLEL_ITEMS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 1 if items < MIN_PARALLEL_ITEMS else max(1, cores)


def cores() -> int:
    """The cores this process may use (``os.sched_getaffinity`` where the system has it, else
    ``os.cpu_count()``), at least 1: the worker count for a caller with its own threshold."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def chunks(items: Sequence[Item], count: int) -> list[list[Item]]:
    """``items`` cut into at most ``count`` consecutive chunks of near-equal length, in order."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    cut, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        cut.append(list(items[start:end]))
        start = end
    return [c for c in cut if c]


def can_fork() -> bool:
    """Whether worker processes may be forked from this one: the system forks, and no other
    thread runs here (a fork copies a lock another thread may hold: ``kit serve`` has threads)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def default_signals() -> None:
    """Ctrl+C, SIGTERM and SIGHUP back to the system's default (the process ends, silently):
    for a forked worker, which inherits the command's handlers (``cli.cleanup_on_signals``
    raises KeyboardInterrupt). When a worker dies the pool terminates the others; with the
    inherited handler each printed a Python traceback beside the French message."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_DFL)


# Children forked while this is above 0 start with the default signal handlers (see below).
_QUIET_FORKS = 0
_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}


def _block_signals() -> None:
    # Held back across the fork: a signal sent to the child before its handlers are reset
    # waits, then meets the default handler (the pool ends a worker as soon as another dies).
    if _QUIET_FORKS and hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)


def _unblock_signals() -> None:
    if _QUIET_FORKS and hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _quiet_child() -> None:
    if _QUIET_FORKS:
        default_signals()
        _unblock_signals()


os.register_at_fork(before=_block_signals, after_in_parent=_unblock_signals, after_in_child=_quiet_child)


@contextlib.contextmanager
def default_signals_in_forks() -> Iterator[None]:
    """Within the block, every child forked from this process (``spread(fork=True)``'s workers)
    runs ``default_signals`` first thing, before it waits for work: a worker the pool ends
    before it took a piece must end silently too."""
    global _QUIET_FORKS
    _QUIET_FORKS += 1
    try:
        yield
    finally:
        _QUIET_FORKS -= 1


def spread(function: Callable[..., Result], pieces: Sequence[Any], *arguments: Any,
           workers: int | None = None, fork: bool = False, meanwhile: Callable[[], None] | None = None) -> list[Result]:
    """``[function(piece, *arguments) for piece in pieces]``, computed by ``workers`` processes
    (None: ``worker_count(len(pieces))``; 1: in this process). ``function`` and the arguments
    must be picklable (a module-level function). Results in the order of ``pieces``.

    ``fork``: the workers are forked, so they inherit this process's memory as it is (a
    module-level value set just before, read by ``function``: nothing to pickle or import);
    where ``can_fork()`` is false the work is done in this process instead.

    ``meanwhile``: this process's own work, done once while the workers compute (they are
    forked before it starts: nothing it changes reaches them), or after the pieces where no
    worker is used. It must not need the pieces' results nor touch what they write.

    Raises what ``function`` raised (the first piece's error, in order), what ``meanwhile``
    raised, or ``WorkerFailed`` when a worker died without an answer; the other pieces are
    then cancelled or awaited, so no worker is left writing after the call returns."""
    workers = worker_count(len(pieces)) if workers is None else workers
    if workers <= 1 or len(pieces) <= 1 or (fork and not can_fork()):
        results = [function(piece, *arguments) for piece in pieces]
        if meanwhile is not None:
            meanwhile()
        return results
    context = multiprocessing.get_context("fork" if fork else "spawn")
    if fork:
        # The objects made so far are left out of the collector's passes, in the workers too:
        # a pass writes in every object it visits, and each page written to is copied into
        # the worker (copy on write), a whole catalogue per worker (Python's gc.freeze docs).
        gc.freeze()
    executor = ProcessPoolExecutor(max_workers=min(workers, len(pieces)), mp_context=context)
    try:
        # Forked workers end silently on a signal (the pool ends the others when one dies).
        with default_signals_in_forks() if fork else contextlib.nullcontext():
            futures = [executor.submit(function, piece, *arguments) for piece in pieces]
        if meanwhile is not None:
            # A forking executor has started all its workers at the first submit (Python's
            # ProcessPoolExecutor: processes cannot be added safely later with fork).
            meanwhile()
        return [future.result() for future in futures]
    except BrokenProcessPool as error:
        raise WorkerFailed(WORKER_DIED) from error
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        if fork:
            gc.unfreeze()


WORKER_DIED = ("Un processus de travail de la construction s'est arrêté sans répondre (mémoire épuisée "
               "ou processus tué) : relancez la commande ; si cela se reproduit, libérez de la mémoire.")


class Background:
    """``function(*arguments)`` run by a forked child process while this one goes on (a
    whole-site stage's own work, beside the page pass: ``build.run_post_build_stages``);
    ``join`` waits for it and gives its result. Used as a context manager, a block left by an
    exception stops the child (it must not write into a staging folder being thrown away).

    The child inherits this process's memory as it is (nothing pickled on the way in); its
    result or exception comes back pickled (an exception that cannot be pickled comes back as
    a ``RuntimeError`` with its text). Only where ``can_fork()``: the caller runs the function
    itself otherwise."""

    def __init__(self, function: Callable[..., Result], *arguments: Any):
        context = multiprocessing.get_context("fork")
        self._answer, sent = context.Pipe(duplex=False)
        gc.freeze()  # as for forked workers: the child's collector passes copy no page
        try:
            self._process = context.Process(target=_answer_with, args=(sent, function, arguments),
                                            name="kit-arriere-plan", daemon=True)
            with default_signals_in_forks():  # stopped (stop, Ctrl+C): it ends silently
                self._process.start()
        finally:
            gc.unfreeze()
        sent.close()  # the child holds the only sending end: its death reads as end of file
        self._done = False

    def join(self) -> Any:
        """The function's result. Raises what it raised, ``WorkerFailed`` (French) if the child
        died without an answer."""
        self._done = True
        try:
            outcome = self._answer.recv()
        except EOFError:
            outcome = None
        finally:
            self._answer.close()
            self._process.join()
        if outcome is None:
            raise WorkerFailed(WORKER_DIED)
        succeeded, value = outcome
        if not succeeded:
            raise value
        return value

    def stop(self) -> None:
        """The child stopped (if still running) and waited for; nothing is returned."""
        if not self._done:
            self._done = True
            self._process.terminate()
            self._process.join()
            self._answer.close()

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _answer_with(sent: Any, function: Callable[..., Any], arguments: tuple) -> None:
    try:
        outcome = (True, function(*arguments))
    except BaseException as error:  # told to the parent, which raises it there
        outcome = (False, error)
    try:
        sent.send(outcome)
    except Exception:  # the result or the error could not be pickled: its text at least
        sent.send((False, RuntimeError(str(outcome[1]))))
    sent.close()


PageTransform = Callable[[str], str]


def _rewrite_chunk(relatives: list[str], site_dir: str, transforms: tuple[PageTransform, ...]) -> int:
    changed = 0
    for relative in relatives:
        path = Path(site_dir) / relative
        page = path.read_text(encoding="utf-8")
        done = page
        for transform in transforms:
            done = transform(done)
        if done != page:
            path.write_text(done, encoding="utf-8")
            changed += 1
    return changed


def html_pages(site_dir: Path) -> list[str]:
    """The site's ``.html`` pages (relative POSIX paths, sorted): regular files only, a
    symbolic link is never written through."""
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")
                  if p.is_file() and not p.is_symlink())


def rewrite_pages(site_dir: Path, transforms: Sequence[PageTransform], workers: int | None = None,
                  skip: Collection[str] = ()) -> int:
    """Every page of ``site_dir`` (``html_pages``) but those in ``skip`` (relative POSIX
    paths: pages already through the transforms) read once, passed through ``transforms`` in
    order (each a function of the page's HTML text to its new text, the same for a page
    whatever the others hold), and written once if it changed: the page-local post-build
    stages fused into one pass, spread over ``workers`` processes (None: ``worker_count``).
    Returns the number of pages written. Raises ``OSError``, ``UnicodeDecodeError``,
    ``WorkerFailed`` (a page may then be rewritten and another not: the caller's staging
    folder is thrown away, as for any failed stage)."""
    pages = [page for page in html_pages(site_dir) if page not in skip]
    workers = worker_count(len(pages)) if workers is None else workers
    pieces = chunks(pages, workers * CHUNKS_PER_WORKER if workers > 1 else 1)
    return sum(spread(_rewrite_chunk, pieces, str(site_dir), tuple(transforms), workers=workers))
