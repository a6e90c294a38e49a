"""The engine's one error family: every failure a user can cause or fix is a ``CaselibError``.

Its message is one line that names the cause and the fix (``the index at X is damaged (...);
rebuild it with `caselib index --index X```). The command line catches the family once
(``caselib/cli.py``) and prints that line, exit 1; the web app turns it into its error page or
JSON error. Anything else that escapes is a bug (the command line says so, and shows the
traceback with ``--debug``).

Problems in case files are not exceptions: they are ``model.Problem`` records, collected and
reported all together.
"""

from __future__ import annotations


class CaselibError(Exception):
    """A failure with a one-line message naming the cause and the fix."""


class ModelLoadError(CaselibError):
    """The embedding model could not be loaded."""


class IndexFolderError(CaselibError):
    """The index folder cannot be built, opened or read as asked."""


class IndexLockedError(IndexFolderError):
    """Another build holds the index lock."""


class IndexMissingError(IndexFolderError):
    """There is no live build in the index folder."""


class IndexDamagedError(IndexMissingError):
    """A build whose files differ from the checksums in its manifest."""


class InputFileError(CaselibError, ValueError):
    """A file given on the command line (a release, a judged-query file) is not what it should be."""
