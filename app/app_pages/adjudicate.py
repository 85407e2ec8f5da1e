"""Adjudicate: claims whose reviews disagree, their reviews side by side, and the final verdict.

Session keys: ``adjudicate_seen`` (the claim on screen and the version of its final verdict the
adjudicator saw), ``adjudicate_done`` (the claim this adjudicator settled last)."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError, StaleEditError
from annotations.storage import ClaimFilter
from annotations.vocab import VERDICT_LABELS, VERDICTS
from app import adjudicate_logic as logic
from app import state
from app.views import md_escape, verdict_badge, when
from app.widgets import citations_editor, claim_card, reviewer_gate, show_citations, stale_notice

ss = st.session_state
st.title("Adjudicate")
state.show_flash()
store = state.store()
who = reviewer_gate("adjudicate")
if who is None:
    st.stop()

refusal = logic.adjudication_refusal(who)
if refusal:
    st.warning(refusal)
    waiting = store.disputed_claims(ClaimFilter(viewer=state.viewer(who)))
    st.caption(f"{len(waiting)} claim(s) you can see are waiting for a final verdict.")
    st.stop()

include_settled = st.toggle("Also show settled claims", key="adjudicate_include_settled")
claims = logic.adjudication_queue(store, include_settled=include_settled, on_screen=ss.get("adjudicate_claim"),
                                  settled_here=ss.get("adjudicate_done"))
if not claims:
    st.info("No claim has reviews that disagree." if not include_settled
            else "No claim has reviews that disagree, settled or not.")
    st.stop()

names = {d.id: d.name for d in store.list_documents()}
labels = {c.id: logic.claim_label(c, names) for c in claims}
claim_id = st.selectbox(f"Claims to adjudicate ({len(claims)})", list(labels), format_func=labels.__getitem__,
                        key="adjudicate_claim")
detail = store.claim_detail(claim_id)

claim_card(detail.document, detail.claim, status=detail.status)

reviews = logic.reviews_side_by_side(detail)
for column, review in zip(st.columns(max(1, len(reviews))), reviews, strict=False):
    with column, st.container(border=True):
        st.markdown(f"**{md_escape(review.reviewer)}**: {verdict_badge(review.verdict)}")
        st.caption(when(review.updated_at or review.created_at))
        if review.rationale.strip():
            st.text(review.rationale)
        else:
            st.caption("No rationale given.")
        show_citations(review.citations)

summary = logic.final_summary(detail)
if summary:
    st.success(summary)

seen = ss.get("adjudicate_seen")
if seen is None or seen[0] != claim_id or "adjudicate_verdict" not in ss:
    form = logic.verdict_form(detail.verdict)
    seen = (claim_id, form.version)
    ss["adjudicate_seen"] = seen
    ss["adjudicate_verdict"] = form.verdict
    ss["adjudicate_rationale"] = form.rationale

verdict = st.radio("Final verdict", VERDICTS, format_func=VERDICT_LABELS.__getitem__, horizontal=True,
                   key="adjudicate_verdict")
rationale = st.text_area("Rationale of the final verdict", key="adjudicate_rationale")
st.markdown("**Citations of the final verdict**")
rows = citations_editor(f"adjudicate_citations_{claim_id}", detail.verdict.citations if detail.verdict else ())
save = st.button("Record final verdict", type="primary", key="adjudicate_save")

if save:
    try:
        saved = logic.record_verdict(store, who, claim_id, verdict, rationale, rows, expected_version=seen[1])
    except StaleEditError as exc:
        stale_notice(exc)
        ss["adjudicate_seen"] = (claim_id, logic.version_seen_after(exc))
    except AnnotatorError as exc:
        st.error(str(exc))
    else:
        ss["adjudicate_seen"] = (claim_id, logic.version_seen_after(saved))
        ss["adjudicate_done"] = claim_id
        state.flash("success", f"Final verdict recorded: {VERDICT_LABELS[saved.verdict]} for "
                               f"“{md_escape(detail.claim.text)}”. The claim is settled.")
        st.rerun()
