"""pytest plugin classifying each autograd test run against tangent_like.

Loaded with ``-p tl_autograd_plugin`` by benchmarks/peers/autograd_suite.py.  Each test gets
one class:

* ``pass``        -- the test passed and every gradient check in it agreed;
* ``WRONG``       -- tangent_like returned a derivative that disagrees with finite
                     differences (a failed gradient check), or a test assertion failed
                     after tangent_like returned values (``wrong_kind`` says which);
* ``crash``       -- any other exception raised inside tangent_like or its generated code
                     (including ``InternalError``);
* ``timeout``     -- the test ran longer than TL_ADAPTER_TIMEOUT seconds;
* ``refused``     -- a ``TangentLikeError`` other than ``InternalError``: a located refusal;
* ``not-adapted`` -- the test needs an autograd API the adapter does not provide;
* ``other``       -- any other failure (the test itself, NumPy, the adapter);
* ``skipped``.

A test with several gradient checks runs all of them (TL_ADAPTER_KEEP_GOING=1, the
default) and takes the most severe class among them and its own outcome.  Results go to
the JSON file named by TL_ADAPTER_RESULTS.
"""
import json
import os
import signal
import time

import pytest

import tl_adapter
from tl_adapter import STATE, GradientMismatch, classify_exception

SEVERITY = ["WRONG", "crash", "timeout", "refused", "not-adapted", "other"]

_results = []
_records = []


class AdapterTimeout(Exception):
    """The test ran out of time."""


class RecordedFailures(AssertionError):
    """Raised after a test whose gradient checks failed (but were not raised, to run the
    remaining checks)."""


def _timeout():
    try:
        return float(os.environ.get("TL_ADAPTER_TIMEOUT", "300"))
    except ValueError:
        return 300.0


def _on_alarm(signum, frame):
    raise AdapterTimeout(f"test exceeded {_timeout():g} s")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    STATE.reset(item.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    limit = _timeout()
    use_alarm = limit > 0 and hasattr(signal, "SIGALRM")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        res = yield
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    failed = [r for r in STATE.records if r["cls"] != "pass"]
    if failed:
        worst = min(failed, key=lambda r: SEVERITY.index(r["cls"]))
        raise RecordedFailures(
            f"{len(failed)} gradient check step(s) failed; worst: {worst['cls']}: "
            f"{worst['step']} of {worst['fun']} {worst['args']}: "
            f"{worst.get('message', '')[:500]}")
    return res


def _exception_class(exc):
    if isinstance(exc, RecordedFailures):
        return None, None
    if isinstance(exc, GradientMismatch):
        return "WRONG", "check"
    if isinstance(exc, AdapterTimeout):
        return "timeout", None
    cls = classify_exception(exc)
    if cls == "other" and isinstance(exc, AssertionError) and STATE.tl_values > 0:
        return "WRONG", "assert"
    return cls, None


def _clean(rec):
    return {k: v for k, v in rec.items() if not k.startswith("_")}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "setup" and report.outcome == "passed":
        return report
    if call.when == "teardown" and report.outcome == "passed":
        return report
    if call.when == "setup" and report.skipped:
        entry = {"test": item.nodeid, "cls": "skipped", "when": call.when}
        _results.append(entry)
        return report
    entry = {"test": item.nodeid, "when": call.when, "outcome": report.outcome,
             "duration": round(call.duration, 3), "tl_values": STATE.tl_values}
    classes = [r["cls"] for r in STATE.records if r["cls"] != "pass"]
    wrong_kind = "check" if "WRONG" in classes else None
    if call.excinfo is not None and not report.skipped:
        exc = call.excinfo.value
        cls, kind = _exception_class(exc)
        if cls is not None:
            classes.append(cls)
            wrong_kind = wrong_kind or kind
            entry["exc_type"] = type(exc).__name__
            entry["exc_cls"] = cls
            entry["message"] = str(exc)[:3000]
            entry["where"] = tl_adapter.innermost_frame(exc)
            entry["tl_where"] = tl_adapter.innermost_tl_frame(exc)
    failing = [r for r in STATE.records if r["cls"] != "pass"]
    if (call.excinfo is not None and type(call.excinfo.value).__name__ == "Failed"
            and str(call.excinfo.value).startswith("DID NOT RAISE")
            and "AssertionError" in str(call.excinfo.value)
            and any(r["cls"] == "WRONG" for r in failing)):
        # The test expected the gradient check to fail (a deliberately wrong rule, as in
        # autograd's test_tests.py); the checks ran on, so it did not see the failure.
        # Its WRONG checks are what it wanted; whatever else failed stands.
        classes = [r["cls"] for r in failing if r["cls"] != "WRONG"]
        wrong_kind = None
        entry["note"] = "expected a failing gradient check, and the check failed"
        for k in ("exc_type", "message", "where", "tl_where", "exc_cls"):
            entry.pop(k, None)
        for r in STATE.records:
            if r["cls"] == "WRONG":
                r["cls"] = "expected-WRONG"
    if report.skipped:
        entry["cls"] = "skipped"
    elif not classes:
        entry["cls"] = "pass"
    else:
        entry["cls"] = min(classes, key=SEVERITY.index) if classes else "other"
    if entry["cls"] == "WRONG":
        entry["wrong_kind"] = wrong_kind
    entry["checks"] = len({(r["fun"], r["args"]) for r in STATE.records})
    entry["check_steps"] = {c: sum(1 for r in STATE.records if r["cls"] == c)
                            for c in {r["cls"] for r in STATE.records}}
    if call.when == "teardown" and any(e["test"] == item.nodeid for e in _results):
        return report     # the call's classification stands
    _results.append(entry)
    _records.extend(_clean(r) for r in STATE.records)
    STATE.records = []
    return report


def pytest_collectreport(report):
    if report.failed:
        exc = getattr(report, "longrepr", None)
        _results.append({"test": report.nodeid, "when": "collect", "outcome": "failed",
                         "cls": "other", "exc_type": "CollectionError",
                         "message": str(exc)[-3000:]})


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("TL_ADAPTER_RESULTS")
    if not path:
        return
    with open(path, "w") as fh:
        json.dump({"results": _results, "records": _records, "finished": time.time()},
                  fh, indent=1, default=repr)
