"""The Slack adapter: bolt receives and verifies (HTTP and Socket Mode), listeners parse and record the work
as typed tasks (`bot.chat.tasks`) through `app.background` before they ack, and `send` posts rendered replies through slack_sdk's WebClient."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import logging
import re
import threading
from collections import OrderedDict
from concurrent.futures import Executor, Future
from dataclasses import replace

from slack_bolt import App as BoltApp
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.core.clock import local_today
from bot.chat.forms import whole
from bot.chat.messages import Incoming, Reply
from bot.services import org
from bot.chat.tasks import HandleMessage, OpenFormModal, OpenLogModal, SubmitForm

from . import form_modal, parse, views
from .guard import guarded
from .client import SlackSender, retry_handlers
from .render import PLATFORM
from .settings import SlackSettings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
COMMAND = "/pace"
# Answers to these commands, typed as /pace in a channel, are for the whole channel; the rest is private.
PUBLIC_COMMANDS = frozenset({"top", "team"})


class InlineExecutor(Executor):
    """Runs bolt's listener in the request's own thread. Our listeners only parse, validate and hand the
    work to `app.background` before they ack, so an ack never queues behind slow work, and by the time
    Slack has its answer the work is already in `app.background` (which `drain()` then waits for)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # bolt logs what its listener raised
            future.set_exception(exc)
        return future


class SlackAdapter(SlackSender):
    """One Slack workspace (token mode): bolt's listeners feed `app`; replies come back through `send`."""

    platform = PLATFORM

    def __init__(self, app: App, settings: SlackSettings):
        client = WebClient(token=settings.bot_token, base_url=settings.api_url,
                           retry_handlers=retry_handlers(settings.retry_interval))
        super().__init__(client, limiter=app.limiter, clock=app.clock, send_interval=settings.send_interval,
                         retry_handlers=client.retry_handlers)
        self.app, self.settings = app, settings
        # Builds the bolt app, which calls auth.test once (and fails loudly on a bad token).
        self.bolt = BoltApp(client=client, signing_secret=settings.signing_secret, process_before_response=False,
                            listener_executor=InlineExecutor(), logger=logging.getLogger("slack_bolt"),
                            name="pacebot")
        self.bolt.event("app_mention")(self._on_event)
        self.bolt.event("message")(self._on_event)
        self.bolt.event("app_home_opened")(self._on_event)
        self.bolt.command(COMMAND)(self._on_command)
        self.bolt.action(re.compile(r"^pace_cmd_"))(self._on_action)
        self.bolt.view_submission(views.LOG_CALLBACK)(self._on_log_submitted)
        self.bolt.view_submission(form_modal.FORM_CALLBACK)(self._on_form_submitted)
        self._socket = None
        self._names: OrderedDict[str, tuple[str | None, str | None, str | None]] = OrderedDict()
        self._names_lock = threading.Lock()
        self._register_tasks()

    # -- what bot.runtime.server asks of an adapter ----------------------------------------------------
    def routes(self) -> dict:
        return {EVENTS_PATH: guarded(SlackRequestHandler(self.bolt, path=EVENTS_PATH))}

    def socket_handler(self):
        """bolt's Socket Mode handler over slack_sdk's built-in client (not connected yet)."""
        if self._socket is None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            self._socket = SocketModeHandler(self.bolt, app_token=self.settings.app_token)
        return self._socket

    def start(self) -> None:
        if self.settings.app_token:
            self.socket_handler().connect()
            log.info("slack: Socket Mode connected")

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def health(self) -> tuple[bool, str]:
        """For /readyz: the Socket Mode connection, when Socket Mode is configured."""
        if not self.settings.app_token:
            return True, "events over HTTP"
        if self._socket is None:
            return False, "Socket Mode is not connected"
        if not self._socket.client.is_connected():
            return False, "Socket Mode connection lost (reconnecting)"
        return True, "Socket Mode connected"

    # -- listeners: parse, hand over, ack ------------------------------------------------------
    def _on_event(self, body, context) -> None:  # bolt answers Slack after this returns
        incoming = parse.parse_event(body, context.get("bot_user_id"))
        if incoming is not None:
            self.app.background.submit(HandleMessage(incoming))

    def _on_command(self, ack, body) -> None:
        self.app.background.submit(self._task_for(parse.parse_command(body)))  # on record before the ack
        ack()

    def _on_action(self, ack, body) -> None:
        incoming = parse.parse_action(body)
        if incoming is not None:
            self.app.background.submit(self._task_for(incoming))
        ack()

    def _task_for(self, incoming: Incoming):
        if self._is_bare_log(incoming.text):
            return OpenLogModal(incoming)
        if self._is_bare(incoming.text, "report"):
            return OpenFormModal(incoming)
        return HandleMessage(incoming)

    def _on_log_submitted(self, ack, body) -> None:
        user = body["user"]["id"]
        lang, today = self._lang_and_today(user)
        commands, errors = views.check_log(parse.view_values(body["view"]), self.app.i18n, lang, today=today,
                                           window_days=self.app.settings.log_window_days)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        view_id = body["view"]["id"]
        for n, text in enumerate(commands):
            incoming = Incoming(platform=PLATFORM, user_id=user, text=text, channel_id=user, is_direct=True,
                                event_id=f"view:{view_id}:{body['view'].get('hash', '')}:{n}",
                                user_name=body["user"].get("username") or body["user"].get("name"))
            self.app.background.submit(HandleMessage(incoming))
        ack()

    def _on_form_submitted(self, ack, body) -> None:
        """A review form's modal: every answer checked as in chat; errors go back on their fields."""
        user, view = body["user"]["id"], body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        values = form_modal.modal_values(view)
        errors = whole.check_all(self.app, PLATFORM, user, meta.get("form", ""), values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        self.app.background.submit(SubmitForm(PLATFORM, user, meta.get("form", ""), meta.get("period", ""), values,
                                              event_id=f"form:{view['id']}:{view.get('hash', '')}"))
        ack()

    def _submit_form(self, task: SubmitForm) -> None:
        self.app.deliver(whole.submit_all(self.app, PLATFORM, task.user_id, task.form_id, task.period,
                                          task.values))

    def _is_bare_log(self, text: str) -> bool:
        return self._is_bare(text, "log")

    def _is_bare(self, text: str, name: str) -> bool:
        cmd, args, _ = self.app.router.match(text)
        return cmd is not None and cmd.name == name and not args

    # -- the work after the ack ----------------------------------------------------------------
    def _register_tasks(self) -> None:
        """How this adapter runs the typed tasks its listeners record (bot.chat.tasks)."""
        tasks = self.app.tasks
        tasks.register(HandleMessage, lambda task: self._work(task.incoming), PLATFORM)
        tasks.register(OpenLogModal, lambda task: self._open_log_modal(task.incoming), PLATFORM)
        tasks.register(OpenFormModal, lambda task: self._open_form_modal(task.incoming), PLATFORM)
        tasks.register(SubmitForm, self._submit_form, PLATFORM)

    def _work(self, incoming: Incoming) -> None:
        incoming = self.with_profile(incoming)
        if incoming.extra.get("home"):
            self.publish_home(incoming)
        else:
            self.app.process(incoming)

    def with_profile(self, incoming: Incoming) -> Incoming:
        """Name and language from users.info (cached), for people the bot has not met yet."""
        with self.app.db.session() as session:
            known = org.find_account(PLATFORM, incoming.user_id, session=session) is not None
        if known:  # their name and language are ours already; no Web API call per message
            return replace(incoming, received_at=incoming.received_at or self.app.clock())
        name, lang, tz = self.profile(incoming.user_id)
        return replace(incoming, user_name=name or incoming.user_name, lang_hint=lang or incoming.lang_hint,
                       tz_hint=tz or incoming.tz_hint, received_at=incoming.received_at or self.app.clock())

    def profile(self, user_id: str) -> tuple[str | None, str | None, str | None]:
        """Name, language and time zone from users.info (cached)."""
        with self._names_lock:
            if user_id in self._names:
                return self._names[user_id]
        name = lang = tz = None
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
            locale = (user.get("locale") or "").lower()
            lang = "zh" if locale.startswith("zh") else "en" if locale.startswith("en") else None
            tz = user.get("tz")
        except Exception as exc:  # a missing name is no reason to lose the message
            log.warning("slack: users.info %s failed: %s", user_id, exc)
            return None, None, None
        with self._names_lock:
            self._names[user_id] = (name, lang, tz)
            while len(self._names) > 5000:
                self._names.popitem(last=False)
        return name, lang, tz

    def publish_home(self, incoming: Incoming) -> None:
        """The person's Home tab: their month's scorecard (the `me` command's answer) and buttons."""
        replies = self.app.handle(incoming)
        if not replies:
            return  # a retried delivery of the same event
        lang = replies[-1].lang
        self.client.views_publish(user_id=incoming.user_id, view=views.home_view(replies, self.app.i18n, lang))

    def _open_log_modal(self, incoming: Incoming) -> None:
        incoming = self.with_profile(incoming)
        lang, _ = self._lang_and_today(incoming.user_id, hint=incoming.lang_hint)
        view = views.log_modal(self.app.i18n, lang)
        try:
            self.client.views_open(trigger_id=incoming.extra["trigger_id"], view=view)
        except Exception as exc:
            log.warning("slack: views.open failed (%s); answering with the typed form instead", exc)
            self.app.process(incoming)  # `log` without numbers: the usage example

    def _open_form_modal(self, incoming: Incoming) -> None:
        """The due review form as a modal; with nothing due (or no trigger), the chat answer instead."""
        incoming = self.with_profile(incoming)
        due = whole.open_due(self.app, PLATFORM, incoming.user_id)
        if due is None or not incoming.extra.get("trigger_id"):
            self.app.process(incoming)
            return
        try:
            view = form_modal.form_modal(self.app.i18n, due)
            self.client.views_open(trigger_id=incoming.extra["trigger_id"], view=view)
        except Exception as exc:
            log.warning("slack: views.open failed (%s); the form goes on in the chat instead", exc)
            self.app.process(incoming)

    def _lang_and_today(self, user_id: str, *, hint: str | None = None):
        settings = self.app.settings
        with self.app.db.session() as session:
            person = org.find_account(PLATFORM, user_id, session=session)
            team = org.get_team(person.team_id, session=session) if person else None
            lang = person.lang if person else (hint if hint in ("zh", "en") else settings.lang)
            tz = team.tz if team else settings.tz
        return lang, local_today(self.app.clock(), tz)

    # -- replies ---------------------------------------------------------------------------------
    def answers_privately(self, origin: Incoming, reply: Reply) -> bool:
        """A slash command or a button in a channel is answered to its user alone, except the public
        commands' answers (PUBLIC_COMMANDS); a mention in a channel is answered in the channel."""
        return bool(origin.extra.get("response_url")) and not self._is_public(origin, reply)

    def _is_public(self, origin: Incoming, reply: Reply) -> bool:
        if origin.is_direct or reply.kind != "answer" or not origin.extra.get("command"):
            return False
        cmd, _, _ = self.app.router.match(origin.text)
        return cmd is not None and cmd.name in PUBLIC_COMMANDS
