"""Gold claims as a TSV in the format of the extractor's evaluation file (header
``doc must kind quote``), so reviewed documents become new gold for ``python -m app evaluate``.

Which claims are gold: those whose final verdict is supported, unsupported or risky (the
reviewers accepted them as claims, whatever their truth), and claims a reviewer added by hand
unless their final verdict is ``not_a_claim``. Claims judged ``not_a_claim`` are left out, and so
are pipeline claims without a final verdict. Every gold claim gets ``must = 1``.

``doc`` is the document name's stem up to its first underscore (``000_29883c.txt`` -> ``000``);
``kind`` is the claim type; ``quote`` the claim text as it stands in the document.
"""

from __future__ import annotations

import csv
from pathlib import Path, PurePosixPath
from typing import Any

from annotations.export.catalog import AtomicFile, ExportContext

GOLD_HEADER: tuple[str, ...] = ("doc", "must", "kind", "quote")
ACCEPTED: frozenset[str] = frozenset({"supported", "unsupported", "risky"})


def gold_doc(name: str) -> str:
    """The ``doc`` key of a document name: its stem up to the first underscore."""
    stem = PurePosixPath(name.replace("\\", "/")).stem or name
    return stem.split("_", 1)[0]


def is_gold(row: dict[str, Any]) -> bool:
    final = row["final"]
    if final is not None:
        return final["verdict"] in ACCEPTED
    return row["claim"]["origin"] == "reviewer"


class GoldWriter:
    def __init__(self, out: Path, context: ExportContext) -> None:
        self._file = AtomicFile(out, encoding="utf-8", newline="")
        self._tsv = csv.writer(self._file.handle, delimiter="\t", lineterminator="\n")
        self._tsv.writerow(GOLD_HEADER)
        self._n = 0

    def write(self, row: dict[str, Any]) -> None:
        if is_gold(row):
            claim = row["claim"]
            self._tsv.writerow((gold_doc(row["document"]["name"]), 1, claim["claim_type"], claim["text"]))
            self._n += 1

    def close(self) -> int:
        self._file.commit()
        return self._n

    def abort(self) -> None:
        self._file.discard()
