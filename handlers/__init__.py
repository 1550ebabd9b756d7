"""What the bot does with each command; every module registers itself with `register(router)`.
`wecom_group` is the exception: it needs a platform's group chats, so the composition registers it with
WeCom's when WeCom is configured (bot/app.py, `build_adapters`)."""

from __future__ import annotations

from handlers import (activity, audit, champions, coach, dashboard, deals, forms, help, leaderboard, leave, plan,
                      progress, sentence, targets, team)


def register_all(router) -> None:
    for module in (help, activity, deals, progress, leaderboard, targets, leave, team, plan, coach, champions,
                   dashboard, forms, audit, sentence):
        module.register(router)
