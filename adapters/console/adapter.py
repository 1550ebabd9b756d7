"""The console adapter: the same pipeline as every platform, over standard input and output."""

from __future__ import annotations

import re
import sys
from typing import TextIO

from bot.delivery.addressing import Address
from bot.chat.i18n import unescape_md
from bot.chat.messages import Button, Incoming, Reply

PLATFORM = "console"


def render(reply: Reply, address: Address | None = None) -> str:
    """Chat markdown to terminal text; buttons become numbered choices (pure)."""
    lines = []
    if address is not None and not address.is_direct and reply.kind == "announcement":
        prefix = f"[#{address.label or address.id}] "
    elif address is not None and address.is_direct and reply.target.kind.value == "person":
        prefix = f"[→ {address.label or address.id}] "
    else:
        prefix = ""
    if reply.title:
        lines.append(f"{prefix}{_plain(reply.title)}")
        prefix = ""
    for i, section in enumerate(reply.sections()):
        if i or lines:
            lines.append("")
        text = _plain(section)
        lines.append(prefix + text if i == 0 else text)
    if reply.buttons:
        lines.append("  ".join(f"[{n}] {b.label}" for n, b in enumerate(reply.buttons, 1)))
    if reply.image:
        lines.append(f"(image: {reply.image})")
    return "\n".join(lines)


def _plain(text: str) -> str:
    text = re.sub(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", r"\1", text)
    text = re.sub(r"(?<![\\\w])_(.+?)(?<!\\)_(?!\w)", r"\1", text)
    text = re.sub(r"(?<!\\)`(.+?)(?<!\\)`", r"\1", text)
    return unescape_md(text)


class ConsoleAdapter:
    """`pacebot chat`: each input line is one message from one person; replies are printed."""

    platform = PLATFORM

    def __init__(self, app: App, user_id: str, *, name: str | None = None, channel: str | None = None,
                 lang: str | None = None, out: TextIO | None = None):
        self.app, self.user_id, self.name = app, user_id, name
        self.channel, self.lang = channel, lang
        self.out = out or sys.stdout
        self.choices: list[Button] = []
        self._seq = 0
        app.add_sender(self)

    def parse(self, line: str) -> Incoming:
        text = line.strip()
        action = None
        if text.isdigit() and 0 < int(text) <= len(self.choices):
            action = self.choices[int(text) - 1].command
        self._seq += 1
        return Incoming(platform=PLATFORM, user_id=self.user_id, text=text, action=action,
                        channel_id=f"channel-{self.channel}" if self.channel else f"dm-{self.user_id}",
                        channel_name=self.channel, is_direct=self.channel is None,
                        user_name=self.name, lang_hint=self.lang, received_at=self.app.clock())

    def send(self, address: Address, reply: Reply, origin: Incoming | None) -> None:
        if reply.buttons and reply.target.kind.value == "origin":
            self.choices = list(reply.buttons)
        print(render(reply, address), file=self.out, flush=True)
        print(file=self.out, flush=True)

    def say(self, line: str) -> list[Reply]:
        """One message through the whole pipeline; replies are printed and returned."""
        return self.app.process(self.parse(line))

    def run(self, stdin: TextIO) -> None:
        interactive = stdin.isatty()
        while True:
            if interactive:
                print("> ", end="", file=self.out, flush=True)
            line = stdin.readline()
            if not line:
                break
            if line.strip() in {"/quit", "/exit", "quit", "exit"} and interactive:
                break
            if line.strip():
                self.say(line)
