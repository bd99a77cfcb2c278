"""Scripts for people working on the kiosk (screenshots); the layout audit reuses them."""
