"""Command line: argument parsing and file handling only; the work is in the library.

  vidiacritic fix [FILE ...] [-o OUT] [--in-place [--backup SUFFIX]] [--engine E]
                  [--tone-style S] [--encoding ENC] [--legacy-encoding L] [--errors E]
                  [--format {auto,text,hocr,alto,page}] [--write-confidence]
  vidiacritic explain [FILE]          per-word decisions as a table
  vidiacritic eval HYP GOLD [--json]  the reference metric
  vidiacritic batch INPUT... --out DIR   whole folders and archives
  vidiacritic check                   verify the model files against their manifests

Every failure is one line ``vidiacritic: error: ...`` on stderr, never a traceback,
and one of these exit codes (EXIT_CODES, also in ``--help``):

  0    success
  1    failure: a file that cannot be read, decoded or written (full disk,
       permissions), a missing model, out of memory
  2    usage error, or a refused output: an input, a directory, a missing folder,
       a device for --in-place, an empty --backup suffix, a backup path that is a
       directory or a link
  130  interrupted (Ctrl-C)

This module parses the arguments and runs the subcommands; the files are handled by
:mod:`vidiacritic.cli_io`, the options shared with `batch` are defined in
:mod:`vidiacritic.options`, `batch` itself is :mod:`vidiacritic.batch`.
Outputs are written by :mod:`vidiacritic.safeio`: every destination is checked
before any work; files go to a temporary file in the destination's folder and are
renamed into place (an interrupted run never leaves a half-written file); devices,
FIFOs and ``/dev/stdout`` are written through, never replaced; a symbolic link's
file is rewritten and the link kept; ``--backup`` keeps the original bytes.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
from typing import Any, List, Optional

from . import safeio
from .cli_io import (EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, UserError, _backup_maker,
                     _check_fix_usage, _plan_fix, open_fix_input, restore_input, write_output, write_stdout)
# what `review` (vidiacritic.review) uses through this module
from .cli_io import decode_text, input_format, read_bytes  # noqa: F401
from .encodings import DecodeError
from .explanation import SOURCES
from .options import (add_encoding_options, add_engine_options, add_errors_option, add_format_options,
                      add_lexicon_option)

EXIT_CODES = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_FAILURE}    failure: unreadable, undecodable or unwritable file (full disk,
       permissions), missing model, out of memory
  {EXIT_USAGE}    usage error or refused output (an input file, a directory, a missing
       folder, a device for --in-place, a bad --backup suffix or path)
  {EXIT_INTERRUPTED}  interrupted"""

# explain's source column is as wide as the longest source name (fix:currency), so the
# confidences line up whatever decided each word.
SOURCE_WIDTH = max(len(s) for s in SOURCES)


def load_lexicon(args: argparse.Namespace):
    """The user terms of the --lexicon files (vidiacritic.userterms.UserTerms), or
    UsageError naming the file and line of the first bad one."""
    from . import userterms

    try:
        return userterms.load(getattr(args, "lexicon", None) or [])
    except userterms.LexiconError as e:
        raise UsageError(str(e)) from None


def _restorer(args: argparse.Namespace, terms=None):
    from .errors import VidiacriticError
    from .restorer import Restorer

    if terms is None:
        terms = load_lexicon(args)
    try:
        with _collector_paused():
            restorer = Restorer(engine=args.engine, tone_style=args.tone_style, lexicon=terms)
    except VidiacriticError as e:  # a missing or damaged model file, a bad setting
        raise UserError(str(e)) from None
    if getattr(args, "exits_after", False):
        # The models' objects live until the process ends (entry()): the collector
        # need not walk them again at each full collection of the restore.  (Not in a
        # longer-lived caller of main(): frozen garbage would never be freed.)
        gc.freeze()
        # Nor need it look through the young objects every 700 allocations: a restore
        # leaves no cyclic garbage (none after restoring or explaining the dev OCR and
        # the test slices), and what it keeps is its caches, which every collection
        # walked once more in vain (the dev OCR report's restore: 235 collections,
        # 0.035 s; none at this threshold).  A collection still comes every
        # RUN_COLLECTION_THRESHOLD allocations: memory stays bounded.
        gc.set_threshold(RUN_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    return restorer


# The young generation's threshold while a one-run process restores (_restorer): the
# interpreter's is 700.
RUN_COLLECTION_THRESHOLD = 300_000


@contextlib.contextmanager
def _collector_paused():
    """No cyclic garbage collection while the models load: they build hundreds of
    thousands of objects that all stay, so each collection on the way found nothing
    (on the dev OCR's report: 184 collections, 0.05 s)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


STDIO = "-"  # as a FILE: standard input; as -o OUT: standard output (the usual convention)


def cmd_fix(args: argparse.Namespace) -> int:
    files: List[Optional[str]] = [None if f == STDIO else f for f in args.files] or [None]
    if args.output == STDIO:
        args.output = None  # (after the usage check's count of inputs: -o - takes one file too)
        if len(files) != 1:
            raise UsageError("-o/--output takes exactly one input file")
        if args.in_place:
            raise UsageError("use either -o/--output or --in-place, not both")
    if files.count(None) > 1:
        raise UsageError("standard input (-) can be read once only")
    _check_fix_usage(args, files)
    load_lexicon(args)  # checked first: a bad lexicon line costs nothing either
    plan = _plan_fix(args, files)
    sources = [open_fix_input(f, args) for f in files]  # read and check everything first: fail before writing
    restorer = _restorer(args)
    cleaned: set = set()
    try:
        for (path, source, data, fmt), (target, backup) in zip(sources, plan):
            name = path or "<stdin>"
            if fmt == "text":  # restored piece by piece (vidiacritic.stream): bounded memory
                fixed = (piece.encode("utf-8") for piece in source.restore(restorer))
            else:
                fixed = iter([restore_input(restorer, data, fmt, None, name, args.write_confidence)])
            make_backup = None
            if backup is not None:
                assert path is not None
                make_backup = _backup_maker(path, args.backup, backup, data)
            try:
                if target is None:
                    for part in fixed:
                        write_stdout(part)
                else:
                    write_output(target, fixed, cleaned, before_replace=make_backup)
            except DecodeError as e:  # a streamed file that changed while being read
                raise UserError(f"{name}: {e}") from None
    finally:
        for _, source, _, _ in sources:
            if source is not None:
                source.close()
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """Each word's decision, written piece by piece as it is restored (stream.explain_stream):
    memory is bounded by the piece size, not the input's."""
    # (args.format is "text": explain reads text; "-" or none: standard input)
    _, source, _, _ = open_fix_input(None if args.file == STDIO else args.file, args)
    restorer = _restorer(args)
    shown = None  # the last "# read as" line written
    index = 0  # words written so far (the JSON records' index)
    try:
        for offset, ex in source.explain(restorer):
            lines = []
            if not args.json and ex.reading is not None:  # how the marks were read (vidiacritic.marks)
                line = f"# read as {ex.reading.describe()}"
                if ex.ocr_lines:
                    line += f"; {ex.ocr_lines} line{'s' * (ex.ocr_lines > 1)} with OCR damage read as vie-ocr"
                if line != shown:  # once, and again only where a later piece reads otherwise
                    lines.append(line)
                    shown = line
            lines.extend(_explain_line(w, offset, args.json, index + k) for k, w in enumerate(ex.words))
            index += len(ex.words)
            write_stdout("".join(line + "\n" for line in lines).encode("utf-8"))
    except DecodeError as e:  # a streamed file that changed while being read
        raise UserError(f"{source.name}: {e}") from None
    finally:
        source.close()
    return EXIT_OK


def _explain_line(w: Any, offset: int, as_json: bool, index: int = 0) -> str:
    """One word of `explain`: a JSON object, the review page's word record
    (vidiacritic.review.word_records; index and start in the whole text), or a table row."""
    if as_json:
        from .review import word_records

        (rec,) = word_records([w])
        rec.update(index=index, start=offset + w.start)
        return json.dumps(rec, ensure_ascii=False)
    alts = ", ".join(f"{a} {p:.2f}" for a, p in w.alternatives)
    mark = "*" if w.changed else " "
    return f"{mark} {w.original:<14} → {w.chosen:<14} {w.source:<{SOURCE_WIDTH}} {w.confidence:5.2f}  {alts}"


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import score_files

    try:
        result = score_files(args.hyp, args.gold)
    except OSError as e:
        raise UserError(f"cannot read {e.filename}: {e.strerror}") from None
    except ValueError as e:
        raise UserError(str(e)) from None
    if args.json:
        line = json.dumps(result)
    else:
        line = " ".join(f"{k}={v}" for k, v in result.items())
    write_stdout((line + "\n").encode("utf-8"))
    return EXIT_OK


FIX_SAFETY = """safety:
  -o OUT must not be an input file (hard and symbolic links count); a regular file
  is replaced atomically (temporary file + rename, mode kept; new files follow the
  umask); a symbolic link to a file: that file is replaced, the link stays; a
  device, FIFO or /dev/stdout is written through, never replaced.  --in-place
  rewrites regular files only (a link's file; devices and FIFOs are refused) and
  --backup keeps the original bytes, whatever the input encoding.  Left-over
  .vidiacritic-XXXXXXXX.tmp files of a killed run are removed from an output's
  folder by the next run writing there, once they are an hour old."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"vidiacritic: error: {message}\n")


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    """The options of every subcommand that restores text (fix, explain, review)."""
    add_engine_options(p)
    add_encoding_options(p)
    add_errors_option(p)
    add_lexicon_option(p)


# The subcommands whose modules import quickly; review (http.server) and batch
# (archives, process pools) are registered only when the command line may name them.
_LIGHT_COMMANDS = ("fix", "explain", "eval", "check")


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The command-line parser.  command: the subcommand the command line names (see
    _command_word); a light one gets a parser without the heavy subcommands, whose
    imports would cost a one-report run about 0.1 s of CPU (models/seq2seq/CARD.md,
    Speed).  None (help, no command, any other word): every subcommand."""
    heavy = command not in _LIGHT_COMMANDS
    ap = _Parser(prog="vidiacritic", description="Give Vietnamese OCR text back its diacritics.",
                 epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__

    ap.add_argument("--version", action="version", version=f"vidiacritic {__version__}")
    sub = ap.add_subparsers(dest="command", parser_class=_Parser)
    fix = sub.add_parser("fix", help="restore text files (or stdin) to stdout, a file, or in place",
                         epilog=FIX_SAFETY + "\n\n" + EXIT_CODES,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    fix.add_argument("files", nargs="*", metavar="FILE", help="text or OCR files; - or none: standard input")
    fix.add_argument("-o", "--output", metavar="OUT",
                     help="write here (atomically; a device, FIFO or /dev/stdout is written through; "
                          "-: standard output)")
    fix.add_argument("--in-place", action="store_true", help="rewrite the files (atomically)")
    fix.add_argument("--backup", metavar="SUFFIX",
                     help="with --in-place: keep the original bytes as FILE+SUFFIX")
    _add_engine_options(fix)
    add_format_options(fix)
    fix.set_defaults(func=cmd_fix)
    ex = sub.add_parser("explain", help="show each word's decision, source, confidence and alternatives")
    ex.add_argument("file", nargs="?", metavar="FILE", help="a text file; - or none: standard input")
    ex.add_argument("--json", action="store_true", help="one JSON object per word")
    _add_engine_options(ex)
    ex.set_defaults(func=cmd_explain, format="text")  # no markup: explain reads plain text
    ev = sub.add_parser("eval", help="score a restored file against a line-aligned gold file")
    ev.add_argument("hyp")
    ev.add_argument("gold")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
    if heavy:
        from .review import register as register_review
        register_review(sub, sys.modules[__name__])
    from .integrity import cmd_check
    sub.add_parser("check", help="verify the model and data files against their manifests "
                   "(whole SHA-256)").set_defaults(func=cmd_check)
    if heavy:
        try:
            from . import batch
        except ImportError:  # pragma: no cover - batch is part of the package
            batch = None
        if batch is not None:
            batch.register(sub)
    return ap


def _command_word(argv: List[str]) -> Optional[str]:
    """The subcommand `argv` names: its first word that is no option (the top-level
    options, --version and --help, take no value); None when there is none."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Optional[List[str]] = None, *, exits_after: bool = False) -> int:
    """Run one command.  exits_after: the process ends when it returns (entry())."""
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = build_parser(_command_word(argv))
    args = ap.parse_args(argv)
    args.exits_after = exits_after
    if not getattr(args, "command", None):
        ap.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        return _fail(str(e), e.code)
    except safeio.RefusedTarget as e:
        return _fail(str(e), EXIT_USAGE)
    except KeyboardInterrupt:
        print("vidiacritic: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        return _fail("out of memory (split the input into smaller files)", EXIT_FAILURE)
    except OSError as e:  # the last resort: any I/O failure not named above is one line too
        where = f"{e.filename}: " if e.filename else ""
        return _fail(f"{where}{e.strerror or e}", EXIT_FAILURE)


def _fail(message: str, code: int) -> int:
    print(f"vidiacritic: error: {message}", file=sys.stderr)
    return code


def entry() -> None:
    """The console script: main(), then exit without the interpreter's teardown.  By
    then every output is written, flushed and renamed into place; freeing the models'
    ~350 MB object by object would only add 0.2 s to a one-report run.  The batch
    command exits normally: its worker pools and Dask client clean up at exit."""
    code = main(exits_after=True)
    if sys.argv[1:2] == ["batch"]:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # closed when the process started
            continue
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()

