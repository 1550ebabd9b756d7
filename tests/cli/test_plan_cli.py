"""`pacebot import`, `export` and `apikey` as a person runs them."""

from __future__ import annotations

from tests.cli.test_cli import run


def test_import_export_and_apikeys_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    people = tmp_path / "people.csv"
    people.write_text("external_id,name,team,role\nE1,Alice Chen,East,rep\nE2,,East,boss\n", encoding="utf-8")
    result = run(["import", "people", str(people), "--dry-run"], url)
    assert result.returncode == 1, result.stderr
    assert "row 3, column name: required, but empty" in result.stdout
    assert "row 3, column role: Input should be 'rep' or 'manager'" in result.stdout
    assert "nothing was imported" in result.stdout
    people.write_text("external_id,name,team,role\nE1,Alice Chen,East,rep\n", encoding="utf-8")
    assert "1 were created" in run(["import", "people", str(people)], url).stdout
    out = tmp_path / "out.xlsx"
    assert "1 people row(s) written" in run(["export", "people", str(out)], url).stdout

    created = run(["apikey", "create", "crm"], url)
    key = created.stdout.strip().splitlines()[-1]
    assert created.returncode == 0 and key.startswith("pb_") and len(key) > 40
    assert "revoked" in run(["apikey", "revoke", "crm"], url).stdout
    listed = run(["apikey", "list"], url).stdout
    assert "crm\tpb_" in listed and "\trevoked " in listed and key not in listed
