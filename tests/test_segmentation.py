"""Line layout and segmentation: list items, steps, headings and line breaks are boundaries;
headings, questions and boilerplate hold no claims; offsets point into the original text.
(The real-model checks live in test_extraction.py.)"""

from __future__ import annotations

import pytest
import spacy

import models  # noqa: F401  (registers the components)
from models.layout import CLAIM_KINDS, analyse, chunks, shifted

ARTICLE = """Cold water swimming: what it does

Cold water swimming is popular in winter. Swimmers say it lifts the mood.

The practice is said to bring these benefits:

  • Better circulation after a few weeks;
  • Fewer colds in winter.

Steps before a first swim

  1. Talk to your doctor if you have a heart condition.
  2. Enter the water slowly.

- Never swim alone
* Keep sessions under 10 minutes

What should you wear?

Did you like the article? Share with friends:
For any suggestions regarding the site: editor@example.org
to content ⤻
12/05/2023 10:15
Для любых предложений по сайту
"""


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(line.kind, text[line.content_start : line.content_end]) for line in analyse(text) if line.kind != "blank"]


def test_every_line_gets_a_kind() -> None:
    kinds = _kinds(ARTICLE)
    assert kinds == [
        ("heading", "Cold water swimming: what it does"),
        ("text", "Cold water swimming is popular in winter. Swimmers say it lifts the mood."),
        ("text", "The practice is said to bring these benefits:"),
        ("item", "Better circulation after a few weeks;"),
        ("item", "Fewer colds in winter."),
        ("heading", "Steps before a first swim"),
        ("item", "Talk to your doctor if you have a heart condition."),
        ("item", "Enter the water slowly."),
        ("item", "Never swim alone"),
        ("item", "Keep sessions under 10 minutes"),
        ("question", "What should you wear?"),
        ("boilerplate", "Did you like the article? Share with friends:"),
        ("boilerplate", "For any suggestions regarding the site: editor@example.org"),
        ("boilerplate", "to content ⤻"),
        ("boilerplate", "12/05/2023 10:15"),
        ("boilerplate", "Для любых предложений по сайту"),
    ]


def test_list_items_carry_their_lead_in_or_heading_as_context() -> None:
    items = [line for line in analyse(ARTICLE) if line.kind == "item"]
    assert [line.context for line in items] == [
        "The practice is said to bring these benefits",
        "The practice is said to bring these benefits",
        "Steps before a first swim",
        "Steps before a first swim",
        "Steps before a first swim",
        "Steps before a first swim",
    ]


def test_a_paragraph_ends_a_list_and_its_context() -> None:
    text = "Benefits:\n- Sleep improves.\n\nSome plain prose follows here.\n- A later item stands alone.\n"
    items = [line for line in analyse(text) if line.kind == "item"]
    assert [line.context for line in items] == ["Benefits", ""]


def test_a_nested_list_takes_its_item_as_lead_in() -> None:
    text = "Ingredients:\n  1. Vitamins:\n  • Vitamin C brightens the skin.\n  2. Minerals reduce redness.\n"
    items = [line for line in analyse(text) if line.kind == "item"]
    assert [line.context for line in items] == ["Ingredients", "Vitamins", "Ingredients"]


def test_a_numbered_line_alone_between_paragraphs_is_a_section_heading() -> None:
    text = (
        "Nettle tea is popular. Here is what it does.\n\n"
        "1. May ease joint pain\n\n"
        "In one trial, pain fell by a third.\n\n"
        "2. Lowers blood sugar\n"
        "Nettle may lower blood sugar.\n\n"
        "Steps:\n"
        "1. Boil the water\n"
        "2. Add the leaves\n\n"
        "Drink it warm.\n"
    )
    kinds = [(line.kind, text[line.content_start : line.content_end]) for line in analyse(text) if line.kind != "blank"]
    assert kinds == [
        ("text", "Nettle tea is popular. Here is what it does."),
        ("heading", "May ease joint pain"),
        ("text", "In one trial, pain fell by a third."),
        ("heading", "Lowers blood sugar"),
        ("text", "Nettle may lower blood sugar."),
        ("text", "Steps:"),
        ("item", "Boil the water"),  # a list: the lines before or after are items of it
        ("item", "Add the leaves"),
        ("text", "Drink it warm."),
    ]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("# Markdown heading", "heading"),
        ("## Another level", "heading"),
        ("**Bold line as a heading**", "heading"),
        ("- markdown item.", "item"),
        ("* starred item", "item"),
        ("+ plus item", "item"),
        ("3) numbered step.", "item"),
        ("a) lettered step.", "item"),
        ("Q: Does it hurt?", "question"),
        ("A: It does not hurt.", "text"),
        ("Is this a question?", "question"),
        ("This sentence ends well. Does this one?", "text"),
        ("A long line without a final stop " + "that keeps going " * 6, "text"),
        ("Read more", "boilerplate"),
        ("Share", "boilerplate"),
        ("Contact us on the form", "boilerplate"),
        ("( 3 ratings, average 4.5 out of 5 )", "boilerplate"),
        ("March 3, 2024", "boilerplate"),
    ],
)
def test_line_kinds(line: str, kind: str) -> None:
    (only,) = [ln for ln in analyse(line) if ln.kind != "blank"]
    assert only.kind == kind


def test_markdown_markers_and_emphasis_stay_outside_the_content() -> None:
    text = "## Results\n- **Sleep improves** within a week.\n"
    lines = [line for line in analyse(text) if line.kind != "blank"]
    assert [text[ln.content_start : ln.content_end] for ln in lines] == ["Results", "Sleep improves** within a week."]
    assert lines[1].marker == "bullet" and text[lines[1].marker_start] == "-"


def test_offsets_point_into_the_original_text() -> None:
    for line in analyse(ARTICLE):
        assert 0 <= line.start <= line.content_start <= line.content_end <= line.end <= len(ARTICLE)
        assert "\n" not in ARTICLE[line.start : line.end]


def test_chunks_keep_a_list_with_its_lead_in_and_reproduce_the_layout() -> None:
    lines = analyse(ARTICLE)
    ranges = chunks(lines)
    texts = [ARTICLE[s:e] for s, e in ranges]
    assert any(t.startswith("The practice is said") and "Fewer colds" in t for t in texts)
    assert any(t.startswith("Steps before") and "Keep sessions" in t for t in texts)
    assert not any("Share with friends" in t for t in texts)
    for start, end in ranges:
        local = [ln for ln in analyse(ARTICLE[start:end]) if ln.kind != "blank"]
        expected = [ln for ln in shifted(lines, start, end) if ln.kind != "blank"]
        assert local == expected


def test_chunks_leave_out_ranges_without_claim_lines() -> None:
    text = "Only a heading\n\nWhat is this?\n\nShare with friends:\n"
    assert chunks(analyse(text)) == []
    assert not any(line.kind in CLAIM_KINDS for line in analyse(text))


def test_the_layout_component_starts_a_sentence_at_each_line_and_marker() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("claim_layout")
    text = "Intro line without stop\n  • first item goes here;\n  2. second item\nlast line and more"
    doc = nlp(text)
    starts = {token.idx for token in doc if token.is_sent_start}
    for needle in ("Intro", "•", "first", "2.", "second", "last"):
        assert text.index(needle) in starts, needle
    assert "the" not in {doc.text[t.idx : t.idx + 3] for t in doc if t.is_sent_start and t.i}
