"""A small team project for the tests of the team pages' logic: a document with three hand-made
claims, four people in the four roles, and a dispute between two reviewers."""

from __future__ import annotations

from annotations.auth import Actor
from annotations.records import Document, claim_from_span
from annotations.storage import Store

TEXT = (
    "Cold showers cure depression in two weeks.\n\n"
    "Drinking green tea may lower blood pressure slightly.\n\n"
    "This serum removes all wrinkles overnight."
)
SPANS = [
    ("Cold showers cure depression in two weeks", "efficacy"),
    ("green tea may lower blood pressure slightly", "efficacy"),
    ("This serum removes all wrinkles overnight", "safety"),
]

ADMIN = Actor("ada", "admin")
ADJ = Actor("judy", "adjudicator")
RITA = Actor("rita", "reviewer")
RAJ = Actor("raj", "reviewer")


def seed(store: Store) -> list[str]:
    """A document with three hand-made claims; returns the claim ids in text order."""
    doc = Document(name="team-test.txt", text=TEXT)
    claims = [claim_from_span(doc, TEXT.index(s), TEXT.index(s) + len(s), claim_type=t) for s, t in SPANS]
    store.add_document(ADMIN, doc, claims)
    return [c.id for c in claims]


def dispute(store: Store, claim_id: str) -> None:
    """Two reviews per claim, and rita and raj disagree on ``claim_id``."""
    store.set_setting(ADMIN, "reviews_per_claim", 2)
    store.save_review(RITA, claim_id, "supported", "a trial says so")
    store.save_review(RAJ, claim_id, "risky", "no trial at all")
