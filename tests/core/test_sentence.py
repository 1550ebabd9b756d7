"""The free-form sentence reader: what reps really type, in Chinese and English, and what it refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import sentence
from bot.core.parsing import ParseError
from bot.core.sentence import ParsedDeal, ParsedSentence, parse_sentence

TODAY = date(2026, 11, 26)
YESTERDAY = date(2026, 11, 25)


def deal(amount, customer=None) -> ParsedDeal:
    return ParsedDeal(Decimal(amount), customer)


def read(text: str) -> ParsedSentence:
    return parse_sentence(text, TODAY)


def refusal(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        read(text)
    return info.value


# (text, dialed, connected, talk minutes, deals, day)
CHINESE = [
    ("打了80个电话，接通32，通话2h15m，签了一单12万", 80, 32, 135, [deal(120000)], None),
    ("今天外呼120通，接通45个，通时3小时，成交华为一单5万", 120, 45, 180, [deal(50000, "华为")], None),
    ("拨了60个电话 打通20个 聊了1个半小时", 60, 20, 90, [], None),
    ("昨天打了50个电话", 50, None, None, [], YESTERDAY),
    ("签了两单，华为12万，腾讯8万", None, None, None, [deal(120000, "华为"), deal(80000, "腾讯")], None),
    ("拿下腾讯 8万", None, None, None, [deal(80000, "腾讯")], None),
    ("今天打了100个电话，接通了40个，通话时长3小时20分钟", 100, 40, 200, [], None),
    ("外呼80通 接通30 通时2个小时", 80, 30, 120, [], None),
    ("我今天一共拨打了150通电话，打通了60个，有效通话4小时", 150, 60, 240, [], None),
    ("昨天外呼90个，接通35个，聊了2个半小时，签约腾讯一单8万", 90, 35, 150, [deal(80000, "腾讯")], YESTERDAY),
    ("前天打了70个电话", 70, None, None, [], date(2026, 11, 24)),
    ("11月24日打了60个电话，接通20个", 60, 20, None, [], date(2026, 11, 24)),
    ("拨了两百个电话，接通八十个", 200, 80, None, [], None),
    ("打了120通电话；接通50；通话3h", 120, 50, 180, [], None),
    ("签单华为15万", None, None, None, [deal(150000, "华为")], None),
    ("成交一单5千块", None, None, None, [deal(5000)], None),
    ("拿下阿里巴巴，合同金额30万", None, None, None, [deal(300000, "阿里巴巴")], None),
    ("出单2单，华为12万，腾讯8万", None, None, None, [deal(120000, "华为"), deal(80000, "腾讯")], None),
    ("开单 ¥12,000", None, None, None, [deal(12000)], None),
    ("签约招商银行 12万5", None, None, None, [deal(125000, "招商银行")], None),
    ("打了80个电话、接通32个、通话2小时15分钟。", 80, 32, 135, [], None),
    ("通话2h15m，打了80个电话", 80, None, 135, [], None),
    ("80个电话，32个接通，2小时", 80, 32, 120, [], None),  # a duration needs no keyword
    ("打了80个电话接通32通话2h15m", 80, 32, 135, [], None),  # no punctuation: split where keywords start
    ("打了８０个电话，接通３２个", 80, 32, None, [], None),
    ("成交华为技术有限公司一单5万", None, None, None, [deal(50000, "华为技术有限公司")], None),
    ("签了一单12万 华为", None, None, None, [deal(120000, "华为")], None),
]

ENGLISH = [
    ("80 dials, 32 connected, 2h15m talk, closed Acme for 120k", 80, 32, 135, [deal(120000, "Acme")], None),
    ("called 50, connected 20, 90 min on the phone", 50, 20, 90, [], None),
    ("dials 80 connected 32 talk 2h", 80, 32, 120, [], None),
    ("80 dials 32 connected 2h15m talk", 80, 32, 135, [], None),
    ("won 2 deals: Acme 50k and Globex 1.2m", None, None, None, [deal(50000, "Acme"), deal(1200000, "Globex")], None),
    ("won 2 deals: Acme 50k, Globex 1.2m", None, None, None, [deal(50000, "Acme"), deal(1200000, "Globex")], None),
    ("signed Globex 30,000", None, None, None, [deal(30000, "Globex")], None),
    ("closed 50k with Initech", None, None, None, [deal(50000, "Initech")], None),
    ("I made 100 calls today, 40 connected, 3h20m talk time", 100, 40, 200, [], None),
    ("Yesterday: 90 dials, 35 connects, 2.5 hours on the phone", 90, 35, 150, [], YESTERDAY),
    ("made 60 calls and talked for 75 minutes", 60, None, 75, [], None),
    ("120 calls, 48 connects, closed Globex for $25k", 120, 48, None, [deal(25000, "Globex")], None),
    ("Closed a deal with Initech for 8,500", None, None, None, [deal(8500, "Initech")], None),
    ("won Acme Corp 1.2m", None, None, None, [deal(1200000, "Acme Corp")], None),
    ("signed 2 deals: 50k with Acme and 30k with Globex", None, None, None,
     [deal(50000, "Acme"), deal(30000, "Globex")], None),
    ("dials: 80, connected: 32, talk: 2:15", 80, 32, 135, [], None),
    ("Called 50 people, connected with 20", 50, 20, None, [], None),
    ("on 11/24 I made 40 calls", 40, None, None, [], date(2026, 11, 24)),
    ("day before yesterday 70 dials", 70, None, None, [], date(2026, 11, 24)),
    ("80 dials, 32 connected, 2h15m talk, closed Acme for 120k.", 80, 32, 135, [deal(120000, "Acme")], None),
    ("I made 80 calls and closed Johnson and Johnson for 50k", 80, None, None,
     [deal(50000, "Johnson and Johnson")], None),
    ("2026-11-20: 80 dials, 30 connects", 80, 30, None, [], date(2026, 11, 20)),
    ("DIALS 80 CONNECTED 32", 80, 32, None, [], None),
]


@pytest.mark.parametrize("text, dialed, connected, talk, deals, day", CHINESE + ENGLISH)
def test_sentences(text, dialed, connected, talk, deals, day):
    assert read(text) == ParsedSentence(dialed=dialed, connected=connected, talk_minutes=talk, deals=deals,
                                        day=day)


def test_m_is_minutes_for_talk_and_million_for_money():
    assert read("80 calls 90m talk").talk_minutes == 90
    assert read("80 calls, 90m").talk_minutes == 90
    assert read("80 calls, 90m") .deals == []
    assert read("closed Acme for 90m").deals == [deal(90_000_000, "Acme")]
    assert read("80 calls 90m talk, closed Acme 1.5m") == ParsedSentence(
        dialed=80, talk_minutes=90, deals=[deal(1_500_000, "Acme")])


def test_amounts_are_decimal_cents():
    amount = read("成交华为一单12.5万").deals[0].amount
    assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2 and amount == 125000


def test_a_named_deal_takes_the_amount_of_the_next_fragment():
    assert read("拿下腾讯，8万").deals == [deal(80000, "腾讯")]
    assert read("closed Acme, 50k").deals == [deal(50000, "Acme")]


def test_a_stray_number_after_a_deal_is_not_money():
    # "30000" has no money unit and no customer: it is not taken as a second deal.
    assert refusal("closed Acme for 50k, 30000").params == {"fragments": ["30000"]}


@pytest.mark.parametrize("text, fragments", [
    ("打了80个电话，asdfgh，接通32", ["asdfgh"]),
    ("打了80个电话，接通32，blah，签了一单12万", ["blah"]),
    ("打了80个电话 blah 接通32", ["blah"]),
    ("今天天气不错，打了80个电话", ["今天天气不错"]),  # the whole fragment, as written
    ("80 dials, no idea, 32 connected", ["no idea"]),
    ("80 dials, ＡＢＣ", ["ＡＢＣ"]),
    ("打了80个电话，接通32个，通话2小时，签了一单12万万", ["万"]),
    ("80 calls, closed Acme for -5k", ["-5k"]),
    ("dials 80 32", ["32"]),  # 32 of what?
    ("80 dials, talk 90", ["talk 90"]),  # a bare number is no talk time
])
def test_unread_parts_are_named(text, fragments):
    error = refusal(text)
    assert (error.code, error.params) == ("not_understood", {"fragments": fragments})


@pytest.mark.parametrize("text, fragments", [
    ("打了80个电话，接通32，打了90个电话", ["打了80个电话", "打了90个电话"]),
    ("80 calls, 32 connected, 2h talk, 3h talk", ["2h talk", "3h talk"]),
    ("昨天打了80个电话，前天接通32", ["昨天", "前天"]),
    ("签了一单，华为12万，腾讯8万", ["签了一单", "华为12万", "腾讯8万"]),  # one deal said, two given
])
def test_contradictions_are_refused(text, fragments):
    error = refusal(text)
    assert (error.code, error.params) == ("not_understood", {"fragments": fragments})


def test_saying_the_same_thing_twice_is_fine():
    assert read("打了80个电话，80 calls").dialed == 80


@pytest.mark.parametrize("text, fragment", [
    ("签了一单", "签了一单"),
    ("签单", "签单"),
    ("closed Acme", "closed Acme"),
    ("打了80个电话，签了一单", "签了一单"),
    ("签了两单，华为12万", "签了两单"),
    ("won 2 deals: Acme 50k", "won 2 deals: Acme 50k"),
])
def test_a_deal_needs_an_amount(text, fragment):
    error = refusal(text)
    assert (error.code, error.params) == ("deal_without_amount", {"text": fragment})


@pytest.mark.parametrize("text", ["", "   ", "hello team", "今天天气不错", "lunch at 12", "昨天", "today!", "，，"])
def test_nothing_understood(text):
    error = refusal(text)
    assert (error.code, error.params) == ("nothing_understood", {"text": text})


def test_is_empty():
    assert ParsedSentence().is_empty()
    assert ParsedSentence(day=TODAY).is_empty()
    assert not ParsedSentence(connected=0).is_empty()
    assert not ParsedSentence(deals=[deal(1)]).is_empty()


def test_one_module_exports_every_parser():
    assert ParsedSentence is sentence.ParsedSentence and parse_sentence is sentence.parse_sentence


CUSTOMERS = ["Acme", "Globex Corp", "华为", "腾讯", "Initech"]
cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2)


@st.composite
def reports(draw):
    """A sentence built from random numbers in either language, its clauses in any order."""
    dialed = draw(st.integers(0, 3000))
    connected = draw(st.integers(0, 3000))
    h, m = draw(st.integers(0, 16)), draw(st.integers(0, 59))
    amount, customer = draw(cents), draw(st.sampled_from(CUSTOMERS))
    if draw(st.booleans()):
        clauses = [f"打了{dialed}个电话", f"接通{connected}个", f"通话{h}小时{m}分钟",
                   f"成交{customer}一单{amount / 10000:f}万"]
        sep = draw(st.sampled_from(["，", "；", "、", " ", ""]))
    else:
        clauses = [f"{dialed} dials", f"connected {connected}", f"{h}h{m}m talk", f"closed {customer} for ¥{amount:,}"]
        sep = draw(st.sampled_from([", ", "; ", " and ", "\n", " "]))
    order = draw(st.permutations(range(4)))
    text = sep.join(clauses[i] for i in order)
    expected = ParsedSentence(dialed=dialed, connected=connected, talk_minutes=h * 60 + m,
                              deals=[ParsedDeal(amount, customer)])
    return text, expected


@given(reports())
def test_random_reports_read_back(report):
    text, expected = report
    assert read(text) == expected, text
