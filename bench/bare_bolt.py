"""The baseline for bench/slack_load.py: a bare slack-bolt app that only acknowledges `/pace`, served
the same way as `pacebot serve` (waitress, same thread count). Reads SLACK_* from the environment."""

from __future__ import annotations

import os
import sys

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"],
          client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]))


@app.command("/pace")
def pace(ack):
    ack()


handler = SlackRequestHandler(app)

if __name__ == "__main__":
    waitress.serve(handler, host="127.0.0.1", port=int(sys.argv[1]), threads=16, backlog=1024,
                   connection_limit=1000, ident="bare-bolt")
