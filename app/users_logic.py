"""Plain functions behind the Users & settings page: what the page says about sign-in, the
accounts table, adding and changing accounts, and saving the project settings. No Streamlit here:
the page reads its widgets, calls one of these and draws the result; the tests call them directly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from annotations.auth import Actor
from annotations.domain import check_setting
from annotations.errors import ValidationError
from annotations.records import User, check_http_url
from annotations.storage import Store

LOCAL_MODE_NOTE = (
    "**Local mode** is on: one person works without accounts and may do everything, as an admin. "
    "Creating the first account turns sign-in on for everybody; that account must be an admin, so "
    "that someone can manage the others."
)


def mode_note(accounts_enabled: bool, who: Actor | None) -> str:
    """What the Users page says about how people sign in."""
    if not accounts_enabled:
        return LOCAL_MODE_NOTE
    if who is not None and who.can("manage"):
        return "**Sign-in is on.** You manage the accounts and the project settings below."
    return "**Sign-in is on.** Only an admin can change accounts and settings; this is a read-only view."


def user_rows(users: Iterable[User]) -> list[dict[str, Any]]:
    """The accounts table, without password hashes."""
    return [
        {"name": u.name, "role": u.role, "state": "active" if u.active else "disabled",
         "password": "yes" if u.password_hash else "no", "created": u.created_at.strftime("%Y-%m-%d")}
        for u in users
    ]


def add_account(store: Store, actor: Actor, name: str, role: str, password: str, no_password: bool) -> User:
    """Create an account. A password is required unless ``no_password`` is ticked: such an account
    signs in only through single sign-on."""
    if no_password:
        if password:
            raise ValidationError("either type a password or tick 'no password'; got both")
        return store.add_user(actor, name, role, None)
    if not password:
        raise ValidationError("a password is required (or tick 'no password' for an account that signs in "
                              "through single sign-on); got none")
    return store.add_user(actor, name, role, password)


def change_account(
    store: Store, actor: Actor, name: str, *, role: str, active: bool, new_password: str = "",
) -> tuple[User, list[str]]:
    """Apply the changes made to one account; returns the account and what changed."""
    old = store.get_user(name)
    changes: dict[str, Any] = {}
    if role != old.role:
        changes["role"] = role
    if active != old.active:
        changes["active"] = active
    if new_password:
        changes["password"] = new_password
    if not changes:
        return old, []
    return store.update_user(actor, name, **changes), sorted(changes)


def settings_changes(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, Any]:
    """The proposed settings that differ from the stored ones."""
    return {key: value for key, value in proposed.items() if str(current.get(key, "")) != str(value).strip()}


def save_settings(store: Store, actor: Actor, proposed: Mapping[str, Any]) -> list[str]:
    """Store the changed settings; returns the keys that changed. A bad link is refused before
    anything is stored, so a form saves all of its settings or none."""
    if "server_folders" in proposed:  # checked (and made a list) before anything is stored
        proposed = {**proposed, "server_folders": check_setting("server_folders", proposed["server_folders"])}
    changed = settings_changes(store.settings(), proposed)
    if str(changed.get("organisation_url", "")).strip():
        check_http_url(str(changed["organisation_url"]))
    # Free text cannot be refused, so it goes last: a refused number leaves nothing stored.
    keys = sorted(changed, key=lambda key: key == "organisation")
    for key in keys:
        value = changed[key]
        store.set_setting(actor, key, value.strip() if isinstance(value, str) else value)
    return keys
