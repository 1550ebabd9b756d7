"""`python -m bot`: the `pacebot` command."""

from bot.app import main

raise SystemExit(main())
