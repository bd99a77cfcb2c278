"""The kiosk's configuration: the typed model, its TOML file, secrets, paths and the staff PIN.

model.py     `Config` and its sections, validated when read     file.py    keys, TOML, saving
vault.py     secrets in the OS keyring or a 0600 file            paths.py   default locations
staffpin.py  the staff PIN's hash and its lockout

May import `kiosk.domain` and `kiosk.files` only.
"""
