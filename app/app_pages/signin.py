"""Sign-in: shown instead of every other page once accounts exist and nobody is signed in."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError
from app import state

st.title("Sign in")
state.show_flash()
st.caption("Sign-in is on because this project has accounts. Leave the password empty for an "
           "account that has none.")

with st.form("signin_form"):
    name = st.text_input("Name", key="signin_name")
    password = st.text_input("Password", type="password", key="signin_password")
    submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")

if submitted:
    try:
        who = state.store().authenticate(name, password or None)
    except AnnotatorError as exc:
        st.error(str(exc))
    else:
        state.sign_in(who)
        state.flash("success", f"Signed in as {who.name} ({who.role}).")
        st.rerun()
