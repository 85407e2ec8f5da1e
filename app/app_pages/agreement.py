"""Agreement: how often reviewers agree, overall, per claim type and on "is it a claim at all"."""

from __future__ import annotations

import streamlit as st

from app import agreement_logic as logic
from app import state, workflow

st.title("Agreement")
store = state.store()
who = state.actor()
viewer = state.viewer(who) if who is not None else None
report = workflow.agreement(store, viewer)
if viewer is not None and viewer.blind:
    st.caption("Blind review is on: these figures cover the claims you have reviewed.")

if report.n_claims == 0:
    st.info(f"No claim has two reviews yet ({report.n_ratings} review(s) so far), so there is no agreement to "
            "measure. Set *reviews per claim* to 2 on the Users & settings page and let two reviewers review "
            "the same claims.")
    st.stop()

st.caption(f"{report.n_ratings} active reviews by {report.n_reviewers} reviewers; {report.n_claims} claims "
           "have two or more reviews. n/a: undefined, because every review gave the same single answer.")
if logic.few_claims_caveat(report.n_claims):
    st.warning(f"These figures are {logic.few_claims_caveat(report.n_claims)}.", icon=":material/info:")
for column, metric in zip(st.columns(4), logic.agreement_metrics(report), strict=True):
    column.metric(metric.label, metric.value, help=metric.help)

st.subheader("Reviewer pairs (Cohen's kappa on the claims both reviewed)")
st.dataframe(logic.pair_rows(report), hide_index=True, key="agreement_pairs")

st.subheader("By scope")
st.dataframe(logic.scope_rows(report), hide_index=True, key="agreement_scopes")

st.subheader("Is it a claim at all?")
st.caption('Each review counts as "a claim" unless its verdict is *Not a claim*.')
for column, metric in zip(st.columns(4), logic.agreement_metrics(report.is_claim), strict=True):
    column.metric(metric.label, metric.value, help=metric.help)
st.dataframe(logic.pair_rows(report.is_claim), hide_index=True, key="agreement_is_claim_pairs")
