"""Line layout of a source text: list items, headings, questions and boilerplate.

Pure Python (no spaCy). Every line break is a boundary. Each line gets a kind:

- ``blank``: whitespace only;
- ``heading``: a markdown heading, a short line without closing punctuation, or a numbered
  or bulleted line without closing punctuation that stands alone between paragraphs ("2. May
  lower blood sugar");
- ``question``: a line whose content is a single question (or a ``Q:`` line);
- ``boilerplate``: share/rating widgets, contact and e-mail lines, "to content", dates,
  navigation, lines not in Latin script;
- ``item``: a list item or numbered step (``•``, ``-``, ``*``, ``1.``, ``1)``, ``a)``...);
- ``text``: anything else.

Only ``item`` and ``text`` lines hold claims. A list item carries as ``context`` the lead-in
sentence that introduces its list ("... the following problems:") or, when there is none, the
heading right above it. All offsets point into the text as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from models.resources import json_data

CLAIM_KINDS = frozenset({"item", "text"})
BOILERPLATE_MAX_CHARS = 200  # widgets, contact and navigation lines are short
_TERMINAL = ".!?:;…"
_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?] +[A-Z]")  # "... the skin. It also": prose, not a heading
_CLOSERS = "\"'”’»)]*_ "


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the text; ``content_*`` excludes the list marker, markup and edge spaces."""

    start: int
    end: int
    content_start: int
    content_end: int
    kind: str
    marker: str = ""
    marker_start: int = -1
    lead_in: bool = False
    context: str = ""


@dataclass(frozen=True, slots=True)
class _Patterns:
    marker: re.Pattern[str]
    boilerplate: re.Pattern[str]
    date_line: re.Pattern[str]
    heading_max_words: int


@cache
def _patterns() -> _Patterns:
    data = json_data("layout")
    bullets = re.escape(data["bullets"])
    marker = re.compile(
        r"(?P<indent>[ \t\u00a0\r]*)(?:"
        r"(?P<md>#{1,6})[ \t]+"
        r"|(?P<quote>>)[ \t]*"
        rf"|(?P<bullet>[{bullets}])[ \t\u00a0]+"
        r"|(?P<number>\(?\d{1,3}[.)])[ \t\u00a0]+"
        r"|(?P<letter>\(?[a-z]\))[ \t\u00a0]+"
        r"|(?P<qa>[QA]):[ \t]*"
        r")?"
    )
    boilerplate = re.compile("|".join(f"(?:{p})" for p in data["boilerplate"]), re.IGNORECASE)
    return _Patterns(marker, boilerplate, re.compile(data["date_line"], re.IGNORECASE), int(data["heading_max_words"]))


def _strip_markup(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``start:end`` past edge whitespace and markdown emphasis (``**``, ``__``)."""
    while start < end and (text[start].isspace() or text[start] in "*_"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "*_"):
        end -= 1
    return start, end


def _mostly_foreign(content: str) -> bool:
    if content.isascii():
        return False
    letters = [c for c in content if c.isalpha()]
    if not letters:
        return False
    foreign = sum(1 for c in letters if ord(c) > 0x24F)
    return foreign * 2 > len(letters)


def _last_char(content: str) -> str:
    stripped = content.rstrip(_CLOSERS)
    return stripped[-1] if stripped else ""


def _classify(text: str, start: int, end: int) -> Line:
    pats = _patterns()
    match = pats.marker.match(text, start, end)
    assert match is not None  # every group is optional
    marker = next((name for name in ("md", "quote", "bullet", "number", "letter", "qa") if match.group(name)), "")
    marker_start = match.start(marker) if marker else -1
    c_start, c_end = _strip_markup(text, match.end(), end)
    if c_start >= c_end:
        kind = "blank" if not marker else "boilerplate"
        return Line(start, end, c_start, max(c_start, c_end), kind, marker, marker_start)
    content = text[c_start:c_end]
    last = _last_char(content)
    lead_in = last == ":"
    if marker == "qa":
        marker = "question" if match.group("qa") == "Q" else "answer"
    if marker == "md":
        kind = "heading"
    elif len(content) <= BOILERPLATE_MAX_CHARS and (
        pats.boilerplate.search(content) or pats.date_line.match(content) or _mostly_foreign(content)
    ):
        kind = "boilerplate"
    elif marker == "question" or (last == "?" and not re.search(r"[.!?]\s", content.rstrip(_CLOSERS)[:-1])):
        kind = "question"
    elif marker in ("bullet", "number", "letter"):
        kind = "item"
    elif last and last in _TERMINAL:
        kind = "text"
    elif len(content.split()) <= pats.heading_max_words and not _SENTENCE_BREAK.search(content):
        kind = "heading"
    else:
        kind = "text"
    return Line(start, end, c_start, c_end, kind, marker, marker_start, lead_in)


def _lead_in_sentence(content: str) -> str:
    """The last sentence of a lead-in line, without its closing colon."""
    parts = re.split(r"(?<=[.!?])\s+(?=[\"“(\[A-Z0-9])", content.strip())
    return parts[-1].rstrip(" :*_").strip()


def analyse(text: str) -> tuple[Line, ...]:
    """Every line of ``text`` (split at ``\\n``), classified, with list contexts."""
    lines: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append(_classify(text, pos, pos + len(raw)))
        pos += len(raw) + 1
    return tuple(_with_contexts(text, _section_headings(text, lines)))


def _section_headings(text: str, lines: list[Line]) -> list[Line]:
    """A numbered or bulleted line without closing punctuation that stands alone between
    paragraphs ("2. May improve joint pain" between two paragraphs of prose) titles the
    section below it: a heading, not a list item."""
    content = [i for i, line in enumerate(lines) if line.kind != "blank"]
    out = list(lines)
    limit = _patterns().heading_max_words
    for n, i in enumerate(content):
        line = lines[i]
        if line.kind != "item" or line.lead_in:
            continue
        words = text[line.content_start : line.content_end]
        if _last_char(words) in _TERMINAL + "," or len(words.split()) > limit:
            continue
        before = lines[content[n - 1]] if n > 0 else None
        after = lines[content[n + 1]] if n + 1 < len(content) else None
        if after is None or after.kind != "text":
            continue
        if before is not None and (before.kind == "item" or before.lead_in):
            continue
        out[i] = Line(**{**_as_dict(line), "kind": "heading"})
    return out


def _with_contexts(text: str, lines: list[Line]) -> list[Line]:
    context = ""  # the current list's lead-in or the heading above it
    outer: tuple[str, str] | None = None  # (marker style, outer context) while inside a nested list
    out = []
    for line in lines:
        content = text[line.content_start : line.content_end]
        if line.kind in ("blank", "boilerplate"):
            out.append(line)
            continue
        if line.kind == "question" and line.marker in ("bullet", "number", "letter"):
            out.append(line)  # a question in a list (a table of contents) heads nothing
            continue
        if line.kind in ("heading", "question"):
            context, outer = content.strip(" #*_"), None
            out.append(line)
            continue
        if line.kind == "item":
            if outer is not None and line.marker == outer[0]:
                context, outer = outer[1], None
            out.append(Line(**{**_as_dict(line), "context": context}))
            if line.lead_in:
                outer = (line.marker, context) if outer is None else outer
                context = _lead_in_sentence(content)
            continue
        # a text line ends any list; a lead-in starts one
        outer = None
        context = _lead_in_sentence(content) if line.lead_in else ""
        out.append(line)
    return out


def _as_dict(line: Line) -> dict[str, object]:
    return {name: getattr(line, name) for name in Line.__slots__}


def shifted(lines: tuple[Line, ...] | list[Line], start: int, end: int) -> list[Line]:
    """The lines inside ``start:end``, with offsets relative to ``start`` (a chunk's own layout)."""
    out = []
    for line in lines:
        if line.start >= start and line.end <= end:
            out.append(Line(line.start - start, line.end - start, line.content_start - start, line.content_end - start,
                            line.kind, line.marker, line.marker_start - start if line.marker_start >= 0 else -1,
                            line.lead_in, line.context))
    return out


def chunks(lines: tuple[Line, ...] | list[Line]) -> list[tuple[int, int]]:
    """Character ranges that can be processed on their own: paragraphs (runs of non-blank
    lines), where a list stays together with the heading or lead-in above it. Ranges holding
    no ``item``/``text`` line are left out. Analysing a chunk alone gives the same lines."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.kind == "blank":
            if current:
                blocks.append(current)
                current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    groups: list[list[Line]] = []
    previous: Line | None = None
    for block in blocks:
        meaningful = [line for line in block if line.kind != "boilerplate"]
        if not meaningful:
            if groups:
                groups[-1].extend(block)
            continue
        first = meaningful[0]
        glue = (
            groups
            and previous is not None
            and first.kind == "item"
            and (previous.kind in ("heading", "question", "item") or previous.lead_in)
        )
        if glue:
            groups[-1].extend(block)
        else:
            groups.append(list(block))
        previous = meaningful[-1]
    out = []
    for group in groups:
        if any(line.kind in CLAIM_KINDS for line in group):
            keep = [line for line in group if line.kind != "boilerplate"] or group
            out.append((keep[0].start, keep[-1].end))
    return out
