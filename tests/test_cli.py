"""The command line, ``python -m app``: driven through ``app.cli.main`` (and once as a real process).

Export and import have their own tests (tests of the export helper)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonl_export import claim_rows

from annotations.auth import Actor
from annotations.records import Document, claim_from_span
from annotations.storage import Store
from app import cli

ROOT = Path(__file__).resolve().parents[1]

ARTICLE = (
    "Green tea and your heart\n\n"
    "Drinking three cups of green tea a day reduces the risk of heart disease by 20%.\n\n"
    "Some people take 500 mg of vitamin C daily, and high doses may cause kidney stones."
)
SERUM = (
    "Retinol serum\n\n"
    "Applying retinol every night clears acne in two weeks. "
    "Do not use retinol during pregnancy."
)
CLAIM_TEXTS = ("reduces the risk of heart disease by 20%", "high doses may cause kidney stones")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``python -m app ARGV`` in this process: (exit status, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]




@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    """A fresh SQLite URL for --db; $CLAIMCHECK_DB points elsewhere, so a missed --db shows."""
    monkeypatch.setenv("CLAIMCHECK_DB", f"sqlite:///{tmp_path / 'not-this-one.db'}")
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def claim_ids(db) -> list[str]:
    """A stored document with two hand-made claims (no extractor involved)."""
    doc = Document(name="green-tea.txt", text=ARTICLE)
    claims = [claim_from_span(doc, ARTICLE.index(t), ARTICLE.index(t) + len(t), claim_type=k)
              for t, k in zip(CLAIM_TEXTS, ("efficacy", "risk"), strict=True)]
    with Store.open(db) as store:
        store.add_document(Actor("loader", "admin"), doc, claims)
    return [c.id for c in claims]


def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


# ---------------------------------------------------------------------------------- help

COMMANDS = [
    ["serve"], ["extract"], ["ingest"], ["claims"], ["review"], ["withdraw"], ["withdraw-claim"],
    ["delete-document"], ["export"],
    ["import"], ["evaluate"],
    ["agreement"], ["users"], ["users", "add"], ["users", "set"], ["users", "list"], ["settings"],
    ["settings", "show"], ["settings", "set"], ["db"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_of_each_command(capsys, command):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert out.startswith(f"usage: python -m app {' '.join(command)}")


def test_every_command_has_help_listed():
    parser = cli.build_parser()
    listed = parser.format_help()
    for command in {c[0] for c in COMMANDS} | {"bench"}:
        assert f"    {command}" in listed


def test_python_m_app_help_as_a_process():
    result = subprocess.run([sys.executable, "-m", "app", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m app")
    assert "agreement" in result.stdout and "review" in result.stdout


# --------------------------------------------------------------------------- extract, ingest


def test_extract_prints_candidates_whose_text_is_the_source_span(capsys, tmp_path, load_nlp_once):
    sources = {"green-tea": ARTICLE, "serum": SERUM}  # "doc" names a file without its extension
    for name, text in sources.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(tmp_path / "green-tea.txt"), str(tmp_path / "serum.txt"))
    assert code == 0
    rows = jsonl(out)
    assert {row["doc"] for row in rows} == set(sources)
    for row in rows:
        assert {"doc", "start", "end", "text", "claim_type", "score"} <= set(row)
        assert row["text"] == sources[row["doc"]][row["start"]:row["end"]]
        assert 0.0 <= row["score"] <= 1.0
    texts = " | ".join(row["text"] for row in rows)
    assert "heart disease by 20%" in texts
    assert "clears acne in two weeks" in texts


def test_extract_refuses_a_missing_file(capsys, tmp_path, load_nlp_once):
    code, out, err = run(capsys, "extract", str(tmp_path / "nowhere.txt"))
    assert code == 1
    assert out == ""
    assert "nowhere.txt" in err


def test_ingest_then_claims_lists_ids(capsys, tmp_path, db, load_nlp_once):
    source = tmp_path / "green-tea.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(source), "--db", db)
    assert code == 0
    assert out.startswith("added green-tea: ")
    code, out, _ = run(capsys, "claims", "--db", db)
    rows = jsonl(out)
    assert code == 0 and rows
    with Store.open(db) as store:
        for row in rows:
            claim = store.get_claim(row["id"])
            assert (row["doc"], row["text"]) == ("green-tea", ARTICLE[claim.start:claim.end])
            assert row == {"id": claim.id, "doc": "green-tea", **claim.to_dict()}
    code, out, err = run(capsys, "ingest", str(source), "--db", db)
    assert (code, out) == (0, "already stored: green-tea\n")


# ------------------------------------------------------------------------ --document NAME


@pytest.fixture
def two_documents(db, claim_ids) -> dict[str, str]:
    """A second stored document beside the first: document name -> id."""
    doc = Document(name="retinol-serum", text=SERUM)
    start = SERUM.index("Applying retinol")
    with Store.open(db) as store:
        store.add_document(Actor("loader", "admin"), doc, [claim_from_span(doc, start, start + 53)])
        return {d.name: d.id for d in store.list_documents()}


def test_claims_document_takes_a_name_an_id_or_a_unique_id_prefix(capsys, db, two_documents):
    serum_id = two_documents["retinol-serum"]
    for ref in ("retinol-serum", serum_id, serum_id[:8]):
        code, out, err = run(capsys, "claims", "--document", ref, "--db", db)
        assert code == 0, err
        assert [(row["doc"], row["document_id"]) for row in jsonl(out)] == [("retinol-serum", serum_id)], ref
    code, out, _ = run(capsys, "claims", "--document", "green-tea.txt", "--document", "retinol-serum", "--db", db)
    assert code == 0 and sorted(row["doc"] for row in jsonl(out)) == ["green-tea.txt", "green-tea.txt",
                                                                     "retinol-serum"]


@pytest.mark.parametrize("command", [["claims"], ["export", "--format", "csv", "--out", "x.csv"]])
def test_a_document_filter_that_names_no_document_fails_with_a_message(capsys, db, two_documents, command,
                                                                       tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *command, "--document", "green-coffee", "--db", db)
    assert (code, out) == (1, "")
    assert err.startswith("error: no document named 'green-coffee' or with that id")
    assert "'green-tea.txt'" in err and "'retinol-serum'" in err
    assert not (tmp_path / "x.csv").exists()


def test_an_id_prefix_shared_by_two_documents_is_ambiguous(capsys, db, claim_ids):
    with Store.open(db) as store:
        for name, doc_id in (("one", "abcdef01-0000-4000-8000-000000000000"),
                             ("two", "abcdef02-0000-4000-8000-000000000000")):
            store.add_document(Actor("loader", "admin"), Document(name=name, text=f"{name} {SERUM}", id=doc_id))
    code, out, err = run(capsys, "claims", "--document", "abcdef0", "--db", db)
    assert (code, out) == (1, "")
    assert "abcdef01-0000-4000-8000-000000000000 (one)" in err and "abcdef02-0000-4000-8000-000000000000 (two)" in err


def test_delete_document_after_typing_its_name(capsys, monkeypatch, db, claim_ids, two_documents):
    run(capsys, "review", claim_ids[0], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    stdin(monkeypatch, "green-tea\n")  # not its name
    code, out, err = run(capsys, "delete-document", "green-tea.txt", "--db", db)
    assert (code, out) == (1, "")
    assert "Type the document's name to confirm" in err
    assert "error: to delete the document, type its name 'green-tea.txt' exactly; got 'green-tea'" in err
    stdin(monkeypatch, "green-tea.txt\n")
    code, out, err = run(capsys, "delete-document", "green-tea.txt", "--db", db)
    assert code == 0, err
    assert json.loads(out) == {"document_id": two_documents["green-tea.txt"], "name": "green-tea.txt", "claims": 2,
                               "reviews": 1, "verdicts": 0}
    code, out, _ = run(capsys, "claims", "--db", db)
    assert [row["doc"] for row in jsonl(out)] == ["retinol-serum"]
    code, out, err = run(capsys, "delete-document", "retinol-serum", "--yes", "--db", db)
    assert code == 0 and json.loads(out)["claims"] == 1
    with Store.open(db) as store:
        assert store.list_documents() == []
        assert [e.action for e in store.history() if e.entity == "document"][-2:] == ["delete", "delete"]


def test_delete_document_needs_an_admin_account(capsys, monkeypatch, db, two_documents):
    with Store.open(db) as store:
        store.add_user(Actor("root", "admin", local=True), "ada", "admin", "correct horse")
        store.add_user(Actor("ada", "admin"), "rita", "reviewer", "battery staple")
    monkeypatch.setenv(cli.PASSWORD_ENV, "battery staple")
    code, out, err = run(capsys, "delete-document", "retinol-serum", "--yes", "--as", "rita", "--db", db)
    assert (code, out, err) == (1, "", "refused: rita (reviewer) may not delete a document; that needs the role admin\n")
    monkeypatch.setenv(cli.PASSWORD_ENV, "correct horse")
    assert run(capsys, "delete-document", "retinol-serum", "--yes", "--as", "ada", "--db", db)[0] == 0


# -------------------------------------------------------------------------------- review


def test_review_with_citations_is_stored(capsys, db, claim_ids):
    code, out, err = run(capsys, "review", claim_ids[0][:8], "--verdict", "supported", "--reviewer", "ann",
                         "--rationale", "a cohort study", "--cite", "PMID:123",
                         "--cite", "https://example.org/tea", "--cite", "doi:10.1000/xyz123", "--db", db)
    assert code == 0, err
    printed = json.loads(out)
    assert (printed["claim_id"], printed["reviewer"], printed["verdict"]) == (claim_ids[0], "ann", "supported")
    with Store.open(db) as store:
        review = store.review_of(claim_ids[0], "ann")
    assert review.rationale == "a cohort study"
    assert [(c.kind, c.identifier) for c in review.citations] == [
        ("pmid", "123"), ("url", "https://example.org/tea"), ("doi", "10.1000/xyz123")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cite", "doi:11.12/x"], "error: a DOI looks like 10.1000/xyz123"),
        (["--cite", "javascript:alert(1)"], "error: only http and https links are accepted; got 'javascript:alert(1)'"),
        (["--cite", "PMID:0"], "error: a PMID is a positive number"),
        (["--cite", "see the leaflet"], "error: a reference must be a DOI (10.1000/xyz), PMID:123456 or an http(s) URL"),
        (["--reviewer", "bad/name"], "error: a reviewer name is 1-64 letters"),
    ],
)
def test_review_refuses_bad_input_and_saves_nothing(capsys, db, claim_ids, extra, message):
    argv = ["review", claim_ids[0], "--verdict", "risky", "--reviewer", "ann", *extra, "--db", db]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert err.startswith(message)
    with Store.open(db) as store:
        assert store.reviews_for_claim(claim_ids[0]) == []


def test_review_of_an_unknown_claim(capsys, db, claim_ids):
    code, _, err = run(capsys, "review", "no-such-claim", "--verdict", "risky", "--reviewer", "ann", "--db", db)
    assert code == 1
    assert err == "error: no claim with id 'no-such-claim'\n"


def test_review_verdict_is_a_closed_set(capsys, db, claim_ids):
    with pytest.raises(SystemExit) as exc:
        cli.main(["review", claim_ids[0], "--verdict", "true", "--reviewer", "ann", "--db", db])
    assert exc.value.code == 2
    assert "invalid choice: 'true'" in capsys.readouterr().err


def test_withdraw_claim_takes_it_out_of_the_claims(capsys, db, claim_ids):
    run(capsys, "review", claim_ids[1], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    code, out, err = run(capsys, "withdraw-claim", claim_ids[1][:8], "--reviewer", "ann", "--db", db)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: claim {claim_ids[1]} has 1 active review(s); ")
    code, out, err = run(capsys, "withdraw-claim", claim_ids[0][:8], "--reviewer", "ann", "--db", db)
    assert code == 0, err
    assert json.loads(out) == {"claim_id": claim_ids[0], "withdrawn": True, "version": 2}
    _, out, _ = run(capsys, "claims", "--db", db)
    assert [row["id"] for row in jsonl(out)] == [claim_ids[1]]


def test_a_second_review_by_the_same_reviewer_revises_it(capsys, db, claim_ids):
    run(capsys, "review", claim_ids[1], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    code, out, _ = run(capsys, "review", claim_ids[1], "--verdict", "unsupported", "--reviewer", "ann", "--db", db)
    assert code == 0
    assert (json.loads(out)["verdict"], json.loads(out)["version"]) == ("unsupported", 2)


# ------------------------------------------------------------------------------ withdraw


def test_withdraw_marks_ones_own_review_and_the_history_records_it(capsys, db, claim_ids):
    run(capsys, "review", claim_ids[0], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    run(capsys, "review", claim_ids[0], "--verdict", "supported", "--reviewer", "bob", "--db", db)
    code, out, err = run(capsys, "withdraw", claim_ids[0][:8], "--reviewer", "ann", "--db", db)
    assert code == 0, err
    printed = json.loads(out)
    assert (printed["claim_id"], printed["reviewer"], printed["verdict"], printed["version"], printed["withdrawn"]) == (
        claim_ids[0], "ann", "risky", 2, True)
    with Store.open(db) as store:
        assert store.review_of(claim_ids[0], "ann").withdrawn  # marked, not deleted
        assert [r.reviewer for r in store.reviews_for_claim(claim_ids[0])] == ["bob"]
        entry = store.history(entity_id=printed["review_id"])[-1]
    assert (entry.action, entry.actor, entry.before["withdrawn"], entry.after["withdrawn"]) == (
        "withdraw", "ann", False, True)
    # reviewing the claim again restores the review
    code, out, _ = run(capsys, "review", claim_ids[0], "--verdict", "unsupported", "--reviewer", "ann", "--db", db)
    assert code == 0 and json.loads(out)["version"] == 3


def test_withdraw_refuses_what_is_not_there(capsys, db, claim_ids):
    code, out, err = run(capsys, "withdraw", claim_ids[1], "--reviewer", "ann", "--db", db)
    assert (code, out, err) == (1, "", f"error: ann has no review of claim {claim_ids[1]} to withdraw\n")
    code, _, err = run(capsys, "withdraw", "no-such-claim", "--reviewer", "ann", "--db", db)
    assert (code, err) == (1, "error: no claim with id 'no-such-claim'\n")
    run(capsys, "review", claim_ids[1], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    assert run(capsys, "withdraw", claim_ids[1], "--reviewer", "ann", "--db", db)[0] == 0
    code, _, err = run(capsys, "withdraw", claim_ids[1], "--reviewer", "ann", "--db", db)
    assert code == 1 and err.startswith("error: review ") and err.endswith(" is already withdrawn\n")


def test_withdraw_needs_the_reviewer(capsys, db, claim_ids):
    with pytest.raises(SystemExit) as exc:
        cli.main(["withdraw", claim_ids[0], "--db", db])
    assert exc.value.code == 2
    assert "the following arguments are required: --reviewer" in capsys.readouterr().err


# ------------------------------------------------------------------------------ accounts


def test_users_add_reads_the_password_from_stdin(capsys, monkeypatch, db):
    stdin(monkeypatch, "correct horse\n")
    code, out, _ = run(capsys, "users", "add", "ada", "--role", "admin", "--db", db)
    assert (code, out) == (0, "added ada (admin); sign-in is now required\n")
    with Store.open(db) as store:
        assert store.authenticate("ada", "correct horse") == Actor("ada", "admin")


def test_users_add_without_password_and_the_first_must_be_admin(capsys, db):
    code, out, err = run(capsys, "users", "add", "rita", "--role", "reviewer", "--no-password", "--db", db)
    assert code == 1
    assert err == "error: the first account turns sign-in on, so it must be an admin; got role 'reviewer'\n"
    code, out, _ = run(capsys, "users", "add", "ada", "--role", "admin", "--no-password", "--db", db)
    assert (code, out) == (0, "added ada (admin), no password; sign-in is now required\n")
    code, out, err = run(capsys, "users", "list", "--db", db)
    assert out == "ada\tadmin\tactive\tno password\n"


def test_users_add_refuses_a_short_or_missing_password(capsys, monkeypatch, db):
    stdin(monkeypatch, "short\n")
    code, _, err = run(capsys, "users", "add", "ada", "--role", "admin", "--db", db)
    assert (code, err) == (1, "error: a password needs at least 8 characters; got 5\n")
    stdin(monkeypatch, "")
    code, _, err = run(capsys, "users", "add", "ada", "--role", "admin", "--db", db)
    assert (code, err) == (1, "error: expected a password on standard input; got nothing\n")


@pytest.fixture
def team(capsys, monkeypatch, db) -> str:
    """Accounts mode: ada (admin, password "ada's password"), rita (reviewer, "rita's password"),
    raj (reviewer, no password); double review."""
    stdin(monkeypatch, "ada's password\n")
    assert cli.main(["users", "add", "ada", "--role", "admin", "--db", db]) == 0
    stdin(monkeypatch, "ada's password\nrita's password\n")
    assert cli.main(["users", "add", "rita", "--role", "reviewer", "--as", "ada", "--db", db]) == 0
    monkeypatch.setenv(cli.PASSWORD_ENV, "ada's password")
    assert cli.main(["users", "add", "raj", "--role", "reviewer", "--no-password", "--as", "ada", "--db", db]) == 0
    assert cli.main(["settings", "set", "reviews_per_claim", "2", "--as", "ada", "--db", db]) == 0
    monkeypatch.delenv(cli.PASSWORD_ENV)
    capsys.readouterr()
    return db


def test_changes_in_accounts_mode_need_an_admin_account(capsys, monkeypatch, team):
    code, _, err = run(capsys, "users", "add", "sam", "--role", "reviewer", "--no-password", "--db", team)
    assert code == 1
    assert err.startswith("error: this store has accounts, so name yours with --as NAME")
    monkeypatch.setenv(cli.PASSWORD_ENV, "rita's password")
    code, _, err = run(capsys, "settings", "set", "reviews_per_claim", "3", "--as", "rita", "--db", team)
    assert (code, err) == (1, "refused: rita (reviewer) may not manage accounts and settings; "
                              "that needs the role admin\n")
    monkeypatch.setenv(cli.PASSWORD_ENV, "ada's password")
    stdin(monkeypatch, "rita's new password\n")
    code, out, _ = run(capsys, "users", "set", "rita", "--role", "adjudicator", "--password", "--as", "ada",
                       "--db", team)
    assert (code, out) == (0, "rita: adjudicator, active\n")
    with Store.open(team) as store:
        assert store.authenticate("rita", "rita's new password").role == "adjudicator"
        assert store.settings()["reviews_per_claim"] == 2


def test_review_in_accounts_mode_needs_the_account_password(capsys, monkeypatch, claim_ids, team):
    argv = ["review", claim_ids[0], "--verdict", "supported", "--reviewer", "rita", "--db", team]
    monkeypatch.setenv(cli.PASSWORD_ENV, "not rita's password")
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (1, "", "refused: wrong name or password, or the account is disabled\n")
    code, _, err = run(capsys, "review", claim_ids[0], "--verdict", "risky", "--reviewer", "nobody", "--db", team)
    assert (code, err) == (1, "error: no account named 'nobody'\n")
    with Store.open(team) as store:
        assert store.reviews_for_claim(claim_ids[0]) == []

    monkeypatch.setenv(cli.PASSWORD_ENV, "rita's password")
    code, out, _ = run(capsys, *argv)
    assert code == 0 and json.loads(out)["reviewer"] == "rita"
    monkeypatch.delenv(cli.PASSWORD_ENV)
    stdin(monkeypatch, "rita's password\n")
    code, out, _ = run(capsys, *argv[:-2], "--rationale", "revised", "--db", team)
    assert code == 0 and json.loads(out)["version"] == 2
    # raj has no password: he signs in only through single sign-on, which the CLI has not
    raj = ["review", claim_ids[0], "--verdict", "risky", "--reviewer", "raj", "--db", team]
    code, out, err = run(capsys, *raj)
    assert (code, out) == (1, "")
    assert err == ("refused: the account raj has no password, so it signs in only through single sign-on, when "
                   "the app has it set up. To sign in with a password, an admin sets one on the Users & settings "
                   "page or with: python -m app users set raj --password --as ADMIN\n")
    # ... so an admin does as the message says
    monkeypatch.setenv(cli.PASSWORD_ENV, "ada's password")
    stdin(monkeypatch, "raj's password\n")
    assert run(capsys, "users", "set", "raj", "--password", "--as", "ada", "--db", team)[0] == 0
    monkeypatch.setenv(cli.PASSWORD_ENV, "raj's password")
    assert run(capsys, *raj)[0] == 0
    with Store.open(team) as store:
        assert store.claim_detail(claim_ids[0]).status == "disputed"


def test_withdraw_in_accounts_mode_acts_as_the_account(capsys, monkeypatch, claim_ids, team):
    monkeypatch.setenv(cli.PASSWORD_ENV, "rita's password")
    assert run(capsys, "review", claim_ids[0], "--verdict", "supported", "--reviewer", "rita", "--db", team)[0] == 0
    monkeypatch.setenv(cli.PASSWORD_ENV, "not rita's password")
    code, out, err = run(capsys, "withdraw", claim_ids[0], "--reviewer", "rita", "--db", team)
    assert (code, out, err) == (1, "", "refused: wrong name or password, or the account is disabled\n")
    # raj has no password, so he cannot act here at all
    code, _, err = run(capsys, "withdraw", claim_ids[0], "--reviewer", "raj", "--db", team)
    assert code == 1 and err.startswith("refused: the account raj has no password")
    with Store.open(team) as store:
        assert not store.review_of(claim_ids[0], "rita").withdrawn
    monkeypatch.delenv(cli.PASSWORD_ENV)
    stdin(monkeypatch, "rita's password\n")
    code, out, _ = run(capsys, "withdraw", claim_ids[0], "--reviewer", "rita", "--db", team)
    assert code == 0 and json.loads(out)["reviewer"] == "rita"
    with Store.open(team) as store:
        assert store.review_of(claim_ids[0], "rita").withdrawn
        assert store.history(entity_id=json.loads(out)["review_id"])[-1].actor == "rita"


def test_export_claims_and_agreement_follow_blind_review(capsys, monkeypatch, claim_ids, team, tmp_path):
    """Once accounts exist, commands that show other people's reviews or claim statuses act as a
    named account and show what the app would show it."""
    with Store.open(team) as store:
        store.save_review(Actor("ada", "admin"), claim_ids[0], "supported", "ada on 0")
        store.save_review(Actor("raj", "reviewer"), claim_ids[0], "risky", "raj on 0")  # disputed
        store.save_review(Actor("rita", "reviewer"), claim_ids[1], "supported", "rita on 1")
        store.save_review(Actor("raj", "reviewer"), claim_ids[1], "supported", "raj on 1")
    out = tmp_path / "export.jsonl"
    export = ["export", "--format", "jsonl", "--out", str(out), "--all-claims", "--db", team]
    for argv in (export, ["claims", "--status", "disputed", "--db", team], ["agreement", "--db", team]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and err.startswith("error: this store has accounts, so name yours with --as NAME"), argv

    monkeypatch.setenv(cli.PASSWORD_ENV, "rita's password")
    assert run(capsys, *export, "--as", "rita")[0] == 0
    [row] = claim_rows(out)  # claim 0 is hidden from rita until she reviews it
    assert (row["id"], row["status"], [r["rationale"] for r in row["reviews"]]) == (
        claim_ids[1], "reviewed", ["rita on 1"])
    assert run(capsys, "claims", "--status", "disputed", "--as", "rita", "--db", team)[:2] == (0, "")
    assert json.loads(run(capsys, "agreement", "--json", "--as", "rita", "--db", team)[1])["n_claims"] == 1
    code, _, err = run(capsys, *export, "--as", "rita", "--reviewer", "raj")
    assert (code, err) == (1, "refused: rita exports only their own reviews; the reviewer filter names raj. "
                              "An adjudicator or admin exports other people's reviews\n")

    monkeypatch.setenv(cli.PASSWORD_ENV, "ada's password")
    assert run(capsys, *export, "--as", "ada")[0] == 0
    rows = {row["id"]: row for row in claim_rows(out)}
    assert sorted(r["rationale"] for r in rows[claim_ids[0]]["reviews"]) == ["ada on 0", "raj on 0"]
    assert [row["id"] for row in jsonl(run(capsys, "claims", "--status", "disputed", "--as", "ada",
                                           "--db", team)[1])] == [claim_ids[0]]


# ---------------------------------------------------------------------- settings, agreement, db


def test_settings_set_and_show(capsys, db):
    code, out, _ = run(capsys, "settings", "set", "reviews_per_claim", "2", "--db", db)
    assert code == 0
    assert "reviews_per_claim\t2\n" in out
    code, out, _ = run(capsys, "settings", "show", "--db", db)
    assert out.splitlines()[0] == "reviews_per_claim\t2"
    code, _, err = run(capsys, "settings", "set", "reviews_per_claim", "two", "--db", db)
    assert (code, err) == (1, "error: reviews_per_claim must be a whole number from 1 to 10; got 'two'\n")
    code, _, err = run(capsys, "settings", "set", "colour", "blue", "--db", db)
    assert code == 1 and err.startswith("error: unknown setting 'colour'; known: reviews_per_claim")
    code, out, _ = run(capsys, "settings", "set", "blind_review", "off", "--db", db)
    assert code == 0 and "blind_review\tFalse\n" in out


def test_agreement_json(capsys, db, claim_ids):
    run(capsys, "settings", "set", "reviews_per_claim", "2", "--db", db)
    for reviewer, verdicts in (("ann", ("supported", "risky")), ("bob", ("supported", "supported"))):
        for claim_id, verdict in zip(claim_ids, verdicts, strict=True):
            assert cli.main(["review", claim_id, "--verdict", verdict, "--reviewer", reviewer, "--db", db]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "agreement", "--json", "--db", db)
    report = json.loads(out)
    assert code == 0
    assert {"pairs", "fleiss_kappa", "krippendorff_alpha", "is_claim", "by_type"} <= set(report)
    assert report["pairs"] == [{"a": "ann", "b": "bob", "n": 2, "observed": 0.5, "cohen_kappa": 0.0}]
    assert report["percent_agreement"] == 0.5
    code, out, _ = run(capsys, "agreement", "--db", db)
    assert "ann / bob: n=2, agree 50.0%, kappa 0.000" in out


def test_agreement_with_nothing_to_compare(capsys, db):
    code, out, _ = run(capsys, "agreement", "--db", db)
    assert code == 0 and "no claim has two reviews yet" in out


def test_db_prints_where_the_data_lives(capsys, tmp_path, db, claim_ids):
    code, out, _ = run(capsys, "db", "--db", db)
    info = dict(line.split("\t") for line in out.splitlines())
    assert code == 0
    assert info["location"] == str(tmp_path / "cli.db")
    assert (info["backend"], info["claims"], info["documents"]) == ("sqlite", "2", "1")
    assert info["revision"] == info["newest"]


def test_db_on_a_database_not_yet_migrated(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    code, out, err = run(capsys, "db", "--db", url)
    assert code == 0
    assert "revision\tNone" in out
    assert "python -m app db upgrade" in err
    code, out, _ = run(capsys, "db", "upgrade", "--db", url)
    assert code == 0 and "users\t0" in out


@pytest.mark.parametrize(
    "argv",
    [["claims"], ["agreement", "--as", "ada"], ["users", "list"], ["settings", "show"], ["db"]],
    ids=" ".join,
)
def test_db_option_on_store_commands(capsys, tmp_path, db, claim_ids, argv, monkeypatch):
    """Every store command reads the store named by --db, not $CLAIMCHECK_DB."""
    monkeypatch.setenv("CLAIMCHECK_PASSWORD", "ada's password")
    with Store.open(db) as store:
        store.add_user(Actor("seed", "admin", local=True), "ada", "admin", "ada's password")
        store.set_setting(Actor("ada", "admin"), "organisation", "Desk of --db")
        store.save_review(Actor("ada", "admin"), claim_ids[0], "risky")
    code, with_db, _ = run(capsys, *argv, "--db", db)
    assert code == 0
    code, without, _ = run(capsys, *argv)
    assert code == 0
    expected = {"claims": claim_ids[0], "agreement": "1 ratings by 1 reviewers", "users": "ada\tadmin",
                "settings": "organisation\tDesk of --db", "db": str(tmp_path / "cli.db")}[argv[0]]
    assert expected in with_db
    assert expected not in without


def test_bad_database_url(capsys):
    code, _, err = run(capsys, "claims", "--db", "nonsense://")
    assert code == 1
    assert err.startswith("error: a database URL looks like sqlite:///path/to/file.db")


def test_until_date_includes_the_whole_day():
    parsed = cli._parse_until("2026-11-25")
    assert (parsed.hour, parsed.minute, parsed.second) == (23, 59, 59)
    assert cli._parse_date("2026-11-25").hour == 0
    assert cli._parse_until("2026-11-25T14:00").hour == 14


def test_bench_help_is_the_benchmarks_own(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m app bench") and "--words" in out


def test_unknown_option_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["claims", "--bogus"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_import_refuses_other_settings_unless_adopting_them(capsys, tmp_path, db, claim_ids):
    run(capsys, "settings", "set", "reviews_per_claim", "2", "--db", db)
    run(capsys, "review", claim_ids[0], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    exported = tmp_path / "out.jsonl"
    assert run(capsys, "export", "--format", "jsonl", "--out", str(exported), "--db", db)[0] == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, out, err = run(capsys, "import", str(exported), "--db", fresh)
    assert (code, out) == (1, "")
    assert "reviews_per_claim 2 in the export, 1 in this store" in err and "--adopt-settings" in err
    code, out, err = run(capsys, "import", str(exported), "--adopt-settings", "--db", fresh)
    assert code == 0, err
    assert json.loads(out)["settings"] == {"reviews_per_claim": 2}
    assert err == "adopted the export's setting reviews_per_claim = 2\n"
    code, out, _ = run(capsys, "claims", "--status", "in_review", "--db", fresh)
    assert [row["id"] for row in jsonl(out)] == [claim_ids[0]]  # one review of the two it needs


def test_claimreview_export_warns_of_placeholders_and_says_what_to_set(capsys, tmp_path, db, claim_ids):
    run(capsys, "review", claim_ids[0], "--verdict", "risky", "--reviewer", "ann", "--db", db)
    code, _, err = run(capsys, "export", "--format", "claimreview", "--out", str(tmp_path / "cr.json"), "--db", db)
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert "placeholder author" in warnings[0] and "settings set organisation" in warnings[0]
    assert "urn: url" in warnings[1] and "--base-url" in warnings[1]
    code, _, err = run(capsys, "export", "--format", "claimreview", "--out", str(tmp_path / "cr.json"),
                       "--base-url", "https://desk.example/reviews", "--db", db)
    assert [line for line in err.splitlines() if "urn:" in line] == []
    record = json.loads((tmp_path / "cr.json").read_text(encoding="utf-8"))[0]
    assert record["url"] == f"https://desk.example/reviews#claim-{claim_ids[0]}"


def test_the_served_app_shows_no_deploy_button():
    """`serve` starts Streamlit in the project folder, whose .streamlit/config.toml sets the toolbar
    to the viewer's: no Deploy button, no developer menu."""
    code = "from streamlit import config; print(config.get_option('client.toolbarMode'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "viewer"
