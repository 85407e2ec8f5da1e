"""Project settings and reviewer accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from annotations import schema
from annotations.auth import Actor, hash_password, verify_password
from annotations.domain import DEFAULT_SETTINGS
from annotations.errors import NotFoundError, PermissionDeniedError, StaleEditError, ValidationError
from annotations.records import User, check_user_name, utcnow
from annotations.storage import mapping
from annotations.storage.engine import StoreBase
from annotations.storage.queries import needed_reviews
from annotations.storage.sessions import clear_attempts, count_attempt, end_sessions_of, sign_in_keys
from annotations.vocab import ROLES


class Accounts(StoreBase):
    """The settings and accounts part of ``Store``."""

    # ---- settings

    def settings(self) -> dict[str, Any]:
        with self._read() as conn:
            rows = conn.execute(select(schema.settings.c.key, schema.settings.c.value)).all()
        values = dict(DEFAULT_SETTINGS)
        values.update({key: value for key, value in rows})
        return values

    def setting(self, key: str) -> Any:
        if key not in DEFAULT_SETTINGS:
            raise ValidationError(f"unknown setting {key!r}; known: {', '.join(DEFAULT_SETTINGS)}")
        return self.settings()[key]

    def set_setting(self, actor: Actor, key: str, value: Any) -> None:
        """Change a project setting (admins only); the change is logged with its old value."""
        try:
            with self._write() as conn:
                actor = self._authorise(conn, actor, "manage")
                self._put_setting(conn, actor, key, value)
        except IntegrityError:
            # Another admin stored this setting for the first time at the same moment.
            raise StaleEditError(f"setting {key} was just set by someone else; reload to see it",
                                 current=self.setting(key)) from None

    def reviews_per_claim(self) -> int:
        with self._read() as conn:
            return needed_reviews(conn)

    # ---- users

    def accounts_enabled(self) -> bool:
        """Sign-in is required once any account exists; until then the store is in local mode."""
        with self._read() as conn:
            return conn.execute(select(schema.users.c.name).limit(1)).first() is not None

    def list_users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(select(*mapping.USER_COLUMNS).order_by(schema.users.c.name)).all()
        return [mapping.user(r) for r in rows]

    def get_user(self, name: str) -> User:
        with self._read() as conn:
            row = conn.execute(select(*mapping.USER_COLUMNS).where(schema.users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no account named {name!r}")
        return mapping.user(row)

    def add_user(self, actor: Actor, name: str, role: str, password: str | None) -> User:
        """Create an account. The first account must be an admin, so nobody is locked out."""
        user = User(name=name, role=role, password_hash=hash_password(password) if password is not None else None)
        u = schema.users
        try:
            with self._write() as conn:
                self._authorise(conn, actor, "manage")
                if conn.execute(select(u.c.name).limit(1)).first() is None and role != "admin":
                    raise ValidationError(
                        f"the first account turns sign-in on, so it must be an admin; got role {role!r}")
                if conn.execute(select(u.c.name).where(u.c.name == user.name)).first():
                    raise ValidationError(f"an account named {user.name!r} already exists")
                conn.execute(insert(u).values(**mapping.user_values(user)))
                self._log(conn, actor.name, "user", user.name, "create", None, mapping.public_user(user))
        except IntegrityError:
            raise ValidationError(f"an account named {user.name!r} already exists") from None
        return user

    def update_user(
        self, actor: Actor, name: str, *, role: str | None = None, active: bool | None = None,
        password: str | None = None,
    ) -> User:
        """Change an account's role, password or active flag. The last active admin stays."""
        if role is not None and role not in ROLES:
            raise ValidationError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
        password_hash = hash_password(password) if password is not None else None
        u = schema.users
        with self._write() as conn:
            actor = self._authorise(conn, actor, "manage")
            row = conn.execute(select(*mapping.USER_COLUMNS).where(u.c.name == name).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no account named {name!r}")
            old = mapping.user(row)
            new = old.replace(
                role=role if role is not None else old.role,
                active=active if active is not None else old.active,
                password_hash=password_hash or old.password_hash,
            )
            if old.role == "admin" and old.active and (new.role != "admin" or not new.active):
                # Lock every active admin, so two admins demoting each other cannot both pass.
                admins = conn.execute(select(u.c.name).where(
                    u.c.role == "admin", u.c.active.is_(True)).with_for_update()).scalars().all()
                if len(admins) <= 1:
                    raise ValidationError(f"{name!r} is the last active admin; make another admin first")
            conn.execute(update(u).where(u.c.name == name).values(**mapping.user_values(new)))
            if password_hash is not None or not new.active:  # a reset or a disabling signs them out everywhere
                end_sessions_of(conn, name)
            self._log(conn, actor.name, "user", name, "update", mapping.public_user(old), mapping.public_user(new))
        return new

    def authenticate(self, name: str, password: str | None, *, client: str | None = None) -> Actor:
        """The actor for a sign-in with a password; refuses a wrong name or password with one
        message for both. An account without a password never signs in here: it signs in only
        through single sign-on (``app.signin_logic.actor_from_identity``).

        Repeated failures are slowed down per account name and, when given, per ``client`` (the
        address the attempt comes from): see ``annotations.storage.sessions``."""
        keys = sign_in_keys(str(name or ""), client)
        try:
            with self._write() as conn:
                count_attempt(conn, keys, utcnow())
        except IntegrityError:  # a first failure under the same key, counted at the same moment
            raise PermissionDeniedError("another sign-in with this name was checked at the same moment; "
                                        "try again") from None
        actor = self._password_actor(name, password)
        with self._write() as conn:
            clear_attempts(conn, keys)
        return actor

    def _password_actor(self, name: str, password: str | None) -> Actor:
        refused = PermissionDeniedError("wrong name or password, or the account is disabled")
        try:
            user = self.get_user(check_user_name(name))
        except (NotFoundError, ValidationError):
            raise refused from None
        if not user.active:
            raise refused
        if user.password_hash is None:
            raise PermissionDeniedError(no_password_message(user.name))
        if not verify_password(user.password_hash, password or ""):
            raise refused
        return Actor(name=user.name, role=user.role)


def no_password_message(name: str) -> str:
    """Why an account without a password cannot sign in with one, and how to give it one."""
    return (f"the account {name} has no password, so it signs in only through single sign-on, "
            f"when the app has it set up. To sign in with a password, an admin sets one on the Users & "
            f"settings page or with: python -m app users set {name} --password --as ADMIN")
