"""The ``bridge`` command: serve, and script sites, sessions, links and operators.

The management commands open the same SQLite file as a running server (WAL mode lets
both work at once) and print either text for people or, with ``--json``, JSON for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from bridge.settings import Settings, load_settings
from bridge.signaling.api import session_json, site_json
from bridge.store import AccountRole, NotFound, SessionState, SiteLevel, Store, StoreError
from bridge.use_cases import close_session, issue_join_links, open_session


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        getattr(args, "config", None),
        database=getattr(args, "db", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        public_url=getattr(args, "public_url", None),
    )


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)


def cmd_serve(args: argparse.Namespace) -> int:
    from bridge.server import serve

    return serve(_settings(args), demo=not args.no_demo)


def cmd_site_create(args: argparse.Namespace, store: Store) -> int:
    site = store.sites.create(args.name, SiteLevel(args.level), args.parent)
    store.audit.record(None, _by(), "create_site", site_id=site.id)
    _out(args, {"site": site_json(site)}, f"site {site.id}: {site.name} ({site.level})")
    return 0


def cmd_site_list(args: argparse.Namespace, store: Store) -> int:
    sites = store.sites.list()
    _out(
        args,
        {"sites": [site_json(s) for s in sites]},
        "\n".join(f"{s.id:>5}  {s.level:<9} {s.name}" for s in sites) or "(no sites)",
    )
    return 0


def cmd_session_create(args: argparse.Namespace, store: Store) -> int:
    state = SessionState.OPEN if args.open else SessionState.SCHEDULED
    session = store.sessions.create(args.title, args.host_site, args.roster, state)
    store.audit.record(session.id, _by(), "create_session", title=session.title)
    _out(args, {"session": session_json(session)}, f"session {session.id}: {session.title}")
    return 0


def cmd_session_list(args: argparse.Namespace, store: Store) -> int:
    sessions = store.sessions.list()
    _out(
        args,
        {"sessions": [session_json(s) for s in sessions]},
        "\n".join(f"{s.id:>5}  {s.state:<9} {s.title}" for s in sessions) or "(no sessions)",
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
    _out(args, {"session": session_json(session)}, f"session {session.id}: {session.state}")
    return 0


def cmd_session_staff(args: argparse.Namespace, store: Store) -> int:
    accounts = {a.username.casefold(): a for a in store.accounts.list()}
    account = accounts.get(args.username.strip().casefold())
    if account is None:
        raise NotFound(f"no account {args.username!r}")
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
        "\n".join(f"{names.get(a, a)}: {d}" for a, d in sorted(staff.items())) or "(no staff)",
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
    text = "\n".join(
        f"{e.id:>6}  {e.at:%Y-%m-%d %H:%M:%S}  {e.by:<24} {e.action:<22} "
        + json.dumps(dict(e.detail), ensure_ascii=False)
        for e in entries
    )
    _out(args, {"entries": rows}, text or "(no entries)")
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("Password: ")


def cmd_operator_create(args: argparse.Namespace, store: Store) -> int:
    operator = store.accounts.create(args.username, _password(args), AccountRole(args.role))
    store.audit.record(None, _by(), "create_account", username=operator.username)
    data = {"operator": {"id": operator.id, "username": operator.username, "role": operator.role}}
    _out(args, data, f"operator {operator.username} ({operator.role})")
    return 0


def cmd_operator_password(args: argparse.Namespace, store: Store) -> int:
    store.accounts.set_password(args.username, _password(args))
    store.audit.record(None, _by(), "set_password", username=args.username)
    _out(args, {"ok": True}, f"password changed for {args.username}")
    return 0


def cmd_agent(argv: list[str]) -> int:
    from endpoints.agent import main as agent_main

    return agent_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bridge", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, help="SQLite file (env BRIDGE_DATABASE)")
    common.add_argument("--config", type=Path, help="JSON settings file")
    common.add_argument("--json", action="store_true", help="print JSON")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", parents=[common], help="run the bridge")
    serve.add_argument("--host", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default 8080)")
    serve.add_argument("--public-url", help="base URL printed in links")
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo session")
    serve.set_defaults(func=cmd_serve, needs_store=False)

    site = sub.add_parser("site", help="sites").add_subparsers(dest="action", required=True)
    p = site.add_parser("create", parents=[common])
    p.add_argument("name")
    p.add_argument("--level", required=True, choices=[lv.value for lv in SiteLevel])
    p.add_argument("--parent", type=int)
    p.set_defaults(func=cmd_site_create)
    site.add_parser("list", parents=[common]).set_defaults(func=cmd_site_list)

    session = sub.add_parser("session", help="sessions").add_subparsers(
        dest="action", required=True
    )
    p = session.add_parser("create", parents=[common])
    p.add_argument("title")
    p.add_argument("--host", dest="host_site", type=int, required=True, help="host site id")
    p.add_argument(
        "--roster",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[],
        help="comma-separated site ids in roster order",
    )
    p.add_argument("--open", action="store_true", help="open it now")
    p.set_defaults(func=cmd_session_create)
    session.add_parser("list", parents=[common]).set_defaults(func=cmd_session_list)
    p = session.add_parser("links", parents=[common], help="issue join links")
    p.add_argument("session_id", type=int)
    p.add_argument("--valid-hours", type=float)
    p.add_argument("--public-url")
    p.set_defaults(func=cmd_session_links)
    p = session.add_parser("staff", parents=[common], help="assign an operator or observer")
    p.add_argument("session_id", type=int)
    p.add_argument("username")
    p.add_argument("duty", choices=["operator", "observer", "none"])
    p.set_defaults(func=cmd_session_staff)
    p = session.add_parser("audit", parents=[common], help="who did what, and when")
    p.add_argument("session_id", type=int)
    p.add_argument("--after", type=int, help="entries after this id")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_session_audit)
    for state in ("open", "close"):
        p = session.add_parser(state, parents=[common])
        p.add_argument("session_id", type=int)
        p.set_defaults(func=cmd_session_state, state="open" if state == "open" else "closed")

    operator = sub.add_parser("operator", help="operator accounts").add_subparsers(
        dest="action", required=True
    )
    p = operator.add_parser("create", parents=[common])
    p.add_argument("username")
    p.add_argument("--role", default="operator", choices=[r.value for r in AccountRole])
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_operator_create)
    p = operator.add_parser("set-password", parents=[common])
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_operator_password)

    sub.add_parser("agent", help="headless site endpoint (see `bridge agent --help`)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["agent"]:
        return cmd_agent(argv[1:])
    args = build_parser().parse_args(argv)
    if not getattr(args, "needs_store", True):
        return int(args.func(args))
    try:
        store = Store(_settings(args).database)
    except Exception as exc:
        print(f"bridge: error: cannot open the database: {exc}", file=sys.stderr)
        return 1
    try:
        return int(args.func(args, store))
    except StoreError as exc:
        print(f"bridge: error: {exc.code}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
