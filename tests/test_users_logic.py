"""app.users_logic: the plain functions behind the Users & settings page, without Streamlit."""

from __future__ import annotations

import json

import pytest
from team_seed import ADMIN, RITA

from annotations.auth import Actor
from annotations.errors import PermissionDeniedError, ValidationError
from app import users_logic as logic
from app.signin_logic import actor_from_identity


def test_mode_note_names_local_mode_and_admin_rule(ann):
    assert "Local mode" in logic.mode_note(False, ann)
    assert "first account" in logic.mode_note(False, None)
    assert "must be an admin" in logic.mode_note(False, None)
    assert "manage" in logic.mode_note(True, ADMIN)
    assert "read-only" in logic.mode_note(True, RITA)


def test_first_account_must_be_admin(memory_store, ann):
    with pytest.raises(ValidationError, match="first account turns sign-in on, so it must be an admin"):
        logic.add_account(memory_store, ann, "rita", "reviewer", "", no_password=True)
    assert not memory_store.accounts_enabled()
    user = logic.add_account(memory_store, ann, "ada", "admin", "correct horse", no_password=False)
    assert (user.name, user.role) == ("ada", "admin")
    assert memory_store.accounts_enabled()
    assert memory_store.authenticate("ada", "correct horse") == Actor("ada", "admin")


@pytest.mark.parametrize(
    ("password", "no_password", "message"),
    [
        ("", False, "a password is required"),
        ("secret-enough", True, "either type a password or tick 'no password'; got both"),
        ("short", False, "at least 8 characters; got 5"),
    ],
)
def test_add_account_password_rules(memory_store, ann, password, no_password, message):
    with pytest.raises(ValidationError, match=message):
        logic.add_account(memory_store, ann, "ada", "admin", password, no_password)
    assert memory_store.list_users() == []


def test_account_without_password_signs_in_only_through_single_sign_on(memory_store, ann):
    logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    with pytest.raises(PermissionDeniedError, match="the account ada has no password"):
        memory_store.authenticate("ada", None)
    assert actor_from_identity(memory_store, {"email": "ada", "email_verified": True}) == Actor("ada", "admin")


def test_user_rows_hide_password_hashes(memory_store, ann):
    logic.add_account(memory_store, ann, "ada", "admin", "correct horse", no_password=False)
    logic.add_account(memory_store, ADMIN, "rita", "reviewer", "", no_password=True)
    rows = logic.user_rows(memory_store.list_users())
    assert [(r["name"], r["role"], r["state"], r["password"]) for r in rows] == [
        ("ada", "admin", "active", "yes"), ("rita", "reviewer", "active", "no")]
    assert "argon2" not in json.dumps(rows)


def test_change_account_role_state_and_password(memory_store, ann):
    logic.add_account(memory_store, ann, "ada", "admin", "correct horse", no_password=False)
    logic.add_account(memory_store, ADMIN, "rita", "reviewer", "first password", no_password=False)

    user, changed = logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=True)
    assert (user.role, changed) == ("adjudicator", ["role"])
    user, changed = logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=True,
                                         new_password="second password")
    assert changed == ["password"]
    assert memory_store.authenticate("rita", "second password").role == "adjudicator"
    with pytest.raises(PermissionDeniedError, match="wrong name or password"):
        memory_store.authenticate("rita", "first password")

    user, changed = logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=False)
    assert (user.active, changed) == (False, ["active"])
    with pytest.raises(PermissionDeniedError, match="the account is disabled"):
        memory_store.authenticate("rita", "second password")
    assert logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=False)[1] == []


def test_last_admin_cannot_be_demoted(memory_store, ann):
    logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    with pytest.raises(ValidationError, match="'ada' is the last active admin"):
        logic.change_account(memory_store, ADMIN, "ada", role="reviewer", active=True)


def test_reviewer_cannot_manage_accounts(memory_store, ann):
    logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    logic.add_account(memory_store, ADMIN, "rita", "reviewer", "", no_password=True)
    with pytest.raises(PermissionDeniedError, match=r"rita \(reviewer\) may not manage accounts"):
        logic.add_account(memory_store, RITA, "raj", "reviewer", "", no_password=True)


def test_save_settings_stores_only_what_changed(memory_store, ann):
    changed = logic.save_settings(memory_store, ann, {
        "reviews_per_claim": 2, "organisation": " Health Desk ", "organisation_url": ""})
    assert sorted(changed) == ["organisation", "reviews_per_claim"]
    assert memory_store.settings() == {"reviews_per_claim": 2, "blind_review": True, "organisation": "Health Desk",
                                       "organisation_url": "", "server_folders": []}
    assert logic.save_settings(memory_store, ann, {"reviews_per_claim": 2, "organisation": "Health Desk"}) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("organisation_url", "javascript:alert(1)", "only http and https links are accepted"),
        ("reviews_per_claim", 0, "reviews_per_claim must be a whole number from 1 to 10; got 0"),
        ("server_folders", "/data/articles\narticles", "server_folders must be absolute paths .*got 'articles'"),
    ],
)
def test_save_settings_refuses_bad_values(memory_store, ann, key, value, message):
    with pytest.raises(ValidationError, match=message):
        logic.save_settings(memory_store, ann, {"organisation": "Desk", key: value})
    assert memory_store.settings()["organisation"] == ""


def test_reviewer_cannot_change_settings(memory_store):
    with pytest.raises(PermissionDeniedError, match="may not manage accounts and settings"):
        logic.save_settings(memory_store, RITA, {"reviews_per_claim": 2})


def test_server_folders_are_saved_one_per_line(memory_store, ann):
    assert logic.save_settings(memory_store, ann, {"server_folders": " /data/articles \n\n/srv/feeds\n"}) == [
        "server_folders"]
    assert memory_store.settings()["server_folders"] == ["/data/articles", "/srv/feeds"]
    assert logic.save_settings(memory_store, ann, {"server_folders": "/data/articles\n/srv/feeds"}) == []
