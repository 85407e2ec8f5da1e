"""Loading sources: text, markdown and HTML files, uploads and pasted text, and refusing bad files."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from annotations.errors import IngestError, PermissionDeniedError, ValidationError
from annotations.sources import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    load_bytes,
    load_pasted,
    load_path,
    load_paths,
    load_uploads,
    max_bytes_from_env,
)

DEMO_CORPUS = Path(__file__).resolve().parent.parent / "app" / "demo_corpus"

ARTICLE = "The serum brightens the skin in 7 days.\nIt is absolutely safe for everyone.\n"

# High bytes with no structure: not UTF-8 and no code page reads them as sensible text.
_RNG = random.Random(7)
GARBAGE = bytes(_RNG.randrange(0x80, 0x100) for _ in range(400))


RETINOL_ARTICLE = """
<p>Retinol speeds up cell renewal, so the skin looks smoother within a month.</p>
<h2>What it helps with</h2>
<p>Used every night, the cream gives these results:</p>
<ul><li>fewer <b>fine lines</b></li><li>smaller pores</li></ul>
<h2>How to apply</h2>
<ol><li>Cleanse the skin.</li><li>Apply a pea-sized amount.</li></ol>
<p>Redness may appear<br>in the first week.</p>
"""


def page(head: str = "", article: str = "") -> bytes:
    """A small web page with navigation, scripts and a footer around ``article``."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Retinol night cream review</title>{head}
<script>var tracker = "do not keep me";</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/skin">Skin care</a></li></ul></nav>
<article>
<h1>Retinol night cream review</h1>
{article or "<p>Retinol speeds up cell renewal, so the skin looks smoother within a month of use.</p>"}
</article>
<footer><p>Write to us: team@creamreview.example</p></footer>
<script>console.log("footer script")</script>
</body></html>""".encode()


# ------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "photo.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01",
            r"looks binary \(it contains NUL bytes\)",
        ),
        (
            "dump.txt",
            bytes([1, 2, 3, 4, 5, 6, 7, 8, 65]) * 20,
            r"looks binary: 160 of its 180 characters are control",
        ),
        ("empty.txt", b"", r"is empty \(0 bytes\)"),
        ("blank.md", b"  \n\t\r\n   \n", r"holds only whitespace"),
        (
            "report.pdf",
            b"%PDF-1.7 text",
            r"unsupported file type '\.pdf'; supported: \.txt, \.md, \.markdown, \.html, \.htm",
        ),
        ("README", ARTICLE.encode(), r"unsupported file without an extension; supported: \.txt"),
        ("garbage.txt", GARBAGE, r"is not UTF-8 and no other encoding could be detected with confidence"),
        (
            "menu.html",
            b"<html><body><nav><a href='/'>Home</a></nav><script>go()</script></body></html>",
            r"holds no readable article text",
        ),
    ],
    ids=[
        "binary-nul",
        "binary-controls",
        "empty",
        "whitespace",
        "unsupported",
        "no-extension",
        "garbage",
        "html-no-text",
    ],
)
def test_bad_file_is_refused_with_its_name_and_reason(name: str, data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=rf"^{name}: .*{message}") as caught:
        load_bytes(name, data, origin=f"upload:{name}")
    assert caught.value.name == name


@pytest.mark.parametrize(
    ("size", "limit", "message"),
    [
        (101, 100, r"is too large: 101 bytes; the limit is 100 bytes"),
        (3000, 2048, r"is too large: 2\.9 KB \(3,000 bytes\); the limit is 2 KB \(2,048 bytes\)"),
        (DEFAULT_MAX_BYTES + 1, DEFAULT_MAX_BYTES, r"the limit is 5 MB \(5,242,880 bytes\)"),
    ],
)
def test_oversize_file_names_its_size_and_the_limit(size: int, limit: int, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        load_bytes("big.txt", b"a" * size, origin="upload:big.txt", max_bytes=limit)


def test_file_at_the_limit_loads() -> None:
    assert load_bytes("edge.txt", b"a" * 100, origin="x", max_bytes=100).text == "a" * 100


def test_oversize_file_on_disk_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"word " * 100)
    with pytest.raises(IngestError, match=r"long\.txt: is too large: 500 bytes; the limit is 499 bytes"):
        load_path(path, max_bytes=499)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "5"])
def test_size_limit_must_be_a_positive_whole_number(limit: object) -> None:
    with pytest.raises(
        ValidationError, match=rf"size limit must be a positive number of bytes; got {limit!r}"
    ):
        load_bytes("a.txt", b"text", origin="x", max_bytes=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setting", "expected"), [(None, DEFAULT_MAX_BYTES), ("", DEFAULT_MAX_BYTES), ("1000", 1000)]
)
def test_max_bytes_from_env(monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: int) -> None:
    if setting is None:
        monkeypatch.delenv("CLAIMCHECK_MAX_BYTES", raising=False)
    else:
        monkeypatch.setenv("CLAIMCHECK_MAX_BYTES", setting)
    assert max_bytes_from_env() == expected


@pytest.mark.parametrize("setting", ["5MB", "-3", "0", "1.5"])
def test_bad_max_bytes_setting_is_refused(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv("CLAIMCHECK_MAX_BYTES", setting)
    with pytest.raises(
        ValidationError, match=rf"CLAIMCHECK_MAX_BYTES must be a positive whole number .* got '{setting}'"
    ):
        max_bytes_from_env()


def test_missing_path_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"nowhere\.txt: does not exist"):
        load_path(tmp_path / "nowhere.txt")
    with pytest.raises(IngestError, match=r"is a folder, not a file"):
        load_path(tmp_path)


# ------------------------------------------------------------------ confined to folders


@pytest.fixture
def server(tmp_path: Path) -> tuple[Path, Path]:
    """An allowed folder holding one article, a file that links out of it and a folder that
    links out of it; and a folder outside it holding a private note."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (allowed / "tea.txt").write_text("Green tea burns fat.\n", encoding="utf-8")
    (outside / "private.txt").write_text("A private note on the server.\n", encoding="utf-8")
    (allowed / "linked.txt").symlink_to(outside / "private.txt")
    (allowed / "linked-folder").symlink_to(outside)
    return allowed, outside


@pytest.mark.parametrize("path", ["outside", "allowed/../outside", "allowed/linked-folder", "allowed/linked.txt",
                                  "outside/private.txt", "/"])
def test_a_path_outside_the_allowed_folders_is_refused(server: tuple[Path, Path], path: str) -> None:
    allowed, _ = server
    with pytest.raises(PermissionDeniedError, match=f"^{re.escape(path if path == '/' else str(allowed.parent / path))} "
                                                    "is outside the folders the server allows loading from"):
        load_paths([path if path == "/" else allowed.parent / path], roots=[allowed])


def test_a_folder_loads_what_lies_inside_and_refuses_links_out(server: tuple[Path, Path]) -> None:
    allowed, _ = server
    loaded = load_paths([allowed / "sub" / ".."], roots=[allowed])
    assert [d.name for d in loaded.documents] == ["tea"]
    assert sorted(str(e) for e in loaded.refused) == [
        f"{allowed / 'linked.txt'}: links outside the folders the server allows loading from"]
    assert "A private note" not in "".join(d.text for d in loaded.documents)


def test_a_symlinked_allowed_folder_is_resolved_too(server: tuple[Path, Path], tmp_path: Path) -> None:
    allowed, _ = server
    (tmp_path / "alias").symlink_to(allowed)
    assert [d.name for d in load_paths([allowed / "tea.txt"], roots=[tmp_path / "alias"]).documents] == ["tea"]
    with pytest.raises(PermissionDeniedError, match="none"):
        load_paths([allowed], roots=[])


# -------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("text", "codec", "reported"),
    [
        ("The serum is “clinically proven” – it costs €25 and works in 3 weeks…\n", "cp1252", "cp1252"),
        ("Le café crème est très apprécié, même à Noël, et sans douleur.\n", "latin-1", "cp1252"),
        ("Die Behandlung ist völlig schmerzfrei und wirkt äußerst schnell.\n", "latin-1", "cp1252"),
        ("Мезотерапия безболезненна, эффект держится два года.\n", "cp1251", "cp1251"),
        ("Procedura je bezbolestná, účinek trvá dva roky a pleť je hladší.\n", "cp1250", "cp1250"),
        ("Plain UTF-8 with an accent: café.\n", "utf-8", "utf-8"),
        ("Saved by Notepad as Unicode.\n", "utf-16", "utf-16"),
    ],
)
def test_text_that_is_not_utf8_is_decoded_and_the_encoding_named(
    text: str, codec: str, reported: str
) -> None:
    doc = load_bytes("legacy.txt", text.encode(codec), origin="upload:legacy.txt")
    assert doc.text == text
    assert doc.encoding == reported


def test_utf8_bom_is_dropped() -> None:
    doc = load_bytes("bom.txt", b"\xef\xbb\xbfThe cream is painless.\n", origin="x")
    assert doc.text == "The cream is painless.\n"
    assert doc.encoding == "utf-8"


@pytest.mark.parametrize(
    "raw", [b"one\r\ntwo\rthree\nfour\r\n", b"\r\n\r\nsingle line\r", b"no newline at all"]
)
def test_newlines_match_python_text_mode(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(raw)
    with open(path, encoding="utf-8") as handle:
        expected = handle.read()
    assert load_path(path).text == expected
    assert "\r" not in expected


MARKDOWN = (
    "# Collagen *drinks*\n\n"
    "Collagen **smooths** skin in [two weeks](https://example.org/a), says\none maker &amp; a \\*study\\*.\n\n"
    "- **Smooth** skin\n- Fewer `lines`\n  1. nested one\n  2. nested two\n\n"
    "3. Mix\n4. Drink ![a cup](cup.png)\n\n"
    "> Quoted claim here.\n\n"
    "| dose | effect |\n| --- | --- |\n| 5 g | firmer skin |\n\n"
    "<div>raw html</div>\n\n---\n\n"
    "```\nmix 5 g daily\n```\n"
)


def test_markdown_is_rendered_to_text_without_markup() -> None:
    doc = load_bytes("collagen.md", MARKDOWN.encode(), origin="x")
    assert doc.text == (
        "Collagen drinks\n\n"
        "Collagen smooths skin in two weeks, says one maker & a *study*.\n\n"
        "  • Smooth skin\n"
        "  • Fewer lines\n"
        "    1. nested one\n"
        "    2. nested two\n\n"
        "  3. Mix\n"
        "  4. Drink\n\n"
        "Quoted claim here.\n\n"
        "dose | effect\n"
        "5 g | firmer skin\n\n"
        "mix 5 g daily\n"
    )
    assert doc.source_map.kind == "markdown"


@pytest.mark.parametrize("phrase", [
    "Collagen drinks", "smooths skin in two weeks", "says one maker", "Smooth skin", "nested two", "Drink",
    "Quoted claim here.", "firmer skin", "mix 5 g daily",
])
def test_markdown_offsets_map_back_to_the_source(phrase: str) -> None:
    doc = load_bytes("collagen.md", MARKDOWN.encode(), origin="x")
    start = doc.text.index(phrase)
    s_start, s_end = doc.source_map.source_span(start, start + len(phrase))
    copied = MARKDOWN[s_start:s_end]
    assert copied.startswith(phrase.split()[0]) and copied.endswith(phrase.split()[-1])
    # the same words, with the markup between them that the text leaves out
    unmarked = re.sub(r"\]\([^)]*\)|[*`\[]", "", copied)
    assert " ".join(unmarked.split()) == phrase


def test_markdown_and_html_of_one_article_give_the_same_text() -> None:
    markdown = """# Retinol night cream review

Retinol speeds up cell renewal,
so the skin looks smoother within a month.

## What it helps with

Used every night, the cream gives these results:

* fewer **fine lines**
* smaller _pores_

## How to apply

1. Cleanse the skin.
2. Apply a pea-sized amount.

Redness may appear\\
in the first week.
"""
    from_html = load_bytes("retinol.html", page(article=RETINOL_ARTICLE), origin="x")
    from_markdown = load_bytes("retinol.md", markdown.encode(), origin="x")
    assert from_markdown.text == from_html.text
    for doc, source in ((from_markdown, markdown), (from_html, page(article=RETINOL_ARTICLE).decode())):
        start = doc.text.index("fine lines")
        s_start, s_end = doc.source_map.source_span(start, start + len("fine lines"))
        assert source[s_start:s_end] == "fine lines", doc.name


def test_a_markdown_file_of_markup_only_is_refused() -> None:
    with pytest.raises(IngestError, match="holds no text once its Markdown is rendered"):
        load_bytes("empty.md", b"![only a picture](a.png)\n\n<div></div>\n", origin="x")


def test_a_plain_text_document_maps_to_itself() -> None:
    doc = load_bytes("a.txt", ARTICLE.encode(), origin="x")
    assert (doc.source_map.kind, doc.source_map.source_span(4, 9)) == ("text", (4, 9))


# ------------------------------------------------------------------------------- HTML


def test_html_is_reduced_to_article_text_with_blocks_and_list_items_on_their_own_lines() -> None:
    doc = load_bytes("retinol.html", page(article=RETINOL_ARTICLE), origin="upload:retinol.html")
    assert doc.text == (
        "Retinol night cream review\n\n"
        "Retinol speeds up cell renewal, so the skin looks smoother within a month.\n\n"
        "What it helps with\n\n"
        "Used every night, the cream gives these results:\n\n"
        "  • fewer fine lines\n"
        "  • smaller pores\n\n"
        "How to apply\n\n"
        "  1. Cleanse the skin.\n"
        "  2. Apply a pea-sized amount.\n\n"
        "Redness may appear\n"
        "in the first week.\n"
    )
    assert doc.name == "retinol"


@pytest.mark.parametrize("unwanted", ["tracker", "footer script", "Skin care", "team@creamreview.example"])
def test_html_scripts_navigation_and_footer_are_left_out(unwanted: str) -> None:
    assert unwanted not in load_bytes("retinol.html", page(), origin="x").text


def test_html_nested_lists_and_tables_keep_one_line_each() -> None:
    article = """
<p>Doses that readers asked about most often in our survey this year:</p>
<ul><li>Vitamin D<ul><li>adults: 600 IU</li></ul></li><li>Zinc</li></ul>
<table><tr><th>Dose</th><th>How often</th></tr><tr><td>5 mg</td><td>daily</td></tr></table>
"""
    text = load_bytes("doses.htm", page(article=article), origin="x").text
    assert "  • Vitamin D\n    • adults: 600 IU\n  • Zinc\n" in text
    assert "Dose | How often\n5 mg | daily\n" in text


def test_html_title_leads_when_the_article_does_not_start_with_it() -> None:
    html = (
        b"<html><head><title>Green tea and memory</title></head><body><div>"
        b"<p>Two cups of green tea a day are said to sharpen memory within weeks.</p></div></body></html>"
    )
    text = load_bytes("tea.html", html, origin="x").text
    assert text.startswith("Green tea and memory\n\nTwo cups of green tea")


@pytest.mark.parametrize(
    ("head", "url"),
    [
        (
            '<link rel="canonical" href="https://creamreview.example/retinol">',
            "https://creamreview.example/retinol",
        ),
        ('<meta property="og:url" content="http://creamreview.example/r">', "http://creamreview.example/r"),
        ('<link rel="canonical" href="javascript:alert(1)">', None),
        ('<link rel="canonical" href="ftp://files.creamreview.example/retinol">', None),
        ('<meta property="og:url" content="data:text/html,hello">', None),
        ("", None),
    ],
    ids=["canonical-https", "og-url-http", "javascript", "ftp", "data", "none"],
)
def test_html_canonical_url_is_kept_only_when_http(head: str, url: str | None) -> None:
    assert load_bytes("retinol.html", page(head=head), origin="x").url == url


def test_text_files_have_no_url() -> None:
    assert load_bytes("notes.txt", b"see https://example.org/page\n", origin="x").url is None


# ---------------------------------------------------------------------------- batches


def test_one_bad_upload_does_not_stop_the_others() -> None:
    result = load_uploads(
        [
            ("first.txt", b"Cupping removes toxins from the body.\n"),
            ("empty.txt", b""),
            ("second.md", b"# Ginger\n\nGinger cures nausea completely.\n"),
            ("scan.pdf", b"%PDF"),
            ("third.html", page()),
        ]
    )
    assert [d.name for d in result.documents] == ["first", "second", "third"]
    assert [d.origin for d in result.documents] == [
        "upload:first.txt",
        "upload:second.md",
        "upload:third.html",
    ]
    assert [e.name for e in result.refused] == ["empty.txt", "scan.pdf"]
    assert result.refused[0].reason == "is empty (0 bytes)"
    assert result.refused[1].reason.startswith("unsupported file type '.pdf'")


def test_folder_loads_supported_files_sorted_and_lists_the_rest_as_refused(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Zinc shortens a cold by two days.\n", encoding="utf-8")
    (tmp_path / "a.md").write_text("# Aloe\n\nAloe heals burns overnight.\n", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (tmp_path / ".hidden.txt").write_text("not loaded\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("Honey kills bacteria.\n", encoding="utf-8")
    (tmp_path / "sub" / "blank.txt").write_text("\n\n", encoding="utf-8")

    result = load_paths([tmp_path])
    assert [d.name for d in result.documents] == ["a", "b", "c"]
    assert result.documents[0].origin == str(tmp_path / "a.md")
    assert [Path(e.name).name for e in result.refused] == ["photo.jpg", "blank.txt"]
    assert "unsupported file type '.jpg'" in result.refused[0].reason

    flat = load_paths([tmp_path], recursive=False)
    assert [d.name for d in flat.documents] == ["a", "b"]


def test_paths_mix_files_folders_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("Vitamin C prevents colds.\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    result = load_paths([tmp_path / "one.txt", tmp_path / "missing.txt", tmp_path / "empty"])
    assert [d.name for d in result.documents] == ["one"]
    assert [e.reason for e in result.refused] == ["does not exist", "is a folder with no files in it"]


# ------------------------------------------------------------------------ pasted text


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Cupping cures back pain.\nIt is painless.", "Cupping note", "Cupping note"),
        ("\n\n## Green tea burns fat\n\nTwo cups a day.", None, "Green tea burns fat"),
        ("  • Collagen drinks rebuild cartilage\n", "   ", "Collagen drinks rebuild cartilage"),
        (
            "Cold showers strengthen the immune system and make people catch colds far less often\n",
            None,
            "Cold showers strengthen the immune system and make people…",
        ),
    ],
)
def test_pasted_text_gets_the_given_name_or_its_first_line(
    text: str, name: str | None, expected: str
) -> None:
    doc = load_pasted(text, name)
    assert doc.name == expected
    assert doc.origin == "paste"
    assert doc.text == text


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_paste_is_refused(text: str) -> None:
    with pytest.raises(IngestError, match=r"^pasted text: is empty"):
        load_pasted(text)


def test_pasted_newlines_are_normalised() -> None:
    assert load_pasted("line one\r\nline two\r", "n").text == "line one\nline two\n"


def test_same_text_gives_the_same_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(ARTICLE.encode())
    docs = [
        load_path(path),
        load_bytes("copy.txt", ARTICLE.replace("\n", "\r\n").encode(), origin="upload:copy.txt"),
        load_pasted(ARTICLE),
    ]
    assert len({d.content_hash for d in docs}) == 1
    assert len({d.id for d in docs}) == 3
    assert load_pasted(ARTICLE + "More.").content_hash != docs[0].content_hash


def test_added_by_is_recorded() -> None:
    result = load_uploads([("a.txt", b"Aspirin thins the blood.")], added_by="maria")
    assert result.documents[0].added_by == "maria"


# ------------------------------------------------------------------------ demo corpus


def test_demo_corpus_loads_four_documents_with_none_refused() -> None:
    result = load_paths([DEMO_CORPUS])
    assert result.refused == []
    by_name = {d.name: d for d in result.documents}
    assert sorted(Path(d.origin).suffix for d in result.documents) == [".html", ".md", ".txt", ".txt"]
    assert len(by_name) == 4
    for doc in result.documents:
        assert 300 <= len(doc.text.split()) <= 600, doc.name
        assert doc.encoding == "utf-8"
    html = by_name["cold-water-immersion"]
    assert html.url == "https://www.vitalwave.example/wellness/cold-water-immersion"
    assert "dataLayer" not in html.text and "editors@vitalwave.example" not in html.text
    assert "\n  • " in html.text and "\n  1. " in html.text


def test_demo_corpus_files_use_only_supported_suffixes() -> None:
    assert all(p.suffix in SUPPORTED_SUFFIXES for p in DEMO_CORPUS.iterdir())
