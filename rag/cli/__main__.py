"""`python -m rag.cli …`: the same as the `rag` script."""

from rag.cli import main

main()
