"""The shapes of what the bridge sends (docs/protocol.md): domain values → JSON objects."""

from __future__ import annotations

from typing import Any

from bridge.conference import Conference, ShownState, SiteStatus


def site_entry(site: SiteStatus) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "level": site.level,
        "host": site.host,
        "state": str(site.state),
        "muted": site.muted,
    }


def session_entry(conference: Conference) -> dict[str, Any]:
    return {
        "id": conference.session_id,
        "title": conference.title,
        "state": conference.state,
        "host_site_id": conference.host_site_id,
    }


def shown_message(shown: ShownState) -> dict[str, Any]:
    return {
        "type": "shown",
        "site_id": shown.site_id,
        "previous": shown.previous,
        "mode": str(shown.mode),
        "hold_s": shown.hold_s,
    }
