"""Runs that never corrupt each other, and leave nothing behind.

Every folder a run writes in (its work folder under ``.kit-build/``, the staging folder
beside the site, the preview folder of ``kit serve``) is *claimed*: a lock file
``<folder>.verrou`` is held for as long as the run lives, then the folder is made. Two runs
therefore never share a folder, and the next run removes the folders whose lock is free
(their run was killed, even by SIGKILL): ``sweep``.

Locks come from ``filelock`` (fcntl on Unix, msvcrt on Windows): a lock held by a killed
process is released by the system, which a lock file with a PID cannot guarantee.

The new site replaces the old one in one atomic step where the system allows it
(``renameat2(RENAME_EXCHANGE)``, Linux 3.15+); elsewhere two renames, and a run killed
between them is recovered by the next one (``recover_site``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_SUFFIX = ".verrou"
STAGING = "nouveau"  # .<site>.nouveau-<token>: the site being built
OLD = "ancien"  # .<site>.ancien-<token>: the previous site, until it is removed
RUN_PREFIX = "run-"  # .kit-build/run-<token>: generated pages and mkdocs.yml of one run
# A lock file with no folder is left when a run dies between the two; removed once old.
ORPHAN_LOCK_SECONDS = 600


# --- holding off interruptions while a lock and its folder are made or removed together ---
# A signal turned into an exception (cli.cleanup_on_signals) between taking a lock and making its
# folder, or between removing a folder and its lock, would leave a lock file behind. Signal
# handlers run in the main thread only, so the depth is per thread: a rebuild in kit serve's
# worker thread never holds off the main thread's Ctrl+C.
_shield = threading.local()


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold off the interruptions raised through ``interrupt`` until the block ends; the
    last one held is raised then (nested blocks: when the outermost ends)."""
    _shield.depth = getattr(_shield, "depth", 0) + 1
    try:
        yield
    finally:
        _shield.depth -= 1
        pending = getattr(_shield, "pending", None)
        if _shield.depth == 0 and pending is not None:
            _shield.pending = None
            raise pending


def interrupt(error: BaseException) -> None:
    """Raise ``error`` now, or at the end of the current ``uninterrupted`` block. Called by
    signal handlers (in: the exception that stops the run, e.g. ``KeyboardInterrupt``)."""
    if getattr(_shield, "depth", 0):
        _shield.pending = error
        return
    raise error


def _lock(path: Path) -> FileLock:
    # thread_local=False: kit serve rebuilds in a worker thread and cleans up in the main one.
    return FileLock(str(path), thread_local=False)


class Claim:
    """A folder owned by this run: ``path`` exists while ``lock`` is held."""

    def __init__(self, path: Path, lock: FileLock):
        self.path = path
        self.lock = lock

    def release(self, keep: bool = False) -> None:
        """Remove the folder (unless ``keep``), then free and delete the lock file; an
        interruption waits until both are gone."""
        with uninterrupted():
            if not keep:
                shutil.rmtree(self.path, ignore_errors=True)
            self.lock.release()
            with contextlib.suppress(OSError):
                Path(self.lock.lock_file).unlink()


def claim(parent: Path, prefix: str) -> Claim:
    """Create and lock a new folder ``parent/<prefix><token>`` (the lock first: a sweeper
    that sees the folder always finds its lock held). Raises ``OSError``. Runs use
    ``claimed``, which also releases it and is never left half-made by a signal."""
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        lock = _lock(path.with_name(path.name + LOCK_SUFFIX))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            # Nobody else holds a fresh name: the lock file cannot be made here (filelock only says
            # so in English). Open it ourselves for the system's reason, said in French by the CLI.
            os.close(os.open(lock.lock_file, os.O_RDWR | os.O_CREAT))
            with contextlib.suppress(OSError):
                os.unlink(lock.lock_file)
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), lock.lock_file) from None
        try:
            path.mkdir()
        except FileExistsError:
            _unlock(lock)
            continue
        except BaseException:
            _unlock(lock)
            raise
        return Claim(path, lock)


@contextlib.contextmanager
def claimed(parent: Path, prefix: str) -> Iterator[Claim]:
    """``claim`` for the time of the block, then ``release``. An interruption that comes while
    the claim is being made waits until it is whole and bound here, so it is always released."""
    owned: Claim | None = None
    try:
        with uninterrupted():
            owned = claim(parent, prefix)
        yield owned
    finally:
        if owned is not None:
            owned.release()


def _unlock(lock: FileLock) -> None:
    lock.release()
    with contextlib.suppress(OSError):
        os.unlink(lock.lock_file)


def is_abandoned(folder: Path) -> bool:
    """True when no live run holds ``folder``'s lock (or it has none: debris of older versions)."""
    lock_file = folder.with_name(folder.name + LOCK_SUFFIX)
    if not lock_file.exists():
        return True
    lock = _lock(lock_file)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    except OSError:
        return False  # a lock file we may not open (another user's): not ours to judge
    lock.release()
    return True


def sweep(parent: Path, prefix: str) -> list[Path]:
    """Remove the folders ``parent/<prefix>*`` that no live run holds, and their lock files.
    Returns what was removed. Never touches anything without the prefix."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    now = time.time()
    for entry in sorted(parent.iterdir()):
        if not entry.name.startswith(prefix):
            continue
        if entry.name.endswith(LOCK_SUFFIX):
            folder = entry.with_name(entry.name[: -len(LOCK_SUFFIX)])
            with contextlib.suppress(OSError):
                if not folder.exists() and now - entry.stat().st_mtime > ORPHAN_LOCK_SECONDS and is_abandoned(folder):
                    entry.unlink()
            continue
        if entry.is_dir() and not entry.is_symlink() and is_abandoned(entry):
            with uninterrupted():
                shutil.rmtree(entry, ignore_errors=True)
                with contextlib.suppress(OSError):
                    entry.with_name(entry.name + LOCK_SUFFIX).unlink()
            removed.append(entry)
    return removed


def sweep_stale_temporary_files(target: Path, age: float = ORPHAN_LOCK_SECONDS) -> list[Path]:
    """Remove the temporary files ``.<name>.XXXXXXXX`` (``tempfile.mkstemp``) that a zip
    writer killed by SIGKILL left beside ``target``; only those untouched for ``age``
    seconds (a zip is written in seconds: an older one has no live writer)."""
    import re

    pattern = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}")
    removed = []
    now = time.time()
    if not target.parent.is_dir():
        return removed
    for entry in target.parent.iterdir():
        with contextlib.suppress(OSError):
            if pattern.fullmatch(entry.name) and entry.is_file() and now - entry.stat().st_mtime > age:
                entry.unlink()
                removed.append(entry)
    return removed


@contextlib.contextmanager
def work_folder(work_root: Path) -> Iterator[Path]:
    """A work folder of its own for this run under ``work_root`` (``.kit-build/``), removed
    at the end; the folders of killed runs are removed first."""
    sweep(work_root, RUN_PREFIX)
    with claimed(work_root, RUN_PREFIX) as owned:
        yield owned.path


def staging_prefix(site_dir: Path, kind: str = STAGING) -> str:
    return f".{site_dir.name}.{kind}-"


def recover_site(site_dir: Path) -> Path | None:
    """A run killed between the two renames of ``swap_in``'s fallback left no ``site_dir``
    but the previous site under ``.<site>.ancien-*``: put it back. Returns what was restored."""
    if site_dir.exists():
        return None
    previous = [p for p in site_dir.parent.glob(staging_prefix(site_dir, OLD) + "*")
                if p.is_dir() and not p.name.endswith(LOCK_SUFFIX) and is_abandoned(p)]
    if not previous:
        return None
    newest = max(previous, key=lambda p: p.stat().st_mtime)
    with contextlib.suppress(OSError):
        newest.rename(site_dir)
        return newest
    return None


def clean_debris(site_dir: Path) -> None:
    """Before a build: restore a site lost mid-swap, then remove killed runs' staging folders."""
    recover_site(site_dir)
    sweep(site_dir.parent, staging_prefix(site_dir, STAGING))
    sweep(site_dir.parent, staging_prefix(site_dir, OLD))


# --- the swap ---

RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def _renameat2():
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2  # glibc 2.28+
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot (then nothing moved)."""
    function = _renameat2()
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False  # file system without RENAME_EXCHANGE (some network or FUSE mounts)
    raise OSError(code, os.strerror(code), str(second))


def swap_in(staging: Path, site_dir: Path, atomic: bool = True) -> None:
    """Put the built ``staging`` folder in place of ``site_dir`` and remove the old site.

    ``site_dir`` never appears half-written: with ``atomic`` and Linux, one exchange; else two
    renames under a lock beside the site (two runs never interleave them), and a run killed
    in between is undone by ``recover_site`` at the next run. Raises ``OSError``.
    """
    if not site_dir.exists():
        try:
            staging.rename(site_dir)
            return
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):  # another run just made it
                raise
    if atomic and exchange(staging, site_dir):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous site
        return
    with uninterrupted(), _lock(site_dir.parent / f".{site_dir.name}{LOCK_SUFFIX}"):
        old = site_dir.with_name(staging.name.replace(f".{STAGING}-", f".{OLD}-", 1))
        old_lock = _lock(old.with_name(old.name + LOCK_SUFFIX))
        old_lock.acquire(timeout=0)  # the old site stays ours until it is removed
        try:
            if site_dir.exists():
                site_dir.rename(old)
            staging.rename(site_dir)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            _unlock(old_lock)
