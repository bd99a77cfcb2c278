"""The kiosk's configuration: the typed model, its TOML file, secrets, paths and the staff PIN.

model.py     `Config` and its sections, validated when read     file.py    keys, TOML, saving
vault.py     secrets in a 0600 file, sealed by the keyring       paths.py   default locations
staffpin.py  the staff PIN's hash and its lockout            staffcard.py  staff cards' hashes

May import `kiosk.domain` and `kiosk.files` only.
"""
