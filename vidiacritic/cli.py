"""Command line: argument parsing and file handling only; the work is in the library.

  vidiacritic fix [FILE ...] [-o OUT] [--in-place [--backup SUFFIX]] [--engine E]
                  [--tone-style S] [--encoding ENC] [--legacy-encoding L]
  vidiacritic explain [FILE]          per-word decisions as a table
  vidiacritic eval HYP GOLD [--json]  the reference metric
  vidiacritic batch INPUT... --out DIR   whole folders and archives

User errors (missing, binary or undecodable files, bad options) print one line
``vidiacritic: error: ...`` and exit non-zero; outputs are written to a temporary
file and renamed, so an interrupted run never leaves a half-written file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import List, Optional

from .restorer import ENGINES
from .text import TONE_STYLES

EXIT_USAGE = 2
EXIT_FAILURE = 1


class UserError(Exception):
    """An error the user can fix; printed as one line, never as a traceback."""


def atomic_write(path: str, text: str) -> None:
    """Write UTF-8 `text` to `path` via a temporary file in the same folder + rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".vidiacritic-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_text(path: Optional[str], encoding: Optional[str], legacy: str) -> str:
    from .decoding import DecodeError, decode_bytes

    name = path or "<stdin>"
    try:
        if path is None:
            data = sys.stdin.buffer.read()
        else:
            if os.path.isdir(path):
                raise UserError(f"{path}: is a directory (use `vidiacritic batch` for folders)")
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as e:
        raise UserError(f"cannot read {name}: {e.strerror or e}") from None
    try:
        return decode_bytes(data, encoding=encoding, legacy=legacy)
    except DecodeError as e:
        raise UserError(f"{name}: {e}") from None
    except LookupError:
        raise UserError(f"unknown encoding {encoding!r}") from None


def _restorer(args: argparse.Namespace):
    from .resources import MissingResource
    from .restorer import Restorer

    try:
        return Restorer(engine=args.engine, tone_style=args.tone_style)
    except MissingResource as e:
        raise UserError(str(e)) from None


def cmd_fix(args: argparse.Namespace) -> int:
    files: List[Optional[str]] = list(args.files) or [None]
    if args.output and len(files) != 1:
        raise UserError("-o/--output takes exactly one input file")
    if args.output and args.in_place:
        raise UserError("use either -o/--output or --in-place, not both")
    if args.in_place and files == [None]:
        raise UserError("--in-place needs file arguments")
    if args.backup and not args.in_place:
        raise UserError("--backup only makes sense with --in-place")
    texts = [(f, read_text(f, args.encoding, args.legacy_encoding)) for f in files]  # fail before writing
    restorer = _restorer(args)
    for path, text in texts:
        fixed = restorer.restore(text)
        if args.in_place:
            assert path is not None
            if args.backup:
                atomic_write(path + args.backup, text)
            atomic_write(path, fixed)
        elif args.output:
            atomic_write(args.output, fixed)
        else:  # bytes, so that output is UTF-8 whatever the locale
            sys.stdout.buffer.write(fixed.encode("utf-8"))
            sys.stdout.buffer.flush()
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    text = read_text(args.file, args.encoding, args.legacy_encoding)
    ex = _restorer(args).explain(text)
    if args.json:
        for w in ex.words:
            print(json.dumps({"original": w.original, "chosen": w.chosen, "start": w.start, "source": w.source,
                              "confidence": round(w.confidence, 4),
                              "alternatives": [[a, round(p, 4)] for a, p in w.alternatives]}, ensure_ascii=False))
        return 0
    if ex.reading is not None:  # how the document's marks were read (vidiacritic.marks)
        print(f"# read as {ex.reading.describe()}")
    for w in ex.words:
        alts = ", ".join(f"{a} {p:.2f}" for a, p in w.alternatives)
        mark = "*" if w.changed else " "
        print(f"{mark} {w.original:<14} → {w.chosen:<14} {w.source:<6} {w.confidence:5.2f}  {alts}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import score_files

    try:
        result = score_files(args.hyp, args.gold)
    except OSError as e:
        raise UserError(f"cannot read {e.filename}: {e.strerror}") from None
    except ValueError as e:
        raise UserError(str(e)) from None
    if args.json:
        print(json.dumps(result))
    else:
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"vidiacritic: error: {message}\n")


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--tone-style", choices=TONE_STYLES, default="traditional",
                   help="traditional: hòa, thủy (default); modern: hoà, thuỷ")
    p.add_argument("--encoding", default=None, help="input encoding (default: detect)")
    p.add_argument("--legacy-encoding", choices=("auto", "tcvn3", "vni", "none"), default="auto",
                   help="legacy Vietnamese font encodings to convert (default: auto-detect)")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="vidiacritic", description="Give Vietnamese OCR text back its diacritics.")
    from . import __version__

    ap.add_argument("--version", action="version", version=f"vidiacritic {__version__}")
    sub = ap.add_subparsers(dest="command", parser_class=_Parser)
    fix = sub.add_parser("fix", help="restore text files (or stdin) to stdout, a file, or in place")
    fix.add_argument("files", nargs="*", metavar="FILE")
    fix.add_argument("-o", "--output", metavar="OUT")
    fix.add_argument("--in-place", action="store_true", help="rewrite the files (atomically)")
    fix.add_argument("--backup", metavar="SUFFIX", help="with --in-place: keep the original as FILE+SUFFIX")
    _add_engine_options(fix)
    fix.set_defaults(func=cmd_fix)
    ex = sub.add_parser("explain", help="show each word's decision, source, confidence and alternatives")
    ex.add_argument("file", nargs="?", metavar="FILE")
    ex.add_argument("--json", action="store_true", help="one JSON object per word")
    _add_engine_options(ex)
    ex.set_defaults(func=cmd_explain)
    ev = sub.add_parser("eval", help="score a restored file against a line-aligned gold file")
    ev.add_argument("hyp")
    ev.add_argument("gold")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
    try:
        from . import batch
    except ImportError:  # pragma: no cover - batch is part of the package
        batch = None
    if batch is not None:
        batch.register(sub)
    return ap


def main(argv: Optional[List[str]] = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if not getattr(args, "command", None):
        ap.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        print(f"vidiacritic: error: {e}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("vidiacritic: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    """The console script: main(), then exit without the interpreter's teardown.  By
    then every output is written, flushed and renamed into place; freeing the models'
    ~350 MB object by object would only add 0.2 s to a one-report run.  The batch
    command exits normally: its worker pools and Dask client clean up at exit."""
    code = main()
    if sys.argv[1:2] == ["batch"]:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
