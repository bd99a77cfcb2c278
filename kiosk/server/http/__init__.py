"""The server's HTTP side: the FastAPI app and the public check-in (api.py), the admin routes
as Nexudus's admin API names them (admin.py), and the Nexudus wire format (wire.py)."""
