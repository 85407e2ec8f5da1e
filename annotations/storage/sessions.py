"""Signed-in sessions, the keys the server keeps, and the slowing down of failed sign-ins.

A session is a random token. The browser holds it (the app signs it into an expiring cookie);
the store keeps only its SHA-256 with whose session it is and when it expires, so signing out
(deleting the row) ends it everywhere, and a copy of the database gives no one a session.

Failed sign-ins are counted per account name and per client address. After a few failures in a
row, each further attempt must wait, twice as long after each failure, up to a quarter of an
hour; an attempt made too soon is refused without looking at the password. A success clears the
count; failures older than an hour are forgotten.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from annotations import schema
from annotations.auth import Actor, local_actor
from annotations.errors import NotFoundError, PermissionDeniedError
from annotations.records import utcnow
from annotations.storage.engine import StoreBase

DEFAULT_LIFETIME = timedelta(days=7)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions(StoreBase):
    """The sessions part of ``Store``."""

    def start_session(self, actor: Actor, *, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
        """A new session for ``actor`` (an active account, or the named person of local mode
        while there are no accounts); returns its token, which only the caller gets."""
        s, u = schema.sessions, schema.users
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self._write() as conn:
            accounts = conn.execute(select(u.c.name).limit(1)).first() is not None
            if actor.local and accounts:
                raise PermissionDeniedError(f"this store has accounts, so {actor.name} must sign in with one")
            if not actor.local:
                active = conn.execute(select(u.c.active).where(u.c.name == actor.name)).scalar()
                if not active:
                    raise PermissionDeniedError(f"there is no active account named {actor.name!r}")
            conn.execute(delete(s).where(s.c.expires_at <= now))  # expired sessions are of no use
            conn.execute(insert(s).values(id=_digest(token), user_name=actor.name, local=actor.local,
                                          created_at=now, expires_at=now + lifetime))
        return token

    def resume_session(self, token: str) -> Actor:
        """Who the session ``token`` signs in: the account as stored now (its current role), or the
        person of local mode. Refused once the session ended (signed out, expired), the account
        was disabled, or (for local mode) accounts were created since."""
        s, u = schema.sessions, schema.users
        with self._read() as conn:
            row = conn.execute(select(s.c.user_name, s.c.local, s.c.expires_at).where(s.c.id == _digest(token))).first()
            if row is None or row.expires_at <= utcnow():
                raise NotFoundError("this session has ended: sign in again")
            if row.local:
                if conn.execute(select(u.c.name).limit(1)).first() is not None:
                    raise PermissionDeniedError("sign-in is on now: sign in with an account")
                return local_actor(row.user_name)
            user = conn.execute(select(u.c.role, u.c.active).where(u.c.name == row.user_name)).first()
        if user is None or not user.active:
            raise PermissionDeniedError(f"the account {row.user_name} is disabled or gone: sign in again")
        return Actor(row.user_name, user.role)

    def end_session(self, token: str) -> None:
        """Sign out: the session ``token`` ends for every tab and browser that holds it."""
        with self._write() as conn:
            conn.execute(delete(schema.sessions).where(schema.sessions.c.id == _digest(token)))

    def server_key(self, name: str) -> str:
        """A secret key the server made once for ``name`` (such as signing cookies) and keeps, so
        that every app process on this store and every restart uses the same one."""
        k = schema.server_keys
        with self._read() as conn:
            value = conn.execute(select(k.c.value).where(k.c.name == name)).scalar()
        if value is not None:
            return value
        try:
            with self._write() as conn:
                conn.execute(insert(k).values(name=name, value=secrets.token_urlsafe(48), created_at=utcnow()))
        except IntegrityError:  # another process made it at the same moment: theirs stands
            pass
        with self._read() as conn:
            return conn.execute(select(k.c.value).where(k.c.name == name)).scalar_one()


def end_sessions_of(conn: Connection, name: str) -> None:
    """End every session of the account ``name`` (its password changed, or it was disabled)."""
    conn.execute(delete(schema.sessions).where(schema.sessions.c.user_name == name))


# ------------------------------------------------------------------------------ throttling


@dataclass(frozen=True)
class Throttle:
    """How failed sign-ins are slowed down for one kind of key: ``free`` failures in a row, then
    each further attempt waits ``2 ** (failures - free + 1)`` seconds after the last failure, at
    most ``longest``; failures older than ``forget_after`` start the count again."""

    kind: str
    free: int
    longest: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def wait(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        return min(timedelta(seconds=2 ** min(failures - self.free + 1, 20)), self.longest)


# Many people may share a client address (an office behind one proxy), so it gets more attempts.
ACCOUNT = Throttle("account", free=5)
CLIENT = Throttle("client", free=20)
_WHAT = {"account": "for this account", "client": "from this address"}


def sign_in_keys(name: str, client: str | None) -> list[tuple[Throttle, str]]:
    """The throttles a sign-in as ``name`` from ``client`` counts against, with their keys."""
    keys = [(ACCOUNT, f"account:{name.strip()[:100]}")]
    if client:
        keys.append((CLIENT, f"client:{client[:100]}"))
    return keys


def count_attempt(conn: Connection, keys: Sequence[tuple[Throttle, str]], now: datetime) -> None:
    """Refuse the attempt if one of ``keys`` must still wait; else count it as a failure until
    it succeeds (``clear_attempts``), so attempts made at the same moment all count."""
    f = schema.sign_in_failures
    rows = {row.key: row for row in conn.execute(
        select(f.c.key, f.c.failures, f.c.last_failed_at).where(f.c.key.in_([key for _, key in keys]))
        .with_for_update())}
    counts: dict[str, int] = {}
    for throttle, key in keys:
        row = rows.get(key)
        failures = 0 if row is None or now - row.last_failed_at > throttle.forget_after else row.failures
        left = row.last_failed_at + throttle.wait(failures) - now if row is not None else timedelta(0)
        if failures and left > timedelta(0):
            seconds = max(1, round(left.total_seconds()))
            raise PermissionDeniedError(
                f"too many failed sign-ins {_WHAT[throttle.kind]}: try again in {seconds} second(s)")
        counts[key] = failures + 1
    for key, failures in counts.items():
        values = {"failures": failures, "last_failed_at": now}
        if key in rows:
            conn.execute(update(f).where(f.c.key == key).values(**values))
        else:
            conn.execute(insert(f).values(key=key, **values))


def clear_attempts(conn: Connection, keys: Sequence[tuple[Throttle, str]]) -> None:
    """A sign-in succeeded: its keys start counting again from nothing."""
    f = schema.sign_in_failures
    conn.execute(delete(f).where(f.c.key.in_([key for _, key in keys])))
