"""Kadence: booking check-in and check-out, signed in with OAuth2 client credentials."""
