"""Reading one ordinary chat sentence ("打了80个电话，接通32…", "80 dials, 32 connected…").

Rule-based, no language model. The sentence is cut at punctuation into fragments; each fragment is
cut into tokens (keywords from the vocabulary table, numbers, dates, other words); then the tokens are
grouped into clauses that match the clause table, choosing the grouping that leaves the fewest tokens
unread. Anything left unread is reported back, so nothing half-understood is ever stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.core.parsing import (AMOUNT_RE, CN, DURATION_RE, INT, ParseError, fold, parse_amount, parse_count,
                         parse_date, parse_duration)


@dataclass
class ParsedDeal:
    amount: Decimal
    customer: str | None


@dataclass
class ParsedSentence:
    dialed: int | None = None
    connected: int | None = None
    talk_minutes: int | None = None
    deals: list[ParsedDeal] = field(default_factory=list)
    day: date | None = None  # from "yesterday"/"昨天"/a date in the sentence, else None

    def is_empty(self) -> bool:
        """True when no metric and no deal was read (a date alone counts as empty)."""
        return self.dialed is None and self.connected is None and self.talk_minutes is None and not self.deals


# Token kinds. FILLER words are read and dropped.
DIAL, CONN, TALK, DEAL, DEAL_NOUN, NUM, WORD, DATE, FILLER = (
    "dial", "conn", "talk", "deal", "deal_noun", "num", "word", "date", "filler")

# The vocabulary. Longest match wins, so 打通 (connected) beats 打 (dialed), 通话量 (dialed) beats
# 通话 (talk) and "on the phone" beats the filler "on". English words match whole words only.
_VOCABULARY = {
    DIAL: "打了|打|外呼|拨打|拨了|拨|呼出|打出|电话|外呼量|拨打量|通话量|"
          "dials|dialed|dialled|dialing|dial|calls|called|call|phone calls|outbound",
    CONN: "接通|打通|通了|接听|接通量|接通数|connected|connects|connect|connections|reached|answered|"
          "picked up|pickups",
    TALK: "通话|通时|通话时长|有效通话|聊了|聊|talk|talked|talking|talk time|talktime|on the phone|"
          "on phone|phone time|call time|on calls",
    DEAL: "成交|签了|签下|签单|签约|签|拿下|出单|开单|成单|搞定|"
          "closed|won|signed|sold|booked|landed",
    DEAL_NOUN: "单子|订单|deal|deals",
    FILLER: "今天|今日|我|我们|了|个|共|总共|一共|总计|合计|累计|共计|总|的|和|跟|与|及|以及|还|也|又|并|"
            "并且|然后|其中|大概|大约|约|左右|差不多|客户|合同|金额|合同金额|价值|"
            "i|we|me|my|our|today|made|make|had|have|has|did|do|got|get|total|in total|overall|with|for|"
            "from|a|an|the|and|plus|also|then|of|them|on|at|about|around|approx|approximately|roughly|"
            "just|only|so far|spent|was|were|is|are|worth|client|customer|people|prospects|leads",
}
_KIND_OF = {w: kind for kind, words in _VOCABULARY.items() for w in words.split("|")}
assert len(_KIND_OF) == sum(len(words.split("|")) for words in _VOCABULARY.values()), "a word in two rows"


def _word_pattern(word: str) -> str:
    pattern = r"\s+".join(map(re.escape, word.split()))
    return rf"(?<![a-z]){pattern}(?![a-z])" if word.isascii() else pattern


_VOCABULARY_RE = re.compile("|".join(_word_pattern(w) for w in sorted(_KIND_OF, key=len, reverse=True)))
_COUNT_RE = re.compile(rf"(?:{INT}|{CN}(?=\s*[个通次单]))(?:\s*(?:个|通(?![话时了])|次|单))?")
_DATE_RE = re.compile(r"(?<![0-9])(?:[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}|(?:[0-9]{4}\s*年\s*)?[0-9]{1,2}"
                      r"\s*月\s*[0-9]{1,2}\s*[日号]?|[0-9]{1,2}[-/][0-9]{1,2})(?![0-9])"
                      r"|昨天|昨日|前天|(?:the\s+)?day\s+before\s+yesterday|yesterday")
_ENGLISH_WORD_RE = re.compile(r"[a-z0-9]+(?:['&.\-][a-z0-9]+)*")
_MONEY_MARK_RE = re.compile(r"[万千亿wk¥$元块]|rmb|cny|usd|yuan|dollar")

# Where a sentence breaks into fragments. A comma between digit groups (120,000) is not a break.
_BREAKS = set(",;、。\n\r!?")
_THOUSANDS_RE = re.compile(r"[0-9],[0-9]{3}(?![0-9])")


@dataclass
class _Token:
    kind: str
    raw: str  # the folded text, what the readers get
    start: int  # offsets into the original sentence
    end: int
    value: object = None


@dataclass
class _Clause:
    kind: str  # a ParsedSentence field, or "deal", or "more" (more deals for the last deal clause)
    value: object
    start: int
    end: int


# The clause table: a metric, the token kinds that say it, in order. The NUM is read by the
# metric's reader; a clause whose number does not read (a duration for dials) does not match.
_CLAUSES = (
    ("dialed", (DIAL, NUM, DIAL)),  # 打了 80个 电话
    ("dialed", (DIAL, NUM)),  # 外呼 120通 / dials 80 / called 50
    ("dialed", (NUM, DIAL)),  # 80 dials / 80个 电话
    ("connected", (CONN, NUM)),  # 接通 32 / connected 20
    ("connected", (NUM, CONN)),  # 32 connected / 20个 接通
    ("talk_minutes", (TALK, NUM)),  # 通话 2h15m / talk 2h / 聊了 1个半小时
    ("talk_minutes", (NUM, TALK)),  # 2h15m talk / 90 min on the phone
    ("talk_minutes", (NUM,)),  # 通话 left out: "2小时" is talk time by its unit alone
    ("day", (DATE,)),  # 昨天 / yesterday / 11月25日
)
_READERS = {"dialed": parse_count, "connected": parse_count, "talk_minutes": parse_duration}
_MAX_DEAL_TOKENS = 16  # bounds the search; enough for four deals in one clause


def parse_sentence(text: str, today: date) -> ParsedSentence:
    """Dials, connects, talk time, deals and the day from one chat sentence in Chinese or English.

    Raises ParseError: nothing_understood (no report in it), not_understood (fragments left unread, or
    saying one thing twice with different numbers), deal_without_amount (a closing verb, no amount).
    """
    folded = fold(text)
    clauses: list[_Clause] = []
    unread: list[str] = []
    for start, end in _fragments(text, folded):
        tokens = _tokens(folded, start, end, today)
        found, junk = _segment(tokens, deal_open=any(c.kind == "deal" for c in clauses))
        clauses += found
        if junk and not found:
            unread.append(text[start:end].strip())  # report the whole fragment, as written
        else:
            unread += [text[s:e].strip() for s, e in junk]
    if not clauses:
        raise ParseError("nothing_understood", text=text)
    if unread:
        raise ParseError("not_understood", fragments=unread)
    result = ParsedSentence(deals=_deals(clauses, text))
    conflicts = []
    for name in ("dialed", "connected", "talk_minutes", "day"):
        said = [c for c in clauses if c.kind == name]
        if len({c.value for c in said}) > 1:  # the same number twice is harmless; two are a contradiction
            conflicts += [text[c.start:c.end].strip() for c in said]
        elif said:
            setattr(result, name, said[0].value)
    if conflicts:
        raise ParseError("not_understood", fragments=conflicts)
    if result.is_empty():
        raise ParseError("nothing_understood", text=text)
    return result


def _fragments(text: str, folded: str):
    start = 0
    for i, ch in enumerate(folded):
        if ch == ".":
            between_digits = 0 < i < len(folded) - 1 and folded[i - 1].isdigit() and folded[i + 1].isdigit()
            if between_digits:  # a decimal point (1.5h) or a dotted date (2026.11.25)
                continue
        elif ch not in _BREAKS or (text[i] == "," and _THOUSANDS_RE.match(folded, i - 1 if i else 0)):
            continue
        yield start, i
        start = i + 1
    yield start, len(text)


def _tokens(s: str, start: int, end: int, today: date) -> list[_Token]:
    """The fragment s[start:end] as tokens; fillers and stray punctuation are dropped."""
    tokens: list[_Token] = []
    pos = start
    while pos < end:
        if s[pos].isspace():
            pos += 1
            continue
        token = _date_at(s, pos, end, today) or _number_at(s, pos, end) or _vocabulary_at(s, pos, end)
        if token is None:
            m = _ENGLISH_WORD_RE.match(s, pos, end)
            if m is None and unicodedata.category(s[pos])[0] in "PSZ":
                pos += 1
                continue
            token = _Token(WORD, s[pos:m.end() if m else pos + 1], pos, m.end() if m else pos + 1)
        pos = token.end
        if token.kind == FILLER:
            continue
        last = tokens[-1] if tokens else None
        if last and last.kind == token.kind and token.kind in (WORD, DIAL, CONN, TALK, DEAL):
            # "Acme Corp", "华为" (one token per Chinese character), "outbound calls": one token.
            last.raw, last.end = s[last.start:token.end], token.end
        else:
            tokens.append(token)
    return tokens


def _date_at(s: str, pos: int, end: int, today: date) -> _Token | None:
    if m := _DATE_RE.match(s, pos, end):
        try:
            return _Token(DATE, m.group(), pos, m.end(), parse_date(m.group(), today))
        except ParseError:
            pass  # 32/80 is no date: read on as numbers
    return None


def _number_at(s: str, pos: int, end: int) -> _Token | None:
    # Every number shape is tried and the longest wins: "90min" over "90m", "2个小时" over "2个".
    # What the number means (a count, minutes or money) is decided later by its clause.
    at = pos
    if s[pos] in "-−" and (pos == 0 or not s[pos - 1].isalnum()):
        at = pos + 1  # keep the sign, so that "-5k" is refused rather than read as 5k
    ends = [m.end() for m in (r.match(s, at, end) for r in (AMOUNT_RE, DURATION_RE, _COUNT_RE)) if m]
    if not ends or max(ends) == at:
        return None
    return _Token(NUM, s[pos:max(ends)].strip(), pos, max(ends))


def _vocabulary_at(s: str, pos: int, end: int) -> _Token | None:
    m = _VOCABULARY_RE.match(s, pos, end)
    return _Token(_KIND_OF[" ".join(m.group().split())], m.group(), pos, m.end()) if m else None


def _segment(tokens: list[_Token], deal_open: bool) -> tuple[list[_Clause], list[tuple[int, int]]]:
    """Group tokens into clauses, leaving as few unread as possible (then using as few clauses)."""
    n = len(tokens)
    best: list[tuple | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for i in range(n):
        if best[i] is None:
            continue
        unread, used, path = best[i]
        choices = [(i + 1, (unread + 1, used, path + (i,)))]
        opened = deal_open or any(t.kind in (DEAL, DEAL_NOUN) for t in tokens[:i])
        for j in range(i + 1, min(n, i + _MAX_DEAL_TOKENS) + 1):
            clause = _read_clause(tokens[i:j], opened)
            if clause:
                choices.append((j, (unread, used + 1, path + (clause,))))
        for j, choice in choices:
            if best[j] is None or choice[:2] < best[j][:2]:
                best[j] = choice
    clauses, junk = [], []
    for item in best[n][2]:
        if isinstance(item, _Clause):
            clauses.append(item)
        elif junk and junk[-1][2] == item - 1:
            junk[-1] = (junk[-1][0], tokens[item].end, item)
        else:
            junk.append((tokens[item].start, tokens[item].end, item))
    return clauses, [(s, e) for s, e, _ in junk]


def _read_clause(tokens: list[_Token], deal_open: bool) -> _Clause | None:
    kinds = tuple(t.kind for t in tokens)
    span = tokens[0].start, tokens[-1].end
    for kind, pattern in _CLAUSES:
        if kinds == pattern:
            num = next((t for t in tokens if t.kind == NUM), None)
            if num is None:
                return _Clause(kind, tokens[0].value, *span)
            try:
                return _Clause(kind, _READERS[kind](num.raw), *span)
            except ParseError:
                continue
    if kinds[0] in (DEAL, DEAL_NOUN) or kinds[:2] == (NUM, DEAL_NOUN):
        deal = _read_deal(tokens, opening=True)
        return _Clause("deal", deal, *span) if deal else None
    if deal_open:
        deal = _read_deal(tokens, opening=False)
        return _Clause("more", deal, *span) if deal else None
    return None


def _read_deal(tokens: list[_Token], opening: bool) -> tuple[int | None, list] | None:
    """(number of deals said, [(amount or None, customer or None)]), or None if this is no deal clause.

    An opening clause starts with a closing verb or "deals" ("closed Acme for 120k", "签了一单12万",
    "2 deals: Acme 50k, Globex 1.2m"). Without one ("华为12万" after "签了两单") the clause only adds
    amounts, and each needs a customer or a money unit, so a stray "80" is not taken for money.
    """
    count, seq, head_seen = None, [], not opening
    for i, t in enumerate(tokens):
        after = tokens[i + 1].kind if i + 1 < len(tokens) else None
        if t.kind in (DEAL, DEAL_NOUN) and not head_seen:
            head_seen = True
        elif t.kind == DEAL:
            if seq:
                return None  # a verb after an amount or a name starts a clause of its own
        elif t.kind == DEAL_NOUN:
            continue
        elif t.kind == NUM and (after == DEAL_NOUN or t.raw.endswith("单")):
            if count is not None:
                return None
            try:
                count = parse_count(t.raw.removesuffix("单"))
            except ParseError:
                return None
        elif not head_seen:
            return None
        elif t.kind == NUM:
            try:
                seq.append(("A", parse_amount(t.raw), t))
            except ParseError:
                return None
        elif t.kind == WORD:
            seq.append(("W", (t.start, t.end), t))
        else:
            return None
    pairs = _pair(seq)
    if pairs is None:
        return None
    if not opening:
        if not pairs or any(a is None for a, _ in pairs):
            return None
        named = any(c for _, c in pairs)
        if not named and not all(_MONEY_MARK_RE.search(t.raw) for kind, _, t in seq if kind == "A"):
            return None
    return count, pairs


def _pair(seq: list) -> list | None:
    """Customers with amounts: "Acme 50k Globex 1.2m" (name first) or "50k with Initech" (amount first)."""
    if not seq:
        return []
    if seq[0][0] == "W":
        if len(seq) == 1:
            return [(None, seq[0][1])]  # "closed Acme": a deal that still needs its amount
        if len(seq) % 2 or any(seq[k][0] != "W" or seq[k + 1][0] != "A" for k in range(0, len(seq), 2)):
            return None
        return [(seq[k + 1][1], seq[k][1]) for k in range(0, len(seq), 2)]
    pairs = []
    for k, (kind, value, token) in enumerate(seq):
        if kind == "A":
            pairs.append((value, None))
        elif pairs[-1][1] is None and token.start > seq[k - 1][2].end:
            pairs[-1] = (pairs[-1][0], value)
        else:
            return None  # also "12万万": a name glued to an amount is a typo, not a customer
    return pairs


def _deals(clauses: list[_Clause], text: str) -> list[ParsedDeal]:
    """Join each deal clause with the clauses that add to it, then check the amounts are all there."""
    groups = []
    for c in clauses:
        if c.kind == "deal":
            groups.append((c, c.value[0], list(c.value[1]), [c]))
        elif c.kind == "more":
            if not groups:
                raise ParseError("not_understood", fragments=[text[c.start:c.end].strip()])
            opening, _, pairs, members = groups[-1]
            for amount, customer in c.value[1]:
                if customer is None and pairs and pairs[-1][0] is None:
                    pairs[-1] = (amount, pairs[-1][1])  # "拿下腾讯，8万": the amount of the named deal
                else:
                    pairs.append((amount, customer))
            members.append(c)
    deals = []
    for opening, count, pairs, members in groups:
        if count is not None and len(pairs) > count:
            raise ParseError("not_understood", fragments=[text[c.start:c.end].strip() for c in members])
        if any(a is None for a, _ in pairs) or len(pairs) < (1 if count is None else count):
            raise ParseError("deal_without_amount", text=text[opening.start:opening.end].strip())
        deals += [ParsedDeal(amount, _name(text, span)) for amount, span in pairs]
    return deals


def _name(text: str, span: tuple[int, int] | None) -> str | None:
    """The customer as the user spelled it, without quotes or brackets around it."""
    return text[span[0]:span[1]].strip(" \t\"'“”‘’「」『』《》()（）[]【】") or None if span else None
