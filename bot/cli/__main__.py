"""`python -m bot.cli` runs the `greenlist` command."""

from bot.cli.main import main

raise SystemExit(main())
