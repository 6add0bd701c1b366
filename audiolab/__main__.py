"""``python -m audiolab`` runs the CLI."""

import sys

from audiolab.cli import main

sys.exit(main())
