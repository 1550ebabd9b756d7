"""`team`: managers and admins run the org from chat."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.store.tables.sales import Role
from bot.chat.router import Ctx, Router
from bot.services import org, roles
from handlers.common import actor, tokens
from handlers.help import LANG_WORDS

SUBCOMMANDS = {
    "list": "list", "列表": "list", "all": "list", "所有": "list",
    "create": "create", "new": "create", "创建": "create", "新建": "create",
    "add": "add", "move": "add", "添加": "add", "加入": "add", "移动": "add", "调入": "add",
    "remove": "remove", "移除": "remove", "删除": "remove",
    "manager": "manager", "经理": "manager", "主管": "manager",
    "channel": "channel", "频道": "channel", "群": "channel",
    "tz": "tz", "timezone": "tz", "时区": "tz",
    "holidays": "holidays", "节假日": "holidays", "calendar": "holidays", "日历": "holidays",
    "lang": "lang", "语言": "lang",
    "link": "link", "绑定": "link",
}


def team_command(ctx: Ctx) -> list[Reply]:
    parts = tokens(ctx.args)
    if not parts:
        return show(ctx)
    sub = SUBCOMMANDS.get(parts[0].lower())
    if sub is None:
        raise UserError("bad_subcommand", text=parts[0])
    if sub != "list":
        ctx.require_role(Role.MANAGER)
    return HANDLERS[sub](ctx, parts[1:])


def show(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    people = org.members(team.id, session=ctx.session)
    return [ctx.reply("team_show", team=team, people=people,
                      channels=org.team_channels(team.id, session=ctx.session))]


def list_teams(ctx: Ctx, _args) -> list[Reply]:
    return [ctx.reply("team_list", teams=org.list_teams(session=ctx.session))]


def create(ctx: Ctx, args: list[str]) -> list[Reply]:
    if not args:
        raise UserError("missing_args")
    tz = ctx.app.settings.tz
    if len(args) > 1 and "/" in args[-1]:
        tz, args = args[-1], args[:-1]
    team = org.create_team(" ".join(args), tz=tz, currency=ctx.app.settings.currency,
                           lang=ctx.lang, now=ctx.now, session=ctx.session)
    if ctx.person.team_id is None and ctx.person.role == Role.MANAGER:
        org.move_person(ctx.person, team, actor=actor(ctx), now=ctx.now, session=ctx.session)
    return [ctx.reply("team_created", team=team)]


def named_team(ctx: Ctx, name_parts: list[str]):
    """The team named, or the asker's own."""
    if not name_parts:
        return ctx.require_team()
    team = org.team_by_name(" ".join(name_parts), session=ctx.session)
    if team is None:
        raise UserError("team_unknown", team=" ".join(name_parts))
    return team


def target_team(ctx: Ctx, name_parts: list[str]):
    """The team named, or the asker's own; a manager may only reach their own team."""
    team = named_team(ctx, name_parts)
    if not ctx.is_admin and team.id != ctx.person.team_id:
        raise UserError("not_your_team")
    return team


def add(ctx: Ctx, args: list[str]) -> list[Reply]:
    if not args:
        raise UserError("missing_args")
    person = org.find_person(args[0], platform=ctx.incoming.platform, session=ctx.session)
    rest = args[1:]
    if rest and rest[0].lower() in {"to", "into", "到"}:
        rest = rest[1:]
    team = named_team(ctx, rest)
    previous = org.get_team(person.team_id, session=ctx.session)
    if not ctx.is_admin:
        _may_move(ctx, person, previous, team)
    org.move_person(person, team, actor=actor(ctx), now=ctx.now, session=ctx.session)
    return [ctx.reply("team_added", person=person.name, team=team.name,
                      previous=previous.name if previous and previous.id != team.id else None)]


def _may_move(ctx: Ctx, person, previous, team) -> None:
    """A manager may bring in someone without a team and send their own people anywhere. Taking someone
    from another team is for an admin or that team's manager, and moving a manager (which hands them the
    other team's page and targets) is for an admin."""
    mine = ctx.person.team_id
    leaving_mine = previous is not None and previous.id == mine
    if previous is not None and previous.id != team.id and not leaving_mine:
        raise UserError("move_needs_admin", person=person.name, team=previous.name)
    if not leaving_mine and team.id != mine:
        raise UserError("not_your_team")
    if person.role == Role.MANAGER and team.id != mine:
        raise UserError("move_manager_needs_admin", person=person.name, team=team.name)


def remove(ctx: Ctx, args: list[str]) -> list[Reply]:
    if not args:
        raise UserError("missing_args")
    person = org.find_person(args[0], platform=ctx.incoming.platform, session=ctx.session)
    if not ctx.is_admin and person.team_id != ctx.person.team_id:
        raise UserError("not_your_team")
    team = org.get_team(person.team_id, session=ctx.session)
    org.move_person(person, None, actor=actor(ctx), now=ctx.now, session=ctx.session)
    return [ctx.reply("team_removed", person=person.name, team=team.name if team else "—")]


MANAGER_MODES = {"sells": "sells", "sell": "sells", "selling": "sells", "销售": "sells", "也销售": "sells",
                 "卖": "sells", "off": "off", "none": "off", "stop": "off", "取消": "off", "撤销": "off",
                 "卸任": "off"}


def manager(ctx: Ctx, args: list[str]) -> list[Reply]:
    """`team manager NAME [sells|off]`: a manager, a manager who also sells, or back to a rep."""
    mode = MANAGER_MODES.get(args[-1].lower()) if len(args) > 1 else None
    if len(args) > 1 and mode is None:
        raise UserError("bad_manager_mode", text=args[-1])
    if not args:
        raise UserError("missing_args")
    person = org.find_person(args[0], platform=ctx.incoming.platform, session=ctx.session)
    if person.team_id is None:
        raise UserError("person_without_team", person=person.name)
    if not ctx.is_admin and person.team_id != ctx.person.team_id:
        raise UserError("not_your_team")
    team = org.get_team(person.team_id, session=ctx.session)
    if mode == "off":
        roles.set_role(person, Role.REP, actor=actor(ctx), now=ctx.now, session=ctx.session)
        return [ctx.reply("team_manager_off", person=person.name, team=team.name)]
    roles.set_role(person, Role.MANAGER, sells=mode == "sells", actor=actor(ctx), now=ctx.now, session=ctx.session)
    return [ctx.reply("team_manager", person=person.name, team=team.name, sells=person.sells)]


def channel(ctx: Ctx, args: list[str]) -> list[Reply]:
    if ctx.incoming.is_direct:
        raise UserError("channel_in_dm")
    team = target_team(ctx, args)
    org.set_team_channel(team, ctx.incoming.platform, ctx.incoming.channel_id, ctx.incoming.channel_name,
                         session=ctx.session)
    return [ctx.reply("team_channel", team=team.name, channel=ctx.incoming.channel_name or ctx.incoming.channel_id)]


def set_tz(ctx: Ctx, args: list[str]) -> list[Reply]:
    if not args:
        raise UserError("missing_args")
    team = ctx.require_team()
    org.set_team_tz(team, args[0], session=ctx.session)
    return [ctx.reply("team_setting", team=team.name, setting="tz", value=team.tz)]


def set_holidays(ctx: Ctx, args: list[str]) -> list[Reply]:
    if not args:
        raise UserError("missing_args")
    team = ctx.require_team()
    org.set_team_holidays(team, args[0], session=ctx.session)
    return [ctx.reply("team_setting", team=team.name, setting="holidays", value=team.holidays)]


def set_lang(ctx: Ctx, args: list[str]) -> list[Reply]:
    lang = LANG_WORDS.get(args[0].lower()) if args else None
    if lang is None:
        raise UserError("bad_lang", text=" ".join(args))
    team = ctx.require_team()
    team.lang = lang
    ctx.session.add(team)
    return [ctx.reply("team_setting", team=team.name, setting="lang", value=lang)]


def link(ctx: Ctx, args: list[str]) -> list[Reply]:
    """`team link PERSON platform:id`: one person, several platforms' accounts (admins only)."""
    ctx.require_admin()
    if len(args) != 2 or ":" not in args[1]:
        raise UserError("missing_args")
    person = org.find_person(args[0], platform=ctx.incoming.platform, session=ctx.session)
    platform, account = args[1].split(":", 1)
    org.link_account(person, platform.lower(), account, session=ctx.session)
    return [ctx.reply("team_linked", person=person.name, platform=platform.lower(), account=account)]


HANDLERS = {"list": list_teams, "create": create, "add": add, "remove": remove, "manager": manager,
            "channel": channel, "tz": set_tz, "holidays": set_holidays, "lang": set_lang, "link": link}


def register(router: Router) -> None:
    router.command("team", team_command, "团队", "小组", "org")
