"""The Streamlit entry point: ``python -m app serve`` (or ``streamlit run app/streamlit_app.py``).

It sets up the session once, signs the user in (or asks a local reviewer's name), and declares the
pages. Each page lives in ``app/app_pages/`` and stays thin."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run app/streamlit_app.py` puts app/ on sys.path, not the project root.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from annotations.errors import AnnotatorError  # noqa: E402
from app import session_logic, state, widgets  # noqa: E402

st.set_page_config(page_title="claimcheck", page_icon=":material/fact_check:", layout="wide")
state.init_session()

try:
    store = state.store()
    state.ensure_demo()
except AnnotatorError as exc:
    st.error(f"The app could not start: {exc}")
    st.stop()

PAGES = Path(__file__).with_name("app_pages")
accounts = store.accounts_enabled()
state.restore_session()  # a reload or a new tab stays signed in
who = state.actor()
if who is not None and who.local and accounts:
    state.sign_out()  # sign-in was switched on while this session was in local mode
    who = None

with st.sidebar:
    if accounts:
        if who is None:
            st.info("Sign in to review.")
        else:
            st.success(f"Signed in as **{who.name}** ({who.role})")
            if st.button("Sign out", key="shell_sign_out"):
                state.sign_out()
                st.rerun()
    else:
        st.info("**Local mode** is on: one person, no accounts. Create an admin account "
                "(Users page or `python -m app users add`) to turn on sign-in.")
        if who is not None:
            st.caption(f"Reviewing as **{who.name}**")
            if st.button("Change name", key="shell_change_name"):
                state.sign_out()
                st.rerun()
    st.caption(f"Data: `{store.location}`")
    if st.session_state["cookie_write"] is not None:  # signed in or out in this session
        widgets.session_cookie(session_logic.COOKIE_NAME, st.session_state["cookie_write"],
                               state.config().session_lifetime.total_seconds())

if accounts and who is None:
    pages = [st.Page(PAGES / "signin.py", title="Sign in", icon=":material/login:", default=True)]
else:
    pages = [
        st.Page(PAGES / "review.py", title="Review", icon=":material/fact_check:", default=True),
        st.Page(PAGES / "sources.py", title="Sources", icon=":material/description:"),
        st.Page(PAGES / "adjudicate.py", title="Adjudicate", icon=":material/balance:"),
        st.Page(PAGES / "agreement.py", title="Agreement", icon=":material/monitoring:"),
        st.Page(PAGES / "export.py", title="Export", icon=":material/download:"),
        st.Page(PAGES / "users.py", title="Users & settings", icon=":material/group:"),
    ]
st.navigation(pages).run()
