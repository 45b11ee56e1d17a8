"""vidiacritic — give Vietnamese OCR text back its diacritics."""
__version__ = "0.1.0"
