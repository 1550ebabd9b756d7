"""A neutral `Reply` into DingTalk's forms: an ActionCard when it has buttons, markdown when it has a
title or formatting, plain text otherwise. One `Rendered` serves both the webhook JSON (sessionWebhook,
custom robot) and the robot OpenAPI's msgKey/msgParam."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from bot.chat.i18n import unescape_md
from bot.chat.messages import Reply

MAX_BUTTONS = 5  # the OpenAPI's largest sampleActionCardN
_MARKUP = re.compile(r"\*\*|`|^- |^\d+\. ", re.M)


@dataclass
class Rendered:
    msgtype: str  # "text" | "markdown" | "actionCard"
    title: str
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, actionURL)
    at_user_ids: list[str] = field(default_factory=list)

    def webhook(self) -> dict:
        """The JSON body a sessionWebhook or a custom group robot takes."""
        at_suffix = "".join(f" @{uid}" for uid in self.at_user_ids)
        if self.msgtype == "actionCard":
            body = {"msgtype": "actionCard", "actionCard": {
                "title": self.title, "text": self.text + at_suffix, "btnOrientation": "0",
                "btns": [{"title": label, "actionURL": url} for label, url in self.buttons]}}
        elif self.msgtype == "markdown":
            body = {"msgtype": "markdown", "markdown": {"title": self.title, "text": self.text + at_suffix}}
        else:
            body = {"msgtype": "text", "text": {"content": self.text + at_suffix}}
        if self.at_user_ids:
            body["at"] = {"atUserIds": list(self.at_user_ids), "isAtAll": False}
        return body

    def openapi(self) -> tuple[str, str]:
        """(msgKey, msgParam) for /v1.0/robot/oToMessages/batchSend and /groupMessages/send."""
        if self.msgtype == "actionCard":
            if len(self.buttons) == 1:
                (label, url), = self.buttons
                key, param = "sampleActionCard", {"title": self.title, "text": self.text,
                                                  "singleTitle": label, "singleURL": url}
            else:
                key, param = f"sampleActionCard{len(self.buttons)}", {"title": self.title, "text": self.text}
                for n, (label, url) in enumerate(self.buttons, 1):
                    param[f"actionTitle{n}"], param[f"actionURL{n}"] = label, url
        elif self.msgtype == "markdown":
            key, param = "sampleMarkdown", {"title": self.title, "text": self.text}
        else:
            key, param = "sampleText", {"content": self.text}
        return key, json.dumps(param, ensure_ascii=False)


def button_url(command: str) -> str:
    """Tapping it sends `command` as the person's own message: the command comes back as typed text."""
    return "dtmd://dingtalkclient/sendMessage?content=" + quote(command, safe="")


def render(reply: Reply, *, staff_id_of=None) -> Rendered:
    """`staff_id_of(mention)` gives the DingTalk userid to @ (webhooks only), or None."""
    sections = reply.sections()
    buttons = reply.buttons[:MAX_BUTTONS]
    extra = reply.buttons[MAX_BUTTONS:]
    rich = bool(buttons) or bool(reply.title) or len(sections) > 1 or bool(_MARKUP.search(reply.text))
    at_ids = [uid for uid in ((staff_id_of or (lambda m: m.accounts.get("dingtalk")))(m)
                              for m in reply.mentions) if uid]
    title = _plain(reply.title) if reply.title else _title_from(sections)
    if not rich:
        return Rendered("text", title, _plain("\n\n".join(sections)), at_user_ids=at_ids)
    body = "\n\n".join(_markdown(s) for s in sections)
    if reply.title:
        body = f"#### {_plain(reply.title)}\n\n{body}"
    if extra:  # past what a card holds: numbered lines the person can type
        body += "\n\n" + "\n".join(f"- {b.label}: `{b.command}`" for b in extra)
    if buttons:
        return Rendered("actionCard", title, body, [(b.label, button_url(b.command)) for b in buttons], at_ids)
    return Rendered("markdown", title, body, at_user_ids=at_ids)


def _markdown(section: str) -> str:
    """Chat markdown to DingTalk's: a single newline does not break a line there, list items excepted."""
    out: list[str] = []
    for line in section.splitlines():
        line = re.sub(r"(?<![\\\w])_(.+?)(?<!\\)_(?!\w)", r"\1", line)  # no italics in DingTalk
        line = unescape_md(line)
        if out and not (_is_item(line) and _is_item(out[-1])):
            out.append("")
        out.append(line)
    return "\n".join(out).replace("\n\n\n", "\n\n")


def _is_item(line: str) -> bool:
    return bool(re.match(r"\s*(?:- |\d+\. )", line))


def _plain(text: str) -> str:
    text = re.sub(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", r"\1", text)
    text = re.sub(r"(?<![\\\w])_(.+?)(?<!\\)_(?!\w)", r"\1", text)
    text = re.sub(r"(?<!\\)`(.+?)(?<!\\)`", r"\1", text)
    return unescape_md(text)


def _title_from(sections: list[str]) -> str:
    first = _plain(sections[0].splitlines()[0]) if sections else ""
    first = first.lstrip("#- ").strip()
    return first[:30] + ("…" if len(first) > 30 else "")
