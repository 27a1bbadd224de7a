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
        "hand_raised": site.hand_raised,
        "hand_seq": site.hand_seq,
        "removed": site.removed,
    }


def sites_message(sites: tuple[SiteStatus, ...] | list[SiteStatus]) -> dict[str, Any]:
    """Several site entries that changed at once (one message instead of one per site)."""
    return {"type": "sites", "sites": [site_entry(s) for s in sites]}


def floor_message(site_id: int | None) -> dict[str, Any]:
    return {"type": "floor", "site_id": site_id}


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
