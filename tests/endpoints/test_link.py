"""Join links as the agent reads them (docs/protocol.md, "Join links")."""

from __future__ import annotations

import pytest

from endpoints.link import LinkError, parse_link, ws_url_from


def test_http_link_gives_ws_url_session_and_token() -> None:
    link = parse_link("http://127.0.0.1:8000/site/42#token=abc-DEF_123")
    assert link.ws_url == "ws://127.0.0.1:8000/ws"
    assert link.session_id == 42
    assert link.token == "abc-DEF_123"
    assert not link.secure


def test_https_link_gives_wss_and_default_port() -> None:
    link = parse_link("https://bridge.example.gov.vn/site/7#token=t")
    assert link.secure
    assert link.port == 443
    assert link.ws_url == "wss://bridge.example.gov.vn:443/ws"


def test_http_link_without_port_uses_80() -> None:
    assert parse_link("http://bridge.local/site/1#token=t").ws_url == "ws://bridge.local:80/ws"


def test_prefix_before_site_is_kept_for_reverse_proxies() -> None:
    link = parse_link("https://gov.example/briefings/site/3/#token=t")
    assert link.prefix == "/briefings"
    assert link.ws_url == "wss://gov.example:443/briefings/ws"


def test_surrounding_whitespace_and_uppercase_scheme_are_accepted() -> None:
    assert parse_link("  HTTP://127.0.0.1:9/site/5#token=x \n").session_id == 5


def test_percent_encoded_token_is_decoded() -> None:
    assert parse_link("http://h:1/site/1#token=a%2Bb").token == "a+b"


def test_ipv6_host_is_bracketed_in_ws_url() -> None:
    link = parse_link("http://[::1]:8000/site/1#token=t")
    assert link.host == "::1"
    assert link.ws_url == "ws://[::1]:8000/ws"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1.2.3", "127.0.0.1"),
        ("localhost", "127.0.0.1"),
        ("LOCALHOST", "127.0.0.1"),
        ("[::1]", "::1"),
        ("192.168.1.10", None),
        ("bridge.example", None),
    ],
)
def test_loopback_address_only_for_loopback_hosts(host: str, expected: str | None) -> None:
    assert parse_link(f"http://{host}:8000/site/1#token=t").loopback_address == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("127.0.0.1:8000/site/1#token=t", "http:// or https://"),
        ("ftp://h/site/1#token=t", "http:// or https://"),
        ("ws://h:1/site/1#token=t", "http:// or https://"),
        ("http:///site/1#token=t", "no host"),
        ("http://h:99999/site/1#token=t", "bad port"),
        ("http://h:abc/site/1#token=t", "bad port"),
        ("http://h:1/#token=t", "/site/<session id>"),
        ("http://h:1/site/#token=t", "/site/<session id>"),
        ("http://h:1/site/abc#token=t", "/site/<session id>"),
        ("http://h:1/site/-1#token=t", "/site/<session id>"),
        ("http://h:1/site/0#token=t", "out of range"),
        ("http://h:1/site/1", "no token"),
        ("http://h:1/site/1#token=", "no token"),
        ("http://h:1/site/1#tok=t", "no token"),
        ("http://h:1/site/1?token=t", "no token"),
        ("http://h:1/site/1#token=a&token=b", "more than one token"),
    ],
)
def test_bad_links_are_rejected_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(LinkError) as caught:
        parse_link(text)
    assert says in str(caught.value)


def test_ws_url_from_base_url_join_link_or_ws_url() -> None:
    assert ws_url_from("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/ws"
    assert ws_url_from("https://gov.example/briefings/") == "wss://gov.example/briefings/ws"
    assert ws_url_from("http://h:1/site/9#token=t") == "ws://h:1/ws"
    assert ws_url_from("ws://h:1/ws") == "ws://h:1/ws"
    with pytest.raises(LinkError):
        ws_url_from("ftp://h")
