"""Who is acting, and what their role lets them write.

Passwords are hashed with Argon2id (argon2-cffi). Every write in ``annotations.storage`` is
checked here, on the server side, whatever the page showed.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from annotations.errors import PermissionDeniedError, ValidationError
from annotations.records import check_user_name
from annotations.vocab import ROLES

_hasher = PasswordHasher()

# What each role may do. Roles are cumulative: an adjudicator can also review, an admin can do all.
PERMISSIONS: dict[str, frozenset[str]] = {
    "reviewer": frozenset({"load", "review", "edit_claim"}),
    "adjudicator": frozenset({"load", "review", "edit_claim", "adjudicate"}),
    "admin": frozenset({"load", "review", "edit_claim", "adjudicate", "manage", "withdraw_any", "withdraw_any_claim",
                        "delete_document", "load_server_files"}),
}

ACTION_NAMES = {
    "load": "load documents",
    "review": "review claims",
    "edit_claim": "add or change claims",
    "adjudicate": "record final verdicts",
    "manage": "manage accounts and settings",
    "withdraw_any": "withdraw another reviewer's review",
    "withdraw_any_claim": "withdraw a claim they did not add",
    "delete_document": "delete a document",
    "load_server_files": "load files from folders on the server (upload or paste them instead)",
}

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a write: a signed-in account, or the single user of local mode."""

    name: str
    role: str = "reviewer"
    local: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_user_name(self.name))
        if self.role not in ROLES:
            raise ValidationError(f"role must be one of {', '.join(ROLES)}; got {self.role!r}")

    def can(self, action: str) -> bool:
        return action in PERMISSIONS[self.role]

    def require(self, action: str) -> None:
        if not self.can(action):
            allowed = [role for role in ROLES if action in PERMISSIONS[role]]
            raise PermissionDeniedError(
                f"{self.name} ({self.role}) may not {ACTION_NAMES.get(action, action)}; "
                f"that needs the role {' or '.join(allowed)}"
            )


def local_actor(name: str) -> Actor:
    """The actor of single-person local mode: no account, every permission."""
    return Actor(name=name, role="admin", local=True)


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters; "
            f"got {len(password) if isinstance(password, str) else 0}"
        )
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
