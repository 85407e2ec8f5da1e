"""Password hashing and the role permissions."""

from __future__ import annotations

import pytest

from annotations.auth import PERMISSIONS, Actor, hash_password, local_actor, verify_password
from annotations.errors import PermissionDeniedError, ValidationError
from annotations.vocab import ROLES


def test_a_password_is_stored_as_an_argon2id_hash() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert hash_password("correct horse") != hashed  # salted
    assert verify_password(hashed, "correct horse")


@pytest.mark.parametrize("attempt", ["correct horsE", "", "correct horse "])
def test_a_wrong_password_does_not_verify(attempt: str) -> None:
    assert not verify_password(hash_password("correct horse"), attempt)


def test_a_broken_hash_does_not_verify() -> None:
    assert not verify_password("not-a-hash", "correct horse")


@pytest.mark.parametrize(("password", "length"), [("short", 5), ("", 0), (None, 0)])
def test_a_password_needs_eight_characters(password: object, length: int) -> None:
    with pytest.raises(ValidationError, match=f"a password needs at least 8 characters; got {length}"):
        hash_password(password)  # type: ignore[arg-type]


# What each role may do: (action, reviewer, adjudicator, admin).
MATRIX = [
    ("load", True, True, True),
    ("review", True, True, True),
    ("edit_claim", True, True, True),
    ("adjudicate", False, True, True),
    ("manage", False, False, True),
    ("withdraw_any", False, False, True),
    ("withdraw_any_claim", False, False, True),
    ("delete_document", False, False, True),
    ("load_server_files", False, False, True),
]


@pytest.mark.parametrize(("action", "reviewer", "adjudicator", "admin"), MATRIX)
def test_permissions_matrix(action: str, reviewer: bool, adjudicator: bool, admin: bool) -> None:
    assert [Actor("pat", role).can(action) for role in ROLES] == [reviewer, adjudicator, admin]


def test_the_matrix_covers_every_permission() -> None:
    assert {action for action, *_ in MATRIX} == set().union(*PERMISSIONS.values())


@pytest.mark.parametrize(("role", "action", "message"), [
    ("reviewer", "adjudicate", "rita \\(reviewer\\) may not record final verdicts; that needs the role adjudicator or admin"),
    ("reviewer", "manage", "rita \\(reviewer\\) may not manage accounts and settings; that needs the role admin"),
    ("adjudicator", "withdraw_any", "rita \\(adjudicator\\) may not withdraw another reviewer's review; that needs the role admin"),
    ("reviewer", "load_server_files", "rita \\(reviewer\\) may not load files from folders on the server \\(upload or "
                                      "paste them instead\\); that needs the role admin"),
])
def test_require_names_the_action_and_the_role_it_needs(role: str, action: str, message: str) -> None:
    with pytest.raises(PermissionDeniedError, match=message):
        Actor("rita", role).require(action)


def test_actor_checks_its_name_and_role() -> None:
    with pytest.raises(ValidationError, match="role must be one of reviewer, adjudicator, admin; got 'boss'"):
        Actor("rita", "boss")
    with pytest.raises(ValidationError, match="a reviewer name is 1-64 letters"):
        Actor("rita/../admin")


def test_the_local_actor_may_do_everything() -> None:
    actor = local_actor("ann")
    assert (actor.name, actor.role, actor.local) == ("ann", "admin", True)
    assert all(actor.can(action) for action, *_ in MATRIX)
