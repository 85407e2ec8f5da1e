"""Plain functions behind staying signed in: the session cookie, and the review page's link.

The cookie holds the store's session token (``Store.start_session``) signed with itsdangerous
under a key the store keeps, and the time it was signed: a changed or expired cookie is
refused before the store is asked, and a session ended on the server (signing out) refuses it
afterwards. The review page keeps its claim and filters in the URL, so a reload or a link opens
the same claim. No Streamlit here."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from annotations.auth import Actor
from annotations.errors import AnnotatorError
from annotations.storage import ClaimFilter, Store
from annotations.vocab import CLAIM_STATUSES, CLAIM_TYPES

COOKIE_NAME = "claimcheck_session"
_SALT = "claimcheck.session-cookie"
_KEY_NAME = "session_cookie"

# ------------------------------------------------------------------------------- cookies


def _signer(store: Store) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(store.server_key(_KEY_NAME), salt=_SALT)


def open_session(store: Store, who: Actor, lifetime: timedelta) -> str:
    """Start a session for ``who`` and return the value of its cookie."""
    token = store.start_session(who, lifetime=lifetime)
    return _signer(store).dumps(token)


def resume_session(store: Store, cookie: str | None, lifetime: timedelta) -> Actor | None:
    """Who the cookie signs in (as the store knows them now), or None when it is missing, was
    changed, has expired, or its session ended."""
    if not cookie:
        return None
    try:
        token = _signer(store).loads(cookie, max_age=lifetime.total_seconds())
        return store.resume_session(token)
    except (BadSignature, AnnotatorError):
        return None


def end_session(store: Store, cookie: str | None) -> None:
    """Sign out: end the cookie's session on the server, for every tab that holds it."""
    if not cookie:
        return
    try:
        token = _signer(store).loads(cookie)
    except BadSignature:
        return
    store.end_session(token)


# ---------------------------------------------------------------------- the review page link

QUERY_FILTERS = {"doc": "review_filter_docs", "type": "review_filter_types", "status": "review_filter_statuses"}
"""URL parameter -> session key of the review page's filter it holds."""


def review_state_from_query(params: Mapping[str, Sequence[str]], document_ids: Collection[str]) -> dict[str, Any]:
    """The review page's session values that a link sets, from its URL parameters (each with all
    its values): the claim shown and the filters, for those parameters it has. Values that name
    no document, claim type or status are dropped."""
    allowed = {"doc": document_ids, "type": CLAIM_TYPES, "status": CLAIM_STATUSES}
    state: dict[str, Any] = {key: [v for v in params[name] if v in allowed[name]]
                             for name, key in QUERY_FILTERS.items() if name in params}
    claim = [v for v in params.get("claim", ()) if v]
    if claim:
        state["review_claim_id"] = claim[0]
    return state


def review_query(claim_id: str | None, flt: ClaimFilter) -> dict[str, list[str]]:
    """The URL parameters of the review page showing ``claim_id`` under ``flt``."""
    query = {"claim": [claim_id]} if claim_id else {}
    for name, values in (("doc", flt.document_ids), ("type", flt.claim_types), ("status", flt.statuses)):
        if values:
            query[name] = list(values)
    return query
