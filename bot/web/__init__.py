"""The web dashboard: the sales-floor TV board (`/board/...`) and the manager's view (`/team/...`)."""

from __future__ import annotations


def install(app, web=None, fame=None) -> None:
    """Have `pacebot serve` mount the dashboard (built when the server is, not with every App); `fame` is
    the team page's `HallOfFame`."""

    def mount(server) -> None:
        from bot.web.site import Dashboard

        site = Dashboard(app, web, fame=fame)
        site.mount(server)
        server.dashboard = site  # so whoever runs the server can stop the feed

    app.http_mounts.append(mount)
