"""`pacebot sync wecom`: reads WeCom's departments and members and hands them to the one directory sync
(bot/services/directory.py) as neutral records."""

from __future__ import annotations

from bot.services.directory import Department, Member

PLATFORM = "wecom"
GONE = {2, 5}  # disabled, left the company


def read_directory(client, root: int | None = None) -> tuple[list[dict], dict[str, dict]]:
    """Departments (`department/list`) and their direct members (`user/list` per department)."""
    departments = sorted(client.department.get(root), key=lambda d: int(d["id"]))
    users: dict[str, dict] = {}
    for dept in departments:
        for user in client.user.list(dept["id"], fetch_child=False, simple=False):
            users.setdefault(user["userid"], user)
    return departments, users


def to_records(departments: list[dict], users: dict[str, dict]) -> tuple[list[Department], list[Member]]:
    """WeCom's payloads as neutral records: a member's main department first, their leaderships from
    `is_leader_in_dept` and from the departments' `department_leader` lists."""
    depts = [Department(str(d["id"]), (d.get("name") or str(d["id"])).strip(),
                        str(d["parentid"]) if d.get("parentid") else None) for d in departments]
    led_by = {str(d["id"]): set(d.get("department_leader") or []) for d in departments}
    members = []
    for userid, user in users.items():
        ids = [str(d) for d in user.get("department") or []]
        main = user.get("main_department")
        ordered = ([str(main)] if main is not None else []) + ids
        flags = user.get("is_leader_in_dept") or []
        leads = {dept for i, dept in enumerate(ids) if i < len(flags) and int(flags[i]) == 1}
        leads |= {dept for dept, leaders in led_by.items() if userid in leaders}
        members.append(Member(userid, (user.get("name") or userid).strip(), tuple(dict.fromkeys(ordered)),
                              frozenset(leads), user.get("status") not in GONE))
    return depts, members
