"""Sources: load articles (pasted text, uploaded files, or a folder on the server), extract their
candidate claims, list the stored documents, and (admins) delete one loaded by mistake.

Session keys: ``sources_outcome`` (the messages of the last load, shown until the next one),
``sources_delete_reset`` (clear the deletion form on the next run)."""

from __future__ import annotations

import streamlit as st

from annotations.auth import local_actor
from annotations.errors import AnnotatorError
from annotations.sources import SUPPORTED_SUFFIXES, LoadResult, load_pasted, load_uploads
from app import sources_logic as logic
from app import state
from app.views import md_escape
from app.workflow import ingest

ss = st.session_state
store = state.store()
config = state.config()

st.title("Sources")
st.caption(logic.intro(config.max_bytes))
state.show_flash()

who = state.actor() or local_actor("local")
if ss.pop("sources_delete_reset", False):
    ss["sources_delete_doc"] = None
    ss["sources_delete_name"] = ""


def _load(loaded: LoadResult) -> None:
    """Extract and store a batch; keep its messages for this run and the next ones."""
    with st.spinner("Extracting candidate claims…"):
        try:
            outcome = ingest(store, who, state.nlp(), loaded)
        except AnnotatorError as exc:
            ss["sources_outcome"] = [("error", md_escape(str(exc)))]
            return
    ss["sources_outcome"] = logic.ingest_messages(outcome)


server = who.can("load_server_files")  # admins only: a reviewer never reads the server's files
tabs = st.tabs(["Paste text", "Upload files", *(["Folder on the server"] if server else [])])
paste_tab, upload_tab = tabs[:2]
with paste_tab:
    text = st.text_area("Article text", key="sources_paste_text", height=220,
                        placeholder="Paste the article here: headings, paragraphs and lists are kept as they are.")
    name = st.text_input("Name (optional)", key="sources_paste_name",
                         placeholder="Defaults to the first line of the text")
    if st.button("Load pasted text", key="sources_paste_load", type="primary"):
        result = LoadResult()
        try:
            result.documents.append(load_pasted(text, name or None, max_bytes=config.max_bytes,
                                                added_by=who.name))
        except AnnotatorError as exc:
            ss["sources_outcome"] = [("error", md_escape(str(exc)))]
        else:
            _load(result)
with upload_tab:
    files = st.file_uploader("Files", accept_multiple_files=True, key="sources_upload",
                             help=f"{', '.join(SUPPORTED_SUFFIXES)}; other files are refused with a reason.")
    if st.button("Load uploaded files", key="sources_upload_load", type="primary", disabled=not files):
        _load(load_uploads(((f.name, f.getvalue()) for f in files or ()), max_bytes=config.max_bytes,
                           added_by=who.name))
if server:
    with tabs[2]:
        settings = store.settings()
        allowed = logic.server_folders(settings)
        st.caption("Files load from these folders only (an admin changes them with the setting "
                   f"`server_folders` on the Users & settings page): {', '.join(f'`{f}`' for f in allowed)}")
        folder = st.text_input("Folder path on the server", key="sources_folder",
                               placeholder=f"{allowed[-1]} (subfolders included; hidden files skipped)")
        if st.button("Load folder", key="sources_folder_load", type="primary", disabled=not folder.strip()):
            try:
                loaded = logic.load_server_folder(who, folder, settings, max_bytes=config.max_bytes)
            except AnnotatorError as exc:
                ss["sources_outcome"] = [("error", md_escape(str(exc)))]
            else:
                _load(loaded)

show = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
for kind, message in ss.get("sources_outcome") or ():
    show[kind](message)

st.subheader("Stored documents")
documents = store.list_documents()
if not documents:
    st.caption("Nothing stored yet.")
else:
    st.dataframe(
        logic.document_rows(documents), hide_index=True, width="stretch",
        column_config={
            "claims": st.column_config.NumberColumn("claims", help="Candidate claims, withdrawn ones not counted"),
            "reviewed": st.column_config.NumberColumn("reviewed", help="Claims with at least one review"),
            "url": st.column_config.LinkColumn("url"),
        },
    )
    st.page_link("app_pages/review.py", label="Review the claims", icon=":material/fact_check:")

if documents and who.can("delete_document"):
    with st.expander("Delete a document loaded by mistake"):
        by_id = {d.id: d for d in documents}
        chosen = st.selectbox("Document", list(by_id), format_func=lambda i: by_id[i].name, index=None,
                              key="sources_delete_doc", placeholder="Choose the document to delete")
        if chosen in by_id:
            st.warning(logic.deletion_warning(by_id[chosen]), icon=":material/delete:")
            typed = st.text_input("Document name, to confirm", key="sources_delete_name")
            if st.button("Delete this document", key="sources_delete_submit", type="primary",
                         disabled=typed.strip() != by_id[chosen].name):
                try:
                    deleted = logic.delete_confirmed(store, who, chosen, typed)
                except AnnotatorError as exc:
                    st.error(str(exc))
                else:
                    ss["sources_delete_reset"] = True
                    state.flash("success", logic.deleted_message(deleted))
                    st.rerun()
