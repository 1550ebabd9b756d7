"""The command line as a newcomer uses it: `pacebot demo`, `pacebot chat` piped, bad settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlmodel import func, select

from bot.store.db import Database
from bot.store.tables.sales import Activity, Deal, Person, Target, Team


def run(args, db_url, stdin="", **env):
    full_env = {**os.environ, "PACEBOT_DATABASE_URL": db_url, "PACEBOT_LANG": "zh", **env}
    full_env.pop("PACEBOT_ADMINS", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def counts(url):
    db = Database(url)
    with db.session() as s:
        result = {m.__name__: s.exec(select(func.count()).select_from(m)).one() for m in (Team, Person, Activity, Deal, Target)}
    db.dispose()
    return result


def test_demo_twice_duplicates_nothing(db):
    first = run(["demo"], db.url)
    assert first.returncode == 0, first.stderr
    once = counts(db.url)
    assert once["Team"] == 2 and once["Person"] == 14 and once["Activity"] > 200 and once["Deal"] > 10
    second = run(["demo"], db.url)
    assert second.returncode == 0 and "0 team(s) created, 0 rep-day(s)" in second.stdout
    assert counts(db.url) == once


def test_chat_piped_in_both_languages(db):
    run(["demo"], db.url)
    out = run(["chat", "--user", "demo-rep-1"], db.url, stdin="我的业绩\n成交 5万 华为\n").stdout
    assert "销售额" in out and "[#east-sales-1] 🎉 喜报！张伟" in out
    out = run(["chat", "--user", "demo-rep-7"], db.url, stdin="me week\ntop calls\n").stdout
    assert "Calls dialed" in out and "Alice Chen" in out


def test_start_runs_setup_demo_and_console(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run(["start"], url, stdin="帮助\n")
    assert result.returncode == 0, result.stderr
    assert "demo: 2 team(s) created" in result.stdout and "我能做什么" in result.stdout


def test_bad_settings_are_reported_clearly(tmp_path):
    result = run(["demo"], f"sqlite:///{tmp_path / 'x.db'}", PACEBOT_TZ="Mars/Olympus", PACEBOT_LANG="fr")
    assert result.returncode == 2
    assert "PACEBOT_TZ: unknown time zone 'Mars/Olympus'" in result.stderr
    assert "PACEBOT_LANG: must be one of zh, en" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/db.sqlite"])
def test_db_upgrade_and_current(tmp_path, url):
    url = url.format(tmp=tmp_path)
    assert "(empty" in run(["db", "current"], url).stdout
    result = run(["db", "upgrade"], url)
    assert result.returncode == 0 and "is at revision" in result.stdout


@pytest.mark.parametrize("env,line", [
    ({"DINGTALK_APP_KEY": "k", "DINGTALK_APP_SECRET": "s", "DINGTALK_STREAM_IDLE_SECONDS": "-1"},
     "DINGTALK_STREAM_IDLE_SECONDS: "),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""}, "set both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
    ({"PACEBOT_WEB_LOGIN_MINUTES": "soon"}, "PACEBOT_WEB_LOGIN_MINUTES: "),
])
def test_serve_names_a_bad_platform_or_web_setting_in_one_line(tmp_path, env, line):
    result = run(["serve", "--port", "0"], f"sqlite:///{tmp_path / 'x.db'}", **env)
    assert result.returncode == 2, result.stderr
    assert line in result.stderr and "Traceback" not in result.stderr
