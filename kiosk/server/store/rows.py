"""Mapping between SQLite rows and the records of `models`; no queries run here."""

from __future__ import annotations

import sqlite3
from datetime import time, timedelta
from typing import Any

from kiosk.server import rules
from kiosk.server.store.models import (
    CheckinRecord,
    Device,
    FailedCheckinRecord,
    Member,
    PlanRecord,
    from_text,
)

CHECKIN_SELECT = """
    SELECT c.*, l.name AS location_name, l.timezone AS location_tz, d.name AS device_name
    FROM checkins c JOIN locations l ON l.id = c.location_id
    LEFT JOIN devices d ON d.id = c.device_id
"""
FAILED_SELECT = """
    SELECT f.*, l.name AS location_name, l.timezone AS location_tz, d.name AS device_name
    FROM failed_checkins f JOIN locations l ON l.id = f.location_id
    LEFT JOIN devices d ON d.id = f.device_id
"""
MEMBER_SELECT = """
    SELECT m.*, p.name AS plan_name,
      (SELECT group_concat('••••' || tail, ' ') FROM (
        SELECT tail FROM card_keys WHERE member_id = m.id
        UNION ALL  -- not yet hashed (the server hashes them when it opens with its keys)
        SELECT CASE WHEN length(card_id) > 4 THEN substr(card_id, -4) ELSE '' END
        FROM access_cards WHERE member_id = m.id)) AS cards,
      (SELECT count(*) FROM access_tokens t WHERE t.member_id = m.id) AS tokens,
      (SELECT coalesce(sum(remaining), 0) FROM time_passes t WHERE t.member_id = m.id) AS passes
    FROM members m LEFT JOIN plans p ON p.id = m.plan_id
"""


def hhmm(t: time) -> str:
    return "24:00" if t == rules.END_OF_DAY else t.strftime("%H:%M")


def parse_hhmm(text: str) -> time:
    return rules.END_OF_DAY if text == "24:00" else time.fromisoformat(text)


def plan_rule(plan: PlanRecord) -> rules.Plan:
    limit = plan.daily_limit_minutes
    return rules.Plan(
        name=plan.name,
        location_ids=plan.location_ids,
        days=plan.days,
        opens=plan.opens,
        closes=plan.closes,
        hours=plan.hours,
        daily_limit=timedelta(minutes=limit) if limit else None,
    )


def member(r: sqlite3.Row) -> Member:
    return Member(
        id=r["id"],
        full_name=r["full_name"],
        email=r["email"],
        teams=tuple(t for t in r["teams"].split(", ") if t),
        plan_id=r["plan_id"],
        plan_name=r["plan_name"],
        plan_active=bool(r["plan_active"]),
        active=bool(r["active"]),
        cards=tuple((r["cards"] or "").split()),
        has_pin=r["pin_key"] is not None,
        tokens=r["tokens"],
        passes_left=r["passes"],
    )


def _attempt(r: sqlite3.Row) -> dict[str, Any]:
    """The columns check-ins and failed check-ins share: who, where, how."""
    return {
        "id": r["id"],
        "unique_id": r["unique_id"],
        "coworker_id": r["member_id"],
        "coworker_full_name": r["coworker_full_name"],
        "business_id": r["location_id"],
        "business_name": r["location_name"],
        "business_timezone": r["location_tz"],
        "source": r["source"],
        "teams": r["teams"],
        "tariff": r["tariff"],
        "device_id": r["device_id"],
        "device_name": r["device_name"],
    }


def checkin(r: sqlite3.Row) -> CheckinRecord:
    return CheckinRecord(
        **_attempt(r),
        from_time=from_text(r["from_time"]),
        to_time=from_text(r["to_time"]) if r["to_time"] else None,
        expires_at=from_text(r["expires_at"]) if r["expires_at"] else None,
        auto_checkout=bool(r["auto_checkout"]),
        time_pass_guid=r["time_pass_guid"],
    )


def device(r: sqlite3.Row) -> Device:
    return Device(
        r["id"],
        r["name"],
        r["kind"],
        from_text(r["created_at"]),
        from_text(r["paired_at"]) if r["paired_at"] else None,
        from_text(r["revoked_at"]) if r["revoked_at"] else None,
    )


def failed(r: sqlite3.Row) -> FailedCheckinRecord:
    return FailedCheckinRecord(
        **_attempt(r),
        attempt_time=from_text(r["attempt_time"]),
        reason=r["reason"],
        description=r["description"],
    )
