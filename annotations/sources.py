"""Load source texts into Document records: files from a folder, uploaded bytes, pasted text.

Every file is first decoded, with newlines normalised the way Python's text mode does it
(``\\r\\n`` and ``\\r`` become ``\\n``) and a leading UTF-8 byte-order mark dropped: the file's
text. Plain text (``.txt``) is kept exactly so, and claim offsets into such a document match
``open(path, encoding="utf-8").read()``.

Markup is rendered to plain text, so that no claim holds markup, and both formats come out in the
same shapes: one block per heading or paragraph, separated by blank lines, and list items on their
own lines as ``"  • item"`` (``"  1. item"`` for numbered lists, indented two more spaces per
nesting level).

- Markdown (``.md``, ``.markdown``) with markdown-it-py (:mod:`annotations.rendering`): emphasis,
  links and code marks leave their text; images, inline HTML and rules leave nothing.
- HTML (``.html``, ``.htm``) is reduced to its readable article text with trafilatura.
  Navigation, scripts and footers are left out. The page title leads when the article text does
  not already start with it, and a canonical http(s) URL, when the page gives one, becomes
  ``Document.url``.

Claims point into the rendered text, which is what the document stores; its ``source_map``
(:class:`~annotations.records.SourceMap`) maps those offsets back to the file's text, exactly for
Markdown, word by word for HTML.

A file that is not UTF-8 is decoded with the encoding charset-normalizer detects, and
``Document.encoding`` names it (``"cp1252"``, ``"cp1251"``, ...; always ``"utf-8"`` otherwise).

Each bad file is refused with an :class:`~annotations.errors.IngestError` naming the file and the
reason; the batch loaders (:func:`load_paths`, :func:`load_uploads`) collect those and go on with
the rest.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import trafilatura
from lxml.etree import _Element

from annotations.errors import IngestError, PermissionDeniedError, ValidationError
from annotations.records import Document, SourceMap, check_http_url
from annotations.rendering import BULLET, align_words, markdown_to_text
from annotations.vocab import HTML_SUFFIXES, MARKDOWN_SUFFIXES, SOURCE_SUFFIXES

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
"""Files larger than this many bytes are refused unless a caller passes another limit."""

MAX_BYTES_ENV = "CLAIMCHECK_MAX_BYTES"

SUPPORTED_SUFFIXES = SOURCE_SUFFIXES

PASTE_ORIGIN = "paste"
UPLOAD_ORIGIN_PREFIX = "upload:"

# Control characters that belong in text files; other C0/C1 controls (Unicode category Cc) are a
# sign of binary data.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1a")
# More than this share of other control characters and a file is taken for binary.
_MAX_CONTROL_SHARE = 0.01
# A detected encoding whose decoding is messier than this (charset-normalizer "chaos", 0-1) is
# not trusted. charset-normalizer's own default is 0.2.
_MAX_CHAOS = 0.2
# Windows-1252 wins a near tie: it is what non-UTF-8 Western text nearly always is, while
# charset-normalizer's language guess on a short text often prefers a rarer code page.
_CP1252_MARGIN = 0.05
_UNICODE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_PASTE_NAME_LENGTH = 60


@dataclass
class LoadResult:
    """What a batch load produced: the documents loaded and one error per refused file."""

    documents: list[Document] = field(default_factory=list)
    refused: list[IngestError] = field(default_factory=list)


# ------------------------------------------------------------------------------ limits


def _check_max_bytes(max_bytes: int) -> int:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValidationError(f"the size limit must be a positive number of bytes; got {max_bytes!r}")
    return max_bytes


def max_bytes_from_env(env: Mapping[str, str] | None = None) -> int:
    """The size limit from ``CLAIMCHECK_MAX_BYTES`` (whole bytes) in ``env`` (default: the
    process environment), or :data:`DEFAULT_MAX_BYTES` when it is unset or empty."""
    raw = (os.environ if env is None else env).get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValidationError(
            f"{MAX_BYTES_ENV} must be a positive whole number of bytes, like {DEFAULT_MAX_BYTES}; got {raw!r}"
        )
    return value


def human_size(size: int) -> str:
    """A size in bytes as people read it: ``5242880`` -> ``"5 MB"``, ``1536`` -> ``"1.5 KB"``,
    ``10`` -> ``"10 bytes"``."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _exact_size(size: int) -> str:
    """:func:`human_size`, with the exact count of bytes when it rounds."""
    return human_size(size) if size < 1024 else f"{human_size(size)} ({size:,} bytes)"


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise IngestError(name, f"is too large: {_exact_size(size)}; the limit is {_exact_size(max_bytes)}")


# ---------------------------------------------------------------------------- decoding


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()


def _check_suffix(name: str) -> str:
    suffix = _suffix(name)
    if suffix not in SUPPORTED_SUFFIXES:
        what = f"file type {suffix!r}" if suffix else "file without an extension"
        raise IngestError(name, f"unsupported {what}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    return suffix


def _detect(name: str, data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8; returns (text, codec name)."""
    matches = charset_normalizer.from_bytes(data, threshold=_MAX_CHAOS)
    best = matches.best()
    if best is None:
        raise IngestError(
            name,
            "is not UTF-8 and no other encoding could be detected with confidence "
            "(it may be binary or corrupted); save it as UTF-8 and load it again",
        )
    encoding = best.encoding
    if any("cp1252" in m.could_be_from_charset and m.chaos <= best.chaos + _CP1252_MARGIN for m in matches):
        encoding = "cp1252"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise IngestError(name, f"is not UTF-8 and could not be decoded as {encoding}") from None
    return text, codecs.lookup(encoding).name


def _decode(name: str, data: bytes) -> tuple[str, str]:
    """Bytes to text: UTF-8 (a leading BOM dropped), else the detected encoding."""
    if b"\x00" in data and not data.startswith(_UNICODE_BOMS):
        raise IngestError(name, "looks binary (it contains NUL bytes), not like a text file")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _detect(name, data)
    text = text.removeprefix("\ufeff")
    controls = sum(1 for ch in text if (ch < " " or "\x7f" <= ch <= "\x9f") and ch not in _TEXT_CONTROLS)
    if controls > len(text) * _MAX_CONTROL_SHARE:
        raise IngestError(
            name, f"looks binary: {controls} of its {len(text)} characters are control characters"
        )
    return text, encoding


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` to ``\\n``, as Python's text mode reads a file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -------------------------------------------------------------------------------- HTML


def _inline_text(element: _Element, line_break: str) -> str:
    """The text of an element and its inline children; nested lists are left to the caller."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append(line_break)
        elif child.tag != "list":
            parts.append(_inline_text(child, line_break))
        parts.append(child.tail or "")
    return "".join(parts)


def _clean_lines(text: str) -> list[str]:
    """Lines with inner runs of whitespace collapsed; blank lines dropped."""
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _list_lines(element: _Element, depth: int) -> list[str]:
    ordered = element.get("rend") == "ol"
    indent = "  " * (depth + 1)
    lines: list[str] = []
    number = 0
    for item in element:
        if item.tag != "item":
            continue
        number += 1
        marker = f"{number}." if ordered else BULLET
        text = " ".join(_clean_lines(_inline_text(item, " ")))
        if text:
            lines.append(f"{indent}{marker} {text}")
        for sublist in item.findall("list"):
            lines.extend(_list_lines(sublist, depth + 1))
    return lines


_BLOCK_TAGS = frozenset({"head", "p", "list", "quote", "table", "code", "div"})


def _blocks(container: _Element) -> Iterator[str]:
    """Render trafilatura's XML body: one string per block (heading, paragraph, list, table)."""
    for child in container:
        tag = child.tag
        if tag == "list":
            lines = _list_lines(child, 0)
        elif tag == "table":
            lines = []
            for row in child.iter("row"):
                cells = [
                    " ".join(_clean_lines(_inline_text(cell, " "))) for cell in row if cell.tag == "cell"
                ]
                if any(cells):
                    lines.append(" | ".join(cell for cell in cells if cell))
        elif any(grandchild.tag in _BLOCK_TAGS for grandchild in child):  # a quote holding paragraphs
            yield from _blocks(child)
            lines = []
        else:
            lines = _clean_lines(_inline_text(child, "\n"))
        if lines:
            yield "\n".join(lines)
        if child.tail and child.tail.strip():
            yield " ".join(child.tail.split())


def html_to_text(name: str, html: str) -> tuple[str, str | None, SourceMap]:
    """Reduce an HTML page to its article text; returns (text, canonical http(s) URL or None, the
    text's map back to the page).

    Raises IngestError when trafilatura finds no article text.
    """
    extracted = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_formatting=False,
        include_links=False,
        include_images=False,
        include_tables=True,
    )
    body = getattr(extracted, "body", None)
    blocks = list(_blocks(body)) if body is not None else []
    if not blocks:
        raise IngestError(name, "holds no readable article text (trafilatura found none in the HTML)")
    title = " ".join((extracted.title or "").split())
    if title and title.casefold() != blocks[0].split("\n", 1)[0].casefold():
        blocks.insert(0, title)
    url = extracted.url
    if url:
        try:
            url = check_http_url(url)
        except ValidationError:
            url = None
    text = "\n\n".join(blocks) + "\n"
    return text, url or None, align_words(text, html)


# ------------------------------------------------------------------------------ loaders


def _stem(name: str) -> str:
    return Path(name).stem or Path(name).name


def load_bytes(
    name: str,
    data: bytes,
    *,
    origin: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    added_by: str = "local",
) -> Document:
    """One file's bytes as a Document named after the file (its name without the extension).

    Raises IngestError (naming ``name``) for an unsupported extension, a file over ``max_bytes``,
    an empty or whitespace-only file, binary data, an encoding that cannot be detected, or an
    HTML page without article text.
    """
    _check_max_bytes(max_bytes)
    suffix = _check_suffix(name)
    _check_size(name, len(data), max_bytes)
    if not data:
        raise IngestError(name, "is empty (0 bytes)")
    text, encoding = _decode(name, data)
    if not text.strip():
        raise IngestError(name, "holds only whitespace, no text")
    url = None
    text = normalise_newlines(text)
    source_map = SourceMap()
    if suffix in HTML_SUFFIXES:
        text, url, source_map = html_to_text(name, text)
    elif suffix in MARKDOWN_SUFFIXES:
        text, source_map = markdown_to_text(text)
        if not text.strip():
            raise IngestError(name, "holds no text once its Markdown is rendered (only markup, images or HTML)")
    return Document(name=_stem(name), text=text, origin=origin, url=url, encoding=encoding, added_by=added_by,
                    source_map=source_map)


def load_path(
    path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, added_by: str = "local"
) -> Document:
    """One file from disk; its origin is the path as given."""
    _check_max_bytes(max_bytes)
    p = Path(path)
    label = str(path)
    if not p.exists():
        raise IngestError(label, "does not exist")
    if p.is_dir():
        raise IngestError(label, "is a folder, not a file; load folders with load_paths")
    _check_suffix(label)
    try:
        _check_size(label, p.stat().st_size, max_bytes)
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(label, f"could not be read: {exc.strerror or exc}") from None
    return load_bytes(label, data, origin=label, max_bytes=max_bytes, added_by=added_by)


def load_pasted(
    text: str,
    name: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    added_by: str = "local",
) -> Document:
    """Pasted text as a Document with origin ``"paste"``; without a ``name``, the name is the
    first line of the text (heading marks and bullets stripped, cut to 60 characters)."""
    _check_max_bytes(max_bytes)
    given = (name or "").strip()
    label = given or "pasted text"
    if not isinstance(text, str) or not text.strip():
        raise IngestError(label, "is empty: paste some text first")
    _check_size(label, len(text.encode("utf-8")), max_bytes)
    text = normalise_newlines(text.removeprefix("\ufeff"))
    return Document(name=given or _name_from_text(text), text=text, origin=PASTE_ORIGIN, added_by=added_by)


def _name_from_text(text: str) -> str:
    first = next(line for line in text.split("\n") if line.strip())
    name = " ".join(first.split()).lstrip("#*•-> ").strip()
    if len(name) > _PASTE_NAME_LENGTH:
        cut = name[:_PASTE_NAME_LENGTH].rsplit(" ", 1)[0] or name[:_PASTE_NAME_LENGTH]
        name = cut.rstrip(" ,.;:") + "…"
    return name or "pasted text"


def _folder_files(folder: Path, recursive: bool) -> list[Path]:
    """Files of a folder sorted by their path inside it; hidden files and folders are skipped."""
    found = folder.rglob("*") if recursive else folder.iterdir()
    files = [
        p
        for p in found
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def confine(path: str | os.PathLike[str], roots: Iterable[str | os.PathLike[str]]) -> Path:
    """The real path of ``path`` (symbolic links and ``..`` resolved first) when it lies inside
    one of the folders ``roots`` (resolved too); PermissionDeniedError otherwise, which does not
    say whether the path exists."""
    real_roots = [Path(os.path.realpath(root)) for root in roots]
    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(root) for root in real_roots):
        allowed = ", ".join(str(root) for root in real_roots) or "none"
        raise PermissionDeniedError(
            f"{path} is outside the folders the server allows loading from ({allowed}); an admin adds "
            "folders with the setting server_folders")
    return real


def load_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    recursive: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    added_by: str = "local",
    roots: Iterable[str | os.PathLike[str]] | None = None,
) -> LoadResult:
    """Load files and folders. A folder contributes its files sorted by name (subfolders too when
    ``recursive``; hidden ones skipped); each file that cannot be loaded, unsupported types
    included, is listed in ``refused`` and the others still load.

    With ``roots``, every path must lie inside one of those folders once symbolic links and
    ``..`` are resolved (``confine``): a path given outside them raises PermissionDeniedError, and
    a file of a folder that links outside them is refused."""
    _check_max_bytes(max_bytes)
    roots = None if roots is None else list(roots)
    result = LoadResult()
    for path in paths:
        p = Path(path) if roots is None else confine(path, roots)
        files = _folder_files(p, recursive) if p.is_dir() else [p]
        if p.is_dir() and not files:
            result.refused.append(IngestError(str(path), "is a folder with no files in it"))
        for file in files:
            try:
                if roots is not None:
                    try:
                        confine(file, roots)
                    except PermissionDeniedError:
                        raise IngestError(str(file), "links outside the folders the server allows loading "
                                                     "from") from None
                result.documents.append(load_path(file, max_bytes=max_bytes, added_by=added_by))
            except IngestError as exc:
                result.refused.append(exc)
    return result


def load_uploads(
    files: Iterable[tuple[str, bytes]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    added_by: str = "local",
) -> LoadResult:
    """Load uploaded ``(file name, bytes)`` pairs; origins read ``"upload:<file name>"``."""
    _check_max_bytes(max_bytes)
    result = LoadResult()
    for name, data in files:
        try:
            result.documents.append(
                load_bytes(
                    name, data, origin=f"{UPLOAD_ORIGIN_PREFIX}{name}", max_bytes=max_bytes, added_by=added_by
                )
            )
        except IngestError as exc:
            result.refused.append(exc)
    return result
