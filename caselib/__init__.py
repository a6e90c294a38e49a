"""The `caselib` command line: thin wrappers over the engine (`indexer/`), one module per command group.

`cli.py` holds the group and the one place errors are turned into a line and an exit code;
`authoring.py` (new, check, translations), `indexing.py` (index), `querying.py` (search, similar),
`evaluation.py` (eval), `release.py` (export, restore) and `serving.py` (serve, the only one that
imports the web app) hold the commands; `options.py` the options they share.
"""
