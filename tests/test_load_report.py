"""The load benchmark's summary of a ``--testing`` run's connection tests
(benchmarks/load_report.py ``summarize_tests``)."""

from __future__ import annotations

from benchmarks.load_report import summarize_tests


def finished(index: int, state: str, seconds: float, ramped: bool, *reasons: str) -> dict:
    return {
        "index": index,
        "started": 0.01,
        "finished": seconds + 0.05,
        "state": state,
        "reasons": list(reasons),
        "duration_ms": int(seconds * 1000),
        "uplink_kbps": 2000.0 if ramped else None,
        "rtt_ms": 0.5 * index,
    }


def test_verdicts_durations_and_reasons_are_counted() -> None:
    tests = [
        finished(1, "ready", 18.0, True),
        finished(2, "warning", 20.0, True, "speaker_unverified"),
        finished(3, "not_ready", 72.0, False, "camera_no_picture", "speaker_unverified"),
        {"index": 4, "started": 0.0, "error": "timeout: no test result within 90 s"},
    ]
    summary = summarize_tests(tests, asked=5)
    assert summary["asked"] == 5 and summary["finished"] == 3
    assert summary["states"] == {"not_ready": 1, "ready": 1, "warning": 1}
    assert summary["errors"] == {"timeout: no test result within 90 s": 1}
    assert summary["ramped"] == 2
    assert summary["duration_s"] == {"median": 20.0, "max": 72.0}
    assert summary["hall_s"]["max"] == 72.04
    assert summary["last_finished_s"] == 72.05
    # most frequent first
    assert list(summary["reasons"]) == ["speaker_unverified", "camera_no_picture"]
    assert summary["rtt_ms_max"] == 1.5


def test_no_test_finished() -> None:
    summary = summarize_tests([], asked=0)
    assert summary["finished"] == 0 and summary["states"] == {}
    assert summary["duration_s"] == {"median": None, "max": None}
    assert summary["last_finished_s"] is None
