"""app.export_logic: the Export page's filter and the file it offers for download."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from team_seed import RITA, dispute, seed

from annotations.errors import ValidationError
from annotations.storage import Store
from app import export_logic as logic


@pytest.fixture
def seeded(memory_store: Store) -> tuple[Store, list[str]]:
    return memory_store, seed(memory_store)


@pytest.mark.parametrize(
    ("dates", "since", "until"),
    [
        ((), None, None),
        (None, None, None),
        (date(2026, 3, 1), datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        ((date(2026, 3, 1), date(2026, 3, 4)), datetime(2026, 3, 1, tzinfo=UTC),
         datetime(2026, 3, 4, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_date_bounds(dates, since, until):
    assert logic.date_bounds(dates) == (since, until)


def test_export_filter_from_page_choices():
    flt = logic.export_filter(claim_types=["risk"], verdicts=["risky"], reviewers=["rita"],
                              dates=(date(2026, 3, 1),), final_only=True, include_unreviewed=True)
    assert (flt.claim_types, flt.verdicts, flt.reviewers, flt.final_only, flt.reviewed_only) == (
        ("risk",), ("risky",), ("rita",), True, False)
    with pytest.raises(ValidationError, match="claim_types must be among efficacy, .*; got 'cure'"):
        logic.export_filter(claim_types=["cure"])


def test_build_export_jsonl_and_csv(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    store.save_review(RITA, ids[1], "supported")
    jsonl = logic.build_export(store, "jsonl", logic.export_filter(), {}, today=date(2026, 3, 2))
    assert (jsonl.file_name, jsonl.mime) == ("claimcheck-jsonl-2026-03-02.jsonl", "application/x-ndjson")
    rows = [json.loads(line) for line in jsonl.data.decode("utf-8").splitlines()]
    assert {r["id"] for r in rows} == {ids[0], ids[1]}

    only_risky = logic.build_export(store, "csv", logic.export_filter(verdicts=["risky"]), {"bom": True})
    assert only_risky.file_name.endswith(".csv") and only_risky.mime == "text/csv"
    assert only_risky.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(only_risky.data.decode("utf-8-sig"))))
    assert len(table) == 1 and "Cold showers cure depression" in json.dumps(table[0])


def test_build_export_of_a_folder_format_is_a_zip(seeded):
    store, ids = seeded
    store.save_review(RITA, ids[2], "risky")
    exported = logic.build_export(store, "dataset", logic.export_filter(), {}, today=date(2026, 3, 2))
    assert exported.file_name == "claimcheck-dataset-2026-03-02.zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        names = archive.namelist()
    assert names and all(n.startswith("claimcheck-dataset-2026-03-02/") for n in names)
