"""Publishing output files: never a partial file, never a file the user did not ask to replace.

The rules, for every command that writes (``convert``, ``predict -o``, ``draw``):

- An output is never an input of the same command (the model, the network, ``--data``),
  compared by resolved path and by inode (hard links, symlinks).
- Only a regular file is ever replaced: a symlink (dangling or not), FIFO, device, socket or
  directory at the output path is refused, ``--force`` or not; symlinks are never followed.
- The file is written to a temporary file in the output's directory, then published:
  without ``--force`` by ``os.link(tmp, out)``, which fails if ``out`` appeared meanwhile (no
  check-then-rename race; ``O_EXCL`` creation where the file system has no hard links), with
  ``--force`` by ``os.replace`` after checking again that ``out`` is a regular file or absent.
- The temporary file is removed on every exit path: errors, ``KeyboardInterrupt`` (Ctrl-C)
  and SIGTERM, which :func:`install_signal_handlers` turns into :class:`Interrupted` so that
  ``finally`` blocks run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TypeVar

from nnconvert.errors import NnconvertError

T = TypeVar("T")


class OutputError(NnconvertError):
    """An output file cannot be written (exists without --force, not a regular file, an input,
    missing directory, no permission)."""


class Interrupted(KeyboardInterrupt):
    """A termination signal as an exception, so cleanup runs; ``signum`` is the signal."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_PENDING: list[int] = []  # the signals received, in order (see raise_if_interrupted)


def _in_dropping_callback(frame: FrameType | None) -> bool:
    """The signal came inside importlib's module-lock weakref callback, where Python prints and
    drops any exception (``Exception ignored in ... cb``) instead of raising it."""
    code = None if frame is None else frame.f_code
    return code is not None and code.co_name == "cb" and code.co_filename.startswith("<frozen importlib")


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    _PENDING.append(signum)
    if _in_dropping_callback(frame):  # take the signal again a moment later, outside the callback
        threading.Timer(0.01, os.kill, (os.getpid(), signum)).start()
        return
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGINT, SIGTERM (and SIGHUP) raise :class:`Interrupted` instead of killing the process
    outright, so temporary files are removed. A signal that lands in importlib's module-lock
    callback (which drops exceptions) is taken again once the callback is left, and every signal
    is remembered: the commands' row loops also stop at the next chunk (:func:`interruptible`)."""
    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, _raise_interrupted)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` for a signal received earlier whose exception got lost."""
    if _PENDING:
        raise Interrupted(_PENDING[0])


def interruptible(items: Iterable[T]) -> Iterator[T]:
    """``items``, stopping with :class:`Interrupted` before the next one once a signal came."""
    for item in items:
        raise_if_interrupted()
        yield item


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


def _lstat(p: Path) -> os.stat_result | None:
    try:
        return os.lstat(p)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {exc.strerror or exc}") from None


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError, RuntimeError):
        if a.resolve() == b.resolve():
            return True
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return False


def _refuse_special(p: Path, st: os.stat_result | None) -> None:
    what = None if st is None else _kind(st.st_mode)
    if what == "a directory":
        raise OutputError(f"{p} is a directory; give a file name")
    if what is not None:
        raise OutputError(f"refusing to write {p}: it is {what}, and only regular files are replaced")


@dataclass(frozen=True)
class Output:
    """An output path that passed :func:`check_output`, and whether it may replace a file."""

    path: Path
    force: bool

    @contextlib.contextmanager
    def writing(self) -> Iterator[Path]:
        """A temporary path next to the output (same suffix), published when the block succeeds
        (see the module doc) and removed on every exit path."""
        out = self.path
        parent = out.parent if str(out.parent) else Path(".")
        try:
            fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=f".tmp{out.suffix}", dir=parent)
        except OSError as exc:
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
        tmp = Path(name)
        try:
            os.close(fd)
            yield tmp
            self._publish(tmp)
        except OSError as exc:
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def write(self, data: bytes | str) -> None:
        """Write ``data`` (text as UTF-8) and publish it."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        with self.writing() as tmp, open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())

    def _publish(self, tmp: Path) -> None:
        out = self.path
        st = _lstat(out)
        _refuse_special(out, st)
        os.chmod(tmp, (st.st_mode & 0o777) if st is not None else (0o666 & ~_umask()))
        if self.force:
            os.replace(tmp, out)  # onto a regular file or nothing: rename never follows a link
            return
        try:
            os.link(tmp, out)  # fails with EEXIST if anything appeared at out since the check
        except FileExistsError:
            raise OutputError(f"{out} appeared while nnconvert was writing it; pass --force to replace it") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            self._create_exclusively(tmp)  # a file system without hard links

    def _create_exclusively(self, tmp: Path) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except FileExistsError:
            raise OutputError(f"{self.path} appeared while nnconvert was writing it; pass --force") from None
        try:
            with os.fdopen(fd, "wb") as dst, open(tmp, "rb") as src:
                shutil.copyfileobj(src, dst)
        except BaseException:
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output(out: str | os.PathLike, *, force: bool, inputs: Sequence[str | os.PathLike | None] = ()) -> Output:
    """Refuse an output that is an input, is not a regular file, exists without ``force``, or has
    no directory to go in (see the module doc); the checked :class:`Output`."""
    p = Path(out)
    for src in inputs:
        if src is not None and _same_file(p, Path(src)):
            raise OutputError(f"refusing to write {p}: it is the input file {src}")
    st = _lstat(p)
    _refuse_special(p, st)
    if st is not None and not force:
        raise OutputError(f"{p} exists; pass --force to replace it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {p}: directory {parent} does not exist")
    return Output(p, force)
