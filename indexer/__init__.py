"""caselib's engine: load and validate case files, build and search the indexes.

Pure Python, no web framework: the web app and the CLI both call into it.
"""

__version__ = "0.1.0"
