"""Entry point for `python -m bot`."""

import gc

# Before the imports below: start-up runs without the cycle collector until the process
# serves (`bot.runtime.memory.pause_collector`, which `main` calls too).
gc.disable()

from bot.cli import main  # noqa: E402

raise SystemExit(main())
