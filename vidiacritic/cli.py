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

Outputs are written by :mod:`vidiacritic.safeio`: every destination is checked
before any work; files go to a temporary file in the destination's folder and are
renamed into place (an interrupted run never leaves a half-written file); devices,
FIFOs and ``/dev/stdout`` are written through, never replaced; a symbolic link's
file is rewritten and the link kept; ``--backup`` keeps the original bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, List, Optional, Tuple

from . import safeio
from .decoding import DecodeError
from .restorer import ENGINES
from .text import TONE_STYLES

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EXIT_CODES = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_FAILURE}    failure: unreadable, undecodable or unwritable file (full disk,
       permissions), missing model, out of memory
  {EXIT_USAGE}    usage error or refused output (an input file, a directory, a missing
       folder, a device for --in-place, a bad --backup suffix or path)
  {EXIT_INTERRUPTED}  interrupted"""


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
    from .decoding import DecodeError, decode_with_info

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
        return Restorer(engine=args.engine, tone_style=args.tone_style, lexicon=terms)
    except VidiacriticError as e:  # a missing or damaged model file, a bad setting
        raise UserError(str(e)) from None


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


def cmd_fix(args: argparse.Namespace) -> int:
    files: List[Optional[str]] = list(args.files) or [None]
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
    _, source, _, _ = open_fix_input(args.file, args)  # args.format is "text": explain reads text
    restorer = _restorer(args)
    shown = None  # the last "# read as" line written
    index = 0  # words written so far (the JSON records' index)
    try:
        for offset, ex in source.explain(restorer):
            lines = []
            if not args.json and ex.reading is not None:  # how the marks were read (vidiacritic.marks)
                line = f"# read as {ex.reading.describe()}"
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
    return f"{mark} {w.original:<14} → {w.chosen:<14} {w.source:<6} {w.confidence:5.2f}  {alts}"


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
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--tone-style", choices=TONE_STYLES, default="traditional",
                   help="traditional: hòa, thủy (default); modern: hoà, thuỷ")
    p.add_argument("--encoding", default=None, help="input encoding (default: detect)")
    p.add_argument("--legacy-encoding", choices=("auto", "tcvn3", "vni", "none"), default="auto",
                   help="legacy Vietnamese font encodings to convert (default: auto-detect)")
    p.add_argument("--errors", choices=("strict", "replace"), default="strict",
                   help="undecodable bytes: strict = an error (default); replace = U+FFFD, "
                        "with their count on stderr")
    add_lexicon_option(p)


def add_lexicon_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lexicon", action="append", metavar="FILE", default=None,
                   help="your own terms: a UTF-8 file, one term or phrase per line as it should be "
                        "written (Sùng Phài), # comments; they outrank the built-in lexicon and the "
                        "model wherever the OCR fits them (repeatable)")


def _add_format_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("auto", "text", "hocr", "alto", "page"), default="auto",
                   help="input format: auto (default) detects hOCR, ALTO and PAGE XML from the "
                        "content, anything else is plain text; the output has the input's format "
                        "(markup: only word text changes, every other byte is kept; --encoding and "
                        "--legacy-encoding apply to plain text only: XML declares its encoding)")
    p.add_argument("--write-confidence", action="store_true",
                   help="markup: write each changed word's confidence where the format has a "
                        "place (ALTO WC, hOCR x_wconf, PAGE TextEquiv@conf)")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="vidiacritic", description="Give Vietnamese OCR text back its diacritics.",
                 epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__

    ap.add_argument("--version", action="version", version=f"vidiacritic {__version__}")
    sub = ap.add_subparsers(dest="command", parser_class=_Parser)
    fix = sub.add_parser("fix", help="restore text files (or stdin) to stdout, a file, or in place",
                         epilog=FIX_SAFETY + "\n\n" + EXIT_CODES,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    fix.add_argument("files", nargs="*", metavar="FILE")
    fix.add_argument("-o", "--output", metavar="OUT",
                     help="write here (atomically; a device, FIFO or /dev/stdout is written through)")
    fix.add_argument("--in-place", action="store_true", help="rewrite the files (atomically)")
    fix.add_argument("--backup", metavar="SUFFIX",
                     help="with --in-place: keep the original bytes as FILE+SUFFIX")
    _add_engine_options(fix)
    _add_format_options(fix)
    fix.set_defaults(func=cmd_fix)
    ex = sub.add_parser("explain", help="show each word's decision, source, confidence and alternatives")
    ex.add_argument("file", nargs="?", metavar="FILE")
    ex.add_argument("--json", action="store_true", help="one JSON object per word")
    _add_engine_options(ex)
    ex.set_defaults(func=cmd_explain, format="text")  # no markup: explain reads plain text
    ev = sub.add_parser("eval", help="score a restored file against a line-aligned gold file")
    ev.add_argument("hyp")
    ev.add_argument("gold")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
    from .review import register as register_review
    register_review(sub, sys.modules[__name__])
    from .integrity import cmd_check
    sub.add_parser("check", help="verify the model and data files against their manifests "
                   "(whole SHA-256)").set_defaults(func=cmd_check)
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
    code = main()
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
