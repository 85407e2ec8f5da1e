"""Markup rendered to the text that claims point into, with a map back to the source.

Markdown (:func:`markdown_to_text`) is parsed with markdown-it-py (CommonMark, plus tables and
strikethrough) and rendered the way ``annotations.sources`` renders HTML, so the extractor sees the
same shapes whatever the format: one block per heading, paragraph, list, table or code block,
separated by a blank line; list items on their own lines as ``"  • item"`` (``"  1. item"`` for
numbered lists, two more spaces per nesting level); emphasis, links, images, inline HTML and
thematic breaks leave only their text (images and HTML not even that); a line break inside a
paragraph becomes a space, as Markdown reads it. Every character copied from the source is mapped
back to its place in it (:class:`~annotations.records.SourceMap`).

HTML is reduced to its article text by trafilatura, which keeps no positions; :func:`align_words`
matches the words of that text with the words the page shows, in order, which is how the map of
an HTML document is made. It is exact for words copied as they stand and leaves out what the page
spells otherwise (entities, words split by tags) and what the renderer made up (list numbers).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from annotations.records import SourceMap

BULLET = "•"

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# How far past the cursor a character of text that is not found whole (an escape, an entity) is
# looked for.
_CHAR_WINDOW = 12


# ------------------------------------------------------------------------------ pieces of text


Piece = tuple[str, int | None]
"""A run of rendered text and the source offset it was copied from (None: made up, like a bullet)."""


@dataclass
class _Block:
    lines: list[list[Piece]] = field(default_factory=list)


def _join(blocks: Sequence[_Block], kind: str) -> tuple[str, SourceMap]:
    """The text of ``blocks`` (lines joined by a line break, blocks by a blank line, a final line
    break) and the map of the pieces copied from the source."""
    parts: list[str] = []
    mapped: list[tuple[int, int, int]] = []
    at = 0

    def add(text: str, source: int | None) -> None:
        nonlocal at
        if source is not None:
            mapped.append((at, source, len(text)))
        parts.append(text)
        at += len(text)

    kept = [b for b in blocks if any(_line_text(line).strip() for line in b.lines)]
    for b_index, block in enumerate(kept):
        if b_index:
            add("\n\n", None)
        lines = [line for line in block.lines if _line_text(line).strip()]
        for l_index, line in enumerate(lines):
            if l_index:
                add("\n", None)
            for text, source in line:
                add(text, source)
    add("\n", None)
    return "".join(parts), SourceMap.from_pieces(kind, mapped)


def _line_text(line: Sequence[Piece]) -> str:
    return "".join(text for text, _ in line)


# ------------------------------------------------------------------------------------ Markdown


class _Inline:
    """Finds the pieces of an inline token (a paragraph's, a heading's, a cell's) in the source,
    left to right, within the token's source lines."""

    def __init__(self, source: str, line_starts: list[int]) -> None:
        self.source = source
        self.line_starts = line_starts

    def _range(self, token: Token) -> tuple[int, int]:
        if token.map is None:
            return 0, len(self.source)
        first, last = token.map
        end = self.line_starts[last] if last < len(self.line_starts) else len(self.source)
        return self.line_starts[first], end

    def pieces(self, token: Token) -> list[Piece]:
        cursor, end = self._range(token)
        out: list[Piece] = []

        def find(text: str) -> None:
            nonlocal cursor
            at = self.source.find(text, cursor, end)
            if at >= 0:
                out.append((text, at))
                cursor = at + len(text)
                return
            for ch in text:  # decoded from an escape or an entity: place each character it can
                at = self.source.find(ch, cursor, min(end, cursor + _CHAR_WINDOW))
                out.append((ch, at if at >= 0 else None))
                if at >= 0:
                    cursor = at + 1

        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                if child.content:
                    find(child.content)
            elif child.type == "softbreak":
                at = self.source.find("\n", cursor, end)
                out.append((" ", None))
                if at >= 0:
                    cursor = at + 1
            elif child.type == "hardbreak":
                at = self.source.find("\n", cursor, end)
                out.append(("\n", None))
                if at >= 0:
                    cursor = at + 1
        return _trim(out)

    def code(self, token: Token) -> list[list[Piece]]:
        """The lines of a code block, each found in the source."""
        cursor, end = self._range(token)
        lines: list[list[Piece]] = []
        for line in token.content.rstrip("\n").split("\n"):
            text = line.rstrip()
            at = self.source.find(text, cursor, end) if text else -1
            lines.append([(text, at if at >= 0 else None)])
            if at >= 0:
                cursor = at + len(text)
        return lines


def _trim(pieces: list[Piece]) -> list[Piece]:
    """``pieces`` without the spaces at either end of their text."""
    while pieces and not pieces[0][0].strip():
        pieces = pieces[1:]
    while pieces and not pieces[-1][0].strip():
        pieces = pieces[:-1]
    if pieces:
        text, at = pieces[0]
        cut = len(text) - len(text.lstrip())
        pieces[0] = (text[cut:], None if at is None else at + cut)
        text, at = pieces[-1]
        pieces[-1] = (text.rstrip(), at)
    return pieces


@dataclass
class _List:
    ordered: bool
    number: int


def markdown_to_text(source: str) -> tuple[str, SourceMap]:
    """Render Markdown ``source`` to text (see the module's description) with its source map."""
    line_starts = [0, *(i + 1 for i, ch in enumerate(source) if ch == "\n")]
    inline = _Inline(source, line_starts)
    blocks: list[_Block] = []
    lists: list[_List] = []
    item: list[Piece] | None = None  # the line of the list item being read
    row: list[list[Piece]] | None = None  # the cells of the table row being read

    def block() -> _Block:
        """The block the next line goes into: the list's, or a new one."""
        if not lists:
            blocks.append(_Block())
        return blocks[-1]

    def end_item() -> None:
        nonlocal item
        if item is not None and _line_text(item[1:]).strip():
            blocks[-1].lines.append(item)
        item = None

    for token in _MARKDOWN.parse(source):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            end_item()
            if not lists:
                blocks.append(_Block())
            start = token.attrGet("start")
            lists.append(_List(kind == "ordered_list_open", int(start) if start is not None else 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            end_item()
            lists.pop()
        elif kind == "list_item_open":
            end_item()
            current = lists[-1]
            marker = f"{current.number}." if current.ordered else BULLET
            current.number += 1
            item = [(f"{'  ' * len(lists)}{marker} ", None)]
        elif kind == "list_item_close":
            end_item()
        elif kind == "inline" and row is not None:
            row.append(inline.pieces(token))
        elif kind == "inline":
            pieces = inline.pieces(token)
            if item is not None:
                if len(item) > 1 and pieces:
                    item.append((" ", None))
                item.extend(pieces)
            else:
                block().lines.append(pieces)
        elif kind in ("fence", "code_block"):
            end_item()
            target = block()
            target.lines.extend(inline.code(token))
        elif kind == "table_open":
            end_item()
            blocks.append(_Block())
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            line: list[Piece] = []
            for cell in (c for c in row if _line_text(c).strip()):
                if line:
                    line.append((" | ", None))
                line.extend(cell)
            blocks[-1].lines.append(line)
            row = None
    return _join(blocks, "markdown")


# ---------------------------------------------------------------------------------------- HTML

_WORD = re.compile(r"\w+")
_HIDDEN = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE)


def align_words(text: str, source: str, kind: str = "html") -> SourceMap:
    """The map of ``text``, rendered from the markup ``source``: the words of the text matched, in
    order, with the words the source shows (outside tags, scripts, styles and comments) by
    :func:`match_words`, so that words the renderer left out, added (list numbers) or moved do
    not throw the rest off; the spacing and punctuation between two matched words is mapped too
    when the source has the same."""
    hidden = [m.span() for m in _HIDDEN.finditer(source)]
    visible: list[tuple[int, int]] = []  # (start, end) of each visible word of the source
    at = 0
    for start, end in [*hidden, (len(source), len(source))]:
        visible.extend(m.span() for m in _WORD.finditer(source, at, start))
        at = max(at, end)
    words = [m.span() for m in _WORD.finditer(text)]
    pieces: list[tuple[int, int, int]] = []
    previous = (-2, -2)
    for i, j in match_words([text[a:b] for a, b in words], [source[a:b] for a, b in visible]):
        (t_start, t_end), (s_start, _) = words[i], visible[j]
        if (i, j) == (previous[0] + 1, previous[1] + 1):
            t_gap, s_gap = pieces[-1][0] + pieces[-1][2], pieces[-1][1] + pieces[-1][2]
            if text[t_gap:t_start] == source[s_gap:s_start]:
                pieces.append((t_gap, s_gap, t_start - t_gap))
        pieces.append((t_start, s_start, t_end - t_start))
        previous = (i, j)
    return SourceMap.from_pieces(kind, pieces)


# Runs of this many words that occur once in each sequence anchor the matching.
_ANCHOR = 3
# Between anchors a word is matched with the next equal word at most this many words ahead.
_MAX_SKIP = 40


def match_words(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` with ``a[i] == b[j]``, increasing in both: a patience-style alignment. Runs
    of words that occur exactly once in each sequence are anchors; the longest chain of anchors
    in order is kept and grown while the words go on agreeing; the words between two anchors are
    matched greedily, each with the next equal word not far ahead. Time grows with the length of
    the sequences times a log, whatever they hold (``difflib`` grows with its square on
    repetitive text)."""
    def grams(words: Sequence[str]) -> dict[tuple[str, ...], list[int]]:
        found: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(words) - _ANCHOR + 1):
            found.setdefault(tuple(words[i : i + _ANCHOR]), []).append(i)
        return found

    in_b = grams(b)
    anchors = sorted((at[0], in_b[gram][0]) for gram, at in grams(a).items()
                     if len(at) == 1 and len(in_b.get(gram, ())) == 1)
    positions: dict[str, list[int]] = {}
    for j, word in enumerate(b):
        positions.setdefault(word, []).append(j)
    pairs: list[tuple[int, int]] = []

    def greedy(i0: int, i1: int, j0: int, j1: int) -> None:
        j = j0
        for i in range(i0, i1):
            found = positions.get(a[i], ())
            k = bisect_left(found, j)
            if k < len(found) and found[k] < j1 and found[k] - j <= _MAX_SKIP:
                pairs.append((i, found[k]))
                j = found[k] + 1

    i_done = j_done = 0
    for i, j in [*_increasing(anchors), (len(a), len(b))]:
        if i < i_done or j < j_done:  # inside the run of the anchor before
            continue
        greedy(i_done, i, j_done, j)
        while i < len(a) and j < len(b) and a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        i_done, j_done = i, j
    return pairs


def _increasing(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by their first item) whose second items
    increase (patience sorting)."""
    tails: list[int] = []  # tails[k]: index into pairs of the smallest tail of a chain of length k+1
    tail_values: list[int] = []  # the second items of those tails
    before: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect_left(tail_values, j)
        if k:
            before[index] = tails[k - 1]
        if k == len(tails):
            tails.append(index)
            tail_values.append(j)
        else:
            tails[k] = index
            tail_values[k] = j
    chain: list[tuple[int, int]] = []
    index = tails[-1] if tails else -1
    while index >= 0:
        chain.append(pairs[index])
        index = before[index]
    return chain[::-1]
