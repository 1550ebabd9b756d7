"""A neutral `Reply` into DingTalk's forms: an ActionCard when it has buttons, markdown when it has a
title or formatting, plain text otherwise. One `Rendered` serves both the webhook JSON (sessionWebhook,
custom robot) and the robot OpenAPI's msgKey/msgParam.

A long reply is several messages (`render_parts`), cut between sections, then between lines, each at
most 3,000 characters of text: DingTalk shows markdown past about 3,500 characters as plain text, and a
custom robot refuses a body over 20,000 bytes (errcode 460101); requests sends non-ASCII as \\uXXXX
escapes, six bytes a character, so the escaped text is held under 16,000 bytes as well."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from bot.core.chunks import pack
from bot.chat.i18n import unescape_md
from bot.chat.messages import Reply

MAX_BUTTONS = 5  # the OpenAPI's largest sampleActionCardN
MAX_TEXT_CHARS = 3000  # of one message's text; markdown stops rendering at about 3,500
MAX_TEXT_JSON = 16000  # bytes of the text as JSON with ASCII escapes, well within a body's 20,000
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


def fits(text: str) -> bool:
    """Whether one message's text is within DingTalk's sizes (see the module's note)."""
    return len(text) <= MAX_TEXT_CHARS and len(json.dumps(text)) <= MAX_TEXT_JSON


def render(reply: Reply, *, staff_id_of=None) -> Rendered:
    """The whole reply as one message, whatever its size (`render_parts` keeps within DingTalk's)."""
    return render_parts(reply, staff_id_of=staff_id_of, fits=lambda text: True)[0]


def render_parts(reply: Reply, *, staff_id_of=None, fits=fits) -> list[Rendered]:
    """The reply as one message or several, in order, each within `fits`. The first carries the
    @-mentions, the last the buttons; each has the reply's title (what a notification shows).
    `staff_id_of(mention)` gives the DingTalk userid to @ (webhooks only), or None."""
    sections = reply.sections()
    buttons = reply.buttons[:MAX_BUTTONS]
    extra = reply.buttons[MAX_BUTTONS:]
    rich = bool(buttons) or bool(reply.title) or len(sections) > 1 or bool(_MARKUP.search(reply.text))
    at_ids = [uid for uid in ((staff_id_of or (lambda m: m.accounts.get("dingtalk")))(m)
                              for m in reply.mentions) if uid]
    title = _plain(reply.title) if reply.title else _title_from(sections)
    if not rich:
        pieces = pack([_plain(s) for s in sections], fits) or [""]
        return [Rendered("text", title, piece, at_user_ids=at_ids if n == 0 else [])
                for n, piece in enumerate(pieces)]
    parts = [f"#### {_plain(reply.title)}"] if reply.title else []
    parts.extend(_markdown(s) for s in sections)
    if extra:  # past what a card holds: numbered lines the person can type
        parts.append("\n".join(f"- {b.label}: `{b.command}`" for b in extra))
    pieces = pack(parts, fits) or [""]
    out = [Rendered("markdown", title, piece, at_user_ids=at_ids if n == 0 else [])
           for n, piece in enumerate(pieces)]
    if buttons:
        last = out[-1]
        out[-1] = Rendered("actionCard", title, last.text, [(b.label, button_url(b.command)) for b in buttons],
                           last.at_user_ids)
    return out


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
