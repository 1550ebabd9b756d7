"""Neutral `Reply` to Block Kit (pure): header, mrkdwn sections, buttons, mentions, within Slack's limits.

A reply too big for one message becomes several (`messages`), cut between sections, then between lines:
Slack refuses a message whose blocks hold about 12–13k characters of text in all (`msg_blocks_too_long`),
far below what its per-block limits would suggest, and any message with over 50 blocks."""

from __future__ import annotations

import re

from bot.core.chunks import by_chars, pack, split_lines
from bot.chat.i18n import escape_md, unescape_md
from bot.chat.messages import Button, Reply

PLATFORM = "slack"
MAX_BLOCKS = 50  # per message (a Home tab or modal allows 100)
MAX_SECTION = 3000  # characters in a section's text
MAX_HEADER = 150
MAX_BUTTONS = 25  # elements in one actions block
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_TEXT = 39000  # the top-level `text` fallback (Slack truncates at 40,000)
# Block text per message: Slack answers msg_blocks_too_long at about 12-13k characters; keep a margin.
MAX_MESSAGE_TEXT = 11000

_ESCAPED = re.compile(r"\\([\\*_`\[\]])")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")


def to_mrkdwn(text: str, mentions: dict[str, str] | None = None) -> str:
    """Our chat markdown to Slack mrkdwn: `**b**` → `*b*`, `- ` → `• `, &<> escaped, names → `<@U…>`.

    Escaped characters in people's own text are kept literal (mrkdwn has no escape character)."""
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    for name, user in sorted((mentions or {}).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(escape_md(name), keep(f"<@{user}>"))
    text = _ESCAPED.sub(lambda m: keep(m.group(1)), text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BOLD.sub(r"*\1*", text)
    text = re.sub(r"(?m)^(\s*)- ", r"\1• ", text)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def to_plain(text: str) -> str:
    """Text for `plain_text` fields (headers, buttons): markup dropped, nothing escaped."""
    return unescape_md(_BOLD.sub(r"\1", text))


def slack_mentions(reply: Reply) -> dict[str, str]:
    return {m.name: m.accounts[PLATFORM] for m in reply.mentions if m.accounts.get(PLATFORM)}


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends where possible."""
    return split_lines(text, by_chars(limit))


def button_elements(buttons: list[Button], prefix: str = "pace_cmd") -> list[dict]:
    elements = []
    for i, button in enumerate(buttons[:MAX_BUTTONS]):
        element = {"type": "button", "action_id": f"{prefix}_{i}",
                   "text": {"type": "plain_text", "text": to_plain(button.label)[:MAX_BUTTON_TEXT], "emoji": True},
                   "value": button.command[:MAX_VALUE]}
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        elements.append(element)
    return elements


def blocks_for(reply: Reply, *, max_blocks: int = MAX_BLOCKS, extra_buttons: list[Button] | None = None) -> list[dict]:
    """Header, one section per `---` part (split further at 3,000 characters), a divider between parts,
    and the buttons; if that is too many blocks, parts are merged and, last, the rest is cut with a note."""
    mentions = slack_mentions(reply)
    blocks: list[dict] = []
    if reply.title:
        title = to_plain(reply.title)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title[:MAX_HEADER], "emoji": True}})
    buttons = list(reply.buttons) + list(extra_buttons or [])
    room = max_blocks - len(blocks) - (1 if buttons else 0)
    parts = [to_mrkdwn(s, mentions) for s in reply.sections()]
    body = _section_blocks(parts, with_dividers=True)
    if len(body) > room:
        body = _section_blocks(["\n\n".join(parts)], with_dividers=False)
    if len(body) > room:
        body = body[:room - 1] + [{"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]}]
    blocks.extend(body)
    if buttons:
        blocks.append({"type": "actions", "elements": button_elements(buttons)})
    return blocks


def _section_blocks(parts: list[str], *, with_dividers: bool) -> list[dict]:
    blocks: list[dict] = []
    for i, part in enumerate(parts):
        if i and with_dividers:
            blocks.append({"type": "divider"})
        for piece in split_text(part):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": piece}})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The message's `text`: shown in notifications, and by clients that cannot show blocks."""
    mentions = slack_mentions(reply)
    body = "\n\n".join(reply.sections())
    text = to_mrkdwn(f"**{reply.title}**\n{body}" if reply.title else body, mentions)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def block_text_length(blocks: list[dict]) -> int:
    """Characters of text in blocks, as Slack adds them up for `msg_blocks_too_long`: every text
    object's text (sections, headers, context, buttons)."""
    def count(node) -> int:
        if isinstance(node, dict):
            own = len(node["text"]) if isinstance(node.get("text"), str) else 0
            return own + sum(count(v) for k, v in node.items() if k != "text" or not isinstance(v, str))
        if isinstance(node, list):
            return sum(count(v) for v in node)
        return 0
    return count(blocks)


def messages(reply: Reply, *, max_text: int = MAX_MESSAGE_TEXT) -> list[dict]:
    """`text` and `blocks` for chat.postMessage, chat.postEphemeral or a response_url: one message, or
    several in order when the reply is too big for one. The header opens the first, the buttons close
    the last; each holds at most 50 blocks and `max_text` characters of block text, each section at
    most 3,000. Parts are cut between sections (`---`), a long section between lines."""
    mentions = slack_mentions(reply)
    header = None
    if reply.title:
        header = {"type": "header", "text": {"type": "plain_text", "text": to_plain(reply.title)[:MAX_HEADER],
                                             "emoji": True}}
    actions = {"type": "actions", "elements": button_elements(reply.buttons)} if reply.buttons else None
    extras = [b for b in (header, actions) if b is not None]
    budget = max(max_text - block_text_length(extras), 1)
    room = MAX_BLOCKS - len(extras)
    fits = by_chars(min(MAX_SECTION, budget))
    sections = [split_lines(to_mrkdwn(s, mentions), fits) for s in reply.sections()]
    if sum(len(pieces) for pieces in sections) * 2 - 1 > room:
        # Many short sections: merged into fewer blocks, without dividers (as many as one message holds).
        sections = [[piece] for piece in pack(["\n".join(pieces) for pieces in sections], fits)]
    groups: list[list[str | None]] = [[]]  # pieces of mrkdwn per message; None marks a divider
    used = 0
    for i, pieces in enumerate(sections):
        for j, piece in enumerate(pieces):
            divider = i > 0 and j == 0 and bool(groups[-1])
            if groups[-1] and (used + len(piece) > budget or len(groups[-1]) + 1 + divider > room):
                groups.append([])
                used, divider = 0, False
            if divider:
                groups[-1].append(None)
            groups[-1].append(piece)
            used += len(piece)
    out = []
    for n, group in enumerate(groups):
        blocks = [{"type": "divider"} if piece is None else
                  {"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in group]
        text = "\n\n".join(piece for piece in group if piece is not None)
        if n == 0 and header is not None:
            blocks.insert(0, header)
            text = f"*{to_mrkdwn(reply.title, mentions)}*\n{text}" if text else f"*{to_mrkdwn(reply.title, mentions)}*"
        if n == len(groups) - 1 and actions is not None:
            blocks.append(actions)
        out.append({"text": (text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…") or " ",
                    "blocks": blocks})
    return out


def message(reply: Reply) -> dict:
    """The first (usually the only) message of `messages(reply)`."""
    return messages(reply)[0]
