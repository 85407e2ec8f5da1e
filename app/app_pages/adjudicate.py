"""Adjudicate: claims whose reviews disagree, their reviews side by side, and the final verdict."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError, StaleEditError
from annotations.vocab import VERDICT_LABELS, VERDICTS
from app import state, team_logic
from app.review_logic import md_escape, verdict_badge, when
from app.widgets import citations_editor, claim_card, reviewer_gate, show_citations, stale_notice

st.title("Adjudicate")
state.show_flash()
store = state.store()
who = reviewer_gate("adjudicate")
if who is None:
    st.stop()

refusal = team_logic.adjudication_refusal(who)
if refusal:
    st.warning(refusal)
    st.caption(f"{len(store.disputed_claims())} claim(s) are waiting for a final verdict.")
    st.stop()

include_settled = st.toggle("Also show settled claims", key="adjudicate_include_settled")
# The claim on screen stays listed until this adjudicator saved it, even if someone else settled it.
on_screen = st.session_state.get("adjudicate_claim")
claims = team_logic.adjudication_queue(
    store, include_settled=include_settled,
    keep=on_screen if on_screen != st.session_state.get("adjudicate_done") else None)
if not claims:
    st.info("No claim has reviews that disagree." if not include_settled
            else "No claim has reviews that disagree, settled or not.")
    st.stop()

names = {d.id: d.name for d in store.list_documents()}
labels = {c.id: team_logic.claim_label(c, names) for c in claims}
claim_id = st.selectbox(f"Claims to adjudicate ({len(claims)})", list(labels), format_func=labels.__getitem__,
                        key="adjudicate_claim")
detail = store.claim_detail(claim_id)

claim_card(detail.document, detail.claim, status=detail.status)

reviews = [r for r in detail.reviews if not r.withdrawn]
for column, review in zip(st.columns(max(1, len(reviews))), reviews, strict=False):
    with column, st.container(border=True):
        st.markdown(f"**{md_escape(review.reviewer)}**: {verdict_badge(review.verdict)}")
        st.caption(when(review.updated_at or review.created_at))
        if review.rationale.strip():
            st.text(review.rationale)
        else:
            st.caption("No rationale given.")
        show_citations(review.citations)

summary = team_logic.final_summary(detail)
if summary:
    st.success(summary)

# The version of the final verdict this adjudicator saw: a save based on an older one is refused.
seen = st.session_state.get("adjudicate_seen")
if seen is None or seen[0] != claim_id or "adjudicate_verdict" not in st.session_state:
    current = detail.verdict
    seen = (claim_id, current.version if current else None)
    st.session_state["adjudicate_seen"] = seen
    st.session_state["adjudicate_verdict"] = current.verdict if current else None  # no default: choose
    st.session_state["adjudicate_rationale"] = current.rationale if current else ""

verdict = st.radio("Final verdict", VERDICTS, format_func=VERDICT_LABELS.__getitem__, horizontal=True,
                   key="adjudicate_verdict")
rationale = st.text_area("Rationale of the final verdict", key="adjudicate_rationale")
st.markdown("**Citations of the final verdict**")
rows = citations_editor(f"adjudicate_citations_{claim_id}", detail.verdict.citations if detail.verdict else ())
save = st.button("Record final verdict", type="primary", key="adjudicate_save")

if save:
    try:
        saved = team_logic.record_verdict(store, who, claim_id, verdict, rationale, rows, expected_version=seen[1])
    except StaleEditError as exc:
        stale_notice(exc)
        st.session_state["adjudicate_seen"] = (claim_id, exc.current.version if exc.current else None)
    except AnnotatorError as exc:
        st.error(str(exc))
    else:
        st.session_state["adjudicate_seen"] = (claim_id, saved.version)
        st.session_state["adjudicate_done"] = claim_id
        state.flash("success", f"Final verdict recorded: {VERDICT_LABELS[saved.verdict]} for "
                               f"“{md_escape(detail.claim.text)}”. The claim is settled.")
        st.rerun()
