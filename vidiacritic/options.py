"""The options that `vidiacritic fix`, `explain`, `review` and `batch` share, defined
once: their choices (the tuples the library checks its own arguments against), their
defaults and their help."""
from __future__ import annotations

import argparse

from .encodings import ERRORS_CHOICES, LEGACY_CHOICES
from .formats import FORMATS
from .restorer import ENGINES
from .text import TONE_STYLES, TRADITIONAL

__all__ = ["ENGINES", "TONE_STYLES", "LEGACY_CHOICES", "ERRORS_CHOICES", "FORMAT_CHOICES",
           "add_engine_options", "add_encoding_options", "add_errors_option", "add_lexicon_option",
           "add_format_options"]

FORMAT_CHOICES = ("auto",) + FORMATS


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """--engine and --tone-style (vidiacritic.Restorer's engine= and tone_style=)."""
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--tone-style", choices=TONE_STYLES, default=TRADITIONAL,
                   help="traditional: hòa, thủy (default); modern: hoà, thuỷ")


def add_encoding_options(p: argparse.ArgumentParser) -> None:
    """--encoding and --legacy-encoding (vidiacritic.encodings's encoding= and legacy=)."""
    p.add_argument("--encoding", default=None, metavar="CODEC",
                   help="input encoding (default: detect; tcvn3 and vni name the legacy font encodings)")
    p.add_argument("--legacy-encoding", choices=LEGACY_CHOICES, default="auto",
                   help="legacy Vietnamese font encodings (TCVN3, VNI): detect and convert (auto, "
                        "the default), force one, or never convert (none)")


def add_errors_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--errors", choices=ERRORS_CHOICES, default="strict",
                   help="undecodable bytes: strict = an error (default); replace = U+FFFD, "
                        "with their count on stderr")


def add_lexicon_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lexicon", action="append", metavar="FILE", default=None,
                   help="your own terms: a UTF-8 file, one term or phrase per line as it should be "
                        "written (Sùng Phài), # comments; they outrank the built-in lexicon and the "
                        "model wherever the OCR fits them (repeatable)")


def add_format_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMAT_CHOICES, default="auto",
                   help="input format: auto (default) detects hOCR, ALTO and PAGE XML from the "
                        "content, anything else is plain text; the output has the input's format "
                        "(markup: only word text changes, every other byte is kept; --encoding and "
                        "--legacy-encoding apply to plain text only: XML declares its encoding)")
    p.add_argument("--write-confidence", action="store_true",
                   help="markup: write each changed word's confidence where the format has a "
                        "place (ALTO WC, hOCR x_wconf, PAGE TextEquiv@conf)")
