"""Where the app keeps its data and how it is configured: command-line flags first, then
environment variables, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from annotations.errors import ValidationError
from annotations.sources import max_bytes_from_env
from annotations.storage import default_sqlite_url
from annotations.vocab import parse_switch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_PATH = ROOT / "data" / "claimcheck.db"
DEMO_CORPUS = Path(__file__).resolve().parent / "demo_corpus"

ENV_DB = "CLAIMCHECK_DB"
ENV_MODEL = "CLAIMCHECK_MODEL"
ENV_DEMO = "CLAIMCHECK_DEMO"
ENV_SESSION_DAYS = "CLAIMCHECK_SESSION_DAYS"
DEFAULT_SESSION_DAYS = 7


@dataclass(frozen=True)
class AppConfig:
    db_url: str
    max_bytes: int
    model: str | None = None
    demo: bool = True
    session_days: float = DEFAULT_SESSION_DAYS

    @property
    def session_lifetime(self) -> timedelta:
        """How long a sign-in lasts (its cookie and its session on the server)."""
        return timedelta(days=self.session_days)


def load_config(env: Mapping[str, str] | None = None, *, db: str | None = None) -> AppConfig:
    """The configuration from ``--db`` (when given) and the environment."""
    env = os.environ if env is None else env
    db_url = db or env.get(ENV_DB) or default_sqlite_url(DEFAULT_DB_PATH)
    return AppConfig(
        db_url=db_url,
        max_bytes=max_bytes_from_env(env),
        model=env.get(ENV_MODEL) or None,
        demo=parse_switch(ENV_DEMO, env.get(ENV_DEMO, "1").strip() or "off"),  # set but empty: off
        session_days=_session_days(env.get(ENV_SESSION_DAYS, "").strip()),
    )


def _session_days(raw: str) -> float:
    if not raw:
        return DEFAULT_SESSION_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = 0.0
    if not 0 < days <= 366:
        raise ValidationError(f"{ENV_SESSION_DAYS} must be a number of days from more than 0 to 366, like "
                              f"{DEFAULT_SESSION_DAYS} or 0.5; got {raw!r}")
    return days
