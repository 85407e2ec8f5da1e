"""Signed-in sessions kept on the server, and failed sign-ins slowed down per account and per
client (issue 15, item 4).

Every test runs on SQLite (a file in tmp_path) and, with TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from annotations.auth import Actor, local_actor
from annotations.errors import NotFoundError, PermissionDeniedError
from annotations.records import utcnow
from annotations.storage import Store
from annotations.storage import accounts as accounts_module
from annotations.storage import sessions as sessions_module

PASSWORD = "long enough secret"
pytestmark = pytest.mark.usefixtures("cheap_hashing")  # these tests sign in often


@pytest.fixture
def team(store: Store, ann: Actor) -> Store:
    store.add_user(ann, "boss", "admin", PASSWORD)
    store.add_user(Actor("boss", "admin"), "rita", "reviewer", PASSWORD)
    return store


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """The store's clock, moved on by hand: ``clock.now += timedelta(...)``."""

    class Clock:
        now = utcnow()

    for module in (accounts_module, sessions_module):
        monkeypatch.setattr(module, "utcnow", lambda: Clock.now)
    return Clock


# ---------------------------------------------------------------------------------- sessions


def test_a_session_signs_in_until_it_is_ended(team: Store) -> None:
    token = team.start_session(Actor("rita", "reviewer"))
    assert team.resume_session(token) == Actor("rita", "reviewer")
    other = team.start_session(Actor("rita", "reviewer"))  # another browser
    team.end_session(token)
    with pytest.raises(NotFoundError, match="this session has ended: sign in again"):
        team.resume_session(token)
    assert team.resume_session(other) == Actor("rita", "reviewer")


def test_the_store_keeps_no_token(team: Store) -> None:
    token = team.start_session(Actor("rita", "reviewer"))
    with team.engine.connect() as conn:
        stored = [tuple(row) for row in conn.exec_driver_sql("SELECT * FROM sessions")]
    assert stored and not any(token in str(value) for row in stored for value in row)


def test_a_session_expires(team: Store, clock) -> None:
    token = team.start_session(Actor("rita", "reviewer"), lifetime=timedelta(hours=1))
    clock.now += timedelta(minutes=59)
    assert team.resume_session(token).name == "rita"
    clock.now += timedelta(minutes=2)
    with pytest.raises(NotFoundError, match="this session has ended"):
        team.resume_session(token)


def test_a_session_takes_the_current_role_and_ends_with_the_account(team: Store) -> None:
    token = team.start_session(Actor("rita", "reviewer"))
    boss = Actor("boss", "admin")
    team.update_user(boss, "rita", role="adjudicator")
    assert team.resume_session(token) == Actor("rita", "adjudicator")
    team.update_user(boss, "rita", active=False)
    team.update_user(boss, "rita", active=True)  # enabling again does not bring old sessions back
    with pytest.raises(NotFoundError):
        team.resume_session(token)
    token = team.start_session(Actor("rita", "adjudicator"))
    team.update_user(boss, "rita", password="a brand new secret")  # nor does a password reset keep them
    with pytest.raises(NotFoundError):
        team.resume_session(token)


def test_only_an_active_account_gets_a_session(team: Store) -> None:
    with pytest.raises(PermissionDeniedError, match="there is no active account named 'nobody'"):
        team.start_session(Actor("nobody", "admin"))
    with pytest.raises(PermissionDeniedError, match="this store has accounts, so ann must sign in with one"):
        team.start_session(local_actor("ann"))


def test_local_mode_keeps_the_name_until_accounts_exist(store: Store, ann: Actor) -> None:
    token = store.start_session(local_actor("Ann Smith"))
    assert store.resume_session(token) == local_actor("Ann Smith")
    store.add_user(ann, "boss", "admin", PASSWORD)
    with pytest.raises(PermissionDeniedError, match="sign-in is on now: sign in with an account"):
        store.resume_session(token)


def test_the_server_key_is_made_once(store: Store, db_url: str) -> None:
    key = store.server_key("session_cookie")
    assert len(key) >= 64 and store.server_key("session_cookie") == key
    with Store.open(db_url) as again:  # another app process, or a restart
        assert again.server_key("session_cookie") == key
    assert store.server_key("something else") != key


# ------------------------------------------------------------------------------ throttling


def _fail(store: Store, name: str, times: int, client: str | None = None) -> None:
    for _ in range(times):
        with pytest.raises(PermissionDeniedError, match="wrong name or password"):
            store.authenticate(name, "wrong guess", client=client)


def test_failed_sign_ins_are_slowed_down_per_account(team: Store, clock) -> None:
    _fail(team, "rita", 5)
    # Now even the right password waits: the attempt is refused before it is checked.
    with pytest.raises(PermissionDeniedError, match=r"^too many failed sign-ins for this account: try again in 2 "):
        team.authenticate("rita", PASSWORD)
    assert team.authenticate("boss", PASSWORD).name == "boss"  # other accounts are not held up
    clock.now += timedelta(seconds=2)
    _fail(team, "rita", 1)
    with pytest.raises(PermissionDeniedError, match="try again in 4 second"):
        team.authenticate("rita", PASSWORD)
    clock.now += timedelta(seconds=4)
    assert team.authenticate("rita", PASSWORD).name == "rita"
    _fail(team, "rita", 4)  # a success started the count again
    assert team.authenticate("rita", PASSWORD).name == "rita"


def test_the_wait_doubles_up_to_a_quarter_of_an_hour_and_failures_are_forgotten(team: Store, clock) -> None:
    waits = []
    while len(waits) < 11:  # guess, and when told to wait, wait exactly that long
        try:
            team.authenticate("nobody", "guess")
        except PermissionDeniedError as exc:
            told = re.search(r"try again in (\d+) second", str(exc))
            if told:
                waits.append(int(told[1]))
                clock.now += timedelta(seconds=int(told[1]))
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    clock.now += timedelta(hours=1, seconds=1)
    _fail(team, "nobody", 5)


def test_failed_sign_ins_are_slowed_down_per_client(team: Store) -> None:
    for n in range(20):
        _fail(team, f"guess{n}", 1, client="203.0.113.9")
    with pytest.raises(PermissionDeniedError, match="too many failed sign-ins from this address"):
        team.authenticate("rita", PASSWORD, client="203.0.113.9")
    assert team.authenticate("rita", PASSWORD, client="198.51.100.4").name == "rita"
