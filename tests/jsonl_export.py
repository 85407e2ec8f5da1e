"""Reading a JSONL export the way a user's script would: the header line, then one claim a line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def claim_rows(data: str | bytes | Path) -> list[dict[str, Any]]:
    """The claim records of a JSONL export (its text, bytes or file), the header line left out."""
    if isinstance(data, Path):
        data = data.read_text(encoding="utf-8")
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    rows = [json.loads(line) for line in data.splitlines() if line.strip()]
    return [row for row in rows if "header" not in row]
