"""Closed vocabularies, defined once. The UI, the CLI and the storage build on these."""

from __future__ import annotations

from annotations.errors import ValidationError

SCHEMA_VERSION = "1.0"

VERDICTS: tuple[str, ...] = ("supported", "unsupported", "risky", "not_a_claim")
VERDICT_LABELS: dict[str, str] = {
    "supported": "Supported",
    "unsupported": "Unsupported",
    "risky": "Risky",
    "not_a_claim": "Not a claim",
}

# The claim types of the annotation guidelines.
CLAIM_TYPES: tuple[str, ...] = (
    "efficacy",
    "safety",
    "risk",
    "duration",
    "dosage",
    "advice",
    "mechanism",
    "comparative",
    "contraindication",
    "quantity",
    "other",
)

CITATION_KINDS: tuple[str, ...] = ("doi", "pmid", "url", "other")
CITATION_KIND_LABELS: dict[str, str] = {"doi": "DOI", "pmid": "PMID", "url": "URL", "other": "Other"}

ROLES: tuple[str, ...] = ("reviewer", "adjudicator", "admin")

# Who put a claim into the store.
CLAIM_ORIGINS: tuple[str, ...] = ("pipeline", "reviewer", "import")

# Kinds of parsed quantities.
QUANTITY_KINDS: tuple[str, ...] = ("number", "range", "duration", "frequency", "count", "percent", "measure")

# Review status of a claim, used by queue filters.
CLAIM_STATUSES: tuple[str, ...] = ("unreviewed", "in_review", "reviewed", "disputed", "settled")

# Entities that the history log records. A "dataset" entry logs a whole import (entity_id: the
# imported file's SHA-256, or an import id); it belongs to no document or claim, so no export
# carries it.
HISTORY_ENTITIES: tuple[str, ...] = ("document", "claim", "review", "verdict", "user", "setting", "dataset")

# Where a claim's final verdict comes from.
FINAL_SOURCES: tuple[str, ...] = ("adjudication", "consensus")

# The words that switch something on or off: a setting, an environment variable, a format option.
SWITCH_WORDS: dict[str, bool] = {
    "1": True, "true": True, "yes": True, "on": True,
    "0": False, "false": False, "no": False, "off": False,
}


def parse_switch(what: str, value: object) -> bool:
    """``value`` (a bool, or one of :data:`SWITCH_WORDS` in any case, or the number 1 or 0) as on or
    off; anything else is refused with a message naming ``what``, the words allowed and the value
    that arrived."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in SWITCH_WORDS:
        raise ValidationError(f"{what} must be on or off (true/false, yes/no, 1/0); got {value!r}")
    return SWITCH_WORDS[word]
