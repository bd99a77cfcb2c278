"""Our own check-in server, embedded in the kiosk or run by `kiosk serve` for several kiosks.

It speaks Nexudus's check-in protocol (`backends.nexudus.client.CheckinApi`); its admin API
takes the server's admin token.
"""
