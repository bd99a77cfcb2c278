"""Test doubles for the kiosk's interfaces: PC/SC, a backend, a vault, a sound player.

The package `kiosk` ships none of them; tests inject these through the constructors."""
