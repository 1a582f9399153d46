"""The one error tree of plantvoice.

    PlantvoiceError                 base; message says what, where and how to fix
    ├── ConfigError                 bad config file, value or unknown backend name
    ├── InputError                  bad input from a user: audio file, text, CLI argument
    │   └── AudioFormatError        a file that is not a readable WAV
    ├── DataError                   bad data files: intents YAML, asset model, a database that is corrupt
    ├── StorageError                the data directory cannot be written: full disk, read-only, locked,
    │                               no permission; nothing already stored is lost
    └── BackendError                a backend library or model could not be loaded or run

Expected outcomes (nothing recognized, no speech, a missing slot, a stale reading)
are values, not exceptions. The CLI maps PlantvoiceError to exit code 2 with one
line on stderr; anything else is a bug and exits 1.
"""

from __future__ import annotations

__all__ = [
    "PlantvoiceError",
    "ConfigError",
    "InputError",
    "AudioFormatError",
    "DataError",
    "StorageError",
    "BackendError",
]


class PlantvoiceError(Exception):
    """Base of every error plantvoice raises on purpose."""


class ConfigError(PlantvoiceError):
    """A config value, file or backend name is wrong."""


class InputError(PlantvoiceError):
    """Input from the user (text, file, argument) cannot be used."""


class AudioFormatError(InputError):
    """An audio file is missing, truncated or not a WAV."""


class DataError(PlantvoiceError):
    """A data file (intents, asset model) is malformed; message names file and line."""


class StorageError(PlantvoiceError):
    """A file in the data directory cannot be written (or opened): the disk is full, the file or directory is
    read-only or not permitted, or another process holds it locked. The file itself is sound."""


class BackendError(PlantvoiceError):
    """A backend library or model could not be loaded or run."""
