"""`pacebot sync dingtalk`: reads DingTalk's departments and members and hands them to the one directory
sync (bot/services/directory.py) as neutral records."""

from __future__ import annotations

from collections import deque

from adapters.dingtalk.api import DingTalkApi
from bot.services.directory import Department, Member

PLATFORM = "dingtalk"
ROOT_DEPT = 1  # the company itself


def departments(api: DingTalkApi, root: int = ROOT_DEPT) -> list[dict]:
    """Every department under `root`, parents before children (POST /topapi/v2/department/listsub)."""
    found, todo = [], deque([root])
    while todo:
        data = api.oapi("/topapi/v2/department/listsub", {"dept_id": todo.popleft()})
        for dept in sorted(data.get("result") or [], key=lambda d: d["dept_id"]):
            found.append(dept)
            todo.append(dept["dept_id"])
    return found


def users(api: DingTalkApi, dept_id: int) -> list[dict]:
    """A department's own members, page by page (POST /topapi/v2/user/list)."""
    found, cursor = [], 0
    while True:
        data = api.oapi("/topapi/v2/user/list", {"dept_id": dept_id, "cursor": cursor, "size": 100})
        result = data.get("result") or {}
        found.extend(result.get("list") or [])
        if not result.get("has_more"):
            return found
        cursor = result["next_cursor"]


def read_directory(api: DingTalkApi, root: int = ROOT_DEPT) -> tuple[list[Department], list[Member]]:
    """Departments and members as neutral records. DingTalk lists only current staff (someone who left is
    simply absent) and says `leader` per department; a member in several departments prefers the first
    one read."""
    depts: list[Department] = []
    found: dict[str, dict] = {}
    in_depts: dict[str, list[str]] = {}
    leads: dict[str, set[str]] = {}
    for dept in departments(api, root):
        dept_id = str(dept["dept_id"])
        parent = dept.get("parent_id")
        depts.append(Department(dept_id, str(dept.get("name") or dept_id).strip(),
                                str(parent) if parent is not None else None))
        for user in users(api, dept["dept_id"]):
            userid = user["userid"]
            found.setdefault(userid, user)
            in_depts.setdefault(userid, []).append(dept_id)
            if user.get("leader"):
                leads.setdefault(userid, set()).add(dept_id)
    members = [Member(userid, str(user.get("name") or userid), tuple(in_depts[userid]),
                      frozenset(leads.get(userid, ())))
               for userid, user in found.items()]
    return depts, members
