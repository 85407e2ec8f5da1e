"""Plain functions behind the team pages: sign-in, users & settings, adjudication, agreement and
export. No Streamlit here: a page reads its widgets, calls one of these and draws the result, and
the tests call them directly."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from annotations.agreement import AgreementReport, AgreementStats
from annotations.auth import Actor
from annotations.errors import NotFoundError, PermissionDeniedError, ValidationError
from annotations.export import ExportSummary
from annotations.records import Claim, User, Verdict, check_http_url
from annotations.storage import ClaimDetail, ExportFilter, Store
from annotations.vocab import VERDICT_LABELS
from app.exporting import FORMATS, export
from app.review_logic import md_escape, when
from app.views import citations_from_rows

# ------------------------------------------------------------------------------- accounts

LOCAL_MODE_NOTE = (
    "**Local mode** is on: one person works without accounts and may do everything, as an admin. "
    "Creating the first account turns sign-in on for everybody; that account must be an admin, so "
    "that someone can manage the others."
)


def mode_note(accounts_enabled: bool, who: Actor | None) -> str:
    """What the Users page says about how people sign in."""
    if not accounts_enabled:
        return LOCAL_MODE_NOTE
    if who is not None and who.can("manage"):
        return "**Sign-in is on.** You manage the accounts and the project settings below."
    return "**Sign-in is on.** Only an admin can change accounts and settings; this is a read-only view."


def user_rows(users: Iterable[User]) -> list[dict[str, Any]]:
    """The accounts table, without password hashes."""
    return [
        {"name": u.name, "role": u.role, "state": "active" if u.active else "disabled",
         "password": "yes" if u.password_hash else "no", "created": u.created_at.strftime("%Y-%m-%d")}
        for u in users
    ]


def add_account(store: Store, actor: Actor, name: str, role: str, password: str, no_password: bool) -> User:
    """Create an account. A password is required unless ``no_password`` is ticked."""
    if no_password:
        if password:
            raise ValidationError("either type a password or tick 'no password'; got both")
        return store.add_user(actor, name, role, None)
    if not password:
        raise ValidationError("a password is required (or tick 'no password' for a local account); got none")
    return store.add_user(actor, name, role, password)


def change_account(
    store: Store, actor: Actor, name: str, *, role: str, active: bool, new_password: str = "",
) -> tuple[User, list[str]]:
    """Apply the changes made to one account; returns the account and what changed."""
    old = store.get_user(name)
    changes: dict[str, Any] = {}
    if role != old.role:
        changes["role"] = role
    if active != old.active:
        changes["active"] = active
    if new_password:
        changes["password"] = new_password
    if not changes:
        return old, []
    return store.update_user(actor, name, **changes), sorted(changes)


def oidc_providers(auth: Mapping[str, Any] | None) -> list[str | None]:
    """The identity providers an ``[auth]`` secrets section configures for ``st.login``: ``None``
    for an unnamed provider (``client_id`` in ``[auth]`` itself), then each ``[auth.NAME]`` that
    has a ``client_id``. None at all without ``redirect_uri`` and ``cookie_secret``, which
    every provider needs."""
    if not auth or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return []
    found: list[str | None] = [None] if auth.get("client_id") else []
    found += [name for name, value in auth.items() if isinstance(value, Mapping) and value.get("client_id")]
    return found


def actor_from_identity(store: Store, identity: Mapping[str, Any]) -> Actor:
    """The account that an identity vouched for by the OIDC provider signs in as: the active
    account named by its e-mail address. The provider replaces the password, not the account:
    an admin still adds each person, with their role, and can disable them."""
    email = str(identity.get("email") or "").strip()
    if not email:
        raise PermissionDeniedError("the identity provider gave no e-mail address, so no account can be matched; "
                                    "ask it for the 'email' scope")
    if identity.get("email_verified") is False:
        raise PermissionDeniedError(f"the identity provider has not verified {email}; "
                                    "verify it there, then sign in again")
    for name in dict.fromkeys((email, email.lower())):
        try:
            user = store.get_user(name)
        except NotFoundError:
            continue
        if not user.active:
            raise PermissionDeniedError(f"the account {name} is disabled; an admin can enable it again")
        return Actor(name=user.name, role=user.role)
    raise PermissionDeniedError(
        f"{email} signed in with the identity provider, but there is no account with that name. "
        f"An admin adds it on the Users page or with: python -m app users add {email} --role reviewer --no-password")


def settings_changes(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, Any]:
    """The proposed settings that differ from the stored ones."""
    return {key: value for key, value in proposed.items() if str(current.get(key, "")) != str(value).strip()}


def save_settings(store: Store, actor: Actor, proposed: Mapping[str, Any]) -> list[str]:
    """Store the changed settings; returns the keys that changed. A bad link is refused before
    anything is stored, so a form saves all of its settings or none."""
    changed = settings_changes(store.settings(), proposed)
    if str(changed.get("organisation_url", "")).strip():
        check_http_url(str(changed["organisation_url"]))
    # Free text cannot be refused, so it goes last: a refused number leaves nothing stored.
    keys = sorted(changed, key=lambda key: key == "organisation")
    for key in keys:
        value = changed[key]
        store.set_setting(actor, key, value.strip() if isinstance(value, str) else value)
    return keys


# ---------------------------------------------------------------------------- adjudication

def adjudication_refusal(who: Actor | None) -> str | None:
    """Why ``who`` may not record final verdicts, or None when they may."""
    if who is None:
        return "Enter your name (local mode) or sign in to adjudicate."
    if who.can("adjudicate"):
        return None
    return (f"You are signed in as {who.name} with the role {who.role}. Recording final verdicts needs "
            "the role adjudicator or admin; an admin can change your role on the Users & settings page.")


def adjudication_queue(store: Store, *, include_settled: bool = False, keep: str | None = None) -> list[Claim]:
    """The claims whose reviews disagree, highest score first (with ``include_settled``, also those
    already settled). ``keep``, the claim on screen, stays listed first even when it left the list
    meanwhile (another adjudicator settled it), so the adjudicator sees what changed."""
    claims = store.disputed_claims(include_settled=include_settled)
    if keep and keep not in {c.id for c in claims}:
        claims.insert(0, store.get_claim(keep))
    return claims


def claim_label(claim: Claim, document_names: Mapping[str, str], width: int = 90) -> str:
    """How a claim reads in the adjudication list."""
    text = " ".join(claim.text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{text} — {document_names.get(claim.document_id, '?')} ({claim.claim_type})"


def final_summary(detail: ClaimDetail) -> str | None:
    """The claim's final verdict in words, or None while it has none."""
    if detail.verdict is not None:
        v = detail.verdict
        return (f"Settled: **{VERDICT_LABELS[v.verdict]}**, by {md_escape(v.adjudicator)} "
                f"(version {v.version}, {when(v.updated_at or v.created_at)})")
    if detail.final is not None:
        return f"Agreed by the reviewers: **{VERDICT_LABELS[detail.final.verdict]}**"
    return None


def record_verdict(
    store: Store, actor: Actor, claim_id: str, verdict: str | None, rationale: str,
    citation_rows: Iterable[Mapping[str, Any]], expected_version: int | None,
) -> Verdict:
    """Save the final verdict from the page's fields. ``expected_version`` is the version of the
    final verdict the adjudicator saw (None when there was none)."""
    if verdict not in VERDICT_LABELS:
        raise ValidationError(f"choose a final verdict among {', '.join(VERDICT_LABELS)}; got {verdict!r}")
    citations = citations_from_rows(citation_rows)
    return store.save_verdict(actor, claim_id, verdict, rationale.strip(), citations,
                              expected_version=expected_version)


# ------------------------------------------------------------------------------- agreement


def _fig(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str


def agreement_metrics(stats: AgreementStats) -> list[Metric]:
    """The headline figures of one set of ratings."""
    return [
        Metric("Percent agreement", _pct(stats.percent_agreement),
               f"share of the {stats.n_claims} claims with two or more reviews on which every reviewer agreed"),
        Metric("Fleiss' kappa", _fig(stats.fleiss_kappa),
               f"over n={stats.fleiss_claims} claims with m={stats.fleiss_raters} reviews each"),
        Metric("Krippendorff's alpha", _fig(stats.krippendorff_alpha),
               f"nominal, over n={stats.n_claims} claims with two or more reviews"),
        Metric("Ratings", str(stats.n_ratings), f"active reviews by {stats.n_reviewers} reviewers"),
    ]


def pair_rows(stats: AgreementStats) -> list[dict[str, Any]]:
    """Cohen's kappa of each reviewer pair, on the claims both reviewed."""
    return [{"reviewer A": p.a, "reviewer B": p.b, "n": p.n, "agreement": _pct(p.observed),
             "Cohen's kappa": _fig(p.cohen_kappa)} for p in stats.pairs]


def _scope_row(scope: str, stats: AgreementStats) -> dict[str, Any]:
    return {
        "scope": scope, "claims (n)": stats.n_claims, "agreement": _pct(stats.percent_agreement),
        "Fleiss' kappa": _fig(stats.fleiss_kappa),
        "Fleiss m, n": "n/a" if stats.fleiss_raters is None else f"m={stats.fleiss_raters}, n={stats.fleiss_claims}",
        "Krippendorff's alpha": _fig(stats.krippendorff_alpha),
    }


def scope_rows(report: AgreementReport) -> list[dict[str, Any]]:
    """One row for all verdicts, one for "is it a claim at all", one per claim type present."""
    rows = [_scope_row("all verdicts", report), _scope_row("is a claim (yes/no)", report.is_claim)]
    rows += [_scope_row(f"type: {name}", stats) for name, stats in report.by_type.items()]
    return rows


# ---------------------------------------------------------------------------------- export

MIME_TYPES = {
    "jsonl": "application/x-ndjson", "json": "application/json", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "parquet": "application/vnd.apache.parquet",
    "spacy": "application/octet-stream", "zip": "application/zip",
}


def date_bounds(dates: Sequence[date] | date | None) -> tuple[datetime | None, datetime | None]:
    """A date picker's value (nothing, one day, or a from/to pair) as a UTC datetime range that
    includes both days whole."""
    if dates is None:
        return None, None
    if isinstance(dates, date):
        dates = (dates,)
    if len(dates) == 0:
        return None, None
    first, last = dates[0], dates[-1]
    return datetime.combine(first, time.min, UTC), datetime.combine(last, time.max, UTC)


def export_filter(
    *, document_ids: Sequence[str] = (), claim_types: Sequence[str] = (), verdicts: Sequence[str] = (),
    reviewers: Sequence[str] = (), dates: Sequence[date] | date | None = None, final_only: bool = False,
    include_unreviewed: bool = False,
) -> ExportFilter:
    """The ExportFilter of the Export page's choices."""
    since, until = date_bounds(dates)
    return ExportFilter(
        document_ids=tuple(document_ids), claim_types=tuple(claim_types), verdicts=tuple(verdicts),
        reviewers=tuple(reviewers), since=since, until=until, final_only=final_only,
        reviewed_only=not include_unreviewed,
    )


@dataclass(frozen=True)
class ExportFile:
    """A finished export, ready for a download button."""

    file_name: str
    data: bytes
    mime: str
    summary: str


def build_export(
    store: Store, fmt: str, flt: ExportFilter, options: Mapping[str, Any], *, today: date | None = None,
) -> ExportFile:
    """Export into a temporary folder (never into the project) and read the result back; a
    folder format is zipped."""
    spec = FORMATS[fmt]
    stem = f"claimcheck-{spec.name}-{(today or datetime.now(UTC).date()).isoformat()}"
    with tempfile.TemporaryDirectory(prefix="claimcheck-export-") as tmp:
        out = Path(tmp) / f"{stem}{spec.extension}"
        summary = export(store, fmt, out, flt, **options)
        if spec.folder:
            archive = shutil.make_archive(str(Path(tmp) / stem), "zip", root_dir=tmp, base_dir=stem)
            data, name, kind = Path(archive).read_bytes(), f"{stem}.zip", "zip"
        else:
            data, name, kind = out.read_bytes(), out.name, spec.extension.lstrip(".")
    return ExportFile(name, data, MIME_TYPES.get(kind, "application/octet-stream"), export_summary_text(summary))


def export_summary_text(summary: ExportSummary) -> str:
    """What an export holds, in words."""
    text = (f"{summary.n_claims} claim(s) with {summary.n_reviews} review(s) from {summary.n_documents} "
            f"document(s)")
    if summary.n_left_out > 0:
        text += f"; {summary.n_records} written, {summary.n_left_out} left out by the {summary.format} format"
    return text + "."
