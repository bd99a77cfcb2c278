"""Staff mode's screens: the staff PIN pad, the settings, and looking after the kiosk."""
