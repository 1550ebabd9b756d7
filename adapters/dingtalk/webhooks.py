"""A team's custom group robot (自定义机器人, 加签): its webhook and secret, and the team channel that
points announcements at it. `team channel` said in a DingTalk group points them back at that group."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from bot.core.errors import UserError
from bot.store.tables.sales import TeamChannel
from bot.store.tables.dingtalk import DingTalkWebhook
from bot.services import org

PLATFORM = "dingtalk"


def set_webhook(team_name: str, url: str, secret: str, *, session: Session) -> DingTalkWebhook:
    team = org.team_by_name(team_name, session=session)
    if team is None:
        raise UserError("team_unknown", team=team_name)
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or "access_token" not in parse_qs(parts.query):
        raise UserError("dingtalk_bad_webhook", text=url)
    if not secret.strip().startswith("SEC"):
        raise UserError("dingtalk_bad_secret", text=secret)
    hook = session.get(DingTalkWebhook, team.id) or DingTalkWebhook(team_id=team.id, url="", secret="")
    hook.url, hook.secret = url.strip(), secret.strip()
    session.add(hook)
    org.set_team_channel(team, PLATFORM, f"webhook:{team.id}", "custom robot", session=session)
    return hook


def remove_webhook(team_name: str, *, session: Session) -> None:
    team = org.team_by_name(team_name, session=session)
    if team is None:
        raise UserError("team_unknown", team=team_name)
    hook = session.get(DingTalkWebhook, team.id)
    if hook is not None:
        session.delete(hook)
    channel = session.exec(select(TeamChannel).where(
        TeamChannel.team_id == team.id, TeamChannel.platform == PLATFORM,
        TeamChannel.channel_id == f"webhook:{team.id}")).first()
    if channel is not None:
        session.delete(channel)
