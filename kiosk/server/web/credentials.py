"""A member's ways in, from their page: a PIN (set, made new and shown once, or sent by email),
cards (typed, tapped on a kiosk, or removed one by one), devices by MAC address (for Wi-Fi
presence), phone tokens, day passes, and their QR pass (shown, downloaded as PNG, printed on a
card-sized page, emailed).

A new PIN is in the answer to the post that made it and nowhere else: not in a URL, a log or
the database (which keeps its keyed hash); the page is not cached.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.macs import MacError, check_mac, mac_tail
from kiosk.server.checkin import normalise_card
from kiosk.server.qrpass import IssuedPass, issue_for
from kiosk.server.service import CARD_RE, PIN_RE
from kiosk.server.store import DuplicateError, StoreError
from kiosk.server.store.models import Member
from kiosk.server.web.mail import Attachment, MailError, Message
from kiosk.server.web.members import member_page, offer_context
from kiosk.server.web.pages import Parts, RefusedError, download, found, go

log = logging.getLogger(__name__)
PIN_DIGITS = 6
OFFER_LIFE = timedelta(minutes=2)  # how long a kiosk waits for the card to enrol
VALIDITIES = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30),
              "365d": timedelta(days=365)}  # fmt: skip


def routes(parts: Parts) -> APIRouter:
    """``/admin/members/{id}/pin|cards|tokens|passes|pass…``."""
    router = APIRouter(include_in_schema=False)
    store, keys = parts.store, parts.keys

    @router.post("/admin/members/{member_id}/pin")
    async def pin(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        member = found(lambda: store.member(member_id))
        action = form.text("action")
        if action == "clear":
            store.set_pin(member_id, None)
            return go(f"/admin/members/{member_id}", "The PIN is removed.")
        if action == "set":
            typed = form.text("pin")
            if not PIN_RE.match(typed):
                raise RefusedError("A PIN is 4 to 8 digits.")
            try:
                store.set_pin(member_id, keys.lookup("pin", typed))
            except DuplicateError as exc:
                raise RefusedError(str(exc), 409) from None
            return go(f"/admin/members/{member_id}", "The PIN is set.")
        old = store.pin_key(member_id)
        new = _new_pin(parts, member_id)
        if action == "email":
            text = f"Hello {member.full_name},\n\nyour new check-in PIN is {new}.\n"
            try:
                await _send(parts, Message(member.email, "Your check-in PIN", text))
            except RefusedError:
                store.set_pin(member_id, old)  # they could not be told: the old PIN stays
                raise
            log.info("admin %d sent member %d a new PIN", signed.admin.id, member_id)
            return go(f"/admin/members/{member_id}", f"A new PIN is sent to {member.email}.")
        log.info("admin %d gave member %d a new PIN", signed.admin.id, member_id)
        member = store.member(member_id)
        return member_page(parts, request, signed, member, new_pin=new)

    @router.post("/admin/members/{member_id}/cards")
    async def add_card(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        card = normalise_card(form.required("card", "Card"))
        if not CARD_RE.match(card):
            raise RefusedError(
                "A card number is hexadecimal or decimal digits, or a Wiegand pair like 161:45763."
            )
        try:
            found(lambda: store.add_card(member_id, keys.card(card)))
        except DuplicateError as exc:
            raise RefusedError(str(exc), 409) from None
        return go(f"/admin/members/{member_id}", f"Card {keys.card(card).masked} is enrolled.")

    @router.post("/admin/members/{member_id}/cards/{number}/remove")
    async def remove_card(request: Request, member_id: int, number: int) -> Response:
        signed = parts.signed(request)
        await parts.posted(request, signed)
        found(lambda: store.remove_card(member_id, number))
        return go(f"/admin/members/{member_id}", "The card is removed.")

    @router.post("/admin/members/{member_id}/cards/offer")
    async def offer(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        member = found(lambda: store.member(member_id))
        number = form.number("device", 1, 2**62)
        device = found(lambda: store.device(number or 0))
        if device.revoked_at is not None or device.paired_at is None:
            raise RefusedError(f"{device.name} is not a paired device.")
        store.offer_card(device.id, member.id, parts.clock() + OFFER_LIFE)
        minutes = int(OFFER_LIFE.total_seconds() // 60)
        note = f"Tap {member.full_name}'s card on {device.name} within {minutes} minutes."
        return go(f"/admin/members/{member_id}", note)

    @router.get("/admin/members/{member_id}/offers")
    def offers(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        member = found(lambda: store.member(member_id))
        return parts.page(request, "_offers.html", signed, **offer_context(parts, member.id))

    @router.post("/admin/members/{member_id}/cards/offer/{device_id}")
    async def take(request: Request, member_id: int, device_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        read = {o.device_id: o for o in store.card_offers(member_id, parts.clock())}.get(device_id)
        if read is None:
            raise RefusedError("That card is no longer waiting: ask for a tap again.", 410)
        store.end_card_offer(device_id)
        if form.text("action") != "enrol" or read.card is None:
            return go(f"/admin/members/{member_id}", "No card enrolled.")
        try:
            store.add_card(member_id, read.card)
        except DuplicateError as exc:
            raise RefusedError(str(exc), 409) from None
        return go(f"/admin/members/{member_id}", f"Card {read.card.masked} is enrolled.")

    @router.post("/admin/members/{member_id}/macs")
    async def add_mac(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        try:
            mac = check_mac(form.required("mac", "MAC address"))
        except MacError as exc:
            raise RefusedError(f"Not enrolled: {exc}.") from None
        try:
            found(lambda: store.add_mac(member_id, keys.lookup("mac", mac), mac_tail(mac)))
        except DuplicateError as exc:
            raise RefusedError(str(exc), 409) from None
        return go(f"/admin/members/{member_id}", f"Device ••:••:••:••:{mac_tail(mac)} is enrolled.")

    @router.post("/admin/members/{member_id}/macs/{number}/remove")
    async def remove_mac(request: Request, member_id: int, number: int) -> Response:
        signed = parts.signed(request)
        await parts.posted(request, signed)
        found(lambda: store.remove_mac(member_id, number))
        return go(f"/admin/members/{member_id}", "The device is removed.")

    @router.post("/admin/members/{member_id}/tokens")
    async def tokens(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        if form.text("action") == "clear":
            cleared = store.clear_tokens(member_id)
            return go(f"/admin/members/{member_id}", f"{cleared} phone tokens revoked.")
        token = form.required("token", "Phone token")
        if len(token) < 8:
            raise RefusedError("A phone token has at least 8 characters.")
        try:
            found(lambda: store.add_token(member_id, keys.lookup("token", token)))
        except DuplicateError as exc:
            raise RefusedError(str(exc), 409) from None
        return go(f"/admin/members/{member_id}", "The phone token is enrolled.")

    @router.post("/admin/members/{member_id}/passes")
    async def grant(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        count = form.number("count", 1, 1000)
        if count is None:
            raise RefusedError("How many day passes? A number from 1 to 1000.")
        first = form.day("from") or parts.clock().date()
        until = form.day("until")
        if until is not None and until < first:
            raise RefusedError("The passes cannot end before they start.")
        try:
            found(lambda: store.grant_passes(member_id, count, first, until, parts.clock()))
        except StoreError as exc:
            raise RefusedError(str(exc)) from None
        return go(f"/admin/members/{member_id}", f"{count} day passes granted.")

    @router.get("/admin/members/{member_id}/pass")
    def pass_page(request: Request, member_id: int, valid: str = "30d") -> Response:
        signed = parts.signed(request)
        issued = _issue(parts, member_id, valid)
        picture = base64.b64encode(issued.png()).decode()
        return parts.page(
            request, "pass.html", signed, member=issued.member, issued=issued, picture=picture,
            valid=valid if valid in VALIDITIES else "30d", validities=list(VALIDITIES),
            mail_ready=parts.mailer.ready, note=request.query_params.get("note", ""),
        )  # fmt: skip

    @router.get("/admin/members/{member_id}/pass.png")
    def pass_png(request: Request, member_id: int, valid: str = "30d") -> Response:
        parts.signed(request)
        issued = _issue(parts, member_id, valid)
        return download(issued.png(), "image/png", f"pass-{member_id}.png")

    @router.post("/admin/members/{member_id}/pass/email")
    async def pass_email(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        issued = _issue(parts, member_id, form.text("valid", "30d"))
        await _send(parts, _pass_message(issued))
        log.info("admin %d emailed member %d their QR pass", signed.admin.id, member_id)
        note = f"The pass is sent to {issued.member.email}."
        return go(f"/admin/members/{member_id}/pass", note)

    return router


def _new_pin(parts: Parts, member_id: int) -> str:
    """A random PIN no other member has, stored (as its keyed hash) for `member_id`."""
    for _ in range(20):
        pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
        try:
            parts.store.set_pin(member_id, parts.keys.lookup("pin", pin))
        except DuplicateError:
            continue
        return pin
    raise RefusedError("Could not find a free PIN; try again.", 503)


def _issue(parts: Parts, member_id: int, valid: str) -> IssuedPass:
    member = found(lambda: parts.store.member(member_id))
    validity = VALIDITIES.get(valid, VALIDITIES["30d"])
    return issue_for(parts.store, parts.keys, member.email, validity, parts.clock())


def _pass_message(issued: IssuedPass) -> Message:
    m: Member = issued.member
    text = (
        f"Hello {m.full_name},\n\nattached is your check-in pass. Show it to the kiosk's camera"
        f" or scanner to check in. It is valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    png = Attachment("check-in-pass.png", "image/png", issued.png())
    return Message(m.email, "Your check-in pass", text, (png,))


async def _send(parts: Parts, message: Message) -> None:
    try:
        await asyncio.to_thread(parts.mailer.send, message)
    except MailError as exc:
        log.warning("an email could not be sent: %s", exc)
        raise RefusedError(f"The email could not be sent: {exc}.", 502) from None
