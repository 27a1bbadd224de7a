"""Join links: ``http(s)://HOST:PORT[/PREFIX]/site/<session_id>#token=<token>``.

The link is what an operator hands to a site (docs/protocol.md, "Join links"); the headless
endpoint accepts exactly what the site page accepts. The token travels in the fragment so it
never reaches server logs or ``Referer`` headers, which is why it is parsed here and not
sent to the server in any URL.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# An optional prefix lets a bridge live behind a reverse proxy at a sub-path; the
# signaling endpoint is then PREFIX/ws, next to PREFIX/site/<id>.
_SITE_PATH = re.compile(r"^(?P<prefix>(?:/[^/]+)*?)/site/(?P<session_id>[0-9]+)/?$")
# The server accepts session ids up to 2**53 (the largest integer JSON clients round-trip).
_MAX_SESSION_ID = 2**53


class LinkError(ValueError):
    """A join link that cannot be used; the message says what is wrong with it."""


@dataclass(frozen=True)
class JoinLink:
    """A parsed join link: where the bridge is, which session, and the site's token."""

    secure: bool
    host: str
    port: int
    prefix: str
    session_id: int
    token: str

    @property
    def ws_url(self) -> str:
        """The signaling URL: ``ws://HOST:PORT[/PREFIX]/ws`` (``wss`` for an https link)."""
        return f"{'wss' if self.secure else 'ws'}://{_netloc(self.host, self.port)}{self.prefix}/ws"

    @property
    def loopback_address(self) -> str | None:
        """The loopback address ICE should use when the bridge is on this machine, else None.

        aioice never gathers loopback candidates by itself, so a bridge reached through
        127.0.0.0/8, ``localhost`` or ``::1`` is unreachable for media unless told to.
        """
        if self.host.lower() == "localhost":
            return "127.0.0.1"
        try:
            address = ipaddress.ip_address(self.host)
        except ValueError:
            return None
        if not address.is_loopback:
            return None
        return "::1" if address.version == 6 else "127.0.0.1"


def parse_link(link: str) -> JoinLink:
    """Parse a join link, or raise ``LinkError`` with a message fit to show a user."""
    text = link.strip()
    if not text:
        raise LinkError("the join link is empty")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise LinkError(f"the join link must start with http:// or https:// (got {_short(text)})")
    try:
        host = parts.hostname
        port = parts.port
    except ValueError as exc:  # a non-numeric or out-of-range port
        raise LinkError(f"the join link has a bad port: {exc}") from None
    if not host:
        raise LinkError("the join link has no host")
    match = _SITE_PATH.match(parts.path)
    if match is None:
        raise LinkError(
            f"the join link's path must be /site/<session id> (got {_short(parts.path or '/')})"
        )
    session_id = int(match["session_id"])
    if not 1 <= session_id <= _MAX_SESSION_ID:
        raise LinkError(f"the join link's session id is out of range: {session_id}")
    tokens = parse_qs(parts.fragment, keep_blank_values=True).get("token", [])
    if not tokens or not tokens[0]:
        raise LinkError("the join link has no token (expected ...#token=<token>)")
    if len(tokens) > 1:
        raise LinkError("the join link has more than one token")
    return JoinLink(
        secure=scheme == "https",
        host=host,
        port=port if port is not None else (443 if scheme == "https" else 80),
        prefix=match["prefix"],
        session_id=session_id,
        token=tokens[0],
    )


def ws_url_from(url: str) -> str:
    """The signaling URL for a bridge given as a join link, a base URL or a ws(s) URL.

    ``http://h:8000`` → ``ws://h:8000/ws``; a join link → its ``ws_url``; ``ws://…`` as is.
    Operators have no join link, so their clients are pointed at the bridge this way.
    """
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("ws", "wss"):
        if not parts.hostname:
            raise LinkError(f"no host in {_short(text)}")
        return text
    if scheme not in ("http", "https"):
        raise LinkError(f"expected an http(s):// or ws(s):// URL (got {_short(text)})")
    if _SITE_PATH.match(parts.path) and parts.fragment:
        return parse_link(text).ws_url
    if not parts.hostname:
        raise LinkError(f"no host in {_short(text)}")
    ws_scheme = "wss" if scheme == "https" else "ws"
    return f"{ws_scheme}://{parts.netloc}{parts.path.rstrip('/')}/ws"


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _short(text: str, limit: int = 80) -> str:
    # Links are pasted by people; echo enough to recognise it, not a whole document.
    return repr(text if len(text) <= limit else text[:limit] + "…")
