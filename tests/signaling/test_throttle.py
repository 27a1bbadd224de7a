"""Login throttling: the pure policy, then a real bridge refusing a guesser."""

from __future__ import annotations

import httpx

from bridge.signaling.throttle import ADDRESS_RULE, USERNAME_RULE, LoginThrottle, ThrottleRule

RULE = ThrottleRule(limit=3, window=60.0, lockout=30.0)


def test_a_key_is_locked_after_the_limit_of_failures_inside_the_window_then_released():
    throttle, keys = LoginThrottle(), {"user:a": RULE}
    for t in (0.0, 1.0):
        throttle.failed(keys, t)
        assert throttle.retry_after(keys, t) == 0
    throttle.failed(keys, 2.0)
    assert throttle.retry_after(keys, 2.0) == 30.0
    assert throttle.retry_after({"user:b": RULE}, 2.0) == 0  # others are not affected
    assert throttle.retry_after(keys, 32.0) == 0  # lockout over, count started afresh
    throttle.failed(keys, 33.0)
    assert throttle.retry_after(keys, 33.0) == 0


def test_failures_older_than_the_window_do_not_count_and_success_clears():
    throttle, keys = LoginThrottle(), {"user:a": RULE}
    throttle.failed(keys, 0.0)
    throttle.failed(keys, 1.0)
    throttle.failed(keys, 100.0)  # the first two are outside the 60 s window
    assert throttle.retry_after(keys, 100.0) == 0
    throttle.failed(keys, 101.0)
    throttle.succeeded("user:a")
    throttle.failed(keys, 102.0)
    assert throttle.retry_after(keys, 102.0) == 0


def test_memory_is_bounded():
    throttle = LoginThrottle(max_keys=100)
    for i in range(1000):
        throttle.failed({f"address:{i}": RULE}, float(i))
    assert len(throttle._keys) == 100


def test_a_guesser_is_refused_without_a_password_check_and_the_operator_still_gets_in(bridge):
    url = f"{bridge.url}/api/login"
    for _ in range(USERNAME_RULE.limit):
        wrong = httpx.post(url, json={"username": "admin", "password": "guess"})
        assert wrong.status_code == 401
    # Locked: even the right password is refused, with a clear, stable error.
    locked = httpx.post(
        url,
        json={"username": "admin", "password": bridge.password},
        headers={"Accept-Language": "vi"},
    )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert "thử lại" in locked.json()["error"]["message"]
    # Another operator account from the same address is not locked out by this one.
    other = httpx.post(url, json={"username": "nobody", "password": "x"})
    assert other.status_code == 401
    assert ADDRESS_RULE.limit > USERNAME_RULE.limit + 1
