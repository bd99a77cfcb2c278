"""An open check-in kiosk for coworking spaces, with its own check-in server."""

__version__ = "0.1.0"
