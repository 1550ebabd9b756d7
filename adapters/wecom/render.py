"""Replies as WeCom message bodies (pure): markdown, a template card (模板卡片) for replies with
buttons, plain text where markdown cannot show, each within WeCom's size limits.

Sizes are UTF-8 bytes: text 2,048 (message/send, appchat/send and robots), markdown 2,048 for the app
and 4,096 for a group robot; WeCom refuses more (errcode 40058, "markdown.content exceed max length").
A longer reply goes as several messages, cut between sections, then between lines.

A card button's text should be at most 10 characters (按钮文案，建议不超过10个字) and WeCom cuts the rest
("Leaderboar"): a label that long uses its short form (`short_labels`, from the `wecom.short.*`
strings), and one that still does not fit becomes a line the person can type instead of a button."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import replace

from bot.core.chunks import by_bytes, pack, split_lines
from bot.chat.i18n import unescape_md
from bot.chat.messages import Button, Reply

APP_MARKDOWN_BYTES = 2048  # message/send and appchat/send markdown (WeCom's API reference)
ROBOT_MARKDOWN_BYTES = 4096  # a group robot's markdown
ROBOT_IMAGE_BYTES = 2 * 1024 * 1024  # a group robot's image, before base64
TEXT_BYTES = 2048
CARD_TITLE = 36  # characters WeCom shows of a card's main title
CARD_TEXT = 160  # and of its sub-title text
CARD_BUTTONS = 6
BUTTON_TEXT = 10  # characters of a card button's text (Chinese or not)
BUTTON_STYLES = {"primary": 1, "danger": 3, None: 2}

_BOLD = re.compile(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*")
_ITALIC = re.compile(r"(?<![\\\w])_(.+?)(?<!\\)_(?!\w)")
_CODE = re.compile(r"(?<!\\)`(.+?)(?<!\\)`")


def to_markdown(text: str) -> str:
    """Chat markdown to WeCom's: bold and `code` stay, _italic_ (which WeCom lacks) turns grey."""
    text = _ITALIC.sub(r'<font color="comment">\1</font>', text)
    lines = [("• " + line[2:]) if line.startswith("- ") else line for line in text.splitlines()]
    return unescape_md("\n".join(lines))


def to_plain(text: str) -> str:
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    return unescape_md(text)


def has_markup(text: str) -> bool:
    return bool(_BOLD.search(text) or _ITALIC.search(text) or _CODE.search(text))


def body_parts(reply: Reply) -> list[str]:
    """The title and the sections, in order (an announcement's first line in the warning colour)."""
    parts = [f"**{reply.title}**"] if reply.title else []
    parts.extend(reply.sections())
    if reply.kind == "announcement" and parts:
        first, _, rest = parts[0].partition("\n")
        parts[0] = f'<font color="warning">{first}</font>' + (f"\n{rest}" if rest else "")
    return parts


def body_markdown(reply: Reply) -> str:
    return "\n\n".join(body_parts(reply))


def split_bytes(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    return split_lines(text, by_bytes(limit))


def messages(reply: Reply, *, cards: bool, markdown_bytes: int = APP_MARKDOWN_BYTES,
             buttons_title: str = "…", short_labels: dict[str, str] | None = None) -> list[dict]:
    """The message bodies (msgtype and content) for one reply, in order.

    `cards` is False where template cards cannot go (group chats and robots take markdown only);
    `buttons_title` heads the card that carries the buttons of a reply too long for one card;
    `short_labels` maps a button label to its short form for a card."""
    if reply.buttons and cards:
        buttons, typed = card_buttons(reply.buttons, short_labels or {})
        if typed:  # no cut words: what cannot be a button is a line the person can type
            reply = replace(reply, text=reply.text + "\n" + "\n".join(typed), buttons=buttons)
        if not buttons:
            return _text_messages(reply, markdown_bytes)
        card = template_card(reply)
        if card is not None:
            return [card]
        # Too long for a card: the text as markdown, then a small card with the buttons.
        return [*_text_messages(reply, markdown_bytes), template_card(reply, buttons_title=buttons_title)]
    return _text_messages(reply, markdown_bytes)


def short_labels(i18n, lang: str) -> dict[str, str]:
    """{label: short label} for card buttons, from the `wecom.short.<key>` strings (short forms of `<key>`)."""
    prefix = "wecom.short."
    return {to_plain(i18n.t(lang, key.removeprefix(prefix))): i18n.t(lang, key)
            for key in i18n.keys(lang) if key.startswith(prefix)}


def card_buttons(buttons: list[Button], short_labels: dict[str, str]) -> tuple[list[Button], list[str]]:
    """Buttons whose label fits a card (a long label replaced by its short form), and typed-choice
    lines (`- label: `command``) for those that would be cut or are past the card's six."""
    fitting, typed = [], []
    for button in buttons:
        label = to_plain(button.label)
        label = label if len(label) <= BUTTON_TEXT else short_labels.get(label, label)
        if len(label) <= BUTTON_TEXT and len(fitting) < CARD_BUTTONS:
            fitting.append(replace(button, label=label))
        else:
            typed.append(f"- {button.label}: `{button.command}`")
    return fitting, typed


def _text_messages(reply: Reply, markdown_bytes: int) -> list[dict]:
    parts = body_parts(reply)
    if has_markup("\n".join(parts)) or reply.title or reply.kind == "announcement":
        return [{"msgtype": "markdown", "markdown": {"content": piece}}
                for piece in pack([to_markdown(p) for p in parts], by_bytes(markdown_bytes))]
    return [{"msgtype": "text", "text": {"content": piece}}
            for piece in pack([to_plain(p) for p in parts], by_bytes(TEXT_BYTES))]


def template_card(reply: Reply, *, buttons_title: str | None = None) -> dict | None:
    """A `button_interaction` card; None when the text would not fit one."""
    sections = [to_plain(s) for s in reply.sections()]
    title = to_plain(reply.title) if reply.title else None
    if buttons_title is not None:
        main, sub = (title or buttons_title), ""
    else:
        if title is None and sections and len(sections[0].split("\n", 1)[0]) <= CARD_TITLE:
            first = sections[0].split("\n", 1)
            title, sections = first[0], first[1:] + sections[1:]
        # WeCom needs a main title or a sub-title text; a long first line goes in the latter.
        main, sub = title or "", "\n".join(s for s in sections if s)
        if len(main) > CARD_TITLE or len(sub) > CARD_TEXT or not (main or sub):
            return None
    buttons = [{"text": b.label, "style": BUTTON_STYLES.get(b.style, 2), "key": b.command}
               for b in reply.buttons[:CARD_BUTTONS]]
    card = {"card_type": "button_interaction", "task_id": "pb-" + uuid.uuid4().hex, "button_list": buttons}
    if main:
        card["main_title"] = {"title": main}
    if sub:
        card["sub_title_text"] = sub
    return {"msgtype": "template_card", "template_card": card}



def image_message(media_id: str) -> dict:
    """An uploaded image (temporary media) for message/send or appchat/send."""
    return {"msgtype": "image", "image": {"media_id": media_id}}


def robot_image(data: bytes) -> dict:
    """An image for a group robot's webhook, which takes the file inline (base64 and its MD5), no upload."""
    return {"msgtype": "image", "image": {"base64": base64.b64encode(data).decode("ascii"),
                                          "md5": hashlib.md5(data).hexdigest()}}
