"""The real processes' logs, read from their stderr: `pacebot` at DEBUG against the local WeCom and Slack
stand-ins shows no secret, no usable token and no usable link, and no line is longer than the cap.

The waits are for another process to get somewhere (bounded polls), not timing assertions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.runtime.logs import CAP
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import SECRET as SLACK_SECRET
from tests.runtime.test_serve_workers import answers, free_port, healthy, slash, stop, until
from tests.wecom_fake import AES_KEY, ROBOT_KEY, SECRET, TOKEN, FakeWeComAPI, sample_directory, wecom_env

ROOT = Path(__file__).resolve().parents[2]
SLACK_TOKEN = "xoxb-test-token"
USER = "U0LOGS001"
NOTE = re.compile(r" …\[\d+ more characters cut\]$")


def base_env(tmp_path, level: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WECOM_", "DINGTALK_"))}
    env.pop("PACEBOT_ADMINS", None)
    return {**env, "PACEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'pacebot.db'}", "PACEBOT_LOG_LEVEL": level,
            "PACEBOT_LANG": "en", "PACEBOT_WEB_SECRET": "web-signing-secret-0123456789",
            "PACEBOT_PUBLIC_URL": "https://pace.example.com"}


def assert_clean(log: str, *secrets: str) -> None:
    for value in secrets:
        assert value not in log, f"{value!r} is in the log"
    for line in log.splitlines():
        assert len(line) <= CAP + 200, f"a {len(line)}-character line: {line[:200]}…"
    # No usable token or link: each credential-carrying shape shows only the mask.
    for shape in (r"access_token=(?!\*\*\*)[\w-]", r"corpsecret=(?!\*\*\*)\w", r"[?&]key=(?!\*\*\*)\w",
                  r"xox[bp]-(?!\*\*\*)\w", r"/board/(?!team/|\*\*\*)[\w-]{8}", r"login\?t=(?!\*\*\*)\w"):
        assert not re.search(shape, log), f"{shape} in the log"


def test_wecom_at_debug_logs_no_secret_token_or_robot_key(tmp_path, monkeypatch):
    """`pacebot` commands at DEBUG: `sync wecom` fetches an access token (the corpsecret is in its URL) and
    reads the directory with it, `wecom-menu` sends with it, and `outbox dispatch` posts a team announcement to
    the team's group robot (the robot's key is in the webhook's URL)."""
    from bot.app import App, build_adapters
    from bot.chat.messages import Reply, Target
    from bot.core.config import load_settings
    from bot.services import org

    api = FakeWeComAPI()
    sample_directory(api)
    env = {**base_env(tmp_path, "DEBUG"), **wecom_env(api), "PACEBOT_ADMINS": "wecom:boss"}

    def pacebot(*argv: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", *argv], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr

    try:
        log = pacebot("sync", "wecom") + pacebot("wecom-menu")
        for name, value in wecom_env(api).items():  # this process addresses the row; the command sends it
            monkeypatch.setenv(name, value)
        app = App(load_settings(PACEBOT_DATABASE_URL=env["PACEBOT_DATABASE_URL"]))
        build_adapters(app, ["wecom"])
        with app.db.session() as session:
            team = org.team_by_name("华南二部", session=session)
            org.set_team_channel(team, "wecom", f"{api.url}/cgi-bin/webhook/send?key={ROBOT_KEY}", "robot",
                                 session=session)
        app.outbox.post([Reply(text="hello team", target=Target.team(team.id), lang="en", kind="announcement")])
        app.db.dispose()
        log += pacebot("outbox", "dispatch")  # the robot's webhook, in the command's process
        assert api.token_fetches >= 1 and api.sent("menu/create") and api.sent("webhook/send")
        assert "DEBUG" in log and "gettoken" in log and "webhook/send" in log  # the debug lines are there
        assert_clean(log, SECRET, TOKEN, AES_KEY, ROBOT_KEY, *sorted(api.valid_tokens))
    finally:
        api.close()


@pytest.mark.slow
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_slack_serve_logs_no_token_no_link_and_no_line_over_the_cap(tmp_path, level):
    """`pacebot serve` with Slack: a 40 kB slash command and the dashboard's sign-in link, answered by a
    worker process; no line over the cap at either level, no token, no secret, no usable link."""
    fake = FakeSlack(SLACK_TOKEN)
    fake.add_user(USER, "Li Lei", locale="en-US")
    port = free_port()
    env = {**base_env(tmp_path, level), "PACEBOT_WORKERS": "1", "SLACK_BOT_TOKEN": SLACK_TOKEN,
           "SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_API_URL": fake.api_url, "SLACK_SEND_INTERVAL": "0",
           "PACEBOT_ADMINS": f"slack:{USER}"}
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, text=True)
        try:
            until(lambda: healthy(port) or proc.poll() is not None, "/healthz", timeout=60)
            assert proc.poll() is None, log_path.read_text()
            assert slash(port, "log " + "x" * 40_000, fake.response_url("big"))[0] == 200
            until(lambda: answers(fake, "big"), "the answer to the big command")
            assert slash(port, "dashboard", fake.response_url("dash"))[0] == 200
            link = until(lambda: answers(fake, "dash"), "the sign-in link")[0]
            assert "/team/login?t=" in str(link)
        finally:
            stop(proc)
            fake.close()
    log = log_path.read_text()
    assert level in log
    sign_in = re.search(r"login\?t=([^&\s\"'\\]+)", str(link)).group(1)
    assert_clean(log, SLACK_TOKEN, SLACK_SECRET, "web-signing-secret-0123456789", sign_in)
    if level == "DEBUG":  # slack_sdk logs each API call's body: the 40 kB answer's line is there, cut
        assert any(NOTE.search(line) for line in log.splitlines()), "the big request was logged and cut"
