"""The `pacebot` command line, one module per command group."""
