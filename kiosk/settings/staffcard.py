"""Staff cards: stored only as argon2id hashes, since a card's number alone opens staff mode.

    >>> stored = hash_card("04:a1:b2:c3", CARD_COST)
    >>> is_hash(stored), matches({"04A1B2C3", "1234"}, (stored,)), matches({"04A1B2C4"}, (stored,))
    (True, True, False)

A tap is checked in every format the reader can give (`inputs.pcsc.cardid.all_formats`)
against every staff card, so each check is cheap (`CARD_COST`, a few milliseconds) yet salted
and memory-hard: a stolen `kiosk.toml` gives no card number without a search per card. Card
numbers written in clear by an earlier version (or by hand) still match until `sealed` hashes
them, which the kiosk does when it starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.settings.staffpin import Cost, argon2_hash, argon2_verify, is_argon2

CARD_COST = Cost(time=1, memory_kib=8 * 1024)


def normalise(card: str) -> str:
    """A card number as compared: upper case, without blanks or colons."""
    return "".join(card.split()).replace(":", "").upper()


def hash_card(card: str, cost: Cost = CARD_COST) -> str:
    """The argon2id hash of `card` (normalised), with a fresh salt."""
    return argon2_hash(normalise(card), cost)


def is_hash(text: str) -> bool:
    """Whether `text` is a stored staff card's hash rather than a number in clear."""
    return is_argon2(text)


def sealed(cards: Iterable[str]) -> tuple[str, ...]:
    """`cards` with every number in clear replaced by its hash (hashes are kept)."""
    return tuple(card if is_hash(card) else hash_card(card) for card in cards)


def in_clear(cards: Iterable[str]) -> bool:
    """Whether any of `cards` is a number in clear."""
    return any(not is_hash(card) for card in cards)


def matches(values: Iterable[str], cards: Iterable[str]) -> bool:
    """Whether a tap read as `values` (its number in each format) is one of the staff `cards`."""
    tapped = {normalise(v) for v in values if v.strip()}
    for card in cards:
        if not is_hash(card):
            if normalise(card) in tapped:
                return True
        elif any(argon2_verify(value, card) for value in tapped):
            return True
    return False
