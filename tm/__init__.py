"""tm: a translation-memory pipeline for Russian originals and their English translations."""

__version__ = "0.1.0"
