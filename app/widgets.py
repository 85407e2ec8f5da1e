"""Small widgets shared by the pages: the citations editor, the stale-edit notice, the local-mode
reviewer-name gate, the claim card, and the session cookie writer.

They only draw and keep widget state; what they show is built by the plain functions of
``app.views``. Every key they create starts with the ``key`` (or prefix) the page passes, so two
pages never collide.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from annotations.auth import Actor
from annotations.errors import AnnotatorError, StaleEditError, ValidationError
from annotations.records import Citation, Claim, Document, Review, Verdict
from annotations.vocab import CITATION_KIND_LABELS, CITATION_KINDS
from app import state, views

_FIELDS = ("kind", "identifier", "quote", "note")
_PLACEHOLDERS = {
    "doi": "10.1000/xyz123 or https://doi.org/10.1000/xyz123",
    "pmid": "PMID:31452104 or 31452104",
    "url": "https://…",
    "other": "a book, report or standard",
}

# ------------------------------------------------------------------------------ citations


def _row_key(key: str, field: str, row: int) -> str:
    return f"{key}_{field}_{row}"


def set_citations(key: str, citations: Sequence[Citation] = ()) -> None:
    """Replace the rows of the citations editor ``key`` with ``citations`` (none: empty).

    Call it before the editor is drawn in a run, or from a widget callback."""
    seq = int(st.session_state.get(f"{key}_seq", 0))
    rows = []
    for citation in citations:
        seq += 1
        for name in _FIELDS:
            st.session_state[_row_key(key, name, seq)] = getattr(citation, name)
        rows.append(seq)
    st.session_state[f"{key}_seq"] = seq
    st.session_state[f"{key}_rows"] = rows


def _add_row(key: str) -> None:
    seq = int(st.session_state.get(f"{key}_seq", 0)) + 1
    st.session_state[f"{key}_seq"] = seq
    st.session_state[f"{key}_rows"] = [*st.session_state.get(f"{key}_rows", []), seq]


def _remove_row(key: str, row: int) -> None:
    st.session_state[f"{key}_rows"] = [r for r in st.session_state.get(f"{key}_rows", []) if r != row]


def citations_editor(key: str, initial: Sequence[Citation] = ()) -> list[dict[str, str]]:
    """Edit any number of citations (kind, identifier, quoted passage, note); returns the raw rows.

    ``initial`` fills the editor the first time it is drawn in a session; later runs keep what the
    user typed (use :func:`set_citations` to load other citations). Validate the rows with
    ``app.views.citations_from_rows`` when saving, so a bad row loses nothing from the form.
    Widget keys: ``{key}_add``, and per row n ``{key}_kind_n``, ``{key}_identifier_n``,
    ``{key}_quote_n``, ``{key}_note_n``, ``{key}_remove_n``. Not for use inside ``st.form``.
    """
    if f"{key}_rows" not in st.session_state:
        set_citations(key, initial)
    rows: list[dict[str, str]] = []
    for number, row in enumerate(st.session_state[f"{key}_rows"], start=1):
        st.session_state.setdefault(_row_key(key, "kind", row), CITATION_KINDS[0])
        for name in _FIELDS[1:]:
            st.session_state.setdefault(_row_key(key, name, row), "")
        with st.container(border=True, key=f"{key}_row_{row}"):
            kind_col, remove_col = st.columns([6, 1], vertical_alignment="bottom")
            kind = kind_col.radio(
                f"Citation {number}", CITATION_KINDS, format_func=CITATION_KIND_LABELS.__getitem__,
                horizontal=True, key=_row_key(key, "kind", row),
            )
            remove_col.button(
                "", icon=":material/delete:", key=_row_key(key, "remove", row), help="Remove this citation",
                on_click=_remove_row, args=(key, row),
            )
            identifier = st.text_input(
                "Identifier", key=_row_key(key, "identifier", row), placeholder=_PLACEHOLDERS[kind],
            )
            quote = st.text_area(
                "Quoted passage", key=_row_key(key, "quote", row), height=68,
                placeholder="The passage of the source that supports or refutes the claim",
            )
            note = st.text_input("Note", key=_row_key(key, "note", row), placeholder="Optional")
            if identifier.strip():
                try:
                    link = Citation(kind, identifier, quote, note).link
                except ValidationError as exc:
                    st.caption(f":red[{views.md_escape(str(exc))}]")
                else:
                    if link:
                        st.caption(f"Links to {views.md_escape(link)}")
        rows.append({"kind": kind, "identifier": identifier, "quote": quote, "note": note})
    st.button("Add a citation", icon=":material/add:", key=f"{key}_add", on_click=_add_row, args=(key,))
    return rows


# ---------------------------------------------------------------------------- stale edits


def stale_notice(exc: StaleEditError) -> None:
    """Say that a record changed since the user opened it, and show the newer stored version
    (verdict, rationale, citations, who and when for a review or verdict; span and type for a
    claim). The caller keeps the user's unsaved input on the page."""
    st.warning(f"{exc}\n\nYour unsaved input is still in the form.", icon=":material/sync_problem:")
    current = exc.current
    if current is None:
        return
    with st.container(border=True):
        if isinstance(current, (Review, Verdict)):
            who = current.reviewer if isinstance(current, Review) else current.adjudicator
            stamp = views.when(current.updated_at or current.created_at)
            withdrawn = " (withdrawn)" if getattr(current, "withdrawn", False) else ""
            st.markdown(
                f"**Stored version {current.version}**{withdrawn}: "
                f"{views.verdict_badge(current.verdict)} by **{views.md_escape(who)}**, {stamp}"
            )
            if current.rationale:
                st.text(current.rationale)
            show_citations(current.citations)
        elif isinstance(current, Claim):
            stamp = views.when(current.updated_at or current.created_at)
            st.markdown(
                f"**Stored version {current.version}** ({stamp}): {views.type_badge(current.claim_type)} "
                f"at characters {current.start}-{current.end}"
            )
            st.text(current.text)


def show_citations(citations: Sequence[Citation]) -> None:
    """A read-only list of citations with their links."""
    for line in views.citation_lines(citations):
        st.markdown(line)


# -------------------------------------------------------------------------- reviewer gate


def reviewer_gate(prefix: str) -> Actor | None:
    """The acting user; in local mode without a name yet, ask it (once per session) and return
    None until it is given. Keys: ``{prefix}_name``, ``{prefix}_name_submit``."""
    who = state.actor()
    if who is not None:
        return who
    with st.form(f"{prefix}_name_form", border=True, width=520):
        st.markdown("#### Who is working here?")
        st.caption("Local mode: your name is stored with every review and change you save. "
                   "This browser keeps it across reloads until you change it in the sidebar.")
        name = st.text_input("Your name", key=f"{prefix}_name", max_chars=64, placeholder="e.g. Ann Smith")
        submitted = st.form_submit_button("Continue", type="primary", key=f"{prefix}_name_submit")
    if submitted:
        try:
            state.set_local_reviewer(name)
        except AnnotatorError as exc:
            st.error(str(exc))
            return None
        st.rerun()
    return None


# ------------------------------------------------------------------------------ claim card


def claim_card(document: Document, claim: Claim, *, status: str | None = None) -> None:
    """The claim inside its paragraph (escaped, the claim highlighted), with its document, type,
    score, status, rule id, context lead-in, cue words and parsed quantities."""
    st.markdown(views.claim_meta_markdown(document, claim, status))
    st.html(views.CARD_CSS + views.card_html(document, claim))


# ------------------------------------------------------------------------- session cookie

# Sets (or, given an empty value, deletes) the session cookie in the browser. The value arrives as
# data, never inside the script; it is the signed token of app.session_logic.
_COOKIE_JS = """
export default function ({ data }) {
  if (!data || typeof data.name !== "string" || !/^[A-Za-z0-9_.-]*$/.test(data.value)) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const age = data.value ? Math.floor(data.max_age) : 0;
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${age}; SameSite=Strict${secure}`;
}
"""
_cookie_writer = st.components.v2.component("claimcheck_session_cookie", js=_COOKIE_JS)


def session_cookie(name: str, value: str, max_age: float) -> None:
    """Have the browser keep the cookie ``name`` = ``value`` for ``max_age`` seconds, or delete it
    when ``value`` is empty. Streamlit reads cookies (``st.context.cookies``) but has no call to
    set one, so a small component sets it from the page. Key: ``shell_session_cookie``."""
    _cookie_writer(data={"name": name, "value": value, "max_age": max_age}, key="shell_session_cookie", height=0)
