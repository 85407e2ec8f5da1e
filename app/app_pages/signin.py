"""Sign-in: shown instead of every other page once accounts exist and nobody is signed in.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` it also offers single sign-on through
Streamlit's ``st.login`` (OpenID Connect); the provider's e-mail address names the account."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError
from app import signin_logic as logic
from app import state

store = state.store()
st.title("Sign in")
state.show_flash()

providers = logic.oidc_providers(state.auth_secrets())
if providers and st.user.is_logged_in:
    try:
        who = logic.actor_from_identity(store, st.user.to_dict())
    except AnnotatorError as exc:
        st.error(str(exc))
        st.button("Sign out of the identity provider", key="signin_oidc_logout", on_click=st.logout)
    else:
        state.sign_in(who)
        state.flash("success", f"Signed in as {who.name} ({who.role}).")
        st.rerun()
elif providers:
    for provider in providers:
        st.button(f"Sign in with {provider or 'single sign-on'}", key=f"signin_oidc_{provider or 'default'}",
                  type="primary", icon=":material/key:", on_click=st.login, args=(provider,))
    st.caption("Or with an account name and password:")

st.caption("Sign-in is on because this project has accounts.")

with st.form("signin_form"):
    name = st.text_input("Name", key="signin_name")
    password = st.text_input("Password", type="password", key="signin_password")
    submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")

if submitted:
    try:
        who = store.authenticate(name, password or None, client=state.client_address())
        state.sign_in(who)
    except AnnotatorError as exc:
        st.error(str(exc))
    else:
        state.flash("success", f"Signed in as {who.name} ({who.role}).")
        st.rerun()
