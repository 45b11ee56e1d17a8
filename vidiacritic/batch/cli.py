"""The command line of `vidiacritic batch`: its options (``add_arguments``), the
subcommand (``register``) and ``run``, which turns the options into a BatchJob and
a backend."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List, Optional

from ..encodings import known_encoding
from ..options import add_encoding_options, add_engine_options, add_lexicon_option
from .archives import Limits, parse_size
from .backends import _DaskBackend, _InlineBackend, _PoolBackend
from .common import DEFAULT_GLOB, DEFAULT_MEMBER_TIMEOUT_S, Factory
from .job import BatchJob
from .worker import RestorerSpec

DESCRIPTION = "`vidiacritic batch`: restore every text file of folders and archives."


def _size_arg(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _seconds_arg(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        n = -1.0
    if not n >= 0 or n == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return n


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="folders, .zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz archives, or files")
    p.add_argument("--out", "-o", required=True, metavar="DIR",
                   help="output folder: DIR/<input name>/<member path>, plus DIR/manifest.jsonl")
    p.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes, each loading the model once (default: number of cores)")
    p.add_argument("--glob", action="append", metavar="PATTERN",
                   help="members to restore (case-insensitive; on the file name, or on the whole "
                        "path if the pattern has a /); repeatable; default *.txt *.hocr *.xml "
                        "(XML only when it is hOCR, ALTO or PAGE)")
    add_engine_options(p)
    add_encoding_options(p)
    p.add_argument("--max-member-size", type=_size_arg, default=Limits.max_member_bytes,
                   metavar="SIZE", help="refuse members larger than this (default 4M: about "
                                        "700,000 syllables, within the restorer's memory)")
    p.add_argument("--member-timeout", type=_seconds_arg, default=DEFAULT_MEMBER_TIMEOUT_S,
                   metavar="SECONDS", help=f"record a member that takes longer as an error and go on "
                                           f"(default {DEFAULT_MEMBER_TIMEOUT_S:g}; 0: no limit; not "
                                           f"enforced on Dask)")
    p.add_argument("--max-total-size", type=_size_arg, default=Limits.max_total_bytes,
                   metavar="SIZE", help="stop reading an archive past this many uncompressed "
                                        "bytes (default 4G)")
    p.add_argument("--no-resume", action="store_true",
                   help="redo every member even if the manifest says it is done")
    p.add_argument("--no-fsync", action="store_true",
                   help="skip fsync of each output (faster; a power cut may then lose recent files)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--dask-scheduler", metavar="ADDRESS",
                      help="run on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786)")
    dask.add_argument("--dask-local", type=_positive_int, metavar="N",
                      help="start a Dask LocalCluster of N worker processes")
    prog = p.add_mutually_exclusive_group()
    prog.add_argument("--progress", action="store_true", help="force the progress bar")
    prog.add_argument("--quiet", "-q", action="store_true", help="only the summary line")
    add_lexicon_option(p)
    p.add_argument("--restorer-factory", metavar="MODULE:CALLABLE",
                   help="use this callable(engine=, tone_style=) instead of vidiacritic.Restorer")


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `batch` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "batch", help="restore whole folders and archives (resumable, parallel)",
        description=DESCRIPTION)
    add_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, restorer_factory: Optional[Factory] = None) -> int:
    """Run the batch command; returns the exit code (0: no member failed, 1: some did)."""
    lexicon = tuple(os.path.abspath(f) for f in getattr(args, "lexicon", None) or ())
    if lexicon:  # checked here: a bad line is one error before any work
        from .. import userterms
        try:
            userterms.load(lexicon)
        except userterms.LexiconError as e:
            print(f"vidiacritic: error: {e}", file=sys.stderr)
            return 2
    factory: Factory = restorer_factory or RestorerSpec(
        args.engine, args.tone_style, getattr(args, "restorer_factory", None), lexicon)
    if args.encoding and not known_encoding(args.encoding):
        print(f"vidiacritic: error: unknown encoding: {args.encoding}", file=sys.stderr)
        return 2
    if getattr(args, "quiet", False):
        mode = "quiet"
    elif getattr(args, "progress", False) or sys.stderr.isatty():
        mode = "bar"
    else:
        mode = "log"
    job = BatchJob(args.inputs, args.out, glob=args.glob or list(DEFAULT_GLOB), encoding=args.encoding,
                   legacy=args.legacy_encoding,
                   limits=Limits(args.max_member_size, args.max_total_size),
                   fsync=not args.no_fsync, progress=mode, resume=not args.no_resume,
                   member_timeout=getattr(args, "member_timeout", DEFAULT_MEMBER_TIMEOUT_S))
    if args.dask_scheduler or args.dask_local:
        def backend() -> Any:
            return _DaskBackend(factory, args.dask_scheduler, args.dask_local)
    elif args.jobs <= 1:
        def backend() -> Any:
            return _InlineBackend(factory)
    else:
        def backend() -> Any:
            return _PoolBackend(factory, args.jobs)
    return job.run(backend)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="vidiacritic batch", description=DESCRIPTION)
    add_arguments(ap)
    args = ap.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("batch: interrupted (rerun the same command to resume)", file=sys.stderr)
        return 130

