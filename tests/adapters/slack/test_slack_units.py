"""The Slack adapter's pure parts: rendering to Block Kit within Slack's limits, parsing payloads,
checking the log modal field by field, and settings."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.slack import build, parse, render, views
from adapters.slack.settings import SlackSettings, load_slack_settings
from bot.core.config import SettingsError
from bot.chat.i18n import I18n
from bot.chat.messages import Button, Mention, Reply

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def i18n():
    return I18n()


def test_chat_markdown_becomes_mrkdwn():
    text = "**Alice** logged <b>&co</b>\n- one\n- two _it_ `code` \\*not bold\\*"
    assert render.to_mrkdwn(text) == ("*Alice* logged &lt;b&gt;&amp;co&lt;/b&gt;\n• one\n• two _it_ `code` "
                                      "*not bold*")


def test_mentions_replace_the_escaped_name():
    reply = Reply(text="🎉 **Ann\\_Lee** just closed **¥1**! Ann\\_Lee this month: ¥1",
                  mentions=[Mention("Ann_Lee", {"slack": "U1", "wecom": "ann"})], title="Deal")
    payload = render.message(reply)
    section = payload["blocks"][1]["text"]["text"]
    assert section == "🎉 *<@U1>* just closed *¥1*! <@U1> this month: ¥1"
    assert "<@U1>" in payload["text"]
    assert payload["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Deal", "emoji": True}}


def test_sections_buttons_and_header():
    reply = Reply(text="first\n---\nsecond", title="**T** & co", buttons=[
        Button("Undo", "undo", "danger"), Button("My score", "me"), Button("x" * 100, "top", "weird")])
    blocks = render.blocks_for(reply)
    assert [b["type"] for b in blocks] == ["header", "section", "divider", "section", "actions"]
    assert blocks[0]["text"]["text"] == "T & co"  # plain_text is not escaped
    buttons = blocks[-1]["elements"]
    assert [b["value"] for b in buttons] == ["undo", "me", "top"]
    assert buttons[0]["style"] == "danger" and "style" not in buttons[1] and "style" not in buttons[2]
    assert len(buttons[2]["text"]["text"]) == 75
    assert len({b["action_id"] for b in buttons}) == 3


def test_long_text_is_split_at_lines_within_3000_characters():
    line = "▰" * 70 + " Alice · ¥120,000"
    reply = Reply(text="\n".join([line] * 200) + "\n" + "y" * 7000)
    blocks = render.blocks_for(reply)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    assert "".join(t.replace("\n", "") for t in texts) == reply.text.replace("\n", "")
    assert all(not t.startswith("\n") for t in texts)


def test_too_many_parts_are_merged_then_cut_to_50_blocks():
    many = "\n---\n".join(f"part {i}" for i in range(40))
    blocks = render.blocks_for(Reply(text=many, title="t", buttons=[Button("a", "a")]))
    assert len(blocks) <= 50 and [b["type"] for b in blocks] == ["header", "section", "actions"]
    huge = "\n---\n".join(("z" * 2900 + "\n") * 2 for _ in range(40))
    blocks = render.blocks_for(Reply(text=huge, title="t", buttons=[Button("a", "a")]))
    assert len(blocks) == 50 and blocks[-2]["type"] == "context" and blocks[-1]["type"] == "actions"
    assert len(render.fallback_text(Reply(text=huge))) <= 40000


def test_parse_mention_strips_the_bot_and_keeps_others():
    body = {"event_id": "Ev1", "event_time": 1764122400, "team_id": "T1",
            "event": {"type": "app_mention", "user": "U1", "text": "<@UBOT> team add <@U2>  to Sales",
                      "channel": "C1", "ts": "1.1", "thread_ts": "0.9"}}
    incoming = parse.parse_event(body, "UBOT")
    assert (incoming.text, incoming.channel_id, incoming.is_direct, incoming.event_id) == (
        "team add <@U2> to Sales", "C1", False, "Ev1")
    assert incoming.extra["thread_ts"] == "0.9"
    assert parse.parse_event({"event": {"type": "message", "user": "U1", "text": "hi", "channel": "C1",
                                        "channel_type": "channel"}}, "UBOT") is None
    home = parse.parse_event({"event_id": "Ev2", "event": {"type": "app_home_opened", "user": "U1",
                                                           "tab": "messages"}}, "UBOT")
    assert home is None


def test_parse_command_in_a_dm_and_in_a_channel():
    common = {"user_id": "U1", "text": "  top   week ", "trigger_id": "t1", "response_url": "https://x"}
    in_channel = parse.parse_command({**common, "channel_id": "C1", "channel_name": "sales"})
    assert (in_channel.text, in_channel.is_direct, in_channel.channel_name, in_channel.event_id) == (
        "top week", False, "sales", "command:t1")
    in_dm = parse.parse_command({**common, "channel_id": "D1", "channel_name": "directmessage"})
    assert in_dm.is_direct and in_dm.channel_name is None


@pytest.mark.parametrize("fields, errors", [
    ({"dialed": "80", "connected": "32", "talk": "2h15m"}, {}),
    ({"dialed": "eighty"}, {"dialed": "eighty"}),
    ({"dialed": "80", "talk": "2h"}, {"connected": "connected"}),
    ({"connected": "30"}, {"dialed": "calls dialed"}),
    ({"amount": "-5"}, {"amount": "-5"}),
    ({"customer": "Acme"}, {"amount": "Acme"}),
    ({}, {"dialed": "no calls"}),
    ({"dialed": "80", "day": "2026-11-27"}, {"day": "future"}),
    ({"dialed": "80", "day": "2026-10-01"}, {"day": "too far back"}),
])
def test_log_modal_errors_land_on_their_field(i18n, fields, errors):
    commands, found = views.check_log(fields, i18n, "en", today=TODAY, window_days=7)
    assert set(found) == set(errors)
    for field, words in errors.items():
        assert words in found[field] and len(found[field]) <= 150 and "`" not in found[field]
    assert bool(commands) == (not errors)


def test_log_modal_values_become_commands(i18n):
    commands, errors = views.check_log({"dialed": "1,200", "connected": "三十", "talk": "135", "amount": "12万",
                                        "customer": " 华为  技术 ", "day": "2026-11-25"}, i18n, "zh",
                                       today=TODAY, window_days=7)
    assert errors == {} and commands == ["log 1200 30 135 2026-11-25", "won 120000.00 华为 技术 2026-11-25"]
    zh = views.check_log({"dialed": "abc"}, i18n, "zh", today=TODAY, window_days=7)[1]["dialed"]
    assert "abc" in zh and zh != views.check_log({"dialed": "abc"}, i18n, "en", today=TODAY, window_days=7)[1]["dialed"]


def test_modal_is_bilingual(i18n):
    en, zh = views.log_modal(i18n, "en"), views.log_modal(i18n, "zh")
    assert en["title"]["text"] == "Log today" and zh["title"]["text"] == "记录今天"
    assert all(len(v["title"]["text"]) <= 24 for v in (en, zh))
    assert [b["block_id"] for b in en["blocks"]] == [b["block_id"] for b in zh["blocks"]]


def test_settings(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    assert build(None, SlackSettings(_env_file=None)) is None
    assert SlackSettings(_env_file=None, SLACK_API_URL="http://127.0.0.1:9/api").api_url == "http://127.0.0.1:9/api/"
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN: must be the bot token"):
        load_slack_settings(_env_file=None, SLACK_BOT_TOKEN="xoxp-user", SLACK_SIGNING_SECRET="s")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is empty"):
        load_slack_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1")
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN: must be an app-level token"):
        load_slack_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s",
                            SLACK_APP_TOKEN="xoxb-2")


def test_manifest_matches_what_the_adapter_listens_to():
    from pathlib import Path

    import yaml

    from adapters.slack.adapter import COMMAND, EVENTS_PATH

    manifest = yaml.safe_load((Path(__file__).resolve().parents[3] / "manifest.yml").read_text())
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == COMMAND and command["url"].endswith(EVENTS_PATH)
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_home_opened", "app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] and settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert manifest["features"]["app_home"]["home_tab_enabled"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:write", "users:read"} <= scopes
