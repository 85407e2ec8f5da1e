"""Process-wide resources and per-session state of the Streamlit app.

Only this module caches: the store (a connection pool) and the spaCy pipeline are built once per
process with ``st.cache_resource``. Reads and writes of the store are never cached."""

from __future__ import annotations

from typing import Any

import streamlit as st

from annotations.auth import Actor, local_actor
from annotations.domain import Viewer, viewer_of
from annotations.storage import Store
from app import session_logic
from app.config import DEMO_CORPUS, AppConfig, load_config
from app.workflow import seed_demo_corpus

DEMO_LOADER = "demo"


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store.open(url)


@st.cache_resource(show_spinner="Loading the spaCy pipeline…")
def _nlp(model: str | None):
    from models.pipeline import load_nlp

    return load_nlp(model)


@st.cache_resource(show_spinner="Loading the demo corpus…")
def _seed_once(url: str, model: str | None) -> int:
    """Seed an empty store with the demo corpus, once per process and database."""
    outcome = seed_demo_corpus(_store(url), local_actor(DEMO_LOADER), _nlp(model), DEMO_CORPUS)
    return 0 if outcome is None else len(outcome.added)


def config() -> AppConfig:
    return load_config()


def store() -> Store:
    return _store(config().db_url)


def nlp():
    return _nlp(config().model)


def ensure_demo() -> None:
    cfg = config()
    if cfg.demo:
        _seed_once(cfg.db_url, cfg.model)


def init_session() -> None:
    """Session keys used across pages, set once."""
    st.session_state.setdefault("actor", None)  # Actor once signed in / named
    st.session_state.setdefault("review_claim_id", None)  # claim shown on the review page
    st.session_state.setdefault("flash", None)  # (kind, message) shown after a rerun
    st.session_state.setdefault("session_cookie", None)  # the signed cookie of this sign-in
    st.session_state.setdefault("cookie_write", None)  # the cookie value to set in the browser ("" clears it)


def actor() -> Actor | None:
    return st.session_state.get("actor")


def viewer(who: Actor) -> Viewer:
    """What ``who`` may see of other people's work under the current settings; every page that
    lists claims, filters them by status or exports passes it to the store."""
    return viewer_of(who, store().settings())


def restore_session() -> None:
    """Keep the person signed in: on a session's first run (a reload, a new tab), sign it in from
    the browser's session cookie; on every run, check that the session it holds still stands
    (not signed out elsewhere, not expired, the account still active) and take the account's
    current role. A session that no longer stands signs this one out."""
    ss = st.session_state
    cookie = ss.get("session_cookie")
    if cookie is None and not ss.get("session_restore_tried"):
        ss["session_restore_tried"] = True
        cookie = st.context.cookies.to_dict().get(session_logic.COOKIE_NAME)
    if not cookie:
        return
    who = session_logic.resume_session(store(), cookie, config().session_lifetime)
    if who is None:
        ss["actor"] = ss["session_cookie"] = None
        ss["cookie_write"] = ""
    else:
        ss["actor"], ss["session_cookie"] = who, cookie


def client_address() -> str:
    """Where this session's browser connects from, for slowing down failed sign-ins."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "localhost"


def set_local_reviewer(name: str) -> Actor:
    """Local mode: the reviewer's name, asked once and kept across reloads (as a session), is
    stored with every review."""
    who = local_actor(name)
    sign_in(who)
    return who


def sign_in(who: Actor) -> None:
    """Sign ``who`` in: a session on the server, and its signed cookie for the browser to keep."""
    cookie = session_logic.open_session(store(), who, config().session_lifetime)
    st.session_state["actor"] = who
    st.session_state["session_cookie"] = st.session_state["cookie_write"] = cookie


def sign_out() -> None:
    """End the session on the server (every tab that shares it is signed out at its next run)
    and drop its cookie."""
    session_logic.end_session(store(), st.session_state.get("session_cookie"))
    st.session_state["session_cookie"] = None
    st.session_state["cookie_write"] = ""
    st.session_state["actor"] = None
    st.session_state["review_claim_id"] = None
    st.query_params.clear()  # the next person starts from their own queue
    if auth_secrets() and st.user.is_logged_in:
        st.logout()  # or the sign-in page would sign the same identity straight back in


def auth_secrets() -> dict[str, Any]:
    """The ``[auth]`` section of ``.streamlit/secrets.toml`` (empty without one)."""
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, OSError, ValueError):  # no secrets file, or an unreadable one
        return {}
    return auth.to_dict() if hasattr(auth, "to_dict") else dict(auth or {})


def flash(kind: str, message: str) -> None:
    """Keep a message to show on the next run (a save reruns the page)."""
    st.session_state["flash"] = (kind, message)


def show_flash() -> None:
    """Show the kept message once. It sits in a container drawn on every run, so the elements
    below keep their places when it goes (otherwise widgets are mounted anew, and input typed
    during that rerun is lost)."""
    item = st.session_state.get("flash")
    with st.container():
        if item:
            kind, message = item
            {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(message)
            st.session_state["flash"] = None
