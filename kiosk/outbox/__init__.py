"""Attempts the backend did not answer, kept on disk (sealed) until they can be sent again.

`store.Outbox` is the queue; `seal.Sealer` keeps the credentials in it unreadable without the
kiosk's key. Replaying it is `flows.replay`'s job.
"""
