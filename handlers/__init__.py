"""What the bot does with each command; every module registers itself with `register(router)`."""

from __future__ import annotations

from handlers import activity, champions, deals, help, leaderboard, leave, progress, sentence, targets, team


def register_all(router) -> None:
    for module in (help, activity, deals, progress, leaderboard, targets, leave, team, champions, sentence):
        module.register(router)
