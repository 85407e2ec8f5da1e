"""Import of JSONL exports: the round trip on both backends (export, import into an empty store,
export again: byte for byte the same file, and the same records field by field), the one log entry
an import makes, importing twice, and malformed lines (reported with their line number; nothing
from the file is kept)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from annotations.auth import Actor
from annotations.errors import ImportFormatError, ValidationError
from annotations.export import export, import_jsonl, read_header, read_jsonl
from annotations.export.jsonl import dump_row
from annotations.storage import ExportFilter, Store
from scripts.make_samples import fill_store

EMPTY = {"documents": 0, "claims": 0, "reviews": 0, "verdicts": 0, "history": 0}


@pytest.fixture
def sample(ann: Actor) -> Iterator[Store]:
    """The samples source in an in-memory store of its own (``memory_store`` stays empty)."""
    with Store.open("sqlite://") as source:
        fill_store(source, ann)
        yield source


@pytest.fixture
def exported(sample: Store, tmp_path: Path) -> Path:
    """Every claim of the samples source, reviewed or not, as JSONL."""
    path = tmp_path / "source.jsonl"
    export(sample, "jsonl", path, ExportFilter(reviewed_only=False))
    return path


def data_counts(store: Store) -> dict[str, int]:
    return {k: v for k, v in store.counts().items() if k in EMPTY}


# --------------------------------------------------------------------------------- round trip


def test_round_trip_restores_every_record(sample: Store, exported: Path, store: Store, ann: Actor,
                                          tmp_path: Path) -> None:
    store.set_setting(ann, "reviews_per_claim", 2)
    counts = import_jsonl(store, exported, ann)
    assert (counts.documents, counts.claims, counts.reviews, counts.verdicts, counts.skipped) == (2, 8, 13, 2, 0)

    again = tmp_path / "again.jsonl"
    export(store, "jsonl", again, ExportFilter(reviewed_only=False))
    assert again.read_bytes() == exported.read_bytes()

    everything = ExportFilter(reviewed_only=False)
    before = list(sample.iter_bundles(everything))
    after = list(store.iter_bundles(everything))
    assert len(after) == 8
    for original, restored in zip(before, after, strict=True):
        for name in (f.name for f in dataclasses.fields(original)):
            assert getattr(restored, name) == getattr(original, name), f"claim {original.claim.id}: {name}"


def test_an_import_is_logged_once_and_exported_nowhere(exported: Path, store: Store, ann: Actor,
                                                       tmp_path: Path) -> None:
    counts = import_jsonl(store, exported, ann, adopt_settings=True)
    [entry] = [e for e in store.history() if e.entity == "dataset"]
    assert (entry.entity_id, entry.action, entry.actor) == (
        hashlib.sha256(exported.read_bytes()).hexdigest(), "import", "ann")
    assert entry.after == {"source": "source.jsonl", **dataclasses.asdict(counts)}
    export(store, "jsonl", tmp_path / "again.jsonl", ExportFilter(reviewed_only=False))
    assert entry.id not in (tmp_path / "again.jsonl").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------- settings


def finals(store: Store) -> dict[str, tuple[object, str]]:
    return {b.claim.id: (b.final, b.status) for b in store.iter_bundles(ExportFilter(reviewed_only=False))}


def test_an_export_records_the_settings_that_decide_statuses(exported: Path) -> None:
    header = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])
    assert header["header"]["settings"] == {"reviews_per_claim": 2}
    assert read_header(exported).settings == {"reviews_per_claim": 2}


def test_an_import_under_other_settings_is_refused_or_adopts_them(sample: Store, exported: Path, store: Store,
                                                                  ann: Actor) -> None:
    """The round trip once changed final verdicts: the export held claims agreed by one of the two
    reviewers they needed, and a store needing one review made them final."""
    with pytest.raises(ValidationError, match=r"reviews_per_claim 2 in the export, 1 in this store.*nothing was "
                                              r"imported.*--adopt-settings.*settings set reviews_per_claim 2"):
        import_jsonl(store, exported, ann)
    assert data_counts(store) == EMPTY
    counts = import_jsonl(store, exported, ann, adopt_settings=True)
    assert counts.settings == {"reviews_per_claim": 2} and store.settings()["reviews_per_claim"] == 2
    assert finals(store) == finals(sample)
    [entry] = [e for e in store.history() if e.entity == "setting"]
    assert (entry.actor, entry.before, entry.after) == ("ann", {"value": 1}, {"value": 2})


def test_the_same_settings_need_no_adopting(exported: Path, store: Store, ann: Actor) -> None:
    store.set_setting(ann, "reviews_per_claim", 2)
    assert import_jsonl(store, exported, ann).settings == {}


def test_a_dataset_folder_import_reads_the_settings_from_its_card(sample: Store, store: Store, ann: Actor,
                                                                  tmp_path: Path) -> None:
    export(sample, "dataset", tmp_path / "set", ExportFilter(reviewed_only=False))
    data = tmp_path / "set" / "claims.jsonl"
    assert json.loads(data.read_text(encoding="utf-8").splitlines()[0])["id"]  # no header line: rows only
    assert (read_header(data).settings, read_header(data).where) == ({"reviews_per_claim": 2},
                                                                     "the dataset card beside it")
    with pytest.raises(ValidationError, match="reviews_per_claim 2 in the export, 1 in this store"):
        import_jsonl(store, data, ann)
    assert import_jsonl(store, data, ann, adopt_settings=True).claims == 8
    assert finals(store) == finals(sample)


def test_a_schema_1_0_file_without_a_header_imports_under_the_stores_settings(exported: Path, store: Store,
                                                                              ann: Actor, tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    rows = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()[1:]]
    for row in rows:  # 1.0 rows had no source map
        del row["document"]["source_map"]
    old.write_text("".join(dump_row({**row, "schema_version": "1.0"}) + "\n" for row in rows), encoding="utf-8")
    assert read_header(old).settings is None
    assert import_jsonl(store, old, ann).claims == 8
    assert store.settings()["reviews_per_claim"] == 1


@pytest.mark.parametrize("fmt", ["csv", "parquet", "claimreview", "gold"])
def test_round_trip_gives_identical_files(sample: Store, exported: Path, store: Store, ann: Actor,
                                          tmp_path: Path, fmt: str) -> None:
    """The formats without history come out byte for byte the same from the restored store."""
    store.set_setting(ann, "reviews_per_claim", 2)
    store.set_setting(ann, "organisation", "Example Health Desk")
    store.set_setting(ann, "organisation_url", "https://factcheck.example.org/health")
    import_jsonl(store, exported, ann)
    export(sample, fmt, tmp_path / "a")
    export(store, fmt, tmp_path / "b")
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_importing_twice_adds_nothing(exported: Path, store: Store, ann: Actor) -> None:
    import_jsonl(store, exported, ann, adopt_settings=True)
    stored = store.counts()
    counts = import_jsonl(store, exported, ann)
    assert (counts.documents, counts.claims, counts.reviews, counts.verdicts, counts.history) == (0, 0, 0, 0, 0)
    assert counts.skipped == 8 + 13 + 2  # claims, reviews, verdicts
    assert store.counts() == stored  # not even a log entry: nothing changed


def test_import_into_a_store_that_holds_the_same_text_under_another_id(exported: Path, memory_store: Store,
                                                                       ann: Actor) -> None:
    first = next(read_jsonl(exported)).document
    memory_store.add_document(ann, first.replace(id="another-id"))
    counts = import_jsonl(memory_store, exported, ann, adopt_settings=True)
    assert counts.documents == 1  # only the second document is new
    assert {c.document_id for c in memory_store.list_claims()} >= {"another-id"}


# ---------------------------------------------------------------------------- malformed lines


def edit_line(n: int, change: Callable[[dict[str, Any]], Any]) -> Callable[[list[str]], list[str]]:
    """A corruption that applies ``change`` to the row on line ``n`` (1-based)."""
    def corrupt(lines: list[str]) -> list[str]:
        row = json.loads(lines[n - 1])
        change(row)
        lines[n - 1] = dump_row(row)
        return lines
    return corrupt


def replace_line(n: int, text: str) -> Callable[[list[str]], list[str]]:
    def corrupt(lines: list[str]) -> list[str]:
        lines[n - 1] = text
        return lines
    return corrupt


def swap_lines(a: int, b: int) -> Callable[[list[str]], list[str]]:
    def corrupt(lines: list[str]) -> list[str]:
        lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
        return lines
    return corrupt


CORRUPTIONS = [
    (replace_line(4, '{"schema_version": "1.1", "id": '), 4, r"expected a JSON object; Expecting value"),
    (replace_line(3, "[1, 2]"), 3, r"a line must be an object; got list"),
    (edit_line(5, lambda r: r.update(schema_version="9.9")), 5, r"schema_version must be one of 1.0, 1.1; got '9.9'"),
    (edit_line(3, lambda r: r.update(extra=1)), 3, r"a line must have the fields .*; unknown extra"),
    (edit_line(4, lambda r: r["claim"].pop("score")), 4, r"claim must have the fields .*; missing score"),
    (edit_line(4, lambda r: r["claim"].update(text="Magnesium is perfectly safe at any dose")), 4,
     r"claim text must be the 40 characters at 179:219; got 39 characters"),
    (edit_line(4, lambda r: r["claim"].update(text="Magnesium is completely safe at any DOSE")), 4,
     r"claim text 'Magnesium is completely safe at any DOSE' is not the document text at 179:219"),
    (edit_line(5, lambda r: r["claim"].update(claim_type="miracle")), 5, r"claim_type must be one of efficacy, .*; "
                                                                         r"got 'miracle'"),
    (edit_line(3, lambda r: r["reviews"][0].update(verdict="maybe")), 3,
     r"verdict must be one of supported, unsupported, risky, not_a_claim; got 'maybe'"),
    (edit_line(3, lambda r: r["reviews"][0]["citations"].append({"kind": "doi", "identifier": "doi:1234"})), 3,
     r"a DOI looks like 10.1000/xyz123"),
    (edit_line(2, lambda r: r["document"].update(text=r["document"]["text"] + "!")), 2,
     r"content_hash does not match the text"),
    (edit_line(6, lambda r: r["document"].update(text=None, history=None)), 6,
     r"document 'd2000000-0000-4000-8000-000000000002' appears here first, so this line must carry its text"),
    (swap_lines(5, 6), 6, r"document 'd1000000-0000-4000-8000-000000000001' appears on an earlier line, but not "
                          r"on the line before, so this line must carry its text"),
    (edit_line(3, lambda r: r["document"].update(content_hash="0" * 64)), 3,
     r"document d1000000-\S+ has content_hash bc405f\w+ on an earlier line; got '0000"),
    (edit_line(4, lambda r: r["final"].update(source="vote")), 4, r"final.source must be one of adjudication, consensus"),
    (edit_line(4, lambda r: r["final"].update(verdict="supported")), 4,
     r"final.verdict must be the adjudicated verdict 'risky'; got 'supported'"),
    (edit_line(4, lambda r: r["history"][0].update(claim_id="c-other")), 4,
     r"history entry \S+ must concern claim c1000000-0000-4000-8000-000000000003; got claim_id 'c-other'"),
    (edit_line(7, lambda r: r.update(status="done")), 7, r"status must be one of unreviewed, .*; got 'done'"),
    (edit_line(1, lambda r: r["header"]["settings"].update(reviews_per_claim=0)), 1,
     r"reviews_per_claim must be a whole number from 1 to 10; got 0"),
    (edit_line(1, lambda r: r["header"]["settings"].update(blind_review=True)), 1,
     r"header.settings must hold the settings reviews_per_claim; got blind_review, reviews_per_claim"),
    (swap_lines(1, 2), 2, r"a header line must be the first line of the file"),
    (edit_line(2, lambda r: r["document"].update(source_map=None)), 2,
     r"document.source_map must be given with document.text; got null"),
    (edit_line(2, lambda r: r["document"]["source_map"].update(kind="pdf")), 2,
     r"source map kind must be one of text, markdown, html; got 'pdf'"),
]


@pytest.mark.parametrize(("corrupt", "line", "reason"), CORRUPTIONS)
def test_malformed_line_is_reported_and_nothing_is_imported(
    exported: Path, memory_store: Store, ann: Actor, tmp_path: Path,
    corrupt: Callable[[list[str]], list[str]], line: int, reason: str,
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(corrupt(exported.read_text(encoding="utf-8").splitlines())) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=rf"bad.jsonl, line {line}: {reason}") as caught:
        import_jsonl(memory_store, bad, ann, adopt_settings=True)
    assert caught.value.line == line
    assert memory_store.settings()["reviews_per_claim"] == 1  # the adopted settings are rolled back too
    assert data_counts(memory_store) == EMPTY


def test_a_bad_last_line_rolls_back_the_whole_file(exported: Path, store: Store, ann: Actor, tmp_path: Path) -> None:
    """On both backends: seven good lines are written before line 8 fails; none of them stays."""
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 9  # the header, then a line per claim
    lines[8] = lines[8].replace('"schema_version":"1.1"', '"schema_version":"0.9"')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"line 9: schema_version must be one of 1.0, 1.1; got '0.9'"):
        import_jsonl(store, bad, ann, adopt_settings=True)
    assert data_counts(store) == EMPTY


def test_a_line_that_is_not_utf8(exported: Path, memory_store: Store, ann: Actor, tmp_path: Path) -> None:
    data = exported.read_bytes().split(b"\n")
    data[2] = data[2].replace(b"readers", b"r\xe9aders")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join(data))
    with pytest.raises(ImportFormatError, match=r"line 3: expected UTF-8 text"):
        import_jsonl(memory_store, bad, ann, adopt_settings=True)
    assert data_counts(memory_store) == EMPTY


def test_blank_lines_and_a_byte_order_mark_are_accepted(exported: Path, memory_store: Store, ann: Actor,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "spaced.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + exported.read_bytes().replace(b"\n", b"\n\n"))
    assert import_jsonl(memory_store, path, ann, adopt_settings=True).claims == 8


def test_missing_file(memory_store: Store, ann: Actor, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"expected a JSONL export file; there is no file at .*nope.jsonl"):
        import_jsonl(memory_store, tmp_path / "nope.jsonl", ann)
