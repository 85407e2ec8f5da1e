"""One typed record per concept: Document, Claim, Quantity, Cues, Citation, Review, Verdict,
User and HistoryEntry.

Records check themselves when built: a span with ``start >= end`` or a verdict outside the
closed set is refused, and the message names what was expected and what arrived. Offsets are
character offsets into ``Document.text``; there are no token indices here.

Each record's dataclass fields are its one field list (see ``annotations.fields``):
``to_dict`` gives plain JSON-ready values; ``from_dict`` refuses unknown keys and names the
allowed ones.
"""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from annotations.errors import ValidationError
from annotations.fields import LOGGED, Record, as_datetime, dict_maker
from annotations.vocab import (
    CITATION_KINDS,
    CLAIM_ORIGINS,
    CLAIM_TYPES,
    HISTORY_ENTITIES,
    QUANTITY_KINDS,
    ROLES,
    SOURCE_KINDS,
    VERDICTS,
)


def new_id() -> str:
    """A new stable record id (a random UUID in its canonical text form)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC, to the microsecond."""
    return datetime.now(UTC)


def content_hash(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes, hex encoded. Same text, same hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _one_of(field_name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(
            f"{field_name} must be one of {', '.join(allowed)}; got {value!r}"
        )


def _nonempty(field_name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field_name} must be a non-empty string; got {value!r}")


def _span(start: object, end: object, length: int | None = None, what: str = "span") -> None:
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        raise ValidationError(f"{what} offsets must be integers; got start={start!r}, end={end!r}")
    if start < 0 or start >= end:
        raise ValidationError(f"{what} must have 0 <= start < end; got start={start}, end={end}")
    if length is not None and end > length:
        raise ValidationError(f"{what} end {end} is past the end of the text ({length} characters)")


# --------------------------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True)
class SourceMap(Record):
    """Where the characters of a document's text came from in its source file.

    ``kind`` is the source format: ``text`` (the text is the file as read: the map is empty and
    every offset maps to itself), ``markdown`` or ``html`` (the text is rendered from the markup:
    see ``annotations.sources``). Segment ``i`` says that ``length[i]`` characters of the text
    from ``text_starts[i]`` were copied from the source at ``source_starts[i]``; characters
    outside every segment (list bullets, block breaks, decoded entities) came from no single
    place, and map to the end of the segment before them. Source offsets are character offsets
    into the file's decoded text (newlines as Python's text mode reads them)."""

    kind: str = "text"
    text_starts: tuple[int, ...] = ()
    source_starts: tuple[int, ...] = ()
    lengths: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _one_of("source map kind", self.kind, SOURCE_KINDS)
        for name in ("text_starts", "source_starts", "lengths"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        if not len(self.text_starts) == len(self.source_starts) == len(self.lengths):
            raise ValidationError(
                f"a source map needs as many text starts, source starts and lengths; got {len(self.text_starts)}, "
                f"{len(self.source_starts)} and {len(self.lengths)}")
        if self.kind == "text" and self.text_starts:
            raise ValidationError("a plain-text document maps to itself: its source map holds no segments")
        ends = [start + n for start, n in zip(self.text_starts, self.lengths, strict=True)]
        if any(n <= 0 for n in self.lengths) or any(b < a for a, b in zip(ends, self.text_starts[1:], strict=False)):
            raise ValidationError("source map segments must be non-empty and in text order, without overlaps")

    @classmethod
    def from_pieces(cls, kind: str, pieces: Iterable[tuple[int, int, int]]) -> SourceMap:
        """The map of ``(text start, source start, length)`` pieces in text order; pieces that go on
        where the one before ended, in the text and in the source, become one segment."""
        text_starts: list[int] = []
        source_starts: list[int] = []
        lengths: list[int] = []
        for text_start, source_start, length in pieces:
            if length <= 0:
                continue
            if lengths and text_starts[-1] + lengths[-1] == text_start and source_starts[-1] + lengths[-1] == source_start:
                lengths[-1] += length
            else:
                text_starts.append(text_start)
                source_starts.append(source_start)
                lengths.append(length)
        return cls(kind, tuple(text_starts), tuple(source_starts), tuple(lengths))

    def source_offset(self, offset: int, *, forward: bool = False) -> int:
        """The source offset of text offset ``offset``. A character copied from no single place
        maps to the end of the segment before it, or with ``forward`` to the start of the one
        after it (where a span that starts there begins in the source)."""
        if self.kind == "text":
            return offset
        if not self.text_starts:
            return 0
        i = bisect_right(self.text_starts, offset) - 1
        if i >= 0 and offset < self.text_starts[i] + self.lengths[i]:
            return self.source_starts[i] + offset - self.text_starts[i]
        if forward and i + 1 < len(self.text_starts):
            return self.source_starts[i + 1]
        return self.source_starts[i] + self.lengths[i] if i >= 0 else self.source_starts[0]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source span of the text span ``start:end``: from where its first character came
        from (or the next one that came from somewhere) to just after its last."""
        first = self.source_offset(start, forward=True)
        last = self.source_offset(end - 1) + 1 if end > start else first
        return first, max(first, last)


@dataclass(frozen=True, slots=True)
class Document(Record):
    """A source text, kept exactly as loaded, or as rendered from its markup (Markdown, HTML):
    claims point at character offsets into ``text``, and ``source_map`` maps them back to the file."""

    name: str
    text: str
    origin: str = "paste"
    url: str | None = None
    encoding: str = "utf-8"
    added_by: str = "local"
    id: str = field(default_factory=new_id)
    content_hash: str = ""
    added_at: datetime = field(default_factory=utcnow)
    version: int = 1
    source_map: SourceMap = field(default_factory=SourceMap)

    _nested: ClassVar[dict[str, type]] = {"source_map": SourceMap}
    _datetimes: ClassVar[tuple[str, ...]] = ("added_at",)

    def __post_init__(self) -> None:
        _nonempty("document name", self.name)
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValidationError(f"document text must be non-empty; got {self.text!r:.40}")
        if self.url is not None and self.url != "":
            check_http_url(self.url)
        expected = content_hash(self.text)
        if not self.content_hash:
            object.__setattr__(self, "content_hash", expected)
        elif self.content_hash != expected:
            raise ValidationError(
                f"content_hash does not match the text: expected {expected}, got {self.content_hash}"
            )
        object.__setattr__(self, "added_at", as_datetime("added_at", self.added_at))


# ------------------------------------------------------------------------------------ claims


@dataclass(frozen=True, slots=True)
class Quantity(Record):
    """A number, range, duration, frequency or count stated in a claim, normalised.

    ``start``/``end`` are character offsets into the document text; ``minimum``/``maximum`` are
    the normalised bounds (equal for a single value; ``minimum`` is None for "up to N").
    ``unit`` is singular and lower-case ("year", "procedure"); for a frequency it reads
    "per week".
    """

    text: str
    kind: str
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    start: int = 0
    end: int = 0

    def __post_init__(self) -> None:
        _one_of("quantity kind", self.kind, QUANTITY_KINDS)
        if self.minimum is None and self.maximum is None:
            raise ValidationError(f"quantity {self.text!r} needs a minimum or a maximum; got neither")
        for bound in (self.minimum, self.maximum):
            if bound is not None and (not isinstance(bound, (int, float)) or math.isnan(bound)):
                raise ValidationError(f"quantity bounds must be numbers; got {bound!r}")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError(
                f"quantity minimum must not exceed maximum; got {self.minimum} > {self.maximum}"
            )
        if self.end:
            _span(self.start, self.end, what="quantity span")


@dataclass(frozen=True, slots=True)
class Cues(Record):
    """Cue words found in a claim: hedges ("may", "up to"), absolutes ("completely",
    "is excluded", "any") and negations ("not", "never")."""

    hedges: tuple[str, ...] = ()
    absolutes: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("hedges", "absolutes", "negations"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
            elif not isinstance(value, tuple):
                raise ValidationError(f"cue {name} must be a list of strings; got {value!r}")


@dataclass(frozen=True, slots=True)
class Claim(Record):
    """A candidate claim: a character span of a document.

    ``sentence_start``/``sentence_end`` delimit the sentence (or list item) that holds the claim;
    ``context`` is the lead-in that gives a list item its meaning (the heading or the sentence
    introducing the list), empty when the sentence stands on its own. ``withdrawn`` claims (see
    ``Store.withdraw_claim``) leave the queues, lists and exports; their history stays.

    The fields are in the order export rows write them (``CLAIM_ROW_KEYS``).
    """

    document_id: str
    start: int = field(metadata=LOGGED)
    end: int = field(metadata=LOGGED)
    text: str = field(metadata=LOGGED)
    sentence_start: int | None = field(default=None, metadata=LOGGED)
    sentence_end: int | None = field(default=None, metadata=LOGGED)
    context: str = ""
    claim_type: str = field(default="other", metadata=LOGGED)
    score: float = field(default=0.5, metadata=LOGGED)
    rule_id: str = field(default="", metadata=LOGGED)
    cues: Cues = field(default_factory=Cues, metadata=LOGGED)
    quantities: tuple[Quantity, ...] = field(default=(), metadata=LOGGED)
    origin: str = "pipeline"
    created_by: str = "pipeline"
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None
    version: int = field(default=1, metadata=LOGGED)
    withdrawn: bool = field(default=False, metadata=LOGGED)

    _nested: ClassVar[dict[str, type]] = {"cues": Cues}
    _nested_lists: ClassVar[dict[str, type]] = {"quantities": Quantity}
    _datetimes: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")

    def __post_init__(self) -> None:
        _nonempty("claim document_id", self.document_id)
        _span(self.start, self.end, what="claim span")
        if not isinstance(self.text, str) or len(self.text) != self.end - self.start:
            raise ValidationError(
                f"claim text must be the {self.end - self.start} characters at "
                f"{self.start}:{self.end}; got {len(self.text) if isinstance(self.text, str) else self.text!r} characters"
            )
        _one_of("claim_type", self.claim_type, CLAIM_TYPES)
        if isinstance(self.score, bool) or not isinstance(self.score, (int, float)) or not 0.0 <= self.score <= 1.0:
            raise ValidationError(f"score must be a number from 0 to 1; got {self.score!r}")
        object.__setattr__(self, "score", float(self.score))
        _one_of("claim origin", self.origin, CLAIM_ORIGINS)
        if (self.sentence_start is None) != (self.sentence_end is None):
            raise ValidationError("sentence_start and sentence_end must both be set or both be empty")
        if self.sentence_start is not None and self.sentence_end is not None:
            _span(self.sentence_start, self.sentence_end, what="sentence span")
            if not (self.sentence_start <= self.start and self.end <= self.sentence_end):
                raise ValidationError(
                    f"the sentence {self.sentence_start}:{self.sentence_end} must contain the claim "
                    f"{self.start}:{self.end}"
                )
        if isinstance(self.quantities, list):
            object.__setattr__(self, "quantities", tuple(self.quantities))
        object.__setattr__(self, "created_at", as_datetime("created_at", self.created_at))
        if self.updated_at is not None:
            object.__setattr__(self, "updated_at", as_datetime("updated_at", self.updated_at))

    def check_against(self, text: str) -> None:
        """Refuse a claim whose span does not hold its text in the document ``text``."""
        if self.end > len(text):
            raise ValidationError(
                f"claim end {self.end} is past the end of the document ({len(text)} characters)"
            )
        if text[self.start : self.end] != self.text:
            raise ValidationError(
                f"claim text {self.text!r} is not the document text at {self.start}:{self.end} "
                f"({text[self.start:self.end]!r})"
            )
        if self.sentence_end is not None and self.sentence_end > len(text):
            raise ValidationError(
                f"sentence end {self.sentence_end} is past the end of the document ({len(text)} characters)"
            )

    def sentence(self, text: str) -> str:
        """The sentence holding this claim, cut from the document ``text``."""
        if self.sentence_start is None or self.sentence_end is None:
            return self.text
        return text[self.sentence_start : self.sentence_end]

    def to_row(self, text: str) -> dict[str, Any]:
        """The claim as an export row holds it (``CLAIM_ROW_KEYS``): its fields but the ids, which
        the row carries, JSON-ready, with its sentence cut from the document ``text``."""
        return _claim_row(self, self.sentence(text))

    def moved(self, text: str, start: int, end: int) -> Claim:
        """This claim over ``text[start:end]`` of its document ``text`` instead: a sentence that
        no longer holds the span grows to hold it, and the quantities and cue words left outside
        it are dropped. What the new span holds that the old did not is the pipeline's to find
        (``models.extract.span_facts``; ``Store.update_claim`` takes it)."""
        _span(start, end, len(text), what="claim span")
        sentence_start, sentence_end = self.sentence_start, self.sentence_end
        if sentence_start is not None and sentence_end is not None:
            sentence_start, sentence_end = min(sentence_start, start), max(sentence_end, end)
        new_text = text[start:end]
        words = {w.lower() for w in re.findall(r"\w+(?:['’]\w+)*", new_text)}

        def kept(cues: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(c for c in cues if all(w.lower() in words for w in re.findall(r"\w+(?:['’]\w+)*", c)))

        cues = Cues(kept(self.cues.hedges), kept(self.cues.absolutes), kept(self.cues.negations))
        quantities = tuple(q for q in self.quantities if not q.end or (start <= q.start and q.end <= end))
        return self.replace(start=start, end=end, text=new_text, sentence_start=sentence_start,
                            sentence_end=sentence_end, cues=cues, quantities=quantities)


# The keys of a claim in an export row: its fields but the ids (the row carries them), with the
# sentence (``Claim.sentence``) after the sentence span.
CLAIM_ROW_KEYS: tuple[str, ...] = tuple(
    key for name in Claim.field_names() if name not in ("id", "document_id")
    for key in ((name, "sentence") if name == "sentence_end" else (name,))
)
_claim_row = dict_maker(Claim, CLAIM_ROW_KEYS, extras=("sentence",))


def claim_from_span(document: Document, start: int, end: int, **fields: Any) -> Claim:
    """A Claim over ``document.text[start:end]``; the text is cut from the document."""
    _span(start, end, len(document.text), what="claim span")
    return Claim(document_id=document.id, start=start, end=end, text=document.text[start:end], **fields)


def reviewer_claim(document_id: str, text: str, start: int, end: int, author: str, **fields: Any) -> Claim:
    """A claim the pipeline missed, added by the reviewer ``author`` over ``text[start:end]`` of
    the document ``text``: its origin and its rule id say "reviewer"."""
    return Claim(document_id=document_id, start=start, end=end, text=text[start:end], rule_id="reviewer",
                 origin="reviewer", created_by=author, **fields)


def occurrences(text: str, needle: str) -> list[int]:
    """Start offsets of every occurrence of ``needle`` in ``text`` (overlaps included)."""
    if not needle:
        raise ValidationError("the claim text to find must be non-empty; got ''")
    found, pos = [], text.find(needle)
    while pos != -1:
        found.append(pos)
        pos = text.find(needle, pos + 1)
    return found


# --------------------------------------------------------------------------------- citations

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
_PMID = re.compile(r"^\d{1,9}$")
_PMID_PREFIXES = ("pmid:", "pmid ", "https://pubmed.ncbi.nlm.nih.gov/", "http://pubmed.ncbi.nlm.nih.gov/")


def check_http_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) link with a host; refuse anything else."""
    if not isinstance(url, str):
        raise ValidationError(f"a link must be an http(s) URL; got {url!r}")
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ValidationError(f"a link must be an http(s) URL; got {stripped!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(
            f"only http and https links are accepted; got {stripped!r}"
            + (f" (scheme {parts.scheme!r})" if parts.scheme else " (no scheme)")
        )
    if not parts.hostname or any(c.isspace() for c in stripped):
        raise ValidationError(f"a link needs a host and no spaces; got {stripped!r}")
    return stripped


def normalise_doi(value: str) -> str:
    doi = value.strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :].strip()
            break
    if not _DOI.match(doi):
        raise ValidationError(f"a DOI looks like 10.1000/xyz123 (10.<registrant>/<suffix>); got {value!r}")
    return doi


def normalise_pmid(value: str) -> str:
    pmid = value.strip()
    for prefix in _PMID_PREFIXES:
        if pmid.lower().startswith(prefix):
            pmid = pmid[len(prefix) :].strip().rstrip("/")
            break
    if not _PMID.match(pmid) or int(pmid) == 0:
        raise ValidationError(f"a PMID is a positive number of up to 9 digits, like PMID:31452104; got {value!r}")
    return pmid


@dataclass(frozen=True, slots=True)
class Citation(Record):
    """Evidence for a verdict: a DOI, PMID, http(s) URL or other reference, the quoted
    passage and a note. The identifier is validated and normalised for its kind."""

    kind: str
    identifier: str
    quote: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        _one_of("citation kind", self.kind, CITATION_KINDS)
        _nonempty(f"{self.kind} citation identifier", self.identifier)
        if self.kind == "doi":
            object.__setattr__(self, "identifier", normalise_doi(self.identifier))
        elif self.kind == "pmid":
            object.__setattr__(self, "identifier", normalise_pmid(self.identifier))
        elif self.kind == "url":
            object.__setattr__(self, "identifier", check_http_url(self.identifier))
        else:
            object.__setattr__(self, "identifier", self.identifier.strip())

    @property
    def link(self) -> str | None:
        """An http(s) link to the cited work, when there is one."""
        if self.kind == "doi":
            return f"https://doi.org/{self.identifier}"
        if self.kind == "pmid":
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.identifier}/"
        if self.kind == "url":
            return self.identifier
        return None

    @classmethod
    def parse(cls, ref: str, quote: str = "", note: str = "") -> Citation:
        """Read a reference as typed on the command line: a DOI (``10.…``, ``doi:10.…`` or a
        doi.org link), ``PMID:123456``, or an http(s) URL."""
        text = ref.strip() if isinstance(ref, str) else ""
        lower = text.lower()
        if lower.startswith(("doi:", "10.")) or "doi.org/" in lower:
            return cls("doi", text, quote, note)
        if lower.startswith(_PMID_PREFIXES):
            return cls("pmid", text, quote, note)
        if "://" in text or lower.startswith(("www.", "javascript:", "data:", "file:")):
            return cls("url", text, quote, note)
        raise ValidationError(
            "a reference must be a DOI (10.1000/xyz), PMID:123456 or an http(s) URL; " f"got {ref!r}"
        )


# ----------------------------------------------------------------------------------- reviews


def _citations_tuple(value: object) -> tuple[Citation, ...]:
    if isinstance(value, (list, tuple)):
        items = tuple(value)
        for item in items:
            if not isinstance(item, Citation):
                raise ValidationError(f"citations must be Citation records; got {item!r}")
        return items
    raise ValidationError(f"citations must be a list; got {value!r}")


@dataclass(frozen=True, slots=True)
class Review(Record):
    """One reviewer's verdict on one claim. Never overwritten by another reviewer; a withdrawn
    review is marked withdrawn, not deleted."""

    claim_id: str
    reviewer: str = field(metadata=LOGGED)
    verdict: str = field(metadata=LOGGED)
    rationale: str = field(default="", metadata=LOGGED)
    citations: tuple[Citation, ...] = field(default=(), metadata=LOGGED)
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None
    version: int = field(default=1, metadata=LOGGED)
    withdrawn: bool = field(default=False, metadata=LOGGED)

    _nested_lists: ClassVar[dict[str, type]] = {"citations": Citation}
    _datetimes: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")

    def __post_init__(self) -> None:
        _nonempty("review claim_id", self.claim_id)
        _nonempty("reviewer name", self.reviewer)
        _one_of("verdict", self.verdict, VERDICTS)
        if not isinstance(self.rationale, str):
            raise ValidationError(f"rationale must be text; got {self.rationale!r}")
        object.__setattr__(self, "citations", _citations_tuple(self.citations))
        object.__setattr__(self, "created_at", as_datetime("created_at", self.created_at))
        if self.updated_at is not None:
            object.__setattr__(self, "updated_at", as_datetime("updated_at", self.updated_at))


@dataclass(frozen=True, slots=True)
class Verdict(Record):
    """An adjudicator's final verdict on a claim, with its own rationale and citations."""

    claim_id: str
    adjudicator: str = field(metadata=LOGGED)
    verdict: str = field(metadata=LOGGED)
    rationale: str = field(default="", metadata=LOGGED)
    citations: tuple[Citation, ...] = field(default=(), metadata=LOGGED)
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None
    version: int = field(default=1, metadata=LOGGED)

    _nested_lists: ClassVar[dict[str, type]] = {"citations": Citation}
    _datetimes: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")

    def __post_init__(self) -> None:
        _nonempty("verdict claim_id", self.claim_id)
        _nonempty("adjudicator name", self.adjudicator)
        _one_of("verdict", self.verdict, VERDICTS)
        if not isinstance(self.rationale, str):
            raise ValidationError(f"rationale must be text; got {self.rationale!r}")
        object.__setattr__(self, "citations", _citations_tuple(self.citations))
        object.__setattr__(self, "created_at", as_datetime("created_at", self.created_at))
        if self.updated_at is not None:
            object.__setattr__(self, "updated_at", as_datetime("updated_at", self.updated_at))


# ------------------------------------------------------------------------------ people, log

_NAME = re.compile(r"^[\w .@'-]{1,64}$")


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name.strip()) or not name.strip():
        raise ValidationError(
            "a reviewer name is 1-64 letters, digits, spaces or . @ ' - _; " f"got {name!r}"
        )
    return name.strip()


@dataclass(frozen=True, slots=True)
class User(Record):
    """A reviewer account. ``password_hash`` is None for an account without a password."""

    name: str
    role: str = "reviewer"
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = field(default_factory=utcnow)

    _datetimes: ClassVar[tuple[str, ...]] = ("created_at",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_user_name(self.name))
        _one_of("role", self.role, ROLES)
        object.__setattr__(self, "created_at", as_datetime("created_at", self.created_at))


@dataclass(frozen=True, slots=True)
class HistoryEntry(Record):
    """One change: who, when, to what, the value before and the value after.

    ``claim_id`` names the claim a change to a claim, review or verdict concerns."""

    entity: str
    entity_id: str
    action: str
    actor: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    claim_id: str | None = None
    at: datetime = field(default_factory=utcnow)
    id: str = field(default_factory=new_id)

    _datetimes: ClassVar[tuple[str, ...]] = ("at",)

    def __post_init__(self) -> None:
        _one_of("history entity", self.entity, HISTORY_ENTITIES)
        _nonempty("history action", self.action)
        object.__setattr__(self, "at", as_datetime("at", self.at))
