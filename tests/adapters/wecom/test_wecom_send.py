"""WeCom outbound: one shared access token, refreshed once when WeCom says it expired, API errors as
SendError, WeCom's silent per-member rates kept by the outbox's shared limiter, and rendering within
WeCom's limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.wecom import build, render
from adapters.wecom.adapter import MEMBER
from adapters.wecom.settings import WeComSettings, load_wecom_settings
from bot.delivery.addressing import Address
from bot.core.config import SettingsError
from bot.delivery.errors import SendError
from bot.delivery.limiter import Bucket, Limiter
from bot.chat.messages import Button, Reply, Target
from bot.store.tables.sales import Role
from bot.services import org
from bot.chat.messages import Button, Reply
from tests.conftest import FixedClock
from tests.wecom_fake import FakeWeComAPI, wecom_env


@pytest.fixture
def api():
    fake = FakeWeComAPI()
    yield fake
    fake.close()


def settings_for(api, **more) -> WeComSettings:
    return WeComSettings(_env_file=None, **wecom_env(api), **more)


@pytest.fixture
def adapter(app, api):
    adapter = build(app, settings_for(api))
    app.add_sender(adapter)
    return adapter


def member(app, userid: str) -> Target:
    """A person known by their WeCom account, as a reply's target."""
    with app.db.session() as session:
        person = org.register("wecom", userid, userid, lang="zh", role=Role.REP, now=app.clock(), session=session)
        session.flush()
        return Target.person(person.id)


ZHANG = Address("wecom", "zhangwei", True, "张伟")


def test_processes_share_one_token_and_an_expired_one_is_refreshed_once(app, api, adapter):
    other_process = build(app, settings_for(api))  # another bot process on the same database
    adapter.send(ZHANG, Reply(text="一"), None)
    other_process.send(ZHANG, Reply(text="二"), None)
    assert api.token_fetches == 1

    api.expire_tokens()  # WeCom answers 42001; the bot fetches a new token and resends once
    adapter.send(ZHANG, Reply(text="三"), None)
    assert api.token_fetches == 2 and api.texts(touser="zhangwei") == ["一", "二", "三"]
    other_process.send(ZHANG, Reply(text="四"), None)
    assert api.token_fetches == 2

    api.fail_next("message/send", 42001, times=2)  # still refused after the refresh: no loop
    with pytest.raises(SendError):
        adapter.send(ZHANG, Reply(text="五"), None)
    assert api.token_fetches == 3 and "五" not in api.texts(touser="zhangwei")


def test_api_errors_become_send_errors(app, api, adapter):
    api.fail_next("message/send", 45009)
    with pytest.raises(SendError) as caught:
        adapter.send(ZHANG, Reply(text="x"), None)
    assert caught.value.retry_after and not caught.value.permanent
    api.fail_next("appchat/send", 86003)
    with pytest.raises(SendError) as caught:
        adapter.send(Address("wecom", "wrkNoSuchChat", False), Reply(text="x"), None)
    assert caught.value.permanent
    api.users = [{"userid": "someone", "department": [1]}]  # zhangwei is outside the visible range
    with pytest.raises(SendError, match="visible range") as caught:
        adapter.send(ZHANG, Reply(text="x"), None)
    assert caught.value.permanent


def test_member_rate_is_kept_so_nothing_is_dropped(app, api, adapter, clock):
    zhang, wang = member(app, "zhangwei"), member(app, "wangfang")
    for n in range(31):
        app.deliver([Reply(text=f"消息 {n}", target=zhang, kind="notice")])
    assert len(api.texts(touser="zhangwei")) == 30  # WeCom would silently drop a 31st this minute
    app.deliver([Reply(text="别人", target=wang, kind="notice")])
    assert api.texts(touser="wangfang") == ["别人"]  # other members are not held up
    assert app.outbox.dispatch() == 0
    clock.advance(seconds=60)
    assert app.outbox.dispatch() == 1
    assert api.texts(touser="zhangwei")[-1] == "消息 30"


def test_a_waiting_message_hit_by_a_rate_limit_error_waits_and_is_resent(app, api, adapter, clock):
    zhang = member(app, "zhangwei")
    for n in range(32):
        app.deliver([Reply(text=f"m{n}", target=zhang, kind="notice")])
    clock.advance(seconds=60)
    api.fail_next("message/send", 45009)
    assert app.outbox.dispatch() == 0  # WeCom said "frequency limit": the member's bucket waits a minute
    clock.advance(seconds=60)
    assert app.outbox.dispatch() == 2
    assert api.texts(touser="zhangwei")[-2:] == ["m30", "m31"]


def test_hourly_rate_per_member(db, clock):
    """30 a minute for 34 minutes is within the minute rate but over 1,000 an hour: the shared limiter
    makes the member wait for the hour's oldest to leave."""
    limiter = Limiter(db, clock)
    minute = Bucket("wecom", "user:u", MEMBER, cost=30)
    for _ in range(33):
        assert limiter.acquire(minute) is None
        clock.advance(seconds=60)
    assert limiter.acquire(minute) is not None  # 990 + 30 > 1000
    ten = Bucket("wecom", "user:u", MEMBER, cost=10)
    assert limiter.acquire(ten) is None  # 1000 exactly
    one = Bucket("wecom", "user:u", MEMBER)
    start = clock()
    free = limiter.acquire(one)
    assert free == start - timedelta(minutes=33) + timedelta(hours=1)
    assert limiter.acquire(Bucket("wecom", "user:v", MEMBER)) is None  # another member is not held up
    clock.set(free)
    assert limiter.acquire(one) is None


def test_render_card_markdown_text_and_size_limits():
    card = render.messages(Reply(text="已撤销。", buttons=[Button("我的业绩", "me", "primary")]), cards=True)
    assert card[0]["msgtype"] == "template_card"
    assert card[0]["template_card"]["button_list"] == [{"text": "我的业绩", "style": 1, "key": "me"}]
    assert render.messages(Reply(text="普通\\_文本"), cards=True) == [{"msgtype": "text", "text": {"content": "普通_文本"}}]
    (md,) = render.messages(Reply(text="**加粗** _说明_\n- 一行\n---\n下一节", title="标题"), cards=False)
    assert md["markdown"]["content"] == '**标题**\n\n**加粗** <font color="comment">说明</font>\n• 一行\n\n下一节'
    long = Reply(text="\n".join(f"**第 {n} 行** " + "很长的内容" * 10 for n in range(200)))
    pieces = render.messages(long, cards=True)
    assert len(pieces) > 1 and all(len(p["markdown"]["content"].encode()) <= 2048 for p in pieces)
    joined = "\n".join(p["markdown"]["content"] for p in pieces)
    assert joined == render.to_markdown(long.text)
    robot = render.messages(long, cards=False, markdown_bytes=render.ROBOT_MARKDOWN_BYTES)
    assert len(robot) < len(pieces) and all(len(p["markdown"]["content"].encode()) <= 4096 for p in robot)
    assert render.split_bytes("字" * 1000, 2048) == ["字" * 682, "字" * 318]


def test_settings_are_validated_clearly(api, monkeypatch):
    for key in ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY"):
        monkeypatch.delenv(key, raising=False)
    assert load_wecom_settings(_env_file=None) is None
    with pytest.raises(SettingsError, match="also set WECOM_AGENT_ID, WECOM_SECRET"):
        load_wecom_settings(_env_file=None, WECOM_CORP_ID="ww0123456789abcdef", WECOM_TOKEN="t",
                            WECOM_ENCODING_AES_KEY=wecom_env(api)["WECOM_ENCODING_AES_KEY"])
    with pytest.raises(SettingsError) as caught:
        load_wecom_settings(_env_file=None, **dict(wecom_env(api), WECOM_ENCODING_AES_KEY="short",
                                                    WECOM_API_BASE="qyapi.weixin.qq.com"))
    assert "WECOM_ENCODING_AES_KEY: must be the 43-character" in str(caught.value)
    assert "WECOM_API_BASE: must be a URL" in str(caught.value)
    assert load_wecom_settings(_env_file=None, **wecom_env(api)).api_base == api.url
