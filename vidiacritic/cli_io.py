"""The command line's files: reading and decoding its inputs, checking every output
before any work (:mod:`vidiacritic.destinations`), writing (:mod:`vidiacritic.safeio`),
and the errors it reports as one line (``UserError``, ``UsageError``)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, List, Optional, Tuple

from . import safeio
from .encodings import DecodeError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """An error the user can fix; printed as one line, never as a traceback."""

    code = EXIT_FAILURE


class UsageError(UserError):
    """Options that do not go together; exit 2 like argparse's own errors."""

    code = EXIT_USAGE


def read_bytes(path: Optional[str]) -> bytes:
    """The bytes of `path` (None: stdin), or UserError."""
    name = path or "<stdin>"
    try:
        if path is None:
            if sys.stdin is None:  # started with stdin closed (`<&-`)
                raise UserError("cannot read <stdin>: standard input is closed")
            return sys.stdin.buffer.read()
        if os.path.isdir(path):
            raise UserError(f"{path}: is a directory (use `vidiacritic batch` for folders)")
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise UserError(f"cannot read {name}: {e.strerror or e}") from None


def decode_text(data: bytes, name: str, encoding: Optional[str], legacy: str,
                errors: str = "strict") -> str:
    """NFC text of one input's bytes, or UserError; replacements are reported on stderr."""
    from .encodings import DecodeError, decode_with_info

    try:
        decoded = decode_with_info(data, encoding=encoding, legacy=legacy, errors=errors)
    except DecodeError as e:
        hint = ", or use --errors replace" if e.replaceable and errors == "strict" else ""
        raise UserError(f"{name}: {e}{hint}") from None
    except LookupError:
        raise UserError(f"unknown encoding {encoding!r}") from None
    if decoded.replaced:
        print(f"vidiacritic: warning: {name}: {decoded.replaced} invalid byte sequence(s) "
              "replaced with U+FFFD", file=sys.stderr)
    return decoded.text


def write_stdout(data: bytes) -> None:
    """Bytes to stdout, so that output is UTF-8 whatever the locale or PYTHONIOENCODING."""
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise UserError("cannot write to standard output: it is closed")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        raise UserError(f"cannot write to standard output: {e.strerror or e}") from None


def write_output(target: safeio.Target, data: Any, cleaned: Optional[set] = None,
                 before_replace: Optional[Callable[[], Any]] = None) -> None:
    """`data` (bytes or chunks) to a checked target; afterwards, temporary files a
    killed run left in that folder (exact name, over an hour old) are removed, once per
    folder per run (`cleaned` holds the folders done).  before_replace: see
    safeio.atomic_write_bytes (the --in-place backup)."""
    try:
        safeio.atomic_write_bytes(target, data, before_replace=before_replace)
    except (safeio.RefusedTarget, UserError):
        raise
    except OSError as e:
        raise UserError(f"cannot write {target.path}: {e.strerror or e}") from None
    folder = os.path.dirname(target.real)
    if target.kind in ("file", "new") and (cleaned is None or folder not in cleaned):
        safeio.clean_stale_temps(folder)
        if cleaned is not None:
            cleaned.add(folder)


FixInput = Tuple[Optional[str], Any, Optional[bytes], str]  # path, stream.Source, bytes, format


def open_fix_input(path: Optional[str], args: argparse.Namespace) -> FixInput:
    """One `fix` input, checked: (path, Source, bytes, format).  Plain text becomes a
    vidiacritic.stream.Source, restored in pieces so that memory stays bounded whatever
    the file's size (its bytes are not kept: a backup copies the file); markup keeps
    its bytes (its words are rewritten in place).  Standard input is first copied to a
    temporary file.  Errors are UserErrors, raised before anything is written."""
    from .formats import _SNIFF
    from .stream import Source, open_source, spool_stdin

    name = path or "<stdin>"
    if path is not None and os.path.isdir(path):
        raise UserError(f"{path}: is a directory (use `vidiacritic batch` for folders)")
    spooled = None
    try:
        if path is None:
            if sys.stdin is None:  # started with stdin closed (`<&-`)
                raise UserError("cannot read <stdin>: standard input is closed")
            spooled = spool_stdin(args.encoding, args.legacy_encoding)
            head = spooled.read(_SNIFF)
            spooled.seek(0)
        else:
            with open(path, "rb") as fh:
                head = fh.read(_SNIFF)
        fmt = input_format(head, name, args.format)
        if fmt != "text":  # XML carries its own encoding declaration
            if spooled is not None:
                data = spooled.read()
            else:
                data = read_bytes(path)
            _check_markup(data, fmt, name)
            return path, None, data, fmt
        if args.errors != "strict":  # replacements are counted on the whole text
            data = spooled.read() if spooled is not None else read_bytes(path)
            text = decode_text(data, name, args.encoding, args.legacy_encoding, args.errors)
            return path, Source(name, text=text), None, fmt
        source = open_source(path, args.encoding, args.legacy_encoding, spooled=spooled)
        spooled = None  # the Source owns it now
        return path, source, None, fmt
    except DecodeError as e:
        hint = ", or use --errors replace" if getattr(e, "replaceable", False) else ""
        raise UserError(f"{name}: {e}{hint}") from None
    except LookupError:
        raise UserError(f"unknown encoding {args.encoding!r}") from None
    except OSError as e:
        raise UserError(f"cannot read {name}: {e.strerror or e}") from None
    finally:
        if spooled is not None:
            spooled.close()



def _check_fix_usage(args: argparse.Namespace, files: List[Optional[str]]) -> None:
    if args.output is not None and len(files) != 1:  # (-o '' is refused below, not stdout)
        raise UsageError("-o/--output takes exactly one input file")
    if args.output is not None and args.in_place:
        raise UsageError("use either -o/--output or --in-place, not both")
    if args.in_place and files == [None]:
        raise UsageError("--in-place needs file arguments")
    if args.backup is not None and not args.in_place:
        raise UsageError("--backup only makes sense with --in-place")
    if args.backup is not None:
        safeio.backup_path_for("FILE", args.backup)  # empty or with a "/": refused, exit 2


Plan = List[Tuple[Optional[safeio.Target], Optional[str]]]


def _plan_fix(args: argparse.Namespace, files: List[Optional[str]]) -> Plan:
    """(output target or None for stdout, backup path or None) per file, every one
    checked before anything is read or written: a refused target costs nothing."""
    if args.in_place:
        plan = []
        inputs = safeio.input_identities([f for f in files if f is not None]) if args.backup is not None else None
        for f in files:
            assert f is not None
            target = safeio.check_in_place_target(f)
            backup = safeio.check_backup_target(f, args.backup, inputs) if inputs is not None else None
            plan.append((target, backup))
        return plan
    if args.output is not None:
        inputs = [f if f is not None else 0 for f in files]  # fd 0: `fix -o a.txt < a.txt`
        return [(safeio.check_output_target(args.output, inputs), None)]
    return [(None, None)] * len(files)


def input_format(data: bytes, name: str, wanted: str) -> str:
    """The format of one input: `wanted`, or (auto) detected from its content and name."""
    from .formats import FormatError, detect_format

    if wanted != "auto":
        return wanted
    try:
        return detect_format(data, name)
    except FormatError as e:
        raise UserError(f"{name}: {e}") from None


def restore_input(restorer, data: bytes, fmt: str, text: Optional[str], name: str,
                  write_confidence: bool = False) -> bytes:
    """One input restored: plain text (already decoded) or markup (its bytes, words
    rewritten in place)."""
    if fmt == "text":
        assert text is not None
        return restorer.restore(text).encode("utf-8")
    from .formats import FormatError, restore_markup

    try:
        return restore_markup(data, fmt, restorer, write_confidence=write_confidence)[0]
    except FormatError as e:
        raise UserError(f"{name}: {e}") from None


def _check_markup(data: bytes, fmt: str, name: str) -> None:
    """Parse a markup input before any restoring or writing: a refused file costs nothing."""
    from .formats import FormatError, check_markup

    try:
        check_markup(data, fmt)
    except FormatError as e:
        raise UserError(f"{name}: {e}") from None


def _backup_maker(path: str, suffix: str, shown: str, data: Optional[bytes]) -> Callable[[], None]:
    """The --in-place backup of `path`, to run once its restored text is complete in
    the temporary file, just before the rename: an input that fails midway (a streamed
    file that changed while being read, out of memory) leaves the file and any old
    backup untouched.  `data`: the bytes already read (markup), else the file is copied
    in chunks, so the backup is the original bytes in bounded memory."""
    def make() -> None:
        try:
            safeio.backup_original(path, suffix, data)
        except safeio.RefusedTarget:
            raise
        except OSError as e:
            raise UserError(f"cannot write backup {shown}: {e.strerror or e}") from None
    return make


