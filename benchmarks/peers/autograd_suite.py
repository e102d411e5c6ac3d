"""Run autograd's own published test suite against tangent_like.

    python benchmarks/peers/autograd_suite.py                 # the whole suite
    python benchmarks/peers/autograd_suite.py test_numpy.py   # some test files / node ids
    python benchmarks/peers/autograd_suite.py -k norm --jobs 2
    make peers

The autograd source distribution is downloaded from PyPI with pip (or reused from the cache
directory, ``~/.cache/tangent_like/peers`` unless ``--cache-dir`` or ``$TL_PEERS_CACHE``
says otherwise), and its ``tests/`` directory is extracted there.  pytest then runs those
tests in a subprocess whose ``import autograd`` is the adapter in ``autograd_adapter/``: a
package named ``autograd`` whose ``numpy`` is NumPy itself and whose differential
operators and ``test_util.check_grads`` call tangent_like.  Nothing of autograd is kept in
this repository; the test files are fetched at run time.

Every test is classified (see ``autograd_adapter/tl_autograd_plugin.py``): pass, WRONG
(a derivative disagreeing with finite differences), crash (an unexpected exception inside
tangent_like or its generated code), timeout, refused (a located tangent_like refusal),
not-adapted (an autograd API the adapter lacks), other, skipped.  The script prints the
counts and writes a Markdown report (``--report``, by default next to the extracted tests).

Exit status: 1 if any test is WRONG or crashes, 2 if the suite could not be run, else 0.
"""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ADAPTER = os.path.join(HERE, "autograd_adapter")
CLASSES = ["pass", "WRONG", "crash", "timeout", "refused", "not-adapted", "other", "skipped"]


def fail(message):
    """The suite could not be run: exit status 2."""
    sys.stderr.write(f"autograd_suite: {message}\n")
    sys.exit(2)


def default_cache():
    return os.environ.get("TL_PEERS_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tangent_like", "peers")


def _version_key(path):
    m = re.search(r"autograd-([0-9][^/]*?)\.tar\.gz$", path)
    parts = re.findall(r"\d+|[a-z]+", m.group(1)) if m else []
    return [(0, int(p)) if p.isdigit() else (-1, p) for p in parts]


def get_sdist(cache, version=None, refresh=False, sdist=None):
    """Path of the autograd sdist: `sdist` itself, a cached one, or one pip downloads."""
    if sdist:
        return os.path.abspath(sdist)
    os.makedirs(cache, exist_ok=True)
    pattern = f"autograd-{version}.tar.gz" if version else "autograd-*.tar.gz"
    cached = sorted(glob.glob(os.path.join(cache, pattern)), key=_version_key)
    if cached and not refresh:
        return cached[-1]
    spec = f"autograd=={version}" if version else "autograd"
    print(f"downloading the {spec} sdist into {cache} ...", flush=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--quiet", spec, "-d", cache]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        fail(f"pip download failed:\n{proc.stdout}\n{proc.stderr}")
    cached = sorted(glob.glob(os.path.join(cache, pattern)), key=_version_key)
    if not cached:
        fail(f"pip download left no {pattern} in {cache}")
    return cached[-1]


def extract_tests(sdist, cache):
    """Extract the sdist's tests/ directory into ``cache/autograd-VERSION/tests``."""
    name = os.path.basename(sdist)[:-len(".tar.gz")]
    run_dir = os.path.join(cache, name)
    tests_dir = os.path.join(run_dir, "tests")
    if os.path.isdir(tests_dir):
        shutil.rmtree(tests_dir)
    os.makedirs(run_dir, exist_ok=True)
    with tarfile.open(sdist) as tar:
        members = []
        for m in tar.getmembers():
            parts = m.name.split("/")
            if len(parts) >= 3 and parts[1] == "tests" and (m.isfile() or m.isdir()):
                m.name = "/".join(parts[1:])
                members.append(m)
        if not members:
            fail(f"{sdist} has no tests/ directory")
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(run_dir, members=members, **kwargs)
    with open(os.path.join(run_dir, "pytest.ini"), "w") as fh:
        fh.write("[pytest]\n# written by benchmarks/peers/autograd_suite.py: none of the "
                 "sdist's own pytest options (coverage, xdist)\n"
                 "addopts = -p no:cacheprovider\n")
    return name, run_dir, tests_dir


def _groups(tests_dir, selection, jobs, env, ini):
    """Split the run into `jobs` pytest invocations: the collected tests, dealt round-robin
    (one file, test_systematic.py, holds most of the work)."""
    if jobs <= 1:
        return [selection or ["."]]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-c", ini, "--rootdir", tests_dir,
                           "--collect-only", "-q"] + (selection or ["."]),
                          cwd=tests_dir, env=env, capture_output=True, text=True)
    ids = [line.strip() for line in proc.stdout.splitlines() if "::" in line]
    if not ids:
        return [selection or ["."]]
    return [g for g in (ids[k::jobs] for k in range(jobs)) if g]


def run_pytest(run_dir, tests_dir, selection, args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [ADAPTER, ROOT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["TL_ADAPTER_TIMEOUT"] = str(args.timeout)
    env["TL_ADAPTER_KEEP_GOING"] = "0" if args.fail_fast else "1"
    wrappers = os.path.join(run_dir, "wrappers")
    shutil.rmtree(wrappers, ignore_errors=True)
    env["TL_ADAPTER_WRAPPERS"] = wrappers
    env.setdefault("PYTHONHASHSEED", "0")
    procs = []
    ini = os.path.join(run_dir, "pytest.ini")
    for k, group in enumerate(_groups(tests_dir, selection, args.jobs, env, ini)):
        out = os.path.join(run_dir, f"results_{k}.json")
        if os.path.exists(out):
            os.remove(out)
        cmd = [sys.executable, "-m", "pytest", "-c", os.path.join(run_dir, "pytest.ini"),
               "--rootdir", tests_dir, "-p", "tl_autograd_plugin", "-q", "-rN",
               "--tb=no" if not args.verbose else "--tb=short"] + args.pytest_args + group
        if args.k:
            cmd += ["-k", args.k]
        log = open(os.path.join(run_dir, f"pytest_{k}.log"), "w")
        procs.append((subprocess.Popen(cmd, cwd=tests_dir, env={**env,
                                                                "TL_ADAPTER_RESULTS": out},
                                       stdout=log, stderr=subprocess.STDOUT), out, log))
    results, records = [], []
    for proc, out, log in procs:
        proc.wait()
        log.close()
        if not os.path.exists(out):
            with open(log.name) as fh:
                sys.stderr.write(fh.read()[-5000:])
            fail(f"pytest wrote no results (exit status {proc.returncode})")
        with open(out) as fh:
            data = json.load(fh)
        results += data["results"]
        records += data["records"]
    return results, records


# ---------------------------------------------------------------- the report

def _first_line(msg):
    return (msg or "").strip().split("\n")[0]


def refusal_reason(msg):
    """A refusal message without its location, names of temporaries or numbers."""
    line = _first_line(msg)
    line = re.sub(r"^.*?:\d+:\d+: error: ", "", line)
    line = re.sub(r"^(\S+\.py|<[^>]*>)(:\d+)*: (error: )?", "", line)
    line = line.split(" -- ")[0]
    return line


def crash_signature(rec):
    msg = _first_line(rec.get("message"))
    msg = re.sub(r"#\d+", "#N", msg)
    msg = re.sub(r"0x[0-9a-f]+", "0x…", msg)
    msg = re.sub(r"(transforming) \S+:", r"\1 …:", msg)
    msg = re.sub(r"shape was \([^)]*\)", "shape was (…)", msg)
    return f"{rec.get('exc_type')} at {rec.get('tl_where') or rec.get('where')}: {msg[:160]}"


def _md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def summarize(results, records):
    counts = collections.Counter(r["cls"] for r in results)
    per_file = collections.defaultdict(collections.Counter)
    for r in results:
        per_file[r["test"].split("::")[0]][r["cls"]] += 1
    return counts, per_file


def table(counts, per_file):
    cols = [c for c in CLASSES if c != "skipped" or counts.get("skipped")]
    head = f"{'file':<24}" + "".join(f"{c:>12}" for c in cols) + f"{'total':>8}"
    lines = [head, "-" * len(head)]
    for f in sorted(per_file):
        c = per_file[f]
        lines.append(f"{f:<24}" + "".join(f"{c.get(k, 0):>12}" for k in cols)
                     + f"{sum(c.values()):>8}")
    lines.append("-" * len(head))
    lines.append(f"{'all':<24}" + "".join(f"{counts.get(k, 0):>12}" for k in cols)
                 + f"{sum(counts.values()):>8}")
    return "\n".join(lines)


def write_report(path, meta, results, records):
    counts, per_file = summarize(results, records)
    out = []
    w = out.append
    w("# autograd's test suite against tangent_like\n")
    w(f"Generated by `benchmarks/peers/autograd_suite.py` on {meta['date']}.\n")
    w("| | |\n| --- | --- |")
    for k, v in meta["versions"].items():
        w(f"| {k} | {v} |")
    w("")
    w("Classes: **pass**; **WRONG**: tangent_like returned a derivative that disagrees with "
      "finite differences (`check`: a failed gradient check; `assert`: a test assertion "
      "failed after tangent_like returned values, to be triaged); **crash**: another "
      "exception inside tangent_like or its generated code; **timeout**; **refused**: a "
      "located `TangentLikeError`; **not-adapted**: the adapter lacks the autograd API; "
      "**other**: any other failure (the test itself, NumPy 2, the adapter). A test takes "
      "the most severe class among its gradient checks and its own outcome.\n")
    w("## Counts\n")
    cols = [c for c in CLASSES if counts.get(c) or c not in ("skipped", "timeout")]
    w("| file | " + " | ".join(cols) + " | total |")
    w("| --- |" + " ---: |" * (len(cols) + 1))
    for f in sorted(per_file):
        c = per_file[f]
        w(f"| {f} | " + " | ".join(str(c.get(k, 0)) for k in cols) + f" | {sum(c.values())} |")
    w("| **all** | " + " | ".join(f"**{counts.get(k, 0)}**" for k in cols)
      + f" | **{sum(counts.values())}** |\n")
    steps = collections.Counter((r["step"], r["cls"]) for r in records)
    if steps:
        w("Gradient-check steps (each `check_grads` call runs `rev`, `fwd` and, for order 2, "
          "`2nd` = forward over reverse):\n")
        scls = sorted({c for _, c in steps}, key=lambda c: CLASSES.index(c) if c in CLASSES else 99)
        w("| step | " + " | ".join(scls) + " |")
        w("| --- |" + " ---: |" * len(scls))
        for st in ("value", "rev", "fwd", "2nd"):
            if any(s == st for s, _ in steps):
                w(f"| {st} | " + " | ".join(str(steps.get((st, c), 0)) for c in scls) + " |")
        w("")

    wrong_recs = [r for r in records if r["cls"] == "WRONG"]
    wrong_tests = [r for r in results if r["cls"] == "WRONG"]
    w(f"## WRONG ({len(wrong_tests)} tests, {len(wrong_recs)} failed check steps)\n")
    if wrong_recs:
        w("| test | step | function | args | kwargs | tangent_like | finite differences |")
        w("| --- | --- | --- | --- | --- | --- | --- |")
        for r in wrong_recs:
            w(f"| {_md_escape(r['test'])} | {r['step']} | {_md_escape(r['fun'])} | "
              f"{_md_escape(r['args'])} | {_md_escape(r.get('kwargs') or '')} | "
              f"{_md_escape(r.get('got'))} | {_md_escape(r.get('expected'))} |")
        w("")
    asserts = [r for r in wrong_tests if r.get("wrong_kind") == "assert"]
    if asserts:
        w("Test assertions that failed after tangent_like returned values:\n")
        for r in asserts:
            w(f"- `{r['test']}` ({r.get('where')}): `{_md_escape(_first_line(r.get('message')))[:300]}`")
        w("")

    crash_groups = collections.defaultdict(list)
    for r in records:
        if r["cls"] == "crash":
            crash_groups[crash_signature(r)].append(f"{r['test']} [{r['step']}]")
    for r in results:
        if r.get("exc_cls") == "crash":
            crash_groups[crash_signature(r)].append(f"{r['test']} [test body]")
    w(f"## Crashes ({counts.get('crash', 0)} tests, {len(crash_groups)} signatures)\n")
    for sig, where in sorted(crash_groups.items(), key=lambda kv: -len(kv[1])):
        n_tests = len({x.split(" [")[0] for x in where})
        w(f"- **{n_tests} tests** ({len(where)} occurrences): `{_md_escape(sig)}`")
        for t in sorted(set(where))[:6]:
            w(f"  - {t}")
        if len(set(where)) > 6:
            w(f"  - … and {len(set(where)) - 6} more")
    w("")

    reasons = collections.defaultdict(lambda: [0, set()])
    for r in records + [x for x in results if x.get("exc_cls") == "refused"]:
        if r["cls"] == "refused":
            key = f"{r.get('exc_type')}: {refusal_reason(r.get('message'))}"
            reasons[key][0] += 1
            reasons[key][1].add(r["test"])
    w(f"## Refusals ({counts.get('refused', 0)} tests)\n")
    w("| occurrences | tests | reason |\n| ---: | ---: | --- |")
    for key, (n, tests) in sorted(reasons.items(), key=lambda kv: (-len(kv[1][1]), -kv[1][0])):
        w(f"| {n} | {len(tests)} | {_md_escape(key)[:220]} |")
    w("")

    for cls in ("timeout", "not-adapted", "other"):
        rows = [r for r in results if r["cls"] == cls]
        if not rows:
            continue
        w(f"## {cls} ({len(rows)} tests)\n")
        for r in rows:
            msg = _first_line(r.get("message"))
            if not msg or r.get("exc_type") == "RecordedFailures":
                sub = [x for x in records if x["test"] == r["test"] and x["cls"] == cls]
                msg = _first_line(sub[0].get("message")) if sub else msg
            w(f"- `{r['test']}`: {_md_escape(r.get('exc_type') or '')} {_md_escape(msg)[:250]}")
        w("")
    with open(path, "w") as fh:
        fh.write("\n".join(out))


def _versions(sdist_name):
    import numpy
    try:
        import tangent_like
        tlv = tangent_like.__version__
    except Exception as exc:     # noqa: BLE001
        tlv = f"not importable ({exc})"
    try:
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"peer test suite": sdist_name, "tangent_like": f"{tlv} ({commit or 'no git'})",
            "Python": sys.version.split()[0], "NumPy": numpy.__version__}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tests", nargs="*", help="test files or node ids (default: all)")
    p.add_argument("-k", help="pytest -k expression")
    p.add_argument("--cache-dir", default=default_cache(),
                   help="where the sdist and its tests go (default: %(default)s)")
    p.add_argument("--version", help="autograd version to download (default: the newest "
                   "cached, or the newest on PyPI)")
    p.add_argument("--sdist", help="use this autograd-*.tar.gz instead of downloading")
    p.add_argument("--refresh", action="store_true", help="download again")
    p.add_argument("--jobs", type=int, default=1, help="pytest processes in parallel")
    p.add_argument("--timeout", type=float, default=300, help="seconds per test (0: none)")
    p.add_argument("--fail-fast", action="store_true",
                   help="stop a test at its first failed gradient check (as autograd does)")
    p.add_argument("--report", help="Markdown report path (default: in the cache dir)")
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("-v", "--verbose", action="store_true", help="pytest tracebacks in the log")
    p.add_argument("--pytest-args", action="append", default=[],
                   help="extra pytest argument (repeatable)")
    args = p.parse_args(argv)

    cache = os.path.abspath(os.path.expanduser(args.cache_dir))
    sdist = get_sdist(cache, args.version, args.refresh, args.sdist)
    name, run_dir, tests_dir = extract_tests(sdist, cache)
    print(f"{name}: running its tests/ against tangent_like ({run_dir})", flush=True)
    t0 = time.time()
    results, records = run_pytest(run_dir, tests_dir, args.tests, args)
    elapsed = time.time() - t0
    results.sort(key=lambda r: r["test"])
    records.sort(key=lambda r: r["test"])      # stable: keeps each test's order
    if not results:
        fail("no tests ran")

    counts, per_file = summarize(results, records)
    print(table(counts, per_file))
    print(f"\n{len(results)} tests in {elapsed:.0f} s; "
          + ", ".join(f"{counts.get(c, 0)} {c}" for c in CLASSES if counts.get(c)))
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "versions": _versions(name)}
    report = os.path.abspath(args.report or os.path.join(run_dir, "report.md"))
    write_report(report, meta, results, records)
    raw = args.json or os.path.join(run_dir, "results.json")
    with open(raw, "w") as fh:
        json.dump({"meta": meta, "results": results, "records": records}, fh, indent=1)
    print(f"report: {report}\nraw results: {raw}\npytest logs: {run_dir}/pytest_*.log")
    return 1 if counts.get("WRONG") or counts.get("crash") else 0


if __name__ == "__main__":
    sys.exit(main())
