"""A vault in memory, for tests."""

from __future__ import annotations

from kiosk.settings.vault import Secret


class MemoryVault:
    """Secrets in a dict."""

    where = "memory"

    def __init__(self) -> None:
        self.secrets: dict[Secret, str] = {}

    def get(self, name: Secret) -> str | None:
        """The secret `name`, or None."""
        return self.secrets.get(name)

    @property
    def staff_secrets(self) -> dict[Secret, str]:
        """The secrets staff set (not the kiosk's own outbox key)."""
        return {k: v for k, v in self.secrets.items() if k in Secret.staff()}

    def set(self, name: Secret, value: str) -> None:
        """Keep `value` as `name`; an empty value forgets it."""
        if value:
            self.secrets[name] = value
        else:
            self.secrets.pop(name, None)
