"""The `kiosk` command: each subcommand parses its arguments and calls the layer that does it.

main.py     the parser, `kiosk run`, `kiosk demo`, `kiosk readers`
config.py   `kiosk config show|set|path|set-staff-pin|set-secret`
server.py   `kiosk serve` and the database commands (members, locations, plans, passes, …)
readers.py  `kiosk readers`: PC/SC diagnostics

The top layer: may import everything.
"""
