"""The `企微群` handler on its own: it reaches the platform only through the neutral `GroupChats`
interface, so it runs on the console with a recording stand-in for the platform's group chats."""

from __future__ import annotations

import pytest

from bot.core.errors import UserError
from bot.services import org
from handlers import wecom_group

PREFIX = "https://qyapi.example/cgi-bin/webhook/send?key="


class RecordingChats:
    """A platform's group chats as the handler sees them; refuses when told to."""

    platform = "console"
    webhook_prefix = PREFIX

    def __init__(self):
        self.created: list[tuple[str, str | None, list[str]]] = []
        self.refuse = False

    def create(self, name: str, owner: str | None, members: list[str]) -> str:
        if self.refuse:
            raise UserError("wecom_api", errcode="60011")
        self.created.append((name, owner, members))
        return f"chat{len(self.created)}"


@pytest.fixture
def chats(app):
    recording = RecordingChats()
    wecom_group.register(app.router, recording)
    return recording


@pytest.fixture
def team(app, chat, chats):
    admin = chat("admin", name="Ada", lang="en")
    admin.say("team create East")
    for user, name in (("mgr", "Grace"), ("alice", "Alice")):
        chat(user, name=name, lang="en").say("help")
        admin.say(f"team add {name} East")
    admin.say("team manager Grace")
    return {"manager": chat("mgr"), "rep": chat("alice")}


def channel(app):
    with app.db.session() as s:
        east = org.team_by_name("East", session=s)
        found = org.team_channels(east.id, session=s).get("console")
        return (found.channel_id, found.channel_name) if found else None


def test_a_manager_has_the_platform_create_the_team_chat(app, chats, team):
    assert "has no WeCom announcement group yet" in team["rep"].say("wecomgroup")
    assert "now go to the WeCom East" in team["manager"].say("企微群 创建")
    assert chats.created == [("East", "mgr", ["alice", "mgr"])]
    assert channel(app) == ("chat1", "East")
    assert "go to the WeCom East" in team["rep"].say("wecomgroup")


def test_a_robot_webhook_or_a_chat_id_and_what_is_refused(app, chats, team):
    assert "group robot" in team["manager"].say(f"wecomgroup {PREFIX}abc")
    assert channel(app) == (f"{PREFIX}abc", "group robot")
    assert f"starts with {PREFIX}" in team["manager"].say("wecomgroup https://evil.example/hook")
    assert "now go to the WeCom wrkChat42" in team["manager"].say("wecomgroup wrkChat42")
    assert "??? is neither create" in team["manager"].say("wecomgroup ???")
    assert "Only managers" in team["rep"].say("wecomgroup create")
    chats.refuse = True
    assert "refused the request (error 60011)" in team["manager"].say("wecomgroup create")
    assert chats.created == [] and channel(app) == ("wrkChat42", "wrkChat42")
