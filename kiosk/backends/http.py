"""HTTP helpers both adapters share: httpx's errors as ours, short snippets for staff, and
``Retry-After`` read in either of its forms.

    data = await get_json(http, url, params, headers)   # raises BackendError subclasses only
"""

from __future__ import annotations

import logging
import ssl
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kiosk.backends.base import BackendProtocolError, BackendUnavailableError
from kiosk.domain import Delivery, Outcome, Reason, Status

log = logging.getLogger(__name__)

RAW_LIMIT = 300


class AuthRefusedError(BackendProtocolError):
    """HTTP 401 or 403: the token or key was refused."""


NO_ADDRESS = "the backend has no address yet (the kiosk's own server may still be starting)"


def _addressed(http: httpx.AsyncClient, url: str) -> bool:
    """Whether `url` (or the client's base URL) says where to go: http(s)://host…."""
    try:
        target = http.base_url.join(url) if http.base_url.host else httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return target.scheme in ("http", "https") and bool(target.host)


# failures before a byte of the request left: the backend cannot have acted on it
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


async def send(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; no answer (or no address yet) → `BackendUnavailableError` saying whether
    the request left, a bad URL → `BackendProtocolError`."""
    if not _addressed(http, url):
        raise BackendUnavailableError(NO_ADDRESS, Delivery.NOT_SENT)
    try:
        return await http.request(method, url, **kwargs)
    except _UNSENT as exc:
        raise BackendUnavailableError(describe(exc), Delivery.NOT_SENT) from None
    except httpx.TransportError as exc:
        raise BackendUnavailableError(describe(exc), Delivery.LOST) from None
    except httpx.HTTPError as exc:  # an invalid URL, too many redirects
        raise BackendProtocolError(str(exc)) from None


async def answers(http: httpx.AsyncClient, url: str, healthy: bool = False) -> bool:
    """Whether anything answers HTTP at `url` (any status): the backend is reachable; with
    `healthy`, only a 2xx counts (a health check that says 503 is a backend that cannot work)."""
    if not _addressed(http, url):
        return False
    try:
        response = await http.get(url)
    except httpx.HTTPError:
        return False
    if healthy and not response.is_success:
        log.warning("%s answers HTTP %s: %s", url, response.status_code, snippet(response))
        return False
    return True


def json_of(response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; anything else raises (401/403 as `AuthRefusedError`)."""
    code = response.status_code
    if code in (401, 403):
        raise AuthRefusedError(f"HTTP {code}: {snippet(response)}")
    if code in (502, 503, 504):
        raise BackendUnavailableError(f"HTTP {code}: {snippet(response)}", Delivery.LOST)
    if not 200 <= code < 300:
        raise BackendProtocolError(f"HTTP {code}: {snippet(response)}")
    try:
        return response.json()
    except ValueError:
        raise BackendProtocolError(f"HTTP {code}, not JSON: {snippet(response)}") from None


def retry_after(response: httpx.Response, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds (it may be seconds or an HTTP date), or None."""
    text = response.headers.get("Retry-After", "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, moment.timestamp() - now)


def refused(
    reason: Reason, raw: str, wait: float | None = None, delivery: Delivery | None = None
) -> Outcome:
    """A refusal for a backend failure, logged for staff (never with a credential in it);
    `delivery` marks one worth keeping and sending again."""
    log.warning("check-in: %s: %s", reason.value, raw)
    raw = raw[:RAW_LIMIT]
    return Outcome(
        Status.REJECTED, reason=reason, raw_message=raw, retry_after=wait, delivery=delivery
    )


def unavailable(exc: BackendUnavailableError) -> Outcome:
    """No answer: a refusal worth keeping, marked with whether the request left."""
    return refused(Reason.BACKEND_UNAVAILABLE, str(exc), delivery=exc.delivery)


def describe(exc: httpx.HTTPError) -> str:
    """An httpx error in a few words: its type and message; a certificate the kiosk cannot
    verify in words staff can act on."""
    refused = _certificate_problem(exc)
    if refused is not None:
        return refused
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _certificate_problem(exc: BaseException) -> str | None:
    """What is wrong with the backend's certificate, and what to do, if that is `exc`'s
    cause (httpx wraps the `ssl` error twice)."""
    seen: BaseException | None = exc
    for _ in range(8):  # a chain of causes, not a cycle
        if seen is None or isinstance(seen, ssl.SSLCertVerificationError):
            break
        seen = seen.__cause__ or seen.__context__
    if not isinstance(seen, ssl.SSLCertVerificationError):
        return None
    why = (getattr(seen, "verify_message", "") or str(seen)).removeprefix("certificate ")
    if getattr(seen, "verify_code", 0) in (9, 10):  # X509_V_ERR_CERT_NOT_YET_VALID, _HAS_EXPIRED
        return (
            f"the backend's certificate {why} by this kiosk's clock: check the kiosk's date"
            " and time, or renew the certificate"
        )
    return (
        f"the backend's certificate cannot be verified ({why}): for a site's own CA, set"
        " backend.ca_file to it"
    )


def snippet(response: httpx.Response) -> str:
    """The start of a body on one line, for staff and the log."""
    text = " ".join(response.text.split())
    return text[:200] if text else "(empty body)"


def keys_of(data: object) -> str:
    """What an unexpected answer holds, for staff: its keys (never its values), or its type."""
    if not isinstance(data, dict):
        return type(data).__name__
    return ", ".join(sorted(map(str, data)))[:100]


def utc_text(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss`` in UTC, as Kadence wants every time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
