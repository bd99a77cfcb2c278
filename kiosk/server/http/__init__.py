"""The server's HTTP side: the FastAPI app (api.py) and the Nexudus wire format (wire.py)."""
