"""The one entry point every transport feeds: `Router.handle(incoming) -> list[Reply]`.

Middleware runs once here: retried deliveries are dropped, the platform account becomes a person, the
person's language is chosen, and errors become a friendly reply (plus a log line for real faults).
Then an active conversation (a form) gets the message first, commands are matched by name or alias,
and a free-form sentence is tried last.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.clock import local_today
from bot.core.errors import UserError, is_user_error
from bot.chat.messages import Incoming, Reply, Target
from bot.store.tables.sales import InboundEvent, Person, Role, Team
from bot.services import org, roles
from bot.chat.tasks import RUN_MARK, replies_from_json, replies_to_json

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

Handler = Callable[["Ctx"], list[Reply]]
Interceptor = Callable[["Ctx"], "list[Reply] | None"]


@dataclass
class Ctx:
    """Everything a handler may use for one message."""

    app: App
    incoming: Incoming
    session: Session
    person: Person
    command: str | None = None  # the canonical command name matched
    args: str = ""
    batch: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def lang(self) -> str:
        return self.person.lang

    @property
    def now(self) -> datetime:
        return self._now

    def __post_init__(self) -> None:
        self._now = self.app.clock()
        self._admin: bool | None = None

    @property
    def team(self) -> Team | None:
        return org.get_team(self.person.team_id, session=self.session)

    @property
    def tz(self) -> str:
        team = self.team
        return team.tz if team else (self.person.tz or self.app.settings.tz)

    @property
    def today(self) -> date:
        """The team's day, not the server's."""
        return local_today(self.now, self.tz)

    def t(self, key: str, /, **params) -> str:
        return self.app.i18n.t(self.lang, key, **params)

    def render(self, template: str, /, **context) -> str:
        return self.app.i18n.render(self.lang, template, **context)

    def reply(self, template: str, /, *, target: Target | None = None, **context) -> Reply:
        return Reply(text=self.render(template, **context), target=target or Target.origin(), lang=self.lang)

    def require_team(self) -> Team:
        team = self.team
        if team is None:
            raise UserError("no_team")
        return team

    @property
    def is_admin(self) -> bool:
        """Admin rights, from PACEBOT_ADMINS as it is now (never stored on the person)."""
        if self._admin is None:
            self._admin = roles.is_admin(self.person, self.app.settings.admin_accounts, session=self.session)
        return self._admin

    def require_role(self, *allowed: Role) -> None:
        """The person's own role is one of `allowed`, or they are an admin."""
        if self.person.role not in allowed and not self.is_admin:
            raise UserError("not_allowed", command=self.command or "")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise UserError("admin_only", command=self.command or "")


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    aliases: tuple[str, ...] = ()


class Router:
    def __init__(self, app: App):
        self.app = app
        self.commands: dict[str, Command] = {}
        self._by_word: dict[str, Command] = {}
        self.interceptors: list[Interceptor] = []
        self.fallback: Handler | None = None

    def command(self, name: str, handler: Handler, *aliases: str) -> None:
        """Register a command under its name and aliases; a clash is a programming error."""
        cmd = Command(name, handler, aliases)
        for word in (name, *aliases):
            key = word.lower()
            if key in self._by_word:
                raise ValueError(f"command word {word!r} registered twice")
            self._by_word[key] = cmd
        self.commands[name] = cmd

    def intercept(self, interceptor: Interceptor) -> None:
        """Something that may take a message before commands, e.g. an active form session."""
        self.interceptors.append(interceptor)

    def set_fallback(self, handler: Handler) -> None:
        self.fallback = handler

    def match(self, text: str) -> tuple[Command | None, str, bool]:
        """(command, its arguments, whether the command word stood apart from the rest)."""
        word, _, rest = text.strip().lstrip("/").partition(" ")
        cmd = self._by_word.get(word.lower())
        if cmd is None:
            # Chinese commands are often written without a space: "成交12万 华为".
            for key in sorted(self._by_word, key=len, reverse=True):
                if not key.isascii() and text.startswith(key):
                    return self._by_word[key], text[len(key):].strip(), False
            return None, text.strip(), False
        return cmd, rest.strip(), True

    # -- the pipeline -------------------------------------------------------------------------
    def handle(self, incoming: Incoming) -> list[Reply]:
        if incoming.event_id:
            seen = self._seen(incoming)
            if seen is not None:
                if seen:
                    log.warning("event %s/%s was handled by a process that died before answering; sending "
                                "the replies it made", incoming.platform, incoming.event_id)
                else:
                    log.info("dropped retried event %s/%s", incoming.platform, incoming.event_id)
                return seen
        try:
            try:
                with self.app.db.session() as session:
                    person, is_new = self._identify(incoming, session)
                    is_admin = is_new and roles.is_admin(person, self.app.settings.admin_accounts, session=session)
            except IntegrityError:
                # Two first messages from one new account at once: the other registered it; use that.
                with self.app.db.session() as session:
                    person, is_new = self._identify(incoming, session)
                    is_admin = is_new and roles.is_admin(person, self.app.settings.admin_accounts, session=session)
        except Exception:
            log.exception("could not identify %s:%s", incoming.platform, incoming.user_id)
            return [Reply(text=self.app.i18n.t(self.app.settings.lang, "error.internal"), kind="error",
                          lang=self.app.settings.lang)]
        welcome: list[Reply] = []
        if is_new:
            welcome.append(Reply(text=self.app.i18n.render(person.lang, "welcome", name=person.name,
                                                           is_admin=is_admin),
                                 lang=person.lang, kind="notice"))
        return self._dispatch(incoming, person.id, welcome)

    # -- deduplication: the event id is recorded with what handling it changed, in one transaction ---
    def _seen(self, incoming: Incoming) -> list[Reply] | None:
        """None for an event not handled yet; else the replies still owed for it (a re-run from the inbox
        after a crash between the handler's commit and the answer), taken once, or [] (drop it)."""
        key = (incoming.platform, incoming.event_id[:191])
        with self.app.db.session() as session:
            event = session.get(InboundEvent, key)
            if event is None:
                return None
            kept = event.replies
            if kept is None or not incoming.extra.get(RUN_MARK):  # a platform's retry: never answered twice
                return []
            taken = session.execute(update(InboundEvent).where(
                InboundEvent.platform == key[0], InboundEvent.event_id == key[1],
                InboundEvent.replies.is_not(None)).values(replies=None)).rowcount
        return replies_from_json(kept) if taken else []

    def _record(self, session: Session, incoming: Incoming, replies: list[Reply]) -> bool:
        """Add the event id and its replies to the handler's transaction; False when another delivery of
        the event recorded it first (the caller then rolls the handler's work back). Replies without an
        idempotency key get one from the event, so that a re-run's announcements are the same outbox rows."""
        for n, reply in enumerate(replies):
            if reply.key is None:
                reply.key = f"event:{incoming.platform}:{incoming.event_id}:{n}"
        session.flush()  # the handler's own changes first, so that a conflict below is the event's
        try:
            kept = replies_to_json(replies) if incoming.extra.get(RUN_MARK) else None  # see `_seen`
            session.add(InboundEvent(platform=incoming.platform, event_id=incoming.event_id[:191],
                                     received_at=self.app.clock(), replies=kept))
            session.flush()
            return True
        except IntegrityError:
            session.rollback()
            return False

    def answered(self, incoming: Incoming) -> None:
        """The replies were delivered: forget them, so that no re-run sends them again."""
        if not incoming.event_id:
            return
        with self.app.db.session() as session:
            session.execute(update(InboundEvent).where(
                InboundEvent.platform == incoming.platform, InboundEvent.event_id == incoming.event_id[:191],
                InboundEvent.replies.is_not(None)).values(replies=None))

    def _identify(self, incoming: Incoming, session: Session) -> tuple[Person, bool]:
        person = org.find_account(incoming.platform, incoming.user_id, session=session)
        settings = self.app.settings
        if person is not None:
            return person, False
        lang = incoming.lang_hint if incoming.lang_hint in ("zh", "en") else settings.lang
        person = org.register(incoming.platform, incoming.user_id, incoming.user_name or incoming.user_id,
                              lang=lang, role=Role.REP, now=self.app.clock(),
                              session=session, tz=incoming.tz_hint)
        return person, True

    def _dispatch(self, incoming: Incoming, person_id: int, welcome: list[Reply]) -> list[Reply]:
        text = (incoming.action or incoming.text or "").strip()
        with Session(self.app.db.engine, expire_on_commit=False) as session:
            person = session.get(Person, person_id)
            ctx = Ctx(app=self.app, incoming=incoming, session=session, person=person)
            try:
                replies = welcome + self._route(ctx, text)
                if incoming.event_id and not self._record(session, incoming, replies):
                    session.rollback()
                    log.info("dropped event %s/%s: another delivery of it was handled meanwhile",
                             incoming.platform, incoming.event_id)
                    return []
                session.commit()
                return replies
            except Exception as exc:
                session.rollback()
                if is_user_error(exc):
                    replies = welcome + [self._error_reply(ctx, exc)]
                else:
                    log.exception("failed on %r from %s:%s", text, incoming.platform, incoming.user_id)
                    replies = welcome + [Reply(text=ctx.t("error.internal"), kind="error", lang=ctx.lang)]
        if incoming.event_id:
            with Session(self.app.db.engine) as session:
                if not self._record(session, incoming, replies):
                    return []
                session.commit()
        return replies

    def _route(self, ctx: Ctx, text: str) -> list[Reply]:
        for interceptor in self.interceptors:
            replies = interceptor(ctx)
            if replies is not None:
                return replies
        if not text:
            return [ctx.reply("help", role="manager" if ctx.is_admin else ctx.person.role.value, is_admin=ctx.is_admin)]
        cmd, args, apart = self.match(text)
        if cmd is not None:
            ctx.command, ctx.args = cmd.name, args
            try:
                return cmd.handler(ctx)
            except Exception as exc:
                # "签约了华为12万" starts like the command 签约 but is a sentence: read it as one.
                if apart or self.fallback is None or not is_user_error(exc):
                    raise
                try:
                    ctx.args = text
                    return self.fallback(ctx)
                except Exception as second:
                    if is_user_error(second):
                        raise exc from None
                    raise
        if self.fallback is not None:
            ctx.args = text
            return self.fallback(ctx)
        raise UserError("unknown_command", text=text.split()[0])

    def _error_reply(self, ctx: Ctx, exc: Exception) -> Reply:
        code, params = exc.code, dict(exc.params)
        i18n = self.app.i18n
        key = f"error.{code}"
        if key not in i18n.keys(ctx.lang):
            log.error("no message for error code %s", code)
            key, params = "error.generic", {"code": code}
        usage = None
        if ctx.command and f"usage.{ctx.command}" in i18n.keys(ctx.lang) and code not in NO_USAGE:
            usage = ctx.t(f"usage.{ctx.command}")
        text = ctx.render("error", message=ctx.t(key, **params), usage=usage)
        return Reply(text=text, kind="error", lang=ctx.lang)


# Errors where an example of the command would not help the person.
NO_USAGE = frozenset({"not_allowed", "no_team", "nothing_to_undo", "future_day", "too_old"})
