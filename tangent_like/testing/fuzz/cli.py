"""Command line of the fuzzer: ``python -m tangent_like.testing.fuzz``.

Generates ``--n`` programs from ``--seed``, runs each in every mode on ``--jobs`` processes,
minimizes a sample of the failures (``--minimize``), writes them to ``--out`` as corpus
files, and prints a summary.  The exit status is 1 when some mode crashed or computed a
wrong derivative, 0 otherwise.
"""
import argparse
import ast
import multiprocessing
import random
import sys
import time

from . import corpus
from .case import scratch_directory
from .generate import generate
from .minimize import MAX_RUNS, MAX_SECONDS, minimize
from .oracle import ALL_MODES, MODES, run_case
from .report import ProgressBar, Tally

#: How many failing programs of one signature are minimized, by class.
PER_SIGNATURE = {"crash": 2, "wrong": 6}
#: How many corpus files one signature may get.
FILES_PER_SIGNATURE = {"crash": 2, "wrong": 6}


def parse_args(argv):
    """The parsed command line, with the seed chosen and the modes checked."""
    parser = argparse.ArgumentParser(
        prog="python -m tangent_like.testing.fuzz",
        description="Differential fuzzer: random valid Python/NumPy programs, differentiated "
                    "by tangent_like and checked against central finite differences.")
    parser.add_argument("--n", type=int, default=1000, help="number of programs (default 1000)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the run (default: a fresh one, printed for replay)")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"comma-separated modes among {', '.join(ALL_MODES)} (default: "
                             "all but grad-numba; hessian runs on one program in five)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--minimize", action=argparse.BooleanOptionalAction, default=True,
                        help="minimize a sample of the failing programs (default: on)")
    parser.add_argument("--max-minimize", type=int, default=40, metavar="N",
                        help="minimize at most N failing programs (default 40)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="write minimized failures as corpus files into DIR "
                             "(default: only print them)")
    parser.add_argument("--max-files", type=int, default=40, metavar="N",
                        help="write at most N corpus files (default 40)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="time limit of each mode of each program (default 30)")
    parser.add_argument("--start", type=int, default=0, metavar="INDEX",
                        help="index of the first program (to replay one: --start I --n 1)")
    parser.add_argument("--show", action="store_true",
                        help="print the source of every program that failed")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in ALL_MODES]
    if unknown or not modes:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; choose among "
                     f"{', '.join(ALL_MODES)}")
    args.modes = modes
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10 ** 9)
    return args


# -- work done in the worker processes ---------------------------------------------------

def run_program(task):
    """Generate and run program ``index`` of ``seed``; returns (index, tags, outcomes)."""
    seed, index, modes, timeout = task
    case = generate(seed, index)
    return index, case.tags, run_case(case, modes, timeout)


def minimize_program(task):
    """Minimize program ``index`` of ``seed`` failing in ``mode``; returns
    (index, mode, minimized case, its outcome)."""
    seed, index, mode, timeout = task
    case = generate(seed, index)
    outcome = run_case(case, [mode], timeout)[mode]
    if not outcome.failed:
        return index, mode, case, outcome
    small, small_outcome = minimize(case, mode, outcome, timeout, MAX_RUNS, MAX_SECONDS)
    return index, mode, small, small_outcome


def parallel_map(function, tasks, jobs):
    """``function`` over ``tasks`` in any order, on ``jobs`` processes (1: in this one)."""
    if jobs <= 1:
        for task in tasks:
            yield function(task)
        return
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with context.Pool(jobs, maxtasksperchild=200) as pool:
        yield from pool.imap_unordered(function, tasks, chunksize=1)


# -- the run ---------------------------------------------------------------------------

def run_programs(args, tally):
    """Generate and run every program, tallying outcomes, with a progress bar."""
    tasks = [(args.seed, i, args.modes, args.timeout)
             for i in range(args.start, args.start + args.n)]
    scratch_directory()        # made here, so that the workers share it and it is removed
    bar = ProgressBar(len(tasks), label="programs ")
    done = 0
    for index, tags, outcomes in parallel_map(run_program, tasks, args.jobs):
        tally.add(index, tags, outcomes)
        done += 1
        crash, wrong = tally.failure_counts()
        bar.update(done, f"crash {crash}  wrong {wrong}")
    bar.close()


def choose_for_minimization(tally, limit):
    """Up to ``limit`` (index, mode, failure) to minimize: a few programs of each failure
    signature, taken in turn (timeouts are not minimized)."""
    queues = []
    for failure in tally.sorted_failures():
        if failure.signature == "Timeout":     # each attempt would take the whole limit
            continue
        picks = failure.programs[:PER_SIGNATURE.get(failure.kind, 2)]
        queues.append([(index, mode, failure) for index, mode in picks])
    chosen = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen


def features(source):
    """The constructs a program uses: node types and called names (digits dropped)."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.stmt, ast.expr)) and not isinstance(
                node, (ast.Name, ast.Constant, ast.Import, ast.ImportFrom)):
            out.add(type(node).__name__)
        if isinstance(node, ast.Call):
            out.add("call:" + "".join(ch for ch in ast.unparse(node.func) if not ch.isdigit()))
    return frozenset(out)


def minimize_failures(args, tally):
    """Minimize a sample of the failures and attach the smallest to each signature as its
    example; returns the distinct minimized failures, as [(case, mode, outcome)]."""
    chosen = choose_for_minimization(tally, args.max_minimize)
    if not chosen:
        return []
    tasks = [(args.seed, index, mode, args.timeout) for index, mode, _ in chosen]
    bar = ProgressBar(len(tasks), label="minimize ")
    results = []
    for n, (index, mode, small, outcome) in enumerate(
            parallel_map(minimize_program, tasks, args.jobs), 1):
        if outcome.failed:
            results.append((small, mode, outcome))
        bar.update(n)
    bar.close()
    results.sort(key=lambda r: (len(r[0].source), r[0].origin))
    for small, mode, outcome in results:
        failure = tally.failures.get((outcome.kind, outcome.signature))
        if failure is not None and failure.example is None:
            failure.example = (small, mode, outcome)
    return _distinct(results)


def _distinct(results):
    """Minimized failures, one per (class, signature, constructs used), smallest first."""
    seen, per_signature, out = set(), {}, []
    for small, mode, outcome in results:
        key = (outcome.kind, outcome.signature, features(small.source))
        if key in seen:
            continue
        count = per_signature.get((outcome.kind, outcome.signature), 0)
        if count >= FILES_PER_SIGNATURE.get(outcome.kind, 2):
            continue
        seen.add(key)
        per_signature[(outcome.kind, outcome.signature)] = count + 1
        out.append((small, mode, outcome))
    return out


def write_corpus(directory, distinct, limit):
    """Write up to ``limit`` new corpus files; returns their paths."""
    existing = set()
    for path in corpus.paths(directory):
        with open(path) as src:
            existing.add(src.read())
    written = []
    for small, mode, outcome in distinct:
        if len(written) >= limit:
            break
        text = corpus.render(small, mode, outcome)
        if text in existing:
            continue
        written.append(corpus.write(directory, small, mode, outcome))
    return written


def main(argv=None):
    """Run the fuzzer with the command line ``argv``; returns the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"tangent_like fuzz: seed {args.seed} (replay with --seed {args.seed})",
          file=sys.stderr)
    start = time.monotonic()
    tally = Tally(args.modes)
    try:
        run_programs(args, tally)
        distinct = minimize_failures(args, tally) if args.minimize else []
    except KeyboardInterrupt:
        print("\ninterrupted: summary of the programs run so far", file=sys.stderr)
        distinct = []
    print(tally.summary(args.seed, time.monotonic() - start, args.jobs,
                        show_examples=args.minimize))
    if args.show:
        for failure in tally.sorted_failures():
            for index, mode in failure.programs:
                case = generate(args.seed, index)
                print(f"\n# {failure.kind}: {failure.signature} ({mode}, {case.origin}, "
                      f"wrt={case.wrt!r}, args={case.args!r})\n{case.source}")
    if args.out and distinct:
        written = write_corpus(args.out, distinct, args.max_files)
        print(f"\nwrote {len(written)} minimized failures to {args.out}")
    return 1 if tally.failed else 0
