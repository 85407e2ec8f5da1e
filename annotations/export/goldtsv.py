"""Gold claims as a TSV in the format of the extractor's evaluation file (header
``doc must kind quote``, written by :func:`annotations.gold.write_gold`), so reviewed documents
become new gold for ``python -m app evaluate``.

Which claims are gold: those whose final verdict is supported, unsupported or risky (the
reviewers accepted them as claims, whatever their truth), and claims a reviewer added by hand
unless their final verdict is ``not_a_claim``. Claims judged ``not_a_claim`` are left out, and so
are pipeline claims without a final verdict. Every gold claim gets ``must = 1``.

``doc`` is the document's gold id (``annotations.gold.doc_id``: its name without a source
extension, so ``green_tea`` and ``green_coffee`` stay apart); ``kind`` is the claim type; ``quote`` the claim text as it stands in the
document. The format holds one claim per line, so a claim whose text spans a line break or holds
a tab cannot be written and is left out (the export summary counts it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotations.export.catalog import AtomicFile, ExportContext
from annotations.gold import GoldClaim, doc_id, write_gold

ACCEPTED: frozenset[str] = frozenset({"supported", "unsupported", "risky"})


def is_gold(row: dict[str, Any]) -> bool:
    final = row["final"]
    if final is not None:
        return final["verdict"] in ACCEPTED
    return row["claim"]["origin"] == "reviewer"


class GoldWriter:
    """Collects the gold claims (short quotes, a subset of the claims) and writes the TSV on close."""

    def __init__(self, out: Path, context: ExportContext) -> None:
        self._file = AtomicFile(out, encoding="utf-8", newline="")
        self._gold: list[GoldClaim] = []

    def write(self, row: dict[str, Any]) -> None:
        claim = row["claim"]
        if is_gold(row) and not any(c in claim["text"] for c in "\t\r\n"):
            self._gold.append(GoldClaim(doc_id(row["document"]["name"]), 1, claim["claim_type"], claim["text"]))

    def close(self) -> int:
        write_gold(self._gold, self._file.handle)
        self._file.commit()
        return len(self._gold)

    def abort(self) -> None:
        self._file.discard()
