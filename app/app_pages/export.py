"""Export: choose a format and filters, build the file in a temporary folder, download it."""

from __future__ import annotations

import streamlit as st

from annotations.errors import AnnotatorError
from annotations.vocab import CLAIM_TYPES, VERDICT_LABELS, VERDICTS
from app import export_logic as logic
from app import state
from app.exporting import FORMATS, format_names

st.title("Export")
store = state.store()
who = state.actor()
viewer = state.viewer(who) if who is not None else None  # None: local mode before a name is given
note = logic.scope_note(viewer)
if note:
    st.info(note, icon=":material/visibility_off:")

fmt = st.selectbox("Format", format_names(), format_func=lambda name: f"{name}: {FORMATS[name].description}",
                   key="export_format")
spec = FORMATS[fmt]

documents = {d.id: d.name for d in store.list_documents()}
left, right = st.columns(2)
with left:
    document_ids = st.multiselect("Documents (none: all)", list(documents), format_func=documents.__getitem__,
                                  key="export_documents")
    claim_types = st.multiselect("Claim types (none: all)", CLAIM_TYPES, key="export_claim_types")
    verdicts = st.multiselect("Verdicts (none: all)", VERDICTS, format_func=VERDICT_LABELS.__getitem__,
                              key="export_verdicts")
with right:
    reviewers = st.multiselect("Reviewers (none: all)", logic.reviewer_choices(store.reviewers(), viewer),
                               key="export_reviewers")
    dates = st.date_input("Reviewed between (optional)", value=(), key="export_dates")
    scope = st.radio("Claims", ("all reviews", "final verdicts only"), horizontal=True, key="export_scope",
                     help="Final verdicts: adjudicated, or agreed by enough reviewers.")
    include_unreviewed = st.checkbox("Include claims nobody has reviewed yet", key="export_include_unreviewed")

options = {}
for option in spec.options:
    key = f"export_option_{fmt}_{option.name}"
    label = f"{option.name}: {option.help}"
    if option.kind is bool:
        options[option.name] = st.checkbox(label, value=option.default, key=key)
    elif option.choices:
        options[option.name] = st.selectbox(label, option.choices, index=option.choices.index(option.default),
                                            key=key)
    elif option.kind is int:
        options[option.name] = st.number_input(label, min_value=1, value=option.default, step=1, key=key)
    else:
        options[option.name] = st.text_input(label, value=option.default, key=key)

# The download is offered only while the choices it was built from are still the ones shown.
choice = repr((fmt, document_ids, claim_types, verdicts, reviewers, dates, scope, include_unreviewed, options))
if st.button("Build export", type="primary", key="export_build"):
    try:
        flt = logic.export_filter(
            document_ids=document_ids, claim_types=claim_types, verdicts=verdicts, reviewers=reviewers,
            dates=dates, final_only=scope == "final verdicts only", include_unreviewed=include_unreviewed,
            viewer=viewer)
        st.session_state["export_result"] = (choice, logic.build_export(store, fmt, flt, options))
    except AnnotatorError as exc:
        st.session_state["export_result"] = None
        st.error(str(exc))

result = st.session_state.get("export_result")
if result and result[0] == choice:
    exported = result[1]
    st.success(exported.summary)
    for warning in exported.warnings:
        st.warning(warning, icon=":material/warning:")
    st.download_button(f"Download {exported.file_name}", exported.data, file_name=exported.file_name,
                       mime=exported.mime, key="export_download", on_click="ignore")
elif result:
    st.caption("The choices changed since the last export: build it again.")
