"""Plain functions behind the Sign-in page: which single sign-on providers the secrets configure,
and which account an identity vouched for by a provider signs in as. No Streamlit here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotations.auth import Actor
from annotations.errors import NotFoundError, PermissionDeniedError
from annotations.storage import Store


def oidc_providers(auth: Mapping[str, Any] | None) -> list[str | None]:
    """The identity providers an ``[auth]`` secrets section configures for ``st.login``: ``None``
    for an unnamed provider (``client_id`` in ``[auth]`` itself), then each ``[auth.NAME]`` that
    has a ``client_id``. None at all without ``redirect_uri`` and ``cookie_secret``, which
    every provider needs."""
    if not auth or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return []
    found: list[str | None] = [None] if auth.get("client_id") else []
    found += [name for name, value in auth.items() if isinstance(value, Mapping) and value.get("client_id")]
    return found


def actor_from_identity(store: Store, identity: Mapping[str, Any]) -> Actor:
    """The account that an identity vouched for by the OIDC provider signs in as: the active
    account named by its e-mail address. The provider replaces the password, not the account:
    an admin still adds each person, with their role, and can disable them."""
    email = str(identity.get("email") or "").strip()
    if not email:
        raise PermissionDeniedError("the identity provider gave no e-mail address, so no account can be matched; "
                                    "ask it for the 'email' scope")
    if identity.get("email_verified") is False:
        raise PermissionDeniedError(f"the identity provider has not verified {email}; "
                                    "verify it there, then sign in again")
    for name in dict.fromkeys((email, email.lower())):
        try:
            user = store.get_user(name)
        except NotFoundError:
            continue
        if not user.active:
            raise PermissionDeniedError(f"the account {name} is disabled; an admin can enable it again")
        return Actor(name=user.name, role=user.role)
    raise PermissionDeniedError(
        f"{email} signed in with the identity provider, but there is no account with that name. "
        f"An admin adds it on the Users page or with: python -m app users add {email} --role reviewer --no-password")
