"""The Slack Web API stand-in for bench/slack_load.py, in a process of its own so that answering the bot's
calls never takes the load generator's GIL (a real Slack costs this machine nothing).

Prints its base URL, then reads commands on standard input, one per line: `dump PATH` writes
{name: arrival time (time.monotonic)} of every response_url post to PATH and prints `ok`; end of input
stops it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.slack_api import FakeSlack  # noqa: E402  (the same faithful stand-in the tests use)


def main() -> None:
    token, users = sys.argv[1], int(sys.argv[2])
    fake = FakeSlack(token)
    for n in range(1, users + 1):
        fake.add_user(f"UBENCH{n}", f"Rep {n:05d}", locale="zh-CN")
    print(fake.url, flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "dump":
            arrived = {c.path.rsplit("/", 1)[-1]: c.at for c in fake.sent("response_url")}
            Path(arg).write_text(json.dumps(arrived))
            print("ok", flush=True)
    fake.close()


if __name__ == "__main__":
    main()
