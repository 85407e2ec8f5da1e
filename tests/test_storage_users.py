"""Accounts, sign-in, and the role check made inside every write.

Every test runs on SQLite (a file in tmp_path) and, with TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from annotations.auth import Actor, local_actor
from annotations.errors import NotFoundError, PermissionDeniedError, ValidationError
from annotations.storage import Store

if TYPE_CHECKING:
    from conftest import StoredArticle

PASSWORD = "long enough secret"
pytestmark = pytest.mark.usefixtures("cheap_hashing")  # these tests sign in often


@pytest.fixture
def team(store: Store, ann: Actor) -> Store:
    """``store`` with accounts: admin boss, adjudicator judy, reviewer rita."""
    store.add_user(ann, "boss", "admin", PASSWORD)
    boss = store.authenticate("boss", PASSWORD)
    store.add_user(boss, "judy", "adjudicator", PASSWORD)
    store.add_user(boss, "rita", "reviewer", PASSWORD)
    return store


def test_local_mode_until_the_first_account(store: Store, ann: Actor) -> None:
    assert not store.accounts_enabled()
    with pytest.raises(ValidationError, match="the first account turns sign-in on, so it must be an admin; got role 'reviewer'"):
        store.add_user(ann, "rita", "reviewer", PASSWORD)
    assert not store.accounts_enabled()
    user = store.add_user(ann, "boss", "admin", PASSWORD)
    assert (user.name, user.role, user.active) == ("boss", "admin", True)
    assert store.accounts_enabled()


def test_sign_in(team: Store) -> None:
    actor = team.authenticate("rita", PASSWORD)
    assert (actor.name, actor.role, actor.local) == ("rita", "reviewer", False)


@pytest.mark.parametrize(("name", "password"), [
    ("rita", "wrong password"), ("rita", None), ("nobody", PASSWORD), ("bad/name", PASSWORD)])
def test_a_failed_sign_in_says_the_same_for_every_cause(team: Store, name: str, password: str | None) -> None:
    with pytest.raises(PermissionDeniedError, match="^wrong name or password, or the account is disabled$"):
        team.authenticate(name, password)


@pytest.mark.parametrize("password", [None, "", "any password at all"])
def test_an_account_without_a_password_never_signs_in_with_one(team: Store, password: str | None) -> None:
    """It signs in only through single sign-on; the refusal says how to give it a password."""
    team.add_user(team.authenticate("boss", PASSWORD), "sso", "reviewer", None)
    with pytest.raises(PermissionDeniedError, match="^the account sso has no password, so it signs in only through "
                                                    "single sign-on.* python -m app users set sso --password"):
        team.authenticate("sso", password)
    team.update_user(team.authenticate("boss", PASSWORD), "sso", password=PASSWORD)
    assert team.authenticate("sso", PASSWORD) == Actor("sso", "reviewer")


def test_a_disabled_account_cannot_sign_in(team: Store) -> None:
    team.update_user(team.authenticate("boss", PASSWORD), "rita", active=False)
    with pytest.raises(PermissionDeniedError, match="wrong name or password, or the account is disabled"):
        team.authenticate("rita", PASSWORD)


def test_users_are_listed_and_never_logged_with_their_hash(team: Store) -> None:
    assert [(u.name, u.role) for u in team.list_users()] == [("boss", "admin"), ("judy", "adjudicator"),
                                                              ("rita", "reviewer")]
    assert team.get_user("rita").password_hash.startswith("$argon2id$")
    [entry] = team.history(entity_id="rita")
    assert (entry.entity, entry.action, entry.actor) == ("user", "create", "boss")
    assert entry.after == {"name": "rita", "role": "reviewer", "active": True, "has_password": True}
    with pytest.raises(NotFoundError, match="no account named 'zoe'"):
        team.get_user("zoe")


def test_account_names_are_unique(team: Store) -> None:
    with pytest.raises(ValidationError, match="an account named 'rita' already exists"):
        team.add_user(team.authenticate("boss", PASSWORD), "rita", "admin", PASSWORD)


def test_update_user_changes_role_and_password(team: Store) -> None:
    boss = team.authenticate("boss", PASSWORD)
    team.update_user(boss, "rita", role="adjudicator", password="a brand new secret")
    assert team.authenticate("rita", "a brand new secret").role == "adjudicator"
    with pytest.raises(PermissionDeniedError):
        team.authenticate("rita", PASSWORD)
    entry = team.history(entity_id="rita")[-1]
    assert (entry.before["role"], entry.after["role"]) == ("reviewer", "adjudicator")
    with pytest.raises(ValidationError, match="role must be one of reviewer, adjudicator, admin; got 'owner'"):
        team.update_user(boss, "rita", role="owner")
    with pytest.raises(NotFoundError, match="no account named 'zoe'"):
        team.update_user(boss, "zoe", active=False)


@pytest.mark.parametrize("change", [{"role": "reviewer"}, {"active": False}])
def test_the_last_active_admin_stays(team: Store, change: dict) -> None:
    boss = team.authenticate("boss", PASSWORD)
    with pytest.raises(ValidationError, match="'boss' is the last active admin; make another admin first"):
        team.update_user(boss, "boss", **change)
    team.update_user(boss, "judy", role="admin")
    team.update_user(boss, "boss", **change)
    assert [u.name for u in team.list_users() if u.role == "admin" and u.active] == ["judy"]


def test_only_an_admin_manages_accounts(team: Store) -> None:
    judy = team.authenticate("judy", PASSWORD)
    with pytest.raises(PermissionDeniedError, match="judy \\(adjudicator\\) may not manage accounts and settings"):
        team.add_user(judy, "zoe", "reviewer", PASSWORD)
    with pytest.raises(PermissionDeniedError, match="may not manage accounts and settings"):
        team.update_user(judy, "rita", role="admin")
    assert team.get_user("rita").role == "reviewer"


# ------------------------------------------------------------- the role check inside each write


def test_with_accounts_a_local_session_may_not_write(article: StoredArticle, ann: Actor) -> None:
    store = article.store
    store.add_user(ann, "boss", "admin", PASSWORD)
    with pytest.raises(PermissionDeniedError, match="this store has accounts, so ann must sign in to review claims"):
        store.save_review(ann, article.claims[0].id, "supported")
    with pytest.raises(PermissionDeniedError, match="so boss must sign in to manage accounts and settings"):
        store.set_setting(local_actor("boss"), "reviews_per_claim", 2)
    assert store.counts()["reviews"] == 0


def test_with_accounts_only_active_accounts_write(article: StoredArticle, ann: Actor) -> None:
    store = article.store
    store.add_user(ann, "boss", "admin", PASSWORD)
    boss = store.authenticate("boss", PASSWORD)
    store.add_user(boss, "rita", "reviewer", PASSWORD)
    rita = store.authenticate("rita", PASSWORD)
    store.save_review(rita, article.claims[0].id, "supported")
    with pytest.raises(PermissionDeniedError, match="there is no active account named 'mallory'"):
        store.save_review(Actor("mallory", "admin"), article.claims[0].id, "supported")
    store.update_user(boss, "rita", active=False)
    with pytest.raises(PermissionDeniedError, match="there is no active account named 'rita'"):
        store.save_review(rita, article.claims[1].id, "supported")  # her session outlived her account


def test_the_stored_role_decides_not_the_session(article: StoredArticle, ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    store.add_user(ann, "boss", "admin", PASSWORD)
    boss = store.authenticate("boss", PASSWORD)
    store.add_user(boss, "judy", "adjudicator", PASSWORD)
    judy_session = store.authenticate("judy", PASSWORD)
    store.update_user(boss, "judy", role="reviewer")
    with pytest.raises(PermissionDeniedError, match="judy \\(reviewer\\) may not record final verdicts"):
        store.save_verdict(judy_session, claim.id, "supported")
    # A session that claims more than the account holds gains nothing either.
    with pytest.raises(PermissionDeniedError, match="judy \\(reviewer\\) may not manage accounts and settings"):
        store.set_setting(Actor("judy", "admin"), "reviews_per_claim", 2)
    store.update_user(boss, "judy", role="adjudicator")
    assert store.save_verdict(judy_session, claim.id, "supported").adjudicator == "judy"


@pytest.mark.parametrize(("role", "allowed"), [("reviewer", False), ("adjudicator", False), ("admin", True)])
def test_withdrawing_another_reviewers_review_follows_the_stored_role(article: StoredArticle, ann: Actor,
                                                                      role: str, allowed: bool) -> None:
    store = article.store
    store.add_user(ann, "boss", "admin", PASSWORD)
    boss = store.authenticate("boss", PASSWORD)
    store.add_user(boss, "rita", "reviewer", PASSWORD)
    store.add_user(boss, "pat", role, PASSWORD)
    review = store.save_review(store.authenticate("rita", PASSWORD), article.claims[0].id, "supported")
    pat = store.authenticate("pat", PASSWORD)
    if allowed:
        assert store.withdraw_review(pat, review.id, 1).withdrawn
    else:
        with pytest.raises(PermissionDeniedError, match="may not withdraw another reviewer's review"):
            store.withdraw_review(pat, review.id, 1)
