"""The manager's view: the team table (sortable, exportable) and one rep's history and funnel."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from bot.core.metrics import ORDER
from bot.store.tables.sales import Metric, Person, Team
from bot.core.periods import PeriodError, parse_period
from bot.services import org
from bot.web import charts, data
from bot.web.http import Response, html, redirect, row_id

COLUMNS = ("name", "actual", "target", "percent", "projection")


class TeamPages:
    def __init__(self, site):
        self.site = site
        self.app = site.app

    def route(self, req, person: Person, rest: list[str]) -> Response:
        site = self.site
        if not rest:
            return self.home(req, person)
        team_id = row_id(rest[0])
        if team_id is None:
            return site.not_found(req)
        if rest[1:2] == ["rep"] and len(rest) == 3 and (rep_id := row_id(rest[2])) is not None:
            return self.rep(req, person, team_id, rep_id)
        if not site.rights.can_see_team(person, team_id):
            return site.refuse(req, "403 Forbidden", "web.error.forbidden")
        with self.app.db.session() as session:
            team = session.get(Team, team_id)
        if team is None:
            return site.not_found(req)
        if len(rest) == 1:
            return self.table(req, person, team)
        if rest[1:] == ["export.csv"]:
            return self.export_csv(req, person, team)
        if rest[1:] == ["export.xlsx"] and _openpyxl() is not None:
            return self.export_xlsx(req, person, team)
        return site.not_found(req)

    def home(self, req, person: Person) -> Response:
        lang = self.site.lang_for(req, person.lang)
        with self.app.db.session() as session:
            admin = self.site.rights.is_admin(person)
            teams = [t for t, _ in org.list_teams(session=session)
                     if self.site.rights.can_see_team(person, t.id, admin=admin)]
        if not teams:
            if person.team_id is None:
                return self.site.message(req, "200 OK", "web.error.no_team", lang=lang)
            return redirect(f"/team/{person.team_id}/rep/{person.id}")
        if len(teams) == 1 and not admin:
            return redirect(f"/team/{teams[0].id}")
        return html(self.site.render("home.html.j2", lang, req, person=person, teams=teams))

    def _period(self, req, team: Team):
        return parse_period(req.query.get("period", ""), self.site.today(team))

    def _rows(self, req, team: Team):
        period = self._period(req, team)
        with self.app.db.session() as session:
            rows = data.team_table(team, period, today=self.site.today(team), default_tz=self.app.settings.tz,
                                   session=session)
        return period, rows

    def table(self, req, person: Person, team: Team) -> Response:
        lang = self.site.lang_for(req, person.lang)
        try:
            period, rows = self._rows(req, team)
        except PeriodError:
            return self.site.message(req, "400 Bad Request", "web.error.bad_period", lang=lang)
        metric = _metric(req.query.get("metric"))
        sort = req.query.get("sort") if req.query.get("sort") in COLUMNS else "actual"
        descending = req.query.get("dir", "desc" if sort != "name" else "asc") == "desc"
        rows = sorted(rows, key=lambda r: _sort_value(r, metric, sort), reverse=descending)
        with self.app.db.session() as session:
            champions = self.site.fame.periods(team, session=session)
        return html(self.site.render(
            "team.html.j2", lang, req, person=person, team=team, period=period, rows=rows, metric=metric,
            metrics=ORDER, sort=sort, descending=descending, columns=COLUMNS, xlsx=_openpyxl() is not None,
            query=req.query.get("period", ""), champions=champions))

    def rep(self, req, person: Person, team_id: int, rep_id: int) -> Response:
        site = self.site
        with self.app.db.session() as session:
            rep = session.get(Person, rep_id)
            team = session.get(Team, team_id)
        if rep is None or team is None or rep.team_id != team_id:
            return site.not_found(req)
        if not site.rights.can_see_rep(person, rep):
            return site.refuse(req, "403 Forbidden", "web.error.forbidden")
        lang = site.lang_for(req, person.lang)
        try:
            period = self._period(req, team)
        except PeriodError:
            return site.message(req, "400 Bad Request", "web.error.bad_period", lang=lang)
        today = site.today(team)
        end = min(period.end, today)
        with self.app.db.session() as session:
            days = data.history(rep.id, period.start, end, session=session) if end >= period.start else []
            rows = data.team_table(team, period, today=today, default_tz=self.app.settings.tz, session=session)
        row = next((r for r in rows if r.person.id == rep.id), None)
        labels = {k: self.app.i18n.t(lang, f"web.chart.{k}") for k in ("dialed", "connected", "deals")}
        return html(site.render(
            "rep.html.j2", lang, req, person=person, rep=rep, team=team, period=period, row=row, metrics=ORDER,
            daily=charts.daily_bars(days, labels), revenue=charts.revenue_bars(days),
            funnel=charts.funnel(days, labels), can_team=site.rights.can_see_team(person, team.id),
            query=req.query.get("period", "")))

    # -- exports ------------------------------------------------------------------------------------
    def _table_cells(self, req, person: Person, team: Team):
        lang = self.site.lang_for(req, person.lang)
        period, rows = self._rows(req, team)
        t = self.app.i18n.t
        header = [t(lang, "web.table.rep")]
        for metric in ORDER:
            name = t(lang, f"metric.{metric.value}")
            header += [f"{name} · {t(lang, f'web.table.{c}')}" for c in ("actual", "target", "percent", "pace",
                                                                           "projection")]
        body = []
        for row in sorted(rows, key=lambda r: r.person.name):
            line: list = [row.person.name]
            for metric in ORDER:
                cell = row.cells[metric]
                line += [cell.actual, cell.target if cell.target is not None else "",
                         cell.pace.percent if cell.pace.percent is not None else "",
                         t(lang, f"status.{cell.pace.status}"), cell.pace.projection]
            body.append(line)
        return period, header, body

    def export_csv(self, req, person: Person, team: Team) -> Response:
        try:
            period, header, body = self._table_cells(req, person, team)
        except PeriodError:
            return self.site.message(req, "400 Bad Request", "web.error.bad_period")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for line in body:
            # A name starting with = + - @ would run as a formula in a spreadsheet.
            writer.writerow([_defuse(v) if isinstance(v, str) else v for v in line])
        payload = "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8 (Chinese names)
        return Response("200 OK", payload.encode("utf-8"), "text/csv; charset=utf-8",
                        [("Content-Disposition", f'attachment; filename="team-{team.id}-{period.label}.csv"')])

    def export_xlsx(self, req, person: Person, team: Team) -> Response:
        openpyxl = _openpyxl()
        try:
            period, header, body = self._table_cells(req, person, team)
        except PeriodError:
            return self.site.message(req, "400 Bad Request", "web.error.bad_period")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = period.label
        sheet.append(header)
        for line in body:
            sheet.append([float(v) if isinstance(v, Decimal) else _defuse(v) for v in line])
        out = io.BytesIO()
        book.save(out)
        return Response("200 OK", out.getvalue(),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        [("Content-Disposition", f'attachment; filename="team-{team.id}-{period.label}.xlsx"')])


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        return None
    return openpyxl


def _defuse(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _metric(value: str | None) -> Metric:
    try:
        return Metric(value or "revenue")
    except ValueError:
        return Metric.REVENUE


def _sort_value(row: data.TeamRow, metric: Metric, column: str):
    if column == "name":
        return row.person.name
    cell = row.cells[metric]
    value = {"actual": cell.actual, "target": cell.target, "percent": cell.pace.percent,
             "projection": cell.pace.projection}[column]
    return (value is not None, value if value is not None else Decimal(0))
