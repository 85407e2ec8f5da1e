"""Users & settings: an admin manages accounts and the project settings; others see them read-only."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError
from annotations.vocab import ROLES
from app import state
from app import users_logic as logic
from app.views import md_escape
from app.widgets import reviewer_gate

st.title("Users & settings")
state.show_flash()
store = state.store()
accounts = store.accounts_enabled()
who = state.actor()
st.markdown(logic.mode_note(accounts, who))
who = reviewer_gate("users")
if who is None:
    st.stop()

is_admin = who is not None and who.can("manage")

# ---- accounts
users = store.list_users()
st.subheader("Accounts")
if users:
    st.dataframe(logic.user_rows(users), hide_index=True, key="users_table")
else:
    st.caption("No accounts yet.")

if is_admin:
    with st.form("users_add_form", clear_on_submit=True):
        st.markdown("**Add an account**" + ("" if accounts else " (the first one must be an admin and turns "
                                                                "sign-in on)"))
        name = st.text_input("Name", key="users_add_name")
        role = st.selectbox("Role", ROLES, index=ROLES.index("admin" if not accounts else "reviewer"),
                            key="users_add_role")
        password = st.text_input("Password (8 characters or more)", type="password", key="users_add_password")
        no_password = st.checkbox("No password: signs in only through single sign-on", key="users_add_no_password",
                                  help="For people who sign in with the identity provider set up in "
                                       "`.streamlit/secrets.toml`; without one, the account cannot sign in "
                                       "until an admin sets a password.")
        add = st.form_submit_button("Add account", key="users_add_submit")
    if add:
        try:
            user = logic.add_account(store, who, name, role, password, no_password)
        except AnnotatorError as exc:
            st.error(str(exc))
        else:
            note = "" if accounts else " Sign-in is now on: sign in with that account."
            state.flash("success", f"Added {md_escape(user.name)} ({user.role}).{note}")
            st.rerun()

if is_admin and users:
    names = [u.name for u in users]
    chosen = st.selectbox("Change an account", names, key="users_edit_name")
    current = next(u for u in users if u.name == chosen)
    if st.session_state.get("users_edit_loaded") != chosen:
        st.session_state["users_edit_role"] = current.role
        st.session_state["users_edit_active"] = current.active
        st.session_state["users_edit_loaded"] = chosen
    with st.form("users_edit_form", clear_on_submit=False):
        role = st.selectbox("Role", ROLES, key="users_edit_role")
        active = st.checkbox("Active (may sign in)", key="users_edit_active")
        new_password = st.text_input("New password (leave empty to keep it)", type="password",
                                     key="users_edit_password")
        save = st.form_submit_button("Save changes", key="users_edit_submit")
    if save:
        try:
            user, changed = logic.change_account(store, who, chosen, role=role, active=active,
                                                      new_password=new_password)
        except AnnotatorError as exc:
            st.error(str(exc))
        else:
            st.session_state["users_edit_loaded"] = None
            state.flash("success" if changed else "info",
                        f"{md_escape(user.name)}: changed {', '.join(changed)}." if changed
                        else f"{md_escape(user.name)}: nothing changed.")
            st.rerun()

# ---- settings
st.subheader("Project settings")
settings = store.settings()
if is_admin:
    with st.form("users_settings_form"):
        reviews = st.number_input("Reviews per claim (2 for double review)", min_value=1, max_value=10, step=1,
                                  value=int(settings["reviews_per_claim"]), key="users_reviews_per_claim")
        blind = st.checkbox("Blind review: with more than one review per claim, reviewers see the others' "
                            "reviews only after saving their own", value=bool(settings["blind_review"]),
                            key="users_blind_review")
        organisation = st.text_input("Organisation (author of ClaimReview exports)",
                                     value=settings["organisation"], key="users_organisation")
        organisation_url = st.text_input("Organisation URL (http or https)", value=settings["organisation_url"],
                                         key="users_organisation_url")
        folders = st.text_area("Server folders that admins may load files from (one absolute path a line; the "
                               "demo corpus is always allowed)", value="\n".join(settings["server_folders"]),
                               key="users_server_folders", height=80)
        save_settings = st.form_submit_button("Save settings", key="users_settings_submit")
    if save_settings:
        try:
            changed = logic.save_settings(store, who, {"reviews_per_claim": int(reviews),
                                                            "blind_review": blind,
                                                            "organisation": organisation,
                                                            "organisation_url": organisation_url,
                                                            "server_folders": folders})
        except AnnotatorError as exc:
            st.error(str(exc))
        else:
            state.flash("success" if changed else "info",
                        f"Saved {', '.join(changed)}." if changed else "No setting changed.")
            st.rerun()
else:
    st.dataframe([{"setting": k, "value": str(v)} for k, v in settings.items()], hide_index=True,
                 key="users_settings_table")
