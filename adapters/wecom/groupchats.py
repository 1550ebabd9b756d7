"""WeCom's side of the `企微群` command (handlers/wecom_group.py): app group chats (`appchat/create`)."""

from __future__ import annotations

from bot.core.errors import UserError

from adapters.wecom.client import PLATFORM


class WeComGroupChats:
    """`GroupChats` on WeCom: the app creates the chat; group robots' webhooks live under the API base."""

    platform = PLATFORM

    def __init__(self, adapter):
        self.client = adapter.client
        self.webhook_prefix = adapter.settings.webhook_prefix

    def create(self, name: str, owner: str | None, members: list[str]) -> str:
        try:
            result = self.client.appchat.create(name=name[:50], owner=owner, user_list=members)
        except Exception as exc:
            raise UserError("wecom_api", errcode=str(getattr(exc, "errcode", "") or type(exc).__name__)) from exc
        return result["chatid"]
