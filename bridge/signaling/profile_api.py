"""The HTTP routes of hardware profiles (docs/api.md, "Hardware profiles"): the catalogue
(built-in and custom profiles), each site's assignment with its effective values and
where each came from, and a session's sites as its console's profiles screen reads them.

``ProfileRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``); the JSON
builders are shared with the command line. After every change the live sessions are told
(``profiles_changed``), so connected halls get their new profile.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request

from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.profiles.inheritance import Effective, Source
from bridge.profiles.schema import Profile
from bridge.signaling import messages as m
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, Problem, SignalingError
from bridge.store import NotFound, Site, Store
from bridge.store.profiles import StoredAssignment, StoredProfile, StoredReport

MAX_ID = 2**53


def profile_json(stored: StoredProfile) -> s.ProfileJson:
    def stamp(value: Any) -> str | None:
        return None if value is None else str(value.isoformat())

    return {
        "id": stored.id,
        "name": {"vi": stored.name.vi, "en": stored.name.en},
        "summary": {"vi": stored.summary.vi, "en": stored.summary.en},
        "builtin": stored.builtin,
        "copied_from": stored.copied_from,
        "created_at": stamp(stored.created_at),
        "updated_at": stamp(stored.updated_at),
        "updated_by": stored.updated_by,
        "profile": stored.profile.model_dump(mode="json"),
    }


def assignment_json(stored: StoredAssignment | None) -> s.AssignmentJson | None:
    if stored is None:
        return None
    fields = stored.fields
    return {
        "site_id": stored.site_id,
        "profile_id": stored.profile_id,
        "fields": None if fields is None else fields.model_dump(mode="json", exclude_none=True),
        "locked": list(stored.locked),
        "updated_at": stored.updated_at.isoformat(),
        "updated_by": stored.updated_by,
    }


def source_json(source: Source | None, names: dict[int, str]) -> s.ProfileSourceJson | None:
    if source is None:
        return None
    site_id = int(source.site_id)
    return {
        "level": source.level.value,
        "site_id": site_id,
        "site_name": names.get(site_id, ""),
        "profile_id": source.profile_id,
    }


def effective_json(effective: Effective, names: dict[int, str]) -> s.EffectiveJson:
    """The effective profile and, per field path, its value, source, lock and the
    overrides a lock made void; ``names``: site id → name, for the sources."""
    fields: dict[str, s.ResolvedJson] = {}
    for path, resolved in effective.fields.items():
        fields[path] = {
            "value": resolved.value,
            "source": source_json(resolved.source, names),
            "locked_by": source_json(resolved.locked_by, names),
            "ignored": [
                {"source": source_json(i.source, names), "value": i.value}  # type: ignore[typeddict-item]
                for i in resolved.ignored
            ],
        }
    return {"profile": effective.profile.model_dump(mode="json"), "fields": fields}


def report_json(report: StoredReport | None) -> s.ProfileReportJson | None:
    if report is None:
        return None
    return {
        "session_id": report.session_id,
        "revision": report.revision,
        "report": report.report,
        "at": report.at.isoformat(),
    }


def _site_json(site: Site) -> s.SiteJson:
    from bridge.signaling.api import site_json  # api imports this module

    return site_json(site)


def _field_error(field: str, problem: Problem, detail: str = "") -> SignalingError:
    return SignalingError(ErrorCode.INVALID_INPUT, detail or f"{field}: {problem}", field, problem)


class ProfileRoutes:
    """The profile routes of ``api.Api``, which provides these three."""

    store: Store
    sessions: LiveSessions
    audit_log: AuditLog

    async def _changed(self, by: str, action: str, **detail: Any) -> None:
        """Audit a change (not a session's: ``session_id`` None, as sites and accounts
        are) and have the live sessions push the new effective profiles."""
        self.audit_log.record(None, by, action, **detail)
        await self.sessions.profiles_changed()

    async def list_profiles(self, request: Request, caller: Any, _: None) -> s.ProfilesReply:
        profiles = await asyncio.to_thread(self.store.profiles.list)
        return {"profiles": [profile_json(p) for p in profiles]}

    async def get_profile(self, request: Request, caller: Any, _: None) -> s.ProfileReply:
        profile_id = request.path_params["profile_id"]
        stored = await asyncio.to_thread(self.store.profiles.get, profile_id)
        return {"profile": profile_json(stored)}

    async def create_profile(
        self, request: Request, caller: Any, body: m.ProfileCreateBody
    ) -> s.ProfileReply:
        by = caller.principal.by
        if body.copy_of is not None:
            try:
                await asyncio.to_thread(self.store.profiles.get, body.copy_of)
            except NotFound:
                raise _field_error("copy_of", Problem.NOT_FOUND) from None
            stored = await asyncio.to_thread(
                lambda: self.store.profiles.copy(
                    body.copy_of or "", body.id, body.name, body.summary, body.profile, by=by
                )
            )
            await self._changed(by, "copy_profile", profile_id=body.id, copy_of=body.copy_of)
        else:
            for part in ("name", "summary"):
                if getattr(body, part) is None:
                    raise _field_error(part, Problem.MISSING)
            assert body.name is not None and body.summary is not None
            name, summary = body.name, body.summary
            profile = body.profile or Profile()
            stored = await asyncio.to_thread(
                lambda: self.store.profiles.create(body.id, name, summary, profile, by=by)
            )
            await self._changed(by, "create_profile", profile_id=body.id)
        return {"profile": profile_json(stored)}

    async def update_profile(
        self, request: Request, caller: Any, body: m.ProfileUpdateBody
    ) -> s.ProfileReply:
        profile_id = request.path_params["profile_id"]
        by = caller.principal.by
        stored = await asyncio.to_thread(
            lambda: self.store.profiles.update(
                profile_id, body.name, body.summary, body.profile, by=by
            )
        )
        changed = [k for k in ("name", "summary", "profile") if getattr(body, k) is not None]
        await self._changed(by, "update_profile", profile_id=profile_id, changed=changed)
        return {"profile": profile_json(stored)}

    async def delete_profile(self, request: Request, caller: Any, _: None) -> s.OkReply:
        profile_id = request.path_params["profile_id"]
        await asyncio.to_thread(self.store.profiles.delete, profile_id)
        await self._changed(caller.principal.by, "delete_profile", profile_id=profile_id)
        return {"ok": True}

    async def site_profile(self, request: Request, caller: Any, _: None) -> s.SiteProfileReply:
        site = await asyncio.to_thread(self.store.sites.get, _site_id(request))
        return await asyncio.to_thread(self._site_profile, site)

    def _site_profile(self, site: Site) -> s.SiteProfileReply:
        names = {x.id: x.name for x in self.store.sites.list()}
        return {
            "site": _site_json(site),
            "assignment": assignment_json(self.store.profiles.assignment(site.id)),
            "effective": effective_json(self.store.profiles.effective(site.id), names),
        }

    async def assign_profile(
        self, request: Request, caller: Any, body: m.SiteProfileBody
    ) -> s.SiteProfileReply:
        site = await asyncio.to_thread(self.store.sites.get, _site_id(request))
        by = caller.principal.by
        await asyncio.to_thread(
            lambda: self.store.profiles.assign(
                site.id, body.profile_id, body.fields, body.locked, by=by
            )
        )
        await self._changed(
            by,
            "assign_profile",
            site_id=site.id,
            profile_id=body.profile_id,
            fields=None if body.fields is None else body.fields.model_dump(exclude_none=True),
            locked=body.locked,
        )
        return await asyncio.to_thread(self._site_profile, site)

    async def unassign_profile(self, request: Request, caller: Any, _: None) -> s.SiteProfileReply:
        site = await asyncio.to_thread(self.store.sites.get, _site_id(request))
        await asyncio.to_thread(self.store.profiles.unassign, site.id)
        await self._changed(caller.principal.by, "unassign_profile", site_id=site.id)
        return await asyncio.to_thread(self._site_profile, site)

    async def session_profiles(
        self, request: Request, caller: Any, _: None
    ) -> s.SessionProfilesReply:
        """Each roster site's assignment, effective profile (with sources) and last
        report, from a few reads however many sites there are."""
        session = caller.session
        assert session is not None
        return await asyncio.to_thread(self._session_profiles, session)

    def _session_profiles(self, session: Any) -> s.SessionProfilesReply:
        from bridge.signaling.api import session_json

        sites = self.store.sessions.roster_sites(session.id)
        names = {x.id: x.name for x in self.store.sites.list()}
        ids = [site.id for site in sites]
        effective = self.store.profiles.effective_many(ids)
        assigned = self.store.profiles.assignments()
        reports = self.store.profile_reports.reports(ids)
        return {
            "session": session_json(session),
            "sites": [
                {
                    "site": _site_json(site),
                    "assignment": assignment_json(assigned.get(site.id)),
                    "effective": effective_json(effective[site.id], names),
                    "report": report_json(reports.get(site.id)),
                }
                for site in sites
            ],
        }


def _site_id(request: Request) -> int:
    site_id = int(request.path_params["site_id"])
    if not 1 <= site_id <= MAX_ID:  # larger names nothing (and overflows SQLite's integers)
        raise SignalingError(ErrorCode.NOT_FOUND, "site_id", field="site_id")
    return site_id
