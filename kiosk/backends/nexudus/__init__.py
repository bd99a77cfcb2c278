"""Nexudus: the public check-in API (spoken by our own server too) and the admin sign-in.

client.py  `NexudusClient`: check-ins, locations, who is in, failed check-ins
answer.py  Nexudus's answers → `Outcome`s            login.py  the admin's password grant
"""
