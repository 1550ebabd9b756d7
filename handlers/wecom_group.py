"""`企微群` (`wecomgroup`): where a team's announcements go on WeCom.

A self-built WeCom app hears only 1:1 messages, never group chats, so `team channel` cannot be sent from
a WeCom group. Instead a manager, in the app's chat, either has the app create the team's group chat
(with the team's members) or names a group robot's webhook URL or an app chat id.

The platform call sits behind `GroupChats`; the composition registers this command with WeCom's
implementation (adapters/wecom/groupchats.py) when WeCom is configured."""

from __future__ import annotations

import re
from typing import Protocol

from sqlmodel import select

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.store.tables.sales import Account, Person, Role
from bot.chat.router import Ctx, Router
from bot.services import org
from handlers.team import target_team

CREATE_WORDS = {"create", "new", "创建", "新建", "建群"}
CHAT_ID = re.compile(r"^[0-9A-Za-z]{1,32}$")


class GroupChats(Protocol):
    """A platform's group chats, as far as this command needs them."""

    platform: str
    webhook_prefix: str  # a group robot's webhook URL starts with this

    def create(self, name: str, owner: str | None, members: list[str]) -> str:
        """Create a group chat and return its id; a refusal raises UserError."""


def register(router: Router, chats: GroupChats) -> None:
    def wecom_group(ctx: Ctx) -> list[Reply]:
        return group_command(ctx, chats)

    router.command("wecomgroup", wecom_group, "企微群", "企业微信群", "wecom-group")


def group_command(ctx: Ctx, chats: GroupChats) -> list[Reply]:
    words = ctx.args.split()
    if not words:
        return _show(ctx, chats)
    ctx.require_role(Role.MANAGER)
    team = target_team(ctx, words[1:])
    first = words[0]
    if first.lower() in CREATE_WORDS:
        chat_id, label = _create_chat(ctx, chats, team), team.name
    elif first.startswith(chats.webhook_prefix):
        chat_id, label = first, ctx.t("wecom.robot")
    elif first.startswith(("http://", "https://")):
        raise UserError("wecom_bad_webhook", text=chats.webhook_prefix)
    elif CHAT_ID.match(first):
        chat_id, label = first, first
    else:
        raise UserError("wecom_bad_target", text=first)
    org.set_team_channel(team, chats.platform, chat_id, label, session=ctx.session)
    return [Reply(text=ctx.t("wecom.group_set", team=team.name, name=label), lang=ctx.lang)]


def _show(ctx: Ctx, chats: GroupChats) -> list[Reply]:
    team = ctx.require_team()
    channel = org.team_channels(team.id, session=ctx.session).get(chats.platform)
    key = "wecom.group_none" if channel is None else "wecom.group_is"
    return [Reply(text=ctx.t(key, team=team.name, name=channel.channel_name if channel else ""), lang=ctx.lang)]


def _create_chat(ctx: Ctx, chats: GroupChats, team) -> str:
    """A group chat of the team's members who have accounts on the platform, owned by the manager asking."""
    rows = ctx.session.exec(
        select(Account.account_id).join(Person, Person.id == Account.person_id)
        .where(Person.team_id == team.id, Account.platform == chats.platform).order_by(Account.account_id)
    ).all()
    owner = org.accounts_of(ctx.person.id, session=ctx.session).get(chats.platform)
    members = sorted(set(rows) | ({owner} if owner else set()))
    if len(members) < 2:
        raise UserError("wecom_chat_too_small", team=team.name)
    return chats.create(team.name, owner, members)
