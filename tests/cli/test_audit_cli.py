"""`pacebot audit` as an operator runs it: what the CLI changed, newest first, filtered by --since."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.services import audit
from bot.store.db import Database
from tests.cli.test_cli import run


def test_audit_lists_cli_changes_since_a_day_or_an_age(db, tmp_path):
    with db.session() as s:  # an old change, before the ones below
        audit.record(s, actor=audit.CLI, action="target.set", subject="team #9 Old", after="1", now=datetime(
            2020, 1, 2, 3, 4, tzinfo=timezone.utc))
    created = run(["apikey", "create", "crm"], db.url)
    key = created.stdout.strip().splitlines()[-1]
    assert created.returncode == 0 and key.startswith("pb_")
    assert run(["apikey", "revoke", "crm"], db.url).returncode == 0

    recent = run(["audit", "--since", "7d"], db.url)
    assert recent.returncode == 0, recent.stderr
    lines = recent.stdout.splitlines()
    assert lines[0].split() == ["when", "(UTC)", "who", "action", "what", "change"]
    assert [line.split()[3] for line in lines[1:]] == ["apikey.revoke", "apikey.create"]  # newest first
    assert "api key crm" in lines[1] and key[:10] in lines[2] and key not in recent.stdout
    assert "team #9 Old" not in recent.stdout

    everything = run(["audit", "--since", "2019-12-31", "--limit", "2"], db.url).stdout
    assert "apikey.revoke" in everything and "apikey.create" in everything and "Old" not in everything
    assert "2020-01-02 03:04Z  cli" in run(["audit"], db.url).stdout
    assert "no changes recorded since 2999-01-01" in run(["audit", "--since", "2999-01-01"], db.url).stdout
    bad = run(["audit", "--since", "yesterday"], db.url)
    assert bad.returncode == 2 and "can't read `yesterday`" in bad.stderr


def test_audit_on_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Database(url).upgrade()
    assert run(["audit"], url).stdout.strip() == "no changes recorded"
