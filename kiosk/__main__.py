"""``python -m kiosk`` runs the ``kiosk`` command."""

from kiosk.cli.main import main

raise SystemExit(main())
