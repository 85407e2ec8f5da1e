"""Records to rows and back, derived from the records' fields.

Every table's columns are keyed by the field names of the record it stores (see
``annotations.schema``), so a record's row values are a dict of its fields (``claim_values``...)
and the columns that hold a record are its fields' columns in field order (``CLAIM_COLUMNS``...).
Nested records (a claim's cues and quantities, citations) are kept as JSON of their ``to_dict``.

Records are read back from rows this package wrote, by position, with ``Record._from_row``: they
were checked when built, so reading them does not check them again, and naming a row's values one
by one costs more than everything else an export does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table

from annotations import schema
from annotations.fields import dict_maker, json_reader, row_builder
from annotations.records import Claim, Document, HistoryEntry, Review, User, Verdict


def columns(record: type, table: Table) -> tuple[Any, ...]:
    """The columns of ``table`` that hold the fields of ``record``, in field order."""
    return tuple(table.c[name] for name in record.field_names())  # type: ignore[attr-defined]


DOCUMENT_COLUMNS = columns(Document, schema.documents)
CLAIM_COLUMNS = columns(Claim, schema.claims)
REVIEW_COLUMNS = columns(Review, schema.reviews)
VERDICT_COLUMNS = columns(Verdict, schema.verdicts)
USER_COLUMNS = columns(User, schema.users)
HISTORY_COLUMNS = columns(HistoryEntry, schema.history)

# The values of a record's row: its fields, nested records as JSON, timestamps as they are.
document_values = dict_maker(Document, iso_times=False)
claim_values = dict_maker(Claim, iso_times=False)  # the row also needs review_count
review_values = dict_maker(Review, iso_times=False)
verdict_values = dict_maker(Verdict, iso_times=False)
user_values = dict_maker(User, iso_times=False)
history_values = dict_maker(HistoryEntry, iso_times=False)


def changes(old: Any, new: Any) -> dict[str, Any]:
    """The row values of record ``new`` that differ from those of ``old``: an edit's update."""
    maker = dict_maker(type(old), iso_times=False)
    before = maker(old)
    return {name: value for name, value in maker(new).items() if before[name] != value}


def _reader(record: type) -> Callable[[Any], Any]:
    """A function giving the ``record`` of a row of ``select(*columns(record, ...))``."""
    build = row_builder(record)
    names = record.field_names()  # type: ignore[attr-defined]
    nested = [(names.index(name), json_reader(kind)) for name, kind in record._nested.items()]  # type: ignore[attr-defined]
    lists = [(names.index(name), json_reader(kind)) for name, kind in record._nested_lists.items()]  # type: ignore[attr-defined]
    if not nested and not lists:
        return build

    def read(row: Any) -> Any:
        values = list(row)
        for index, read_one in nested:
            values[index] = read_one(values[index])
        for index, read_one in lists:
            values[index] = tuple([read_one(value) for value in values[index]])
        return build(values)

    return read


document: Callable[[Any], Document] = _reader(Document)
claim: Callable[[Any], Claim] = _reader(Claim)
review: Callable[[Any], Review] = _reader(Review)
verdict: Callable[[Any], Verdict] = _reader(Verdict)
user: Callable[[Any], User] = _reader(User)
history: Callable[[Any], HistoryEntry] = _reader(HistoryEntry)


def document_summary(doc: Document) -> dict[str, Any]:
    """What the history records of a new document: not its text, which may be long."""
    return {"name": doc.name, "origin": doc.origin, "url": doc.url, "encoding": doc.encoding,
            "content_hash": doc.content_hash, "characters": len(doc.text)}


def public_user(user: User) -> dict[str, Any]:
    """What the history records of an account: not its password hash."""
    return {"name": user.name, "role": user.role, "active": user.active,
            "has_password": user.password_hash is not None}
