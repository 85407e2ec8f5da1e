"""Where the app keeps its data and how it is configured: command-line flags first, then
environment variables, then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from annotations.sources import max_bytes_from_env
from annotations.storage import default_sqlite_url
from annotations.vocab import parse_switch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_PATH = ROOT / "data" / "claimcheck.db"
DEMO_CORPUS = Path(__file__).resolve().parent / "demo_corpus"

ENV_DB = "CLAIMCHECK_DB"
ENV_MODEL = "CLAIMCHECK_MODEL"
ENV_DEMO = "CLAIMCHECK_DEMO"


@dataclass(frozen=True)
class AppConfig:
    db_url: str
    max_bytes: int
    model: str | None = None
    demo: bool = True


def load_config(env: Mapping[str, str] | None = None, *, db: str | None = None) -> AppConfig:
    """The configuration from ``--db`` (when given) and the environment."""
    env = os.environ if env is None else env
    db_url = db or env.get(ENV_DB) or default_sqlite_url(DEFAULT_DB_PATH)
    return AppConfig(
        db_url=db_url,
        max_bytes=max_bytes_from_env(env),
        model=env.get(ENV_MODEL) or None,
        demo=parse_switch(ENV_DEMO, env.get(ENV_DEMO, "1").strip() or "off"),  # set but empty: off
    )
