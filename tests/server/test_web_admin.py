"""The web admin over a real server on a loopback port, as a browser speaks to it (cookies,
forms, CSRF tokens): sign-in, sessions, members, credentials, Who's in, reports, exports."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import socket
from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from kiosk import passes
from kiosk.server.reports import CHECKIN_COLUMNS, Days, checkin_rows, checkins, to_csv
from kiosk.server.runner import ServerThread
from kiosk.server.web.mail import MailError, Message, SmtpMailer, SmtpSettings
from kiosk.server.web.sessions import COOKIE, Sessions
from tests.helpers.clock import FakeClock, Ticker
from tests.helpers.server import checkin, demo_server, device_client
from tests.helpers.smtp import Inbox, smtp_server
from tests.helpers.webadmin import CHEAP, EMAIL, PASSWORD, Desk, add_desk_admin, csrf_of


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def web(tmp_path: Path, clock: FakeClock, ticker: Ticker) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "checkin.db", clock, passwords=CHEAP, monotonic=ticker) as running:
        add_desk_admin(running)
        yield running


@pytest.fixture
def browsers() -> Iterator[Callable[[ServerThread], Desk]]:
    """Fresh browsers (nobody signed in), closed after the test."""
    opened: list[Desk] = []

    def browser(running: ServerThread) -> Desk:
        opened.append(Desk(running))
        return opened[-1]

    yield browser
    for b in opened:
        b.close()


@pytest.fixture
def desk(web: ServerThread, browsers: Callable[[ServerThread], Desk]) -> Desk:
    browser = browsers(web)
    assert browser.sign_in().status_code == 303
    return browser


@pytest.fixture
def kiosk(web: ServerThread) -> Iterator[httpx.Client]:
    with device_client(web, "Front desk") as c:
        yield c


def _member_id(web: ServerThread, email: str) -> int:
    found = web.server.store.find_member(email=email)
    assert found is not None
    return found.id


# --- signing in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/admin", "/admin/members", "/admin/whosin/live", "/admin/export/members.csv"]
)
def test_a_page_without_a_session_goes_to_sign_in_and_back(
    web: ServerThread, path: str, browsers: Callable[[ServerThread], Desk]
) -> None:
    browser = browsers(web)
    answer = browser.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/signin?next=")
    token = csrf_of(browser.get(answer.headers["location"]).text)
    signed = browser.http.post(
        "/admin/signin", data={"csrf": token, "email": EMAIL, "password": PASSWORD, "next": path}
    )
    assert signed.headers["location"] == path


def test_the_session_cookie_is_httponly_strict_and_not_readable_as_a_secret(
    web: ServerThread,
    browsers: Callable[[ServerThread], Desk],
) -> None:
    answer = browsers(web).sign_in()
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/admin" in cookie
    stored = web.server.store._db.execute("SELECT session_key FROM admin_sessions").fetchall()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert stored
    assert all(value not in row[0] for row in stored)  # a keyed hash, not the cookie


def test_a_wrong_password_is_refused_then_throttled(
    web: ServerThread, ticker: Ticker, browsers: Callable[[ServerThread], Desk]
) -> None:
    browser = browsers(web)
    codes = [browser.sign_in(password="not the password").status_code for _ in range(5)]
    assert codes[:4] == [401, 401, 401, 401]
    assert codes[4] == 429
    refused = browser.sign_in()  # even the right password waits its turn
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    assert int(refused.headers["retry-after"]) >= 1
    ticker.advance(600)
    assert browser.sign_in().status_code == 303


def test_a_wrong_password_and_an_unknown_account_read_the_same(
    web: ServerThread, browsers: Callable[[ServerThread], Desk]
) -> None:
    browser = browsers(web)
    wrong = browser.sign_in(password="not the password")
    nobody = browser.sign_in(email="nobody@space.example")
    assert wrong.status_code == nobody.status_code == 401
    assert "Wrong email or password." in wrong.text
    assert "Wrong email or password." in nobody.text


def test_a_form_without_its_csrf_token_is_refused(desk: Desk, web: ServerThread) -> None:
    ada = _member_id(web, "ada@example.com")
    bare = desk.http.post(f"/admin/members/{ada}/active", data={"active": "0"})
    forged = desk.http.post(f"/admin/members/{ada}/active", data={"active": "0", "csrf": "x"})
    assert bare.status_code == forged.status_code == 403
    assert web.server.store.member(ada).active


def test_the_sign_in_form_needs_its_own_cookie_and_token(
    web: ServerThread, browsers: Callable[[ServerThread], Desk]
) -> None:
    browser = browsers(web)
    answer = browser.http.post("/admin/signin", data={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 403
    assert COOKIE not in browser.http.cookies


def test_a_session_ends_after_idle_time_and_at_sign_out(
    web: ServerThread, desk: Desk, clock: FakeClock
) -> None:
    assert desk.get("/admin/members").status_code == 200
    clock.advance(minutes=29)
    assert desk.get("/admin/members").status_code == 200  # each page renews it
    clock.advance(minutes=31)
    assert desk.get("/admin/members").status_code == 303
    assert desk.sign_in().status_code == 303
    assert desk.post("/admin/signout").status_code == 303
    assert desk.get("/admin/members").status_code == 303


def test_a_redirect_after_sign_in_never_leaves_the_admin(
    web: ServerThread, browsers: Callable[[ServerThread], Desk]
) -> None:
    browser = browsers(web)
    for then in ("https://evil.example/", "//evil.example", "/api/spaces/coworkers"):
        token = csrf_of(browser.get("/admin/signin").text)
        answer = browser.http.post(
            "/admin/signin",
            data={"csrf": token, "email": EMAIL, "password": PASSWORD, "next": then},
        )
        assert answer.headers["location"] == "/admin"


def test_the_first_admin_link_works_once(
    tmp_path: Path, clock: FakeClock, browsers: Callable[[ServerThread], Desk]
) -> None:
    with demo_server(tmp_path / "fresh.db", clock, passwords=CHEAP) as running:
        sessions = Sessions(running.server.store, running.server.keys)
        code = sessions.first_admin_link(clock())
        assert code is not None
        browser = browsers(running)
        page = browser.get("/admin/welcome", code=code)
        assert page.status_code == 200
        token = csrf_of(page.text)
        short = {"csrf": token, "code": code, "email": EMAIL, "password": "short", "again": "short"}
        assert browser.http.post("/admin/welcome", data=short).status_code == 400
        made = browser.http.post(
            "/admin/welcome",
            data={**short, "password": PASSWORD, "again": PASSWORD},
        )
        assert made.status_code == 303
        assert browser.get("/admin/members").status_code == 200  # signed in at once
        again = browsers(running).get("/admin/welcome", code=code)
        assert again.status_code == 410
        assert sessions.first_admin_link(clock()) is None  # an account exists now


def test_admin_pages_carry_a_strict_content_security_policy(desk: Desk) -> None:
    page = desk.get("/admin/members")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text  # no inline script for the policy to allow


def test_admin_pages_are_not_in_the_api_document(web: ServerThread) -> None:
    paths = httpx.get(web.url + "/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/admin")]


def test_pages_speak_the_browser_language(desk: Desk) -> None:
    page = desk.http.get("/admin/members", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="fr">' in page.text
    assert "Membres" in page.text


# --- members ------------------------------------------------------------------------------


def test_members_are_found_by_text_plan_and_standing(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    assert checkin(kiosk, Pincode="12345")["WasSuccessful"]
    everyone = desk.get("/admin/members").text
    assert "Ada Lovelace" in everyone
    assert "Grace Hopper" in everyone
    assert "Ada Lovelace" not in desk.get("/admin/members", q="frank").text
    resident = web.server.store.plan("Resident").id
    by_plan = desk.get("/admin/members", plan=str(resident)).text
    assert "Ada Lovelace" in by_plan
    assert "Frank Moreau" not in by_plan
    disabled = desk.get("/admin/members", standing="disabled").text
    assert "Grace Hopper" in disabled
    assert "Ada Lovelace" not in disabled
    in_now = desk.get("/admin/members", standing="in").text
    assert "Ada Lovelace" in in_now
    assert "Ben Okafor" not in in_now


def test_a_member_added_with_a_pin_checks_in_with_it(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    added = desk.post(
        "/admin/members/new",
        name="Hedy Lamarr",
        email="hedy@example.com",
        plan="Resident",
        pin="424242",
        active="1",
    )
    assert added.status_code == 303
    assert "Hedy Lamarr" in desk.get(added.headers["location"]).text
    body = checkin(kiosk, Pincode="424242")
    assert body["WasSuccessful"]
    assert "Hedy" in json.dumps(body)


def test_adding_a_member_twice_says_why_and_keeps_the_form(desk: Desk) -> None:
    again = desk.post("/admin/members/new", name="Ada Again", email="ada@example.com", active="1")
    assert again.status_code == 400
    assert "already enrolled" in again.text
    assert 'value="Ada Again"' in again.text


def test_a_member_is_edited_disabled_and_removed(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    ada = _member_id(web, "ada@example.com")
    page = f"/admin/members/{ada}"
    saved = desk.post(page, page, name="Ada King", email="ada@example.com", plan="Resident",
                      plan_active="1", active="1", teams="Demo team, Maths")  # fmt: skip
    assert saved.status_code == 303
    member = web.server.store.member(ada)
    assert (member.full_name, member.teams) == ("Ada King", ("Demo team", "Maths"))
    assert desk.post(f"{page}/active", page, active="0").status_code == 303
    assert checkin(kiosk, Pincode="12345")["WasSuccessful"] is False
    refused = desk.post(f"{page}/remove", page, confirm="someone@else.example")
    assert refused.status_code == 400
    assert desk.post(f"{page}/remove", page, confirm="ada@example.com").status_code == 303
    assert web.server.store.find_member(email="ada@example.com") is None


def test_a_new_pin_is_shown_once_and_works(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    ben = _member_id(web, "ben@example.com")
    page = f"/admin/members/{ben}"
    answer = desk.post(f"{page}/pin", page, action="new")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    pin = re.search(r'class="pin">(\d{6})<', answer.text)
    assert pin
    assert pin.group(1) not in desk.get(page).text
    assert checkin(kiosk, Pincode="23456")["WasSuccessful"] is False  # the old PIN is gone
    assert checkin(kiosk, Pincode=pin.group(1))["WasSuccessful"]


def test_a_pin_another_member_has_is_refused(desk: Desk, web: ServerThread) -> None:
    ben = _member_id(web, "ben@example.com")
    page = f"/admin/members/{ben}"
    taken = desk.post(f"{page}/pin", page, action="set", pin="12345")  # Ada's
    assert taken.status_code == 409
    assert "already enrolled" in taken.text
    assert desk.post(f"{page}/pin", page, action="set", pin="12a").status_code == 400


def test_cards_are_enrolled_and_removed_one_by_one(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    ben = _member_id(web, "ben@example.com")
    page = f"/admin/members/{ben}"
    assert desk.post(f"{page}/cards", page, card="04:aa:bb:cc").status_code == 303
    shown = desk.get(page).text
    assert "••••BBCC" in shown
    assert "04AABBCC" not in shown
    assert checkin(kiosk, AccessCardId="04AABBCC")["WasSuccessful"]
    assert desk.post(f"{page}/cards", page, card="04A1B2C3D4E5F6").status_code == 409  # Ada's
    number = web.server.store.cards_of(ben)[0][0]
    assert desk.post(f"{page}/cards/{number}/remove", page).status_code == 303
    assert web.server.store.cards_of(ben) == []


def test_phone_tokens_are_enrolled_and_revoked(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    ben = _member_id(web, "ben@example.com")
    page = f"/admin/members/{ben}"
    assert desk.post(f"{page}/tokens", page, action="add", token="C0FFEE0123").status_code == 303
    assert checkin(kiosk, Token="C0FFEE0123")["WasSuccessful"]
    assert desk.post(f"{page}/tokens", page, action="clear").status_code == 303
    assert web.server.store.member(ben).tokens == 0


def test_day_passes_are_granted(desk: Desk, web: ServerThread) -> None:
    chloe = _member_id(web, "chloe@example.com")
    page = f"/admin/members/{chloe}"
    assert desk.post(f"{page}/passes", page, count="3").status_code == 303
    assert web.server.store.member(chloe).passes_left == 3
    assert desk.post(f"{page}/passes", page, count="0").status_code == 400
    backwards = desk.post(f"{page}/passes", page, count="2", **{"from": "2026-03-05",
                          "until": "2026-03-01"})  # fmt: skip
    assert backwards.status_code == 400


def test_an_unknown_member_is_a_page_saying_so(desk: Desk) -> None:
    answer = desk.get("/admin/members/987654")
    assert answer.status_code == 404
    assert "no member" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_bad_form_values_get_words_not_a_traceback(desk: Desk, web: ServerThread) -> None:
    ada = _member_id(web, "ada@example.com")
    page = f"/admin/members/{ada}"
    for data in ({"name": "", "email": "x@y.io"}, {"name": "A", "email": "not an email"},
                 {"name": "A", "email": "a@b.io", "plan": "No such plan"}):  # fmt: skip
        answer = desk.post(page, page, **data)
        assert answer.status_code == 400, data
        assert "Traceback" not in answer.text
    huge = desk.http.post(page, data={"csrf": "x", "name": "A" * 70_000})
    assert huge.status_code == 400


# --- Who's in, failed check-ins -----------------------------------------------------------


def test_whos_in_lists_a_member_and_staff_check_them_out(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    assert "Nobody is in." in desk.get("/admin/whosin/live").text
    assert checkin(kiosk, Pincode="12345")["WasSuccessful"]
    live = desk.get("/admin/whosin/live").text
    assert "Ada Lovelace" in live
    assert "Front desk" in live  # the device it came from
    record = web.server.store.checkins(open_only=True).records[0]
    out = desk.post(f"/admin/whosin/{record.id}/checkout", "/admin/whosin", back="/admin/whosin")
    assert out.status_code == 303
    assert web.server.store.checkin(record.id).to_time is not None
    assert "Nobody is in." in desk.get("/admin/whosin/live").text
    again = desk.post(f"/admin/whosin/{record.id}/checkout", "/admin/whosin")
    assert again.status_code == 409


def test_failed_check_ins_show_the_reason_and_the_device(desk: Desk, kiosk: httpx.Client) -> None:
    assert checkin(kiosk, Pincode="78901")["WasSuccessful"] is False  # Grace: disabled
    page = desk.get("/admin/failed").text
    assert "Grace Hopper" in page
    assert "Front desk" in page
    assert "Grace Hopper" in desk.get("/admin/whosin/live").text


def test_whos_in_is_per_location(desk: Desk, web: ServerThread, kiosk: httpx.Client) -> None:
    main, annex = web.server.store.locations()
    assert checkin(kiosk, Pincode="12345", BusinessId=main.id)["WasSuccessful"]
    assert "Ada Lovelace" in desk.get("/admin/whosin/live", location=str(main.id)).text
    assert "Ada Lovelace" not in desk.get("/admin/whosin/live", location=str(annex.id)).text


# --- reports and exports ------------------------------------------------------------------


def test_the_checkins_export_is_the_database_in_local_time(
    desk: Desk, web: ServerThread, kiosk: httpx.Client, clock: FakeClock
) -> None:
    for pin in ("12345", "56789"):
        assert checkin(kiosk, Pincode=pin)["WasSuccessful"]
    clock.advance(minutes=20)
    assert checkin(kiosk, Pincode="12345")["WasSuccessful"]  # Ada checks out
    day = clock().date().isoformat()
    answer = desk.get("/admin/export/checkins.csv", start=day, end=day)
    assert (
        answer.headers["content-disposition"] == f'attachment; filename="checkins-{day}-{day}.csv"'
    )
    records = checkins(web.server.store, Days(clock().date(), clock().date()))
    assert answer.text == to_csv(checkin_rows(records), CHECKIN_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert sorted(r["member"] for r in rows) == ["Ada Lovelace", "Eve Tanaka"]
    assert all(r["from"].endswith("+01:00") for r in rows)  # Paris in March, before DST
    as_json = desk.get("/admin/export/checkins.json", start=day, end=day).json()
    assert [r["id"] for r in as_json] == [int(r["id"]) for r in rows]


def test_members_and_failed_exports_hold_no_secret(desk: Desk, kiosk: httpx.Client) -> None:
    checkin(kiosk, AccessCardId="DEADBEEF01")
    members = desk.get("/admin/export/members.csv").text
    assert "Ada Lovelace" in members
    assert "04A1B2C3D4E5F6" not in members
    assert "12345" not in members
    failed = desk.get("/admin/export/failed.json").json()
    assert failed
    assert "DEADBEEF01" not in json.dumps(failed)
    assert desk.get("/admin/export/nothing.csv").status_code == 400


def test_the_reports_page_counts_and_charts(
    desk: Desk, kiosk: httpx.Client, clock: FakeClock
) -> None:
    assert checkin(kiosk, Pincode="12345")["WasSuccessful"]
    page = desk.get("/admin/reports").text
    assert "<svg" in page
    assert "Members present by hour of day at Demo Space" in page
    assert "(Europe/Paris)" in page
    assert "Ada Lovelace" in page
    assert desk.get("/admin/reports", start="2026-03-05", end="2026-03-01").status_code == 400
    assert desk.get("/admin/reports", start="yesterday").status_code == 400


# --- plans and locations ------------------------------------------------------------------


def test_locations_and_plans_are_added_and_edited(desk: Desk, web: ServerThread) -> None:
    store = web.server.store
    added = desk.post("/admin/locations", "/admin/locations", name="Lyon", timezone="Europe/Paris")
    assert added.status_code == 303
    lyon = store.location("Lyon")
    bad_zone = desk.post("/admin/locations", "/admin/locations", name="Mars", timezone="Mars/Base")
    assert bad_zone.status_code == 400
    renamed = desk.post(f"/admin/locations/{lyon.id}", "/admin/locations", name="Lyon Part-Dieu",
                        timezone="Europe/Paris")  # fmt: skip
    assert renamed.status_code == 303
    assert store.location(lyon.id).name == "Lyon Part-Dieu"
    plan = {"name": "Evenings", "location": str(lyon.id), "limit": "120",
            "open1": "1", "opens1": "18:00", "closes1": "24:00",
            "open3": "1", "opens3": "18:00", "closes3": "24:00",
            "open6": "1", "opens6": "10:00", "closes6": "16:00"}  # fmt: skip
    assert desk.post("/admin/plans", "/admin/plans", **plan).status_code == 303
    evenings = store.plan("Evenings")
    assert (evenings.days, evenings.daily_limit_minutes) == (frozenset({1, 3}), 120)
    assert evenings.hours == ((6, time(10), time(16)),)  # Saturday has hours of its own
    assert 'name="opens6" value="10:00"' in desk.get("/admin/plans").text
    wrong = desk.post(f"/admin/plans/{evenings.id}", "/admin/plans", **{**plan, "closes1": "17:00"})
    assert wrong.status_code == 400
    assert "Monday" in wrong.text
    later = desk.post(f"/admin/plans/{evenings.id}", "/admin/plans", **{**plan, "opens1": "19:00"})
    assert later.status_code == 303
    changed = store.plan(evenings.id)  # Monday now differs from Wednesday: the first wins a tie
    assert {d for d, _, _ in changed.hours} | changed.days == {1, 3, 6}
    nothing = {k: v for k, v in plan.items() if not k.startswith("open")}
    assert desk.post("/admin/plans", "/admin/plans", **nothing).status_code == 400


# --- email --------------------------------------------------------------------------------


@pytest.fixture
def mailing(
    tmp_path: Path, clock: FakeClock, browsers: Callable[[ServerThread], Desk]
) -> Iterator[tuple[Desk, ServerThread, Inbox]]:
    """The server with email through a real SMTP server on loopback, and a signed-in desk."""
    with smtp_server() as (inbox, port):
        mailer = SmtpMailer(SmtpSettings("127.0.0.1", "desk@space.example", port, tls="none"))
        with demo_server(tmp_path / "mail.db", clock, passwords=CHEAP, mailer=mailer) as running:
            add_desk_admin(running)
            browser = browsers(running)
            assert browser.sign_in().status_code == 303
            yield browser, running, inbox


def test_a_qr_pass_is_emailed_and_decodes_to_the_member(
    mailing: tuple[Desk, ServerThread, Inbox], clock: FakeClock
) -> None:
    desk, running, inbox = mailing
    ada = _member_id(running, "ada@example.com")
    page = f"/admin/members/{ada}/pass"
    assert desk.post(f"{page}/email", page, valid="7d").status_code == 303
    message = inbox.wait()
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Your check-in pass"
    png = next(part for part in message.iter_attachments())
    assert png.get_content_type() == "image/png"
    text = _decoded(png.get_content())
    verified = passes.Verifier([running.server.keys.issuer.public_key]).verify(text, clock())
    assert verified.subject == passes.Subject.member(ada)


def test_a_new_pin_is_emailed_not_shown(mailing: tuple[Desk, ServerThread, Inbox]) -> None:
    desk, running, inbox = mailing
    ben = _member_id(running, "ben@example.com")
    page = f"/admin/members/{ben}"
    answer = desk.post(f"{page}/pin", page, action="email")
    assert answer.status_code == 303
    body = inbox.wait().get_body(("plain",))
    assert body is not None
    pin = re.search(r"PIN is (\d{6})", body.get_content())
    assert pin
    assert pin.group(1) not in desk.get(answer.headers["location"]).text
    with device_client(running) as kiosk:
        assert checkin(kiosk, Pincode=pin.group(1))["WasSuccessful"]


def test_without_email_set_up_the_page_offers_none_and_a_post_says_why(
    desk: Desk, web: ServerThread
) -> None:
    ada = _member_id(web, "ada@example.com")
    page = f"/admin/members/{ada}/pass"
    assert "Email it to" not in desk.get(page).text
    refused = desk.post(f"{page}/email", page)
    assert refused.status_code == 502
    assert "email is not set up" in refused.text


def test_a_mail_server_that_is_away_is_words_for_staff() -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", "desk@space.example", _closed_port(), tls="none"))
    with pytest.raises(MailError, match=re.escape("cannot send through 127.0.0.1")):
        mailer.send(Message("ada@example.com", "Hello", "text"))


def test_the_printed_pass_page_holds_the_pass_as_a_picture(desk: Desk, web: ServerThread) -> None:
    ada = _member_id(web, "ada@example.com")
    page = desk.get(f"/admin/members/{ada}/pass", valid="1d").text
    picture = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert picture
    text = _decoded(base64.b64decode(picture.group(1)))
    assert text.startswith(passes.PREFIX)
    download = desk.get(f"/admin/members/{ada}/pass.png")
    assert download.headers["content-type"] == "image/png"
    assert _decoded(download.content).startswith(passes.PREFIX)


def _decoded(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return str(found[0].text)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_new_pin_that_cannot_be_emailed_leaves_the_old_one(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    ben = _member_id(web, "ben@example.com")
    page = f"/admin/members/{ben}"
    refused = desk.post(f"{page}/pin", page, action="email")  # no mail server set up
    assert refused.status_code == 502
    assert checkin(kiosk, Pincode="23456")["CoworkerFullName"] == "Ben Okafor"


def test_a_members_devices_are_enrolled_by_mac_and_a_private_one_is_explained(
    desk: Desk, web: ServerThread
) -> None:
    ben = _member_id(web, "ben@example.com")
    page = f"/admin/members/{ben}"
    private = desk.post(f"{page}/macs", page, mac="da:a1:19:00:00:01")
    assert private.status_code == 400
    assert "Private Wi-Fi Address off" in private.text
    assert desk.post(f"{page}/macs", page, mac="00-1b-63-84-45-e6").status_code == 303
    shown = desk.get(page).text
    assert "••:••:••:••:45:E6" in shown
    assert "00:1B:63" not in shown
    ada = _member_id(web, "ada@example.com")
    taken = desk.post(f"/admin/members/{ada}/macs", page, mac="00:1B:63:84:45:E6")
    assert taken.status_code == 409
    number = web.server.store.macs_of(ben)[0][0]
    assert desk.post(f"{page}/macs/{number}/remove", page).status_code == 303
    assert web.server.store.macs_of(ben) == []


def test_whos_in_and_the_failed_check_ins_say_how_each_came(
    desk: Desk, web: ServerThread, kiosk: httpx.Client
) -> None:
    store, keys = web.server.store, web.server.keys
    eve = store.find_member(email="eve@example.com")
    assert eve is not None
    store.add_mac(eve.id, keys.lookup("mac", "00:1B:63:84:45:E6"), "45:E6")
    checkin(kiosk, Pincode="12345")  # Ada at the desk
    with (
        device_client(web, "Street door", "door") as door,
        device_client(web, "Router", "presence") as router,
    ):
        checkin(door, Pincode="45678")  # Dev, whose plan is not active: the door stays shut
        checkin(door, Pincode="67890")  # Frank through the street door
        checkin(router, Mac="00:1b:63:84:45:e6")  # Eve's laptop on the Wi-Fi
    live = desk.get("/admin/whosin/live").text
    assert "Kiosk · Front desk" in live
    assert "Door · Street door" in live
    assert "Wi-Fi · Router" in live
    assert "Door · Street door" in desk.get("/admin/failed").text
