"""Members: find them (name, email or team; plan; active, disabled or in now), add, edit,
disable and remove them. Their credentials and passes are `credentials`' pages.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.server.service import EMAIL_RE, AdminError, Enrolment, enrol
from kiosk.server.store import StoreError
from kiosk.server.store.models import Member
from kiosk.server.store.roster import Standing
from kiosk.server.web.forms import Form, FormError
from kiosk.server.web.pages import Parts, RefusedError, found, go
from kiosk.server.web.sessions import Signed

log = logging.getLogger(__name__)
PAGE_SIZE = 50


def routes(parts: Parts) -> APIRouter:
    """``/admin/members`` and one member's details."""
    router = APIRouter(include_in_schema=False)
    store = parts.store

    @router.get("/admin/members")
    def listing(
        request: Request, q: str = "", plan: str = "", standing: str = "", page: int = 1
    ) -> Response:
        signed = parts.signed(request)
        plan_id = int(plan) if plan.isdigit() else None
        chosen = Standing(standing) if standing in set(Standing) else Standing.ANY
        shown = store.search_members(q[:100], plan_id, chosen, max(1, page), PAGE_SIZE)
        present = {c.coworker_id for c in store.checkins(open_only=True, size=10_000).records}
        return parts.page(
            request, "members.html", signed, members=shown, q=q[:100], plan=plan_id,
            standing=chosen.value, plans=store.plans(), present=present,
            note=request.query_params.get("note", ""),
        )  # fmt: skip

    @router.get("/admin/members/new")
    def new_page(request: Request) -> Response:
        signed = parts.signed(request)
        return _edit_page(parts, request, signed, Form(()))

    @router.post("/admin/members/new")
    async def add(request: Request) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        try:
            details = _details(form)
            member = enrol(
                store,
                parts.keys,
                Enrolment(
                    name=details.name,
                    email=details.email,
                    pin=form.optional("pin"),
                    cards=[c for c in form.text("card").split() if c],
                    tariff=details.plan,
                    teams=_teams(form),
                    active=form.flag("active"),
                ),
                parts.clock(),
            )
        except (AdminError, FormError) as exc:
            return _edit_page(parts, request, signed, form, _plain(exc), 400)
        log.info("admin %d enrolled member %d", signed.admin.id, member.id)
        return go(f"/admin/members/{member.id}", f"{member.full_name} is enrolled.")

    @router.get("/admin/members/{member_id}")
    def details(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        member = found(lambda: store.member(member_id))
        return member_page(parts, request, signed, member)

    @router.post("/admin/members/{member_id}")
    async def edit(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        member = found(lambda: store.member(member_id))
        form = await parts.posted(request, signed)
        try:
            d = _details(form)
            store.update_member(
                member_id, full_name=d.name, email=d.email, teams=_teams(form),
                plan=d.plan, plan_active=form.flag("plan_active"), active=form.flag("active"),
            )  # fmt: skip
        except (FormError, StoreError) as exc:
            return member_page(parts, request, signed, member, error=str(exc), status=400)
        return go(f"/admin/members/{member_id}", "Saved.")

    @router.post("/admin/members/{member_id}/active")
    async def set_active(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        member = found(lambda: store.set_active(member_id, form.text("active") == "1"))
        said = "enabled" if member.active else "disabled: no way in works for them"
        return go(f"/admin/members/{member_id}", f"{member.full_name} is {said}.")

    @router.post("/admin/members/{member_id}/remove")
    async def remove(request: Request, member_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        member = found(lambda: store.member(member_id))
        if form.text("confirm") != member.email:
            raise RefusedError("Type the member's email to confirm that they are to be removed.")
        store.remove_member(member_id)
        log.info("admin %d removed member %d", signed.admin.id, member_id)
        return go("/admin/members", f"{member.full_name} is removed; their check-ins stay.")

    return router


@dataclasses.dataclass(frozen=True)
class Details:
    """A member's name, email and plan as a form gives them."""

    name: str
    email: str
    plan: str | None


def _details(form: Form) -> Details:
    email = form.required("email", "Email")
    if not EMAIL_RE.match(email):
        raise FormError(f"Email: {email[:100]!r} is not an email address")
    return Details(form.required("name", "Name")[:200], email[:254], form.optional("plan"))


def _teams(form: Form) -> list[str]:
    return [t.strip()[:100] for t in form.text("teams").split(",") if t.strip()][:20]


def _plain(exc: Exception) -> str:
    """An enrolment error in staff's words (the CLI's names its flags)."""
    return str(exc).replace("--tariff", "plan").replace("--", "")


def _edit_page(
    parts: Parts,
    request: Request,
    signed: Signed,
    form: Form,
    error: str = "",
    status: int = 200,
) -> Response:
    return parts.page(
        request, "member_new.html", signed, status, form=form, plans=parts.store.plans(),
        error=error, note="",
    )  # fmt: skip


def member_page(
    parts: Parts,
    request: Request,
    signed: Signed,
    member: Member,
    error: str = "",
    status: int = 200,
    **shown: object,
) -> Response:
    """One member's page; `shown` carries what is shown once (a new PIN)."""
    store = parts.store
    open_now = store.checkins(open_only=True, member_id=member.id, size=5).records
    readers = [
        d for d in store.devices() if d.paired_at and not d.revoked_at and d.kind != "presence"
    ]
    recent = store.checkins(member_id=member.id, size=10).records
    return parts.page(
        request, "member.html", signed, status, member=member, plans=store.plans(),
        cards=store.cards_of(member.id), macs=store.macs_of(member.id), open_now=open_now,
        recent=recent, error=error,
        note=request.query_params.get("note", ""), mail_ready=parts.mailer.ready,
        new_pin=shown.get("new_pin", ""), readers=readers, **offer_context(parts, member.id),
    )  # fmt: skip


def offer_context(parts: Parts, member_id: int) -> dict[str, Any]:
    """The cards offered for a member ("tap it on a kiosk"), and the devices that may read."""
    names = {d.id: d.name for d in parts.store.devices()}
    return {
        "offers": parts.store.card_offers(member_id, parts.clock()),
        "device_names": names,
        "member_id": member_id,
    }
