"""Review: one claim at a time, inside its paragraph; the reviewer gives a verdict, a rationale and
citations. Saving moves to the next unreviewed claim by score.

Session keys (besides the shared "review_claim_id"): ``review_form_for`` (the claim the form was
filled for), ``review_base_version`` (the version of the reviewer's own review the form started
from), ``review_span_version``, ``review_stale`` / ``review_span_stale`` (a StaleEditError to show),
``review_add_reset`` (clear the add-claim form), ``review_withdraw_asked`` (the claim whose review
the reviewer asked to withdraw, until they confirm or cancel)."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError, StaleEditError
from annotations.records import Claim, Review
from annotations.storage import ClaimDetail, ClaimFilter
from annotations.vocab import CLAIM_STATUSES, CLAIM_TYPES, VERDICT_LABELS, VERDICTS
from app import review_logic as logic
from app import session_logic, state
from app.views import md_escape, preview_html, verdict_badge, when
from app.widgets import (
    citations_editor,
    claim_card,
    reviewer_gate,
    set_citations,
    show_citations,
    stale_notice,
)
from app.workflow import add_claim_by_text, occurrence_contexts

ss = st.session_state
store = state.store()

st.title("Review claims", anchor=False)
state.show_flash()

who = reviewer_gate("review")
if who is None:
    st.stop()

documents = store.list_documents()
if not documents:
    st.info("No documents yet. Load articles on the Sources page (paste text, upload or pick a folder); "
            "their candidate claims then queue up here.")
    st.page_link("app_pages/sources.py", label="Go to Sources", icon=":material/description:")
    st.stop()
doc_names = {d.id: d.name for d in documents}
if not ss.get("review_link_read"):  # a reload, a new tab or a link: the claim and filters in the URL
    ss["review_link_read"] = True
    ss.update(session_logic.review_state_from_query({k: st.query_params.get_all(k) for k in st.query_params},
                                                    doc_names))


# ------------------------------------------------------------------------------------ filters


viewer = state.viewer(who)


def _filter() -> ClaimFilter:
    return ClaimFilter(
        document_ids=tuple(ss.get("review_filter_docs", ())),
        claim_types=tuple(ss.get("review_filter_types", ())),
        statuses=tuple(ss.get("review_filter_statuses", ())),
        viewer=viewer,
    )


def _restart_queue() -> None:
    ss["review_claim_id"] = None


def _step(step: int) -> None:
    current = ss.get("review_claim_id")
    if not current:
        return
    try:
        found = store.neighbour_claim(current, step, _filter())
    except AnnotatorError as exc:
        state.flash("error", str(exc))
        return
    if found is None:
        state.flash("info", f"No {'earlier' if step < 0 else 'later'} claim matches the filters.")
    else:
        ss["review_claim_id"] = found.id


with st.sidebar:
    st.subheader("Queue filters")
    st.multiselect("Document", list(doc_names), format_func=doc_names.__getitem__, key="review_filter_docs",
                   on_change=_restart_queue, placeholder="All documents")
    st.multiselect("Claim type", CLAIM_TYPES, key="review_filter_types", on_change=_restart_queue,
                   placeholder="All types")
    st.multiselect("Status", CLAIM_STATUSES, format_func=lambda s: s.replace("_", " "),
                   key="review_filter_statuses", on_change=_restart_queue, placeholder="Any status",
                   help="Blind review is on: a status matches only claims you have reviewed." if viewer.blind else None)

flt = _filter()

# ----------------------------------------------------------------------------- progress, pick

mine = store.progress(flt, reviewer=who.name)
overall = store.progress(flt)
queue_done = mine.done >= mine.total
st.progress(mine.fraction, text=f"You reviewed **{mine.done}** of **{mine.total}** claims"
                                f"{' matching the filters' if flt.narrows else ''} · overall "
                                f"{overall.done} of {overall.total} have all the reviews they need")

if queue_done and mine.total:
    st.success("All claims reviewed: nothing waits for you under these filters. You can still browse "
               "with Previous / Next and the filters, and change your reviews.", icon=":material/task_alt:")

claim_id = logic.pick_claim(store, who.name, flt, ss.get("review_claim_id"))
if claim_id is None:
    st.info("No claim matches these filters.")
    st.stop()
try:
    detail: ClaimDetail = store.claim_detail(claim_id)
except AnnotatorError as exc:  # the claim vanished (another database, an import): start over
    ss["review_claim_id"] = None
    st.error(str(exc))
    st.stop()
ss["review_claim_id"] = detail.claim.id
link = session_logic.review_query(detail.claim.id, flt)
if link != {k: st.query_params.get_all(k) for k in st.query_params}:
    st.query_params.from_dict(link)
claim, document = detail.claim, detail.document
own = logic.own_review(detail.reviews, who.name)

# -------------------------------------------------------------------------- form (re)loading


def _load_review_form(review: Review | None) -> None:
    ss["review_verdict"] = review.verdict if review else None
    ss["review_rationale"] = review.rationale if review else ""
    set_citations("review_cite", review.citations if review else ())
    ss["review_base_version"] = review.version if review else None
    ss.pop("review_stale", None)
    ss.pop("review_withdraw_asked", None)


def _load_span_form(current: Claim) -> None:
    ss["review_span_text"] = current.text
    ss["review_span_start"] = current.start
    ss["review_span_end"] = current.end
    ss["review_span_type"] = current.claim_type
    ss["review_span_version"] = current.version
    ss.pop("review_span_stale", None)


def _ask_withdraw(claim_id: str | None) -> None:
    """Ask to confirm withdrawing the review of ``claim_id`` (None: the question is gone)."""
    ss["review_withdraw_asked"] = claim_id


if ss.get("review_form_for") != claim.id or "review_rationale" not in ss:
    _load_review_form(own)
    _load_span_form(claim)
    ss["review_add_doc"] = document.id
    ss["review_form_for"] = claim.id
if ss.pop("review_add_reset", False):
    ss["review_add_text"] = ""

# -------------------------------------------------------------------------------- the claim

left, right = st.columns([10, 9], gap="large")

with left:
    with st.container(horizontal=True, key="review_nav"):
        st.button("Previous", icon=":material/arrow_back:", key="review_prev", on_click=_step, args=(-1,))
        st.button("Next", icon=":material/arrow_forward:", key="review_next", on_click=_step, args=(1,))
        st.button("Next unreviewed", icon=":material/skip_next:", key="review_queue", on_click=_restart_queue,
                  disabled=queue_done, help="The highest-scoring claim still waiting for your review")
    blind = viewer.hides(detail.reviews)
    claim_card(document, claim, status=None if blind else detail.status)
    if blind:
        st.caption("Blind review: the other reviews of this claim, its final verdict and their history "
                   "show once you have saved your own review.", help="An admin can turn this off on the "
                   "Users & settings page.")
        others = []
    else:
        st.markdown(f"**Final verdict:** {logic.final_text(detail.final)}")
        others = logic.other_reviews(detail.reviews, who.name)
    if others:
        with st.expander(f"Other reviews ({len(others)})"):
            for review in others:
                st.markdown(f"{verdict_badge(review.verdict)} by **{md_escape(review.reviewer)}**, "
                            f"{when(review.updated_at or review.created_at)}")
                if review.rationale:
                    st.text(review.rationale)
                show_citations(review.citations)
    history = viewer.history(detail.history, hidden=True) if blind else detail.history
    with st.expander(f"History ({len(history)})"):
        # A table wraps each change in full; a dataframe's cells cut long ones off.
        st.table(logic.history_table(history), hide_index=True, border="horizontal")

    with st.expander("Adjust this claim's span or type"):
        st.caption("Give the exact text of the claim as it appears near here, or set start/end offsets. "
                   "The preview shows what will be marked.")
        text_tab, offsets_tab = st.tabs(["Exact text", "Offsets"])
        with text_tab:
            new_text = st.text_area("Claim text", key="review_span_text", height=80)
            try:
                text_span = logic.span_from_text(document.text, claim.start, new_text)
            except AnnotatorError as exc:
                st.caption(f":red[{md_escape(str(exc))}]")
                text_span = None
            else:
                st.html(preview_html(document.text, *text_span))
            save_text = st.button("Save span from text", key="review_span_save_text",
                                  disabled=not logic.span_changed(claim, text_span))
        with offsets_tab:
            start_col, end_col = st.columns(2)
            new_start = start_col.number_input("Start", min_value=0, max_value=len(document.text) - 1, step=1,
                                               key="review_span_start")
            new_end = end_col.number_input("End", min_value=1, max_value=len(document.text), step=1,
                                           key="review_span_end")
            try:
                offsets_span = logic.span_from_offsets(document, int(new_start), int(new_end))
            except AnnotatorError as exc:
                st.caption(f":red[{md_escape(str(exc))}]")
                offsets_span = None
            else:
                st.html(preview_html(document.text, *offsets_span))
            save_offsets = st.button("Save offsets", key="review_span_save_offsets",
                                     disabled=not logic.span_changed(claim, offsets_span))
        new_type = st.selectbox("Claim type", CLAIM_TYPES, key="review_span_type")
        save_type = st.button("Save type only", key="review_span_save_type", disabled=new_type == claim.claim_type)
        if ss.get("review_span_stale") is not None:
            stale_notice(ss["review_span_stale"])
            st.button("Load the stored claim", key="review_span_stale_load", on_click=_load_span_form,
                      args=(ss["review_span_stale"].current,))
        button = "text" if save_text else "offsets" if save_offsets else "type" if save_type else None
        if button is not None:
            try:
                updated = logic.save_claim_edit(store, who, claim.id, ss["review_span_version"], button,
                                                text_span, offsets_span, new_type, nlp=state.nlp())
            except StaleEditError as exc:
                ss["review_span_stale"] = exc
                st.rerun()
            except AnnotatorError as exc:
                st.error(str(exc))
            else:
                ss["review_form_for"] = None
                state.flash("success", f"Claim updated: characters {updated.start}-{updated.end}, "
                                       f"type {updated.claim_type} (version {updated.version}).")
                st.rerun()

    with st.expander("Add a claim the pipeline missed"):
        add_doc = st.selectbox("Document", list(doc_names), format_func=doc_names.__getitem__,
                               key="review_add_doc")
        add_text = st.text_area("Exact text of the claim", key="review_add_text", height=80,
                                help="Copy it from the source: it must occur in the document as typed.")
        add_type = st.selectbox("Claim type", CLAIM_TYPES, key="review_add_type")
        occurrence = 0
        snippets: list[str] = []
        if add_text.strip():
            source = document if add_doc == document.id else store.get_document(add_doc)
            snippets = occurrence_contexts(source, add_text)
            if not snippets:
                st.caption(":red[This text does not occur in the document; copy it exactly.]")
            elif len(snippets) > 1:
                if ss.get("review_add_occurrence", 0) >= len(snippets):
                    ss["review_add_occurrence"] = 0
                occurrence = st.radio(
                    f"The text occurs {len(snippets)} times: which one?", range(len(snippets)),
                    format_func=lambda i: md_escape(snippets[i]), key="review_add_occurrence",
                )
            else:
                st.caption(f"Found once: {md_escape(snippets[0])}")
        if st.button("Add claim", key="review_add_submit", disabled=not snippets):
            try:
                added = add_claim_by_text(store, who, add_doc, add_text, occurrence=occurrence or 0,
                                          claim_type=add_type, nlp=state.nlp())
            except AnnotatorError as exc:
                st.error(str(exc))
            else:
                ss["review_claim_id"] = added.id
                ss["review_add_reset"] = True
                state.flash("success", f"Added the claim “{md_escape(added.text)}” at characters "
                                       f"{added.start}-{added.end}; it is shown now.")
                st.rerun()

# ---------------------------------------------------------------------------------- the form

with right, st.container(border=True, key="review_form"):
    st.markdown("#### Your review")
    if own is not None:
        st.caption(f"You reviewed this claim {when(own.updated_at or own.created_at)} "
                   f"(version {own.version}{', withdrawn' if own.withdrawn else ''}); saving updates it.")
    verdict = st.radio("Verdict", VERDICTS, format_func=VERDICT_LABELS.__getitem__, horizontal=True,
                       key="review_verdict")
    rationale = st.text_area("Rationale", key="review_rationale", height=110,
                             placeholder="Why this verdict: what the evidence says, what the claim overstates…")
    rows = citations_editor("review_cite")
    stale = ss.get("review_stale")
    overwrite = False
    if stale is not None:
        stale_notice(stale)
        keep_col, load_col = st.columns(2)
        overwrite = keep_col.button("Save mine over it", key="review_stale_overwrite", type="primary")
        load_col.button("Discard mine, load it", key="review_stale_load", on_click=_load_review_form,
                        args=(stale.current,))
    saved = st.button("Save review", key="review_save", type="primary", icon=":material/save:", width="stretch")
    if saved or overwrite:
        base = logic.version_to_save_over(ss.get("review_base_version"), stale, overwrite)
        try:
            review = logic.save_review_form(store, who, claim.id, verdict, rationale or "", rows, base)
        except StaleEditError as exc:
            ss["review_stale"] = exc
            st.rerun()
        except AnnotatorError as exc:
            st.error(str(exc))
        else:
            ss["review_claim_id"] = logic.next_after_save(store, who.name, flt, claim.id)
            ss["review_form_for"] = None
            moved = ss["review_claim_id"] != claim.id
            state.flash("success", f"Saved your review of “{md_escape(claim.text[:80])}” as "
                                   f"{VERDICT_LABELS[review.verdict]} with {len(review.citations)} citation(s)."
                                   + (" Here is the next claim." if moved else ""))
            st.rerun()

    if logic.can_withdraw(own, ss.get("review_base_version")):
        if ss.get("review_withdraw_asked") != claim.id:
            st.button("Withdraw my review", key="review_withdraw", icon=":material/undo:", on_click=_ask_withdraw,
                      args=(claim.id,), help="It stops counting; the history keeps it, and saving restores it")
        else:
            st.warning("Withdraw your review of this claim? It no longer counts towards the claim's status, "
                       "agreement or final verdict. It is not deleted: the history keeps it, and saving a "
                       "review of this claim again restores it.", icon=":material/undo:")
            yes_col, no_col = st.columns(2)
            confirm = yes_col.button("Yes, withdraw it", key="review_withdraw_confirm", type="primary")
            no_col.button("Keep it", key="review_withdraw_cancel", on_click=_ask_withdraw, args=(None,))
            if confirm:
                try:
                    logic.withdraw_own_review(store, who, claim.id, ss.get("review_base_version"))
                except StaleEditError as exc:
                    ss["review_stale"] = exc
                    _ask_withdraw(None)
                    st.rerun()
                except AnnotatorError as exc:
                    st.error(str(exc))
                else:
                    ss["review_form_for"] = None
                    state.flash("success", f"Withdrew your review of “{md_escape(claim.text[:80])}”. The history "
                                           "keeps it; saving a review of this claim again restores it.")
                    st.rerun()
