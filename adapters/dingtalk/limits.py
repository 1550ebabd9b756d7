"""DingTalk's send limits, as buckets of the shared limiter (`bot.delivery.limiter`): a robot takes 20 messages
a minute and, past that, refuses everything for ten minutes (errcode 130101). Nothing is held here:
the outbox waits for the bucket's room, and a 130101 blocks the bucket for every process."""

from __future__ import annotations

from bot.delivery.limiter import Window

ROBOT_WINDOWS = (Window(20, 60),)  # per robot: a group's robot, a custom robot, the app's robot for 1:1
ROBOT_PENALTY = 600.0  # seconds DingTalk throttles a robot that sent too fast
FLOW_CONTROL_RETRY = 60.0  # seconds before a flow-controlled 1:1 message is tried again
