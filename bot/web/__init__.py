"""The web dashboard: the sales-floor TV board (`/board/...`) and the manager's view (`/team/...`)."""

from __future__ import annotations


def install(app, web=None) -> None:
    """Have `pacebot serve` mount the dashboard (built when the server is, not with every App)."""

    def mount(server) -> None:
        from bot.web.site import Dashboard

        site = Dashboard(app, web)
        site.mount(server)
        server.dashboard = site  # so whoever runs the server can stop the feed

    app.http_mounts.append(mount)
