"""Plain functions behind the Sources page: what the page says about the size limit, the messages
of one load, the table of stored documents, and deleting a document loaded by mistake. No
Streamlit here, so tests call these directly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotations.auth import Actor
from annotations.errors import ValidationError
from annotations.sources import SUPPORTED_SUFFIXES, LoadResult, human_size, load_paths
from annotations.storage import DeletedDocument, DocumentSummary, Store
from app.config import DEMO_CORPUS
from app.views import md_escape, when

if TYPE_CHECKING:  # app.workflow loads the spaCy side; these helpers do not need it
    from app.workflow import IngestOutcome


def intro(max_bytes: int) -> str:
    """The caption under the page title: the file types, the size limit and how to change it."""
    return (f"Load health and cosmetics articles as plain text, Markdown or HTML "
            f"({', '.join(SUPPORTED_SUFFIXES)}). Each file may hold up to **{human_size(max_bytes)}** "
            f"(set `CLAIMCHECK_MAX_BYTES` to change it). Candidate claims are extracted as soon as a text loads; "
            f"a text already stored is not stored twice.")


def server_folders(settings: Mapping[str, Any]) -> list[Path]:
    """The folders on the server that files may be loaded from: the bundled demo corpus, and those
    of the ``server_folders`` setting."""
    return [DEMO_CORPUS, *(Path(folder) for folder in settings.get("server_folders") or ())]


def load_server_folder(actor: Actor, path: str, settings: Mapping[str, Any], *, max_bytes: int) -> LoadResult:
    """Load a file or folder on the server for ``actor``: admins only, and only inside
    ``server_folders`` (symbolic links and ``..`` resolved before the check). Reviewers upload or
    paste their files instead; the command line reads with the rights of whoever runs it."""
    actor.require("load_server_files")
    return load_paths([path.strip()], roots=server_folders(settings), max_bytes=max_bytes, added_by=actor.name)


def ingest_messages(outcome: IngestOutcome) -> list[tuple[str, str]]:
    """(kind, Markdown) messages of one load: each document added with its claim count, each
    one already stored, each refused file with its reason, each file not decoded as UTF-8; when
    the load held nothing at all, a message that says so."""
    messages: list[tuple[str, str]] = []
    for doc, n_claims in outcome.added:
        messages.append(("success", f"Added **{md_escape(doc.name)}** with {n_claims} candidate claim(s)."))
        if doc.encoding != "utf-8":
            messages.append(("warning", f"**{md_escape(doc.name)}** is not UTF-8: decoded as {doc.encoding}. "
                                        "Check that accented letters and quotes look right."))
    for doc in outcome.duplicates:
        messages.append(("info", f"**{md_escape(doc.name)}** is already stored (added {when(doc.added_at)} by "
                                 f"{md_escape(doc.added_by)}); no duplicate was created."))
    for err in outcome.refused:
        messages.append(("error", f"Refused **{md_escape(err.name)}**: {md_escape(err.reason)}"))
    return messages or [("info", "Nothing to load.")]


def document_rows(documents: Iterable[DocumentSummary]) -> list[dict[str, Any]]:
    """Rows of the stored-documents table."""
    return [
        {"name": d.name, "origin": d.origin, "added": when(d.added_at), "added by": d.added_by,
         "claims": d.n_claims, "reviewed": d.n_reviewed, "encoding": d.encoding, "url": d.url or ""}
        for d in documents
    ]


# ----------------------------------------------------------------------------- deleting


def deletion_warning(document: DocumentSummary) -> str:
    """What deleting ``document`` removes, said before the admin confirms (Markdown)."""
    return (f"Delete **{md_escape(document.name)}** (added {when(document.added_at)} by "
            f"{md_escape(document.added_by)}) with its {document.n_claims} claim(s), {document.n_reviewed} of them "
            "reviewed, and every review and final verdict of them? They leave the queues, lists and exports. "
            "The history keeps a copy of everything removed. Type the document's name to confirm.")


def delete_confirmed(store: Store, actor: Actor, document_id: str, typed_name: str) -> DeletedDocument:
    """Delete a document once the admin typed its name (``Store.delete_document``); a name that is
    not the document's refuses the deletion, and nothing is removed."""
    name = store.get_document(document_id).name
    if typed_name.strip() != name:
        raise ValidationError(f"to delete the document, type its name {name!r} exactly; got {typed_name.strip()!r}")
    return store.delete_document(actor, document_id)


def deleted_message(deleted: DeletedDocument) -> str:
    """What a deletion removed (Markdown)."""
    return (f"Deleted **{md_escape(deleted.document.name)}** with {deleted.claims} claim(s), {deleted.reviews} "
            f"review(s) and {deleted.verdicts} final verdict(s). The history keeps a copy.")
