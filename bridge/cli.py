"""The ``bridge`` command: serve, and script sites, sessions, links and operators.

The management commands open the same SQLite file as a running server (WAL mode lets
both work at once) and print either text for people or, with ``--json``, JSON for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from bridge import tls
from bridge.cli_text import choose_lang, text
from bridge.hall_kiosk import BadLink, hall_link, write_kiosk
from bridge.kit import write_kit
from bridge.profiles.schema import Name, Profile, ProfileOverride, flatten, unflatten
from bridge.readiness import board
from bridge.settings import Settings, default_data_dir, load_settings
from bridge.signaling.api import session_json, site_json
from bridge.signaling.errors import ErrorCode, Problem, SignalingError, message_for, problem_message
from bridge.signaling.profile_api import assignment_json, effective_json, profile_json
from bridge.signaling.readiness_api import readiness_board, schedule_json, schedule_reply
from bridge.signaling.validation import invalid
from bridge.store import AccountRole, NotFound, SessionState, SiteLevel, Store, StoreError
from bridge.store.profiles import StoredProfile
from bridge.use_cases import close_session, issue_join_links, open_session, schedule_session

# Set by ``main`` before parsing: the language of help texts and messages.
LANG = "vi"
KIOSK_DIR = "kiosk"  # the hall's kiosk set-up, inside the kit


def _t(key: str, **values: object) -> str:
    return text(key, LANG, **values)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        getattr(args, "config", None),
        database=getattr(args, "db", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        public_url=getattr(args, "public_url", None),
        tls=getattr(args, "tls", None),
        tls_cert=getattr(args, "tls_cert", None),
        tls_key=getattr(args, "tls_key", None),
        http_redirect_port=getattr(args, "http_redirect_port", None),
        log_level=getattr(args, "log_level", None),
    )


def _error(message: str) -> None:
    # The prefix stays English and fixed, so scripts can recognise it; the message is
    # in the chosen language.
    print(f"bridge: error: {message}", file=sys.stderr)


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)


def cmd_serve(args: argparse.Namespace) -> int:
    from bridge.server import serve

    return serve(_settings(args), demo=not args.no_demo)


def cmd_site_create(args: argparse.Namespace, store: Store) -> int:
    site = store.sites.create(args.name, SiteLevel(args.level), args.parent)
    store.audit.record(None, _by(), "create_site", site_id=site.id)
    _out(
        args,
        {"site": site_json(site)},
        _t("site.made", id=site.id, name=site.name, level=site.level),
    )
    return 0


def cmd_site_list(args: argparse.Namespace, store: Store) -> int:
    sites = store.sites.list()
    _out(
        args,
        {"sites": [site_json(s) for s in sites]},
        "\n".join(f"{s.id:>5}  {s.level:<9} {s.name}" for s in sites) or _t("no.sites"),
    )
    return 0


def cmd_session_create(args: argparse.Namespace, store: Store) -> int:
    state = SessionState.OPEN if args.open else SessionState.SCHEDULED
    session = store.sessions.create(args.title, args.host_site, args.roster, state)
    store.audit.record(session.id, _by(), "create_session", title=session.title)
    _out(
        args,
        {"session": session_json(session)},
        _t("session.made", id=session.id, title=session.title),
    )
    return 0


def cmd_session_list(args: argparse.Namespace, store: Store) -> int:
    sessions = store.sessions.list()
    _out(
        args,
        {"sessions": [session_json(s) for s in sessions]},
        "\n".join(f"{s.id:>5}  {s.state:<9} {s.title}" for s in sessions) or _t("no.sessions"),
    )
    return 0


def _by() -> str:
    """Who acts from the command line, as the audit log names it: the system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name to be had (a container without one)
        return "cli"


def cmd_session_links(args: argparse.Namespace, store: Store) -> int:
    settings = _settings(args)
    hours = args.valid_hours or settings.join_token_hours
    links = issue_join_links(store, args.session_id, timedelta(hours=hours), settings.base_url)
    store.audit.record(args.session_id, _by(), "issue_links", count=len(links))
    _out(
        args,
        {"links": links},
        "\n".join(f"{link['site_name']}: {link['url']}" for link in links),
    )
    return 0


def cmd_session_state(args: argparse.Namespace, store: Store) -> int:
    move = open_session if args.state == SessionState.OPEN else close_session
    session = move(store, args.session_id)
    action = "open_session" if args.state == SessionState.OPEN else "close_session"
    store.audit.record(session.id, _by(), action)
    _out(
        args,
        {"session": session_json(session)},
        _t("session.state", id=session.id, state=session.state),
    )
    return 0


def cmd_session_staff(args: argparse.Namespace, store: Store) -> int:
    accounts = {a.username.casefold(): a for a in store.accounts.list()}
    account = accounts.get(args.username.strip().casefold())
    if account is None:
        raise NotFound(_t("no.account", username=args.username))
    if args.duty == "none":
        store.sessions.unassign(args.session_id, account.id)
    else:
        store.sessions.assign(args.session_id, account.id, args.duty)
    store.audit.record(
        args.session_id, _by(), "assign_staff", account_id=account.id, duty=args.duty
    )
    staff = store.sessions.staff(args.session_id)
    names = {a.id: a.username for a in accounts.values()}
    _out(
        args,
        {"staff": [{"account_id": a, "duty": str(d)} for a, d in sorted(staff.items())]},
        "\n".join(f"{names.get(a, a)}: {d}" for a, d in sorted(staff.items())) or _t("no.staff"),
    )
    return 0


def cmd_session_audit(args: argparse.Namespace, store: Store) -> int:
    entries = store.audit.for_session(args.session_id, limit=args.limit, after_id=args.after)
    rows = [
        {
            "id": e.id,
            "session_id": e.session_id,
            "at": e.at.isoformat(),
            "by": e.by,
            "action": e.action,
            "detail": dict(e.detail),
        }
        for e in entries
    ]
    lines = "\n".join(
        f"{e.id:>6}  {e.at:%Y-%m-%d %H:%M:%S}  {e.by:<24} {e.action:<22} "
        + json.dumps(dict(e.detail), ensure_ascii=False)
        for e in entries
    )
    _out(args, {"entries": rows}, lines or _t("no.entries"))
    return 0


# ---- schedule and readiness ------------------------------------------------------------


def _time(value: str) -> datetime:
    """``--starts 2026-12-14T09:00``: an ISO time; without an offset it is office time
    (made aware in the command, which knows the office's zone)."""
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_t("error.time", value=value)) from None


def _office(value: datetime | None, tz: str) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(tz))


def _local(stamp: str | None, tz: str) -> str:
    """An ISO stamp as the office reads it: ``2026-12-11 14:00``."""
    if not stamp:
        return "—"
    return datetime.fromisoformat(stamp).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _window_text(reply: dict[str, Any], tz: str) -> str:
    window = reply["window"]
    if window is None:
        return _t("schedule.no_window")
    kind = _t("schedule.default") if window["default"] else _t("schedule.explicit")
    text = _t("schedule.window", opens=_local(window["opens"], tz),
              closes=_local(window["closes"], tz), kind=kind)  # fmt: skip
    return text + (_t("schedule.testing") if reply["testing"] else "")


def cmd_session_schedule(args: argparse.Namespace, store: Store) -> int:
    tz = _settings(args).office_timezone
    if args.clear:
        times: list[datetime | None] = [None, None, None, None]
    else:
        times = [_office(t, tz) for t in (args.starts, args.ends, args.test_from, args.test_until)]
    schedule = schedule_session(store, args.session_id, *times, tz=tz)
    store.audit.record(args.session_id, _by(), "set_schedule", **schedule_json(schedule))
    session = store.sessions.get(args.session_id)
    reply = schedule_reply(store, session, schedule, tz)
    plan = reply["schedule"]
    lines = [
        _t("schedule.session", id=session.id, title=session.title,
           starts=_local(plan["starts_at"], tz), ends=_local(plan["ends_at"], tz)),
        _window_text(dict(reply), tz),
    ]  # fmt: skip
    _out(args, reply, "\n".join(lines))
    return 0


def _state_word(state: str) -> str:
    vi, en = board.STATE_WORDS[state]
    return en if LANG == "en" else vi


def cmd_readiness(args: argparse.Namespace, store: Store) -> int:
    """The readiness board: each roster site's state, time, MOS and first reason."""
    tz = _settings(args).office_timezone
    session = store.sessions.get(args.session_id)
    found = readiness_board(store, session, tz)
    if args.csv:
        sys.stdout.write(board.csv_text(found["sites"], LANG, tz))
        return 0
    key = "en" if LANG == "en" else "vi"
    lines = [_t("readiness.title", id=session.id, title=session.title)]
    lines.append(_window_text(found, tz))
    for row in found["sites"]:
        mos = (row["figures"] or {}).get("mos")
        reason = row["reasons"][0].get(key, "") if row["reasons"] else ""
        lines.append(
            f"{row['position']:>3}  {_state_word(row['state']):<14} {row['name']:<32} "
            f"{_local(row['at'], tz) if row['at'] else '':<16} "
            f"{'' if mos is None else f'MOS {mos:.2f}':<9} {reason}".rstrip()
        )
    totals = board.counts(found["sites"])
    lines.append(" · ".join(f"{_state_word(state)}: {n}" for state, n in totals.items()))
    _out(args, found, "\n".join(lines))
    return 0


# ---- hardware profiles -----------------------------------------------------------------


def _setting(value: str) -> tuple[str, Any]:
    """``--set microphone.gain_db=3``: the path and the value, read as JSON (``3``,
    ``true``, ``["Jabra*"]``), else taken as a string (``grid``)."""
    path, eq, raw = value.partition("=")
    if not eq or not path.strip():
        raise argparse.ArgumentTypeError(_t("error.setting", value=value))
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw
    return path.strip(), parsed


def _settings_of(pairs: Sequence[tuple[str, Any]], model: type[BaseModel], start: Any) -> Any:
    """``start`` (a flat ``{path: value}``) with ``pairs`` set, validated as ``model``;
    a refused field raises ``SignalingError`` naming it."""
    values = dict(start)
    values.update(pairs)
    try:
        return model.model_validate(unflatten(values))
    except ValidationError as exc:
        raise invalid(exc, model=model) from None


def _source_text(source: dict[str, Any] | None) -> str:
    if source is None:
        return _t("profile.default")
    where = f"{source['level']} {source['site_name']} ({source['site_id']})"
    return f"{where}, {source['profile_id']}" if source["profile_id"] else where


def _profile_line(p: StoredProfile) -> str:
    name = p.name.en if LANG == "en" else p.name.vi
    mark = _t("profile.builtin") if p.builtin else ""
    return f"{p.id:<24} {name}{mark}"


def cmd_profile_list(args: argparse.Namespace, store: Store) -> int:
    profiles = store.profiles.list()
    _out(
        args,
        {"profiles": [profile_json(p) for p in profiles]},
        "\n".join(_profile_line(p) for p in profiles),
    )
    return 0


def cmd_profile_show(args: argparse.Namespace, store: Store) -> int:
    p = store.profiles.get(args.profile_id)
    lines = [_profile_line(p), p.summary.en if LANG == "en" else p.summary.vi]
    lines += [
        f"  {path} = {json.dumps(v, ensure_ascii=False)}" for path, v in flatten(p.profile).items()
    ]
    _out(args, {"profile": profile_json(p)}, "\n".join(lines))
    return 0


def cmd_profile_copy(args: argparse.Namespace, store: Store) -> int:
    name = None
    if args.name_vi or args.name_en:
        source = store.profiles.get(args.source)
        name = Name(vi=args.name_vi or source.name.vi, en=args.name_en or source.name.en)
    p = store.profiles.copy(args.source, args.new_id, name, by=_by())
    store.audit.record(None, _by(), "copy_profile", profile_id=p.id, copy_of=args.source)
    _out(args, {"profile": profile_json(p)}, _t("profile.made", id=p.id, source=args.source))
    return 0


def cmd_profile_edit(args: argparse.Namespace, store: Store) -> int:
    current = store.profiles.get(args.profile_id)
    profile = _settings_of(args.set, Profile, flatten(current.profile))
    p = store.profiles.update(args.profile_id, profile=profile, by=_by())
    changed = [path for path, _ in args.set]
    store.audit.record(None, _by(), "update_profile", profile_id=p.id, changed=changed)
    _out(args, {"profile": profile_json(p)}, _t("profile.changed", id=p.id))
    return 0


def cmd_profile_delete(args: argparse.Namespace, store: Store) -> int:
    store.profiles.delete(args.profile_id)
    store.audit.record(None, _by(), "delete_profile", profile_id=args.profile_id)
    _out(args, {"ok": True}, _t("profile.deleted", id=args.profile_id))
    return 0


def cmd_profile_assign(args: argparse.Namespace, store: Store) -> int:
    fields = _settings_of(args.set, ProfileOverride, {}) if args.set else None
    store.profiles.assign(args.site_id, args.profile_id, fields, args.lock, by=_by())
    store.audit.record(
        None,
        _by(),
        "assign_profile",
        site_id=args.site_id,
        profile_id=args.profile_id,
        fields=None if fields is None else fields.model_dump(exclude_none=True),
        locked=args.lock,
    )
    return _effective(args, store)


def cmd_profile_unassign(args: argparse.Namespace, store: Store) -> int:
    store.profiles.unassign(args.site_id)
    store.audit.record(None, _by(), "unassign_profile", site_id=args.site_id)
    return _effective(args, store)


def cmd_profile_effective(args: argparse.Namespace, store: Store) -> int:
    return _effective(args, store)


def _effective(args: argparse.Namespace, store: Store) -> int:
    site = store.sites.get(args.site_id)
    names = {s.id: s.name for s in store.sites.list()}
    effective = effective_json(store.profiles.effective(site.id), names)
    assignment = assignment_json(store.profiles.assignment(site.id))
    lines = [_t("profile.site", id=site.id, name=site.name)]
    for path, field in effective["fields"].items():
        value = json.dumps(field["value"], ensure_ascii=False)
        line = f"  {path:<30} {value:<16} {_source_text(dict(field['source'] or {}) or None)}"
        if field["locked_by"] is not None:
            line += _t("profile.locked", by=_source_text(dict(field["locked_by"])))
        if field["ignored"]:
            line += _t("profile.ignored", count=len(field["ignored"]))
        lines.append(line)
    data = {"site": site_json(site), "assignment": assignment, "effective": effective}
    _out(args, data, "\n".join(lines))
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(_t("password.prompt"))


def cmd_operator_create(args: argparse.Namespace, store: Store) -> int:
    operator = store.accounts.create(args.username, _password(args), AccountRole(args.role))
    store.audit.record(None, _by(), "create_account", username=operator.username)
    data = {"operator": {"id": operator.id, "username": operator.username, "role": operator.role}}
    _out(args, data, _t("operator.made", username=operator.username, role=operator.role))
    return 0


def cmd_operator_password(args: argparse.Namespace, store: Store) -> int:
    store.accounts.set_password(args.username, _password(args))
    store.audit.record(None, _by(), "set_password", username=args.username)
    _out(args, {"ok": True}, _t("password.changed", username=args.username))
    return 0


def cmd_kit(args: argparse.Namespace) -> int:
    """Write the hall PC kit: the local CA's certificate and how to install it, and with
    ``--hall-link`` the hall's kiosk set-up (``kiosk/``: Chromium policies, launcher,
    autostart) filled with its join link and the bridge's origin."""
    settings = _settings(args)
    hall = None
    if args.hall_link is not None:
        try:
            hall = hall_link(args.hall_link)
        except BadLink as exc:
            _error(_t("kit.bad_link", link=args.hall_link, reason=exc))
            return 1
    own_cert = settings.tls_cert is not None
    if own_cert and hall is None:
        _error(_t("kit.own_cert", cert=settings.tls_cert))
        return 1
    if args.out is None:  # next to the CA it holds, outside any source tree
        args.out = tls.tls_dir(settings.database).parent / "hall-pc-kit"
    written: list[Path] = []
    data: dict[str, Any] = {"kit": {"dir": str(args.out)}}
    lines = []
    try:
        if not own_cert:  # a real certificate needs no CA on the hall PCs
            ca_path = tls.ensure_ca(tls.tls_dir(settings.database))
            written += write_kit(ca_path, args.out)
            fingerprint = tls.fingerprint(tls.load_cert(ca_path))
            data["kit"]["ca_sha256"] = fingerprint
        if hall is not None:
            kiosk = write_kiosk(hall, args.out / KIOSK_DIR)
            written += kiosk
            data["kit"]["kiosk"] = {"origin": hall.origin, "link": hall.link}
    except OSError as exc:
        _error(f"{args.out}: {exc.strerror or exc}")
        return 1
    data["kit"]["files"] = [str(p.relative_to(args.out)) for p in written]
    files = "\n".join(f"  {p}" for p in written)
    if not own_cert:
        lines.append(_t("kit.written", out=args.out, files=files, fingerprint=fingerprint))
    else:
        lines.append(_t("kit.written_kiosk", out=args.out, files=files))
    if hall is not None:
        lines.append(_t("kit.kiosk", origin=hall.origin, link=hall.link))
    _out(args, data, "\n".join(lines))
    return 0


def cmd_agent(argv: list[str]) -> int:
    from endpoints.agent import main as agent_main

    return agent_main(argv)


def roster(value: str) -> list[int]:
    """``--roster 1,2,5``: site ids in roster order; anything else is an argparse error
    naming the bad part (exit status 2)."""
    ids = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(_t("error.roster", bad=part, value=value))
        ids.append(int(part))
    return ids


def build_parser() -> argparse.ArgumentParser:
    database = default_data_dir() / "bridge.sqlite3"
    parser = argparse.ArgumentParser(
        prog="bridge", description=_t("description"), epilog=_t("epilog", db=database)
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, metavar="FILE", help=_t("opt.db", db=database))
    common.add_argument("--config", type=Path, metavar="FILE", help=_t("opt.config"))
    common.add_argument("--json", action="store_true", help=_t("opt.json"))
    common.add_argument("--lang", choices=["vi", "en"], help=_t("opt.lang"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        group: Any, name: str, key: str, func: Callable[..., int], **defaults: Any
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = group.add_parser(
            name, parents=[common], help=_t(key), description=_t(key)
        )
        p.set_defaults(func=func, **defaults)
        return p

    def group(name: str, key: str) -> Any:
        return sub.add_parser(name, help=_t(key), description=_t(key)).add_subparsers(
            dest="action", required=True, metavar="ACTION"
        )

    p = command(sub, "serve", "cmd.serve", cmd_serve, needs_store=False)
    p.add_argument("--host", help=_t("opt.host"))
    p.add_argument("--port", type=int, help=_t("opt.port"))
    p.add_argument("--public-url", metavar="URL", help=_t("opt.public_url"))
    p.add_argument("--no-demo", action="store_true", help=_t("opt.no_demo"))
    p.add_argument("--tls", choices=["auto", "on", "off"], help=_t("opt.tls"))
    p.add_argument("--tls-cert", type=Path, metavar="PEM", help=_t("opt.tls_cert"))
    p.add_argument("--tls-key", type=Path, metavar="PEM", help=_t("opt.tls_key"))
    p.add_argument(
        "--http-redirect-port", type=int, metavar="PORT", help=_t("opt.http_redirect_port")
    )
    p.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], help=_t("opt.log_level")
    )

    p = command(sub, "kit", "cmd.kit", cmd_kit, needs_store=False)
    p.add_argument("--out", type=Path, metavar="DIR", help=_t("opt.out"))
    p.add_argument("--hall-link", metavar="URL", help=_t("opt.hall_link"))

    site = group("site", "cmd.site")
    p = command(site, "create", "cmd.site.create", cmd_site_create)
    p.add_argument("name", help=_t("opt.site.name"))
    levels = [lv.value for lv in SiteLevel]
    p.add_argument(
        "--level",
        required=True,
        choices=levels,
        help=_t("opt.site.level", choices=", ".join(levels)),
    )
    p.add_argument("--parent", type=int, metavar="ID", help=_t("opt.site.parent"))
    command(site, "list", "cmd.site.list", cmd_site_list)

    session = group("session", "cmd.session")
    p = command(session, "create", "cmd.session.create", cmd_session_create)
    p.add_argument("title", help=_t("opt.session.title"))
    p.add_argument(
        "--host", dest="host_site", type=int, required=True, metavar="ID",
        help=_t("opt.session.host"),
    )  # fmt: skip
    p.add_argument(
        "--roster", type=roster, default=[], metavar="IDS", help=_t("opt.session.roster")
    )
    p.add_argument("--open", action="store_true", help=_t("opt.session.open"))
    command(session, "list", "cmd.session.list", cmd_session_list)
    p = command(session, "links", "cmd.session.links", cmd_session_links)
    p.add_argument("session_id", type=int, help=_t("opt.session_id"))
    p.add_argument("--valid-hours", type=float, metavar="HOURS", help=_t("opt.valid_hours"))
    p.add_argument("--public-url", metavar="URL", help=_t("opt.public_url"))
    p = command(session, "staff", "cmd.session.staff", cmd_session_staff)
    p.add_argument("session_id", type=int, help=_t("opt.session_id"))
    p.add_argument("username", help=_t("opt.username"))
    p.add_argument("duty", choices=["operator", "observer", "none"], help=_t("opt.duty"))
    p = command(session, "audit", "cmd.session.audit", cmd_session_audit)
    p.add_argument("session_id", type=int, help=_t("opt.session_id"))
    p.add_argument("--after", type=int, metavar="ID", help=_t("opt.after"))
    p.add_argument("--limit", type=int, default=1000, help=_t("opt.limit"))
    p = command(session, "schedule", "cmd.session.schedule", cmd_session_schedule)
    p.add_argument("session_id", type=int, help=_t("opt.session_id"))
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--starts", type=_time, metavar="ISO", help=_t("opt.schedule.starts"))
    when.add_argument("--clear", action="store_true", help=_t("opt.schedule.clear"))
    p.add_argument("--ends", type=_time, metavar="ISO", help=_t("opt.schedule.ends"))
    p.add_argument("--test-from", type=_time, metavar="ISO", help=_t("opt.schedule.test_from"))
    p.add_argument("--test-until", type=_time, metavar="ISO", help=_t("opt.schedule.test_until"))
    for state in ("open", "close"):
        p = command(
            session, state, f"cmd.session.{state}", cmd_session_state,
            state="open" if state == "open" else "closed",
        )  # fmt: skip
        p.add_argument("session_id", type=int, help=_t("opt.session_id"))

    operator = group("operator", "cmd.operator")
    p = command(operator, "create", "cmd.operator.create", cmd_operator_create)
    p.add_argument("username", help=_t("opt.username"))
    roles = [r.value for r in AccountRole]
    p.add_argument(
        "--role", default="operator", choices=roles, help=_t("opt.role", choices=", ".join(roles))
    )
    p.add_argument("--password-stdin", action="store_true", help=_t("opt.password_stdin"))
    p = command(operator, "set-password", "cmd.operator.set_password", cmd_operator_password)
    p.add_argument("username", help=_t("opt.username"))
    p.add_argument("--password-stdin", action="store_true", help=_t("opt.password_stdin"))

    profile = group("profile", "cmd.profile")
    command(profile, "list", "cmd.profile.list", cmd_profile_list)
    p = command(profile, "show", "cmd.profile.show", cmd_profile_show)
    p.add_argument("profile_id", metavar="ID", help=_t("opt.profile_id"))
    p = command(profile, "copy", "cmd.profile.copy", cmd_profile_copy)
    p.add_argument("source", metavar="SRC", help=_t("opt.profile.source"))
    p.add_argument("new_id", metavar="NEW", help=_t("opt.profile.new"))
    p.add_argument("--name-vi", metavar="NAME", help=_t("opt.profile.name_vi"))
    p.add_argument("--name-en", metavar="NAME", help=_t("opt.profile.name_en"))
    p = command(profile, "edit", "cmd.profile.edit", cmd_profile_edit)
    p.add_argument("profile_id", metavar="ID", help=_t("opt.profile_id"))
    p.add_argument(
        "--set", type=_setting, action="append", default=[], required=True,
        metavar="PATH=VALUE", help=_t("opt.profile.set"),
    )  # fmt: skip
    p = command(profile, "delete", "cmd.profile.delete", cmd_profile_delete)
    p.add_argument("profile_id", metavar="ID", help=_t("opt.profile_id"))
    p = command(profile, "assign", "cmd.profile.assign", cmd_profile_assign)
    p.add_argument("site_id", type=int, metavar="SITE_ID", help=_t("opt.profile.site_id"))
    p.add_argument("profile_id", nargs="?", metavar="PROFILE_ID", help=_t("opt.profile.assigned"))
    p.add_argument(
        "--set", type=_setting, action="append", default=[], metavar="PATH=VALUE",
        help=_t("opt.profile.set_site"),
    )  # fmt: skip
    p.add_argument(
        "--lock", action="append", default=[], metavar="PATH", help=_t("opt.profile.lock")
    )
    p = command(profile, "unassign", "cmd.profile.unassign", cmd_profile_unassign)
    p.add_argument("site_id", type=int, metavar="SITE_ID", help=_t("opt.profile.site_id"))
    p = command(profile, "effective", "cmd.profile.effective", cmd_profile_effective)
    p.add_argument("site_id", type=int, metavar="SITE_ID", help=_t("opt.profile.site_id"))

    p = command(sub, "readiness", "cmd.readiness", cmd_readiness)
    p.add_argument("session_id", type=int, help=_t("opt.session_id"))
    p.add_argument("--csv", action="store_true", help=_t("opt.readiness.csv"))

    sub.add_parser("agent", help=_t("cmd.agent"), add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    global LANG
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["agent"]:
        return cmd_agent(argv[1:])
    LANG = choose_lang(argv, os.environ)
    args = build_parser().parse_args(argv)
    if not getattr(args, "needs_store", True):
        return int(args.func(args))
    settings = _settings(args)
    try:
        store = Store(settings.database)
    except Exception as exc:
        _error(_t("error.db", db=settings.database, reason=exc))
        return 1
    try:
        return int(args.func(args, store))
    except SignalingError as exc:  # a refused field of a profile (--set)
        _error(f"{exc.code}: {exc.message(LANG)}")
        return 1
    except StoreError as exc:
        try:
            label = message_for(ErrorCode(exc.code), LANG)
        except ValueError:
            label = exc.code
        if exc.field is not None and exc.problem is not None:  # said of the field
            label = problem_message(exc.field, Problem(exc.problem), exc.params, LANG)
        _error(f"{exc.code}: {label} ({exc})")
        return 1
    finally:
        store.close()
