"""app.signin_logic: single sign-on providers and the account an identity signs in as."""

from __future__ import annotations

import pytest
from team_seed import ADMIN

from annotations.auth import Actor
from annotations.errors import PermissionDeniedError
from app import signin_logic as logic
from app.users_logic import add_account


def test_oidc_providers_from_the_auth_secrets():
    shared = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    assert logic.oidc_providers({}) == []
    assert logic.oidc_providers({"client_id": "a"}) == []  # no redirect_uri / cookie_secret
    assert logic.oidc_providers({**shared, "client_id": "a"}) == [None]
    assert logic.oidc_providers({**shared, "google": {"client_id": "g"}, "okta": {"client_id": "o"},
                                 "broken": {"client_secret": "no id"}}) == ["google", "okta"]


def test_an_identity_signs_in_as_the_active_account_named_by_its_email(memory_store, ann):
    add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    add_account(memory_store, ADMIN, "rita@desk.example.org", "adjudicator", "", no_password=True)
    who = logic.actor_from_identity(memory_store, {"email": "Rita@Desk.example.org", "email_verified": True})
    assert who == Actor("rita@desk.example.org", "adjudicator")
    with pytest.raises(PermissionDeniedError, match="has not verified rita@desk.example.org"):
        logic.actor_from_identity(memory_store, {"email": "rita@desk.example.org", "email_verified": False})
    with pytest.raises(PermissionDeniedError, match="gave no e-mail address"):
        logic.actor_from_identity(memory_store, {"name": "Rita"})
    with pytest.raises(PermissionDeniedError, match="no account with that name"):
        logic.actor_from_identity(memory_store, {"email": "eve@elsewhere.example"})
    memory_store.update_user(ADMIN, "rita@desk.example.org", active=False)
    with pytest.raises(PermissionDeniedError, match="is disabled"):
        logic.actor_from_identity(memory_store, {"email": "rita@desk.example.org"})
