"""Check-in backends: the `Backend` protocol, the Nexudus-protocol client and a fake."""
