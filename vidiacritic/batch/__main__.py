"""``python -m vidiacritic.batch``: the batch command on its own (as `vidiacritic batch`).

The work runs in vidiacritic.batch's modules, never in this __main__ module, so that
worker functions pickle by reference (Dask, spawn)."""
import sys

from vidiacritic.batch.cli import main

sys.exit(main())
