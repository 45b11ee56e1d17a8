"""The library's errors: every failure of the shipped resources or of a setting is a
:class:`VidiacriticError`, so that callers (the command line among them) can tell it
from a bug and report it in one line."""
from __future__ import annotations


class VidiacriticError(Exception):
    """Base class of the errors vidiacritic raises on purpose."""


class MissingResource(VidiacriticError, RuntimeError):
    """A shipped model or data file is missing (broken install or checkout)."""


class CorruptResource(VidiacriticError, RuntimeError):
    """A shipped model or data file is there but damaged: it differs from its manifest
    (models/MANIFEST.json, data/MANIFEST.json) or cannot be parsed."""


class SettingError(VidiacriticError, ValueError):
    """An environment setting holds a value vidiacritic does not know."""
