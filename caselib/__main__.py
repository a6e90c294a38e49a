"""`python -m caselib`: the same command line as the `caselib` console script."""

from caselib.cli import main

main(prog_name="caselib")
