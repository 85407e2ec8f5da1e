"""The base of every record in ``annotations.records``: its field list, and the conversions derived
from it.

A record's dataclass fields are its one field list. ``to_dict``/``from_dict``, the storage mapping
(``annotations.storage.rows``), the export rows and columns (``annotations.export``) and the
``claims`` command's output are all derived from them, in field order; a field's metadata says
whether the history log records it (``LOGGED``). The conversions that run once per stored or
exported record are generated per class (``dict_maker``, ``json_reader``, ``_builder``), like the
``__init__`` that ``dataclasses`` writes: a loop over the fields costs about twice as much.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from annotations.errors import ValidationError

R = TypeVar("R", bound="Record")


def as_datetime(field_name: str, value: object) -> datetime:
    """``value`` (a datetime or ISO 8601 text) as a timezone-aware UTC datetime; a time without a
    zone is taken as UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                f"{field_name} must be an ISO 8601 timestamp; got {value!r}"
            ) from None
    else:
        raise ValidationError(f"{field_name} must be a timestamp; got {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# Field metadata: the history log records this field's value before and after each change
# (``Record.state``).
LOGGED = {"logged": True}


class Record:
    """The base of the frozen dataclass records of ``annotations.records``: conversions derived
    from the record's fields."""

    _nested: ClassVar[dict[str, type]] = {}
    _nested_lists: ClassVar[dict[str, type]] = {}
    _datetimes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The record's fields, in order."""
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        return names

    @classmethod
    def logged_fields(cls) -> tuple[str, ...]:
        """The fields a history entry records (marked ``LOGGED``), in order."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("logged"))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """Every field as a plain JSON-ready value, in field order."""
        return dict_maker(type(self))(self)

    def state(self) -> dict[str, Any]:
        """The ``LOGGED`` fields as JSON-ready values: what the history records of this record."""
        return dict_maker(type(self), type(self).logged_fields())(self)

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        if not isinstance(data, dict):
            raise ValidationError(f"{cls.__name__} must be an object; got {type(data).__name__}")
        names = cls.field_names()  # type: ignore[attr-defined]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValidationError(
                f"unknown {cls.__name__} field(s) {', '.join(unknown)}; allowed: {', '.join(names)}"
            )
        kwargs = dict(data)
        for name, nested in cls._nested.items():
            if name in kwargs and not isinstance(kwargs[name], nested):
                if not isinstance(kwargs[name], dict):
                    raise ValidationError(
                        f"{cls.__name__}.{name} must be an object; got {type(kwargs[name]).__name__}")
                kwargs[name] = nested.from_dict(kwargs[name])  # type: ignore[attr-defined]
        for name, nested in cls._nested_lists.items():
            if name in kwargs:
                if not isinstance(kwargs[name], (list, tuple)):
                    raise ValidationError(f"{cls.__name__}.{name} must be a list; got {type(kwargs[name]).__name__}")
                kwargs[name] = tuple(
                    v if isinstance(v, nested) else nested.from_dict(v)  # type: ignore[attr-defined]
                    for v in kwargs[name]
                )
        for name in cls._datetimes:
            if kwargs.get(name) is not None:
                kwargs[name] = as_datetime(name, kwargs[name])
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a required field is missing
            raise ValidationError(f"{cls.__name__}: {exc}") from None

    def replace(self: R, **changes: Any) -> R:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def _from_row(cls: type[R], values: Iterable[Any]) -> R:
        """A record rebuilt from ``values`` that ``annotations.storage`` stored itself, without
        the checks of ``__post_init__``: they passed when the record was first built, and storage
        writes only checked records. ``values`` holds every field in field order (as
        ``field_names`` lists them), each already in its record form (tuples, nested records,
        timezone-aware datetimes); a missing or extra value raises ``ValueError``.

        Only storage calls this, on rows it reads back; every record made from outside input
        (forms, files, imports) is built the ordinary way and checked."""
        return row_builder(cls)(values)  # type: ignore[no-any-return]


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
# One builder per record class (see Record._from_row).
_BUILDERS: dict[type, Any] = {}


def row_builder(cls: type) -> Callable[[Iterable[Any]], Any]:
    """``cls._from_row`` as a plain function: what storage calls for each row it reads."""
    return _BUILDERS.get(cls) or _builder(cls)


def _builder(cls: type) -> Any:
    """A function that makes a ``cls`` record from its field values in field order, setting each
    slot directly: no ``__init__``, so no checks. Generated, like the ``__init__`` that
    ``dataclasses`` writes, because a loop over the fields costs twice as much per record, and
    storage reads hundreds of thousands of records in one export."""
    names = cls.field_names()  # type: ignore[attr-defined]
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    env.update({f"set_{name}": cls.__dict__[name].__set__ for name in names})
    lines = ["def build(values):", "    record = new(cls)", f"    {', '.join(f'v_{n}' for n in names)}, = values"]
    lines += [f"    set_{name}(record, v_{name})" for name in names]
    lines.append("    return record")
    exec("\n".join(lines), env)  # noqa: S102  (the text is made of the class's own field names)
    _BUILDERS[cls] = env["build"]
    return env["build"]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _kind(cls: type, name: str) -> tuple[str, type | None]:
    """How field ``name`` of ``cls`` converts to and from JSON: a ``time`` (or ``optional time``),
    a nested ``record``, a tuple of ``records``, a ``tuple`` of plain values, or ``plain``."""
    declared = str(next(f.type for f in dataclasses.fields(cls) if f.name == name))
    if name in cls._datetimes:  # type: ignore[attr-defined]
        return ("optional time" if "None" in declared else "time"), None
    if name in cls._nested:  # type: ignore[attr-defined]
        return "record", cls._nested[name]  # type: ignore[attr-defined]
    if name in cls._nested_lists:  # type: ignore[attr-defined]
        return "records", cls._nested_lists[name]  # type: ignore[attr-defined]
    return ("tuple" if declared.startswith("tuple[") else "plain"), None


def _expressions(cls: type, names: Iterable[str], forms: dict[str, str], nested: Callable[[type], Any],
                 env: dict[str, Any], source: str) -> dict[str, str]:
    """The Python expression that converts each field of ``names``, read as ``source`` (with
    ``{n}`` for the field's name), by the form of its kind in ``forms`` (``{v}`` for the value);
    the converter of a nested record, ``nested(its class)``, goes into ``env`` as ``conv_<name>``."""
    out = {}
    for name in names:
        kind, inner = _kind(cls, name)
        if inner is not None:
            env[f"conv_{name}"] = nested(inner)
        out[name] = forms.get(kind, "{v}").format(v=source.format(n=name), n=name)
    return out


@functools.cache
def dict_maker(
    cls: type, names: tuple[str, ...] | None = None, *, iso_times: bool = True, extras: tuple[str, ...] = (),
) -> Callable[..., dict[str, Any]]:
    """A function giving the fields ``names`` (default: all) of a ``cls`` record as a dict, in
    that order, with JSON-ready values: nested records as dicts, tuples as lists, and timestamps
    as ISO 8601 text, or (without ``iso_times``, for storage) as they are. Names in ``extras``
    are not fields: the function takes their values after the record, in that order.

    Generated, as ``_builder`` is, for the same reason: exports and imports turn every record
    they carry into a dict."""
    names = cls.field_names() if names is None else names  # type: ignore[attr-defined]
    fields = [name for name in names if name not in extras]
    unknown = sorted(set(fields) - set(cls.field_names()))  # type: ignore[attr-defined]
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {', '.join(unknown)}; "
                         f"its fields: {', '.join(cls.field_names())}")  # type: ignore[attr-defined]
    forms = {"record": "conv_{n}({v})", "records": "[conv_{n}(x) for x in {v}]", "tuple": "list({v})"}
    if iso_times:
        forms.update({"time": "{v}.isoformat()", "optional time": "iso({v})"})
    env: dict[str, Any] = {"iso": _iso}
    values = _expressions(cls, fields, forms, dict_maker, env, "r.{n}")
    items = ", ".join(f"{name!r}: {name if name in extras else values[name]}" for name in names)
    exec(f"def make({', '.join(('r', *extras))}):\n    return {{{items}}}", env)  # noqa: S102  (field names only)
    return env["make"]  # type: ignore[no-any-return]


@functools.cache
def json_reader(cls: type) -> Callable[[dict[str, Any]], Any]:
    """A function that rebuilds a ``cls`` record, without checks (see ``Record._from_row``), from
    the dict its ``to_dict`` gave, as storage keeps nested records (cues, quantities, citations)
    in JSON columns."""
    forms = {"time": "as_datetime({n!r}, {v})", "optional time": "None if {v} is None else as_datetime({n!r}, {v})",
             "record": "conv_{n}({v})", "records": "tuple([conv_{n}(x) for x in {v}])", "tuple": "tuple({v})"}
    env: dict[str, Any] = {"build": row_builder(cls), "as_datetime": as_datetime}
    values = _expressions(cls, cls.field_names(), forms, json_reader, env, "d[{n!r}]")  # type: ignore[attr-defined]
    exec(f"def read(d):\n    return build(({', '.join(values.values())},))", env)  # noqa: S102  (field names only)
    return env["read"]  # type: ignore[no-any-return]
