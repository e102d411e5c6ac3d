"""Progress bar and summary tables of a fuzzing run."""
import collections
import sys
import time

from .oracle import CLASSES


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class ProgressBar:
    """A one-line progress bar redrawn in place on a terminal stream (stderr by default)."""

    def __init__(self, total, label="", stream=None, width=30, interval=0.1):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.interval = interval
        self.start = time.monotonic()
        self.last = 0.0
        self.done = 0
        self.note = ""
        self.line_length = 0

    def update(self, done, note="", force=False):
        """Redraw the bar for ``done`` items (at most every ``interval`` seconds)."""
        self.done, self.note = done, note
        now = time.monotonic()
        if not force and now - self.last < self.interval and done < self.total:
            return
        self.last = now
        fraction = min(done / self.total, 1.0)
        filled = int(round(self.width * fraction))
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        line = (f"{self.label}[{'#' * filled}{'.' * (self.width - filled)}] "
                f"{done}/{self.total} {100 * fraction:3.0f}% {rate:5.1f}/s "
                f"ETA {_duration(eta)}")
        if note:
            line += "  " + note
        padding = max(self.line_length - len(line), 0)
        self.stream.write("\r" + line + " " * padding)
        self.stream.flush()
        self.line_length = len(line)

    def close(self):
        """Draw the final state and end the line."""
        self.update(self.done, self.note, force=True)
        self.stream.write("\n")
        self.stream.flush()


class Failure:
    """Programs failing with one signature: where, in which modes, and an example."""

    def __init__(self, kind, signature):
        self.kind = kind
        self.signature = signature
        self.programs = []        # (index, mode) of the first mode each program failed in
        self.modes = set()
        self.example = None       # (case, mode, outcome), minimized when available

    @property
    def count(self):
        """Number of programs failing with this signature."""
        return len(self.programs)


class Tally:
    """Everything a run found, by mode, class and signature."""

    def __init__(self, modes):
        self.modes = list(modes)
        self.counts = {mode: collections.Counter() for mode in self.modes}
        self.refusals = collections.Counter()
        self.refusal_modes = collections.defaultdict(set)
        self.discards = collections.Counter()
        self.failures = {}
        self.tags = collections.Counter()
        self.programs = 0

    def add(self, index, tags, outcomes):
        """Record the outcomes ``{mode: Outcome}`` of program ``index``."""
        self.programs += 1
        self.tags.update(tags)
        refusals, discards = set(), set()
        for mode, outcome in outcomes.items():
            self.counts[mode][outcome.kind] += 1
            if outcome.kind == "refused":
                refusals.add(outcome.signature)
                self.refusal_modes[outcome.signature].add(mode)
            elif outcome.kind == "discarded":
                discards.add(outcome.signature)
            elif outcome.failed:
                key = (outcome.kind, outcome.signature)
                failure = self.failures.get(key)
                if failure is None:
                    failure = self.failures[key] = Failure(*key)
                if not failure.programs or failure.programs[-1][0] != index:
                    failure.programs.append((index, mode))
                failure.modes.add(mode)
        self.refusals.update(refusals)
        self.discards.update(discards)

    @property
    def failed(self):
        """Did any mode crash or compute a wrong result?"""
        return bool(self.failures)

    def failure_counts(self):
        """(crash, wrong) outcome counts over every mode."""
        crash = sum(c["crash"] for c in self.counts.values())
        wrong = sum(c["wrong"] for c in self.counts.values())
        return crash, wrong

    def sorted_failures(self):
        """Failures, crashes first, most frequent first."""
        return sorted(self.failures.values(), key=lambda f: (f.kind != "crash", -f.count,
                                                              f.signature))

    # -- formatting -----------------------------------------------------------------

    def table(self):
        """Rows: classes; columns: modes."""
        width = max(8, max(len(m) for m in self.modes) + 1)
        lines = ["class".ljust(11) + "".join(m.rjust(width) for m in self.modes)]
        for kind in CLASSES:
            lines.append(kind.ljust(11) + "".join(
                str(self.counts[m][kind]).rjust(width) for m in self.modes))
        lines.append("total".ljust(11) + "".join(
            str(sum(self.counts[m].values())).rjust(width) for m in self.modes))
        return "\n".join(lines)

    def top(self, counter, limit, modes=None):
        """The most frequent entries of ``counter``, one a line."""
        lines = []
        for signature, count in counter.most_common(limit):
            line = f"{count:6d}  {signature}"
            if modes is not None and set(modes[signature]) != set(self.modes):
                line += "   [" + ", ".join(m for m in self.modes if m in modes[signature]) + "]"
            lines.append(line)
        if len(counter) > limit:
            rest = sum(c for _, c in counter.most_common()[limit:])
            lines.append(f"{rest:6d}  ({len(counter) - limit} other reasons)")
        return "\n".join(lines) if lines else "     -  none"

    def failure_section(self, show_examples=True, limit=30):
        """Each failure signature with its count, modes and example."""
        out = []
        for failure in self.sorted_failures()[:limit]:
            modes = ", ".join(m for m in self.modes if m in failure.modes)
            out.append(f"{failure.count:6d}  {failure.kind}: {failure.signature}   [{modes}]")
            if show_examples and failure.example is not None:
                case, mode, outcome = failure.example
                where = f"wrt={case.wrt!r}, args={case.args!r}"
                out.append(f"        example ({mode}, {case.origin}; {where}):")
                out += ["            " + line for line in case.source.strip().splitlines()
                        if line.strip()]
                if outcome.detail:
                    last = outcome.detail.strip().splitlines()[-1]
                    out.append(f"        -> {last[:200]}")
            elif failure.programs:
                shown = ", ".join(str(index) for index, _ in failure.programs[:10])
                more = " ..." if len(failure.programs) > 10 else ""
                out.append(f"        programs {shown}{more} (replay one: --start I --n 1)")
        if len(self.failures) > limit:
            out.append(f"     ... and {len(self.failures) - limit} more signatures")
        return "\n".join(out) if out else "     -  none"

    def coverage(self, per_line=4):
        """How many programs used each generated construct."""
        items = [f"{tag} {count}" for tag, count in sorted(self.tags.items())]
        rows = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "\n".join("    " + r for r in rows)

    def summary(self, seed, elapsed, jobs, show_examples=True):
        """The text printed at the end of a run."""
        crash, wrong = self.failure_counts()
        parts = [
            f"tangent_like fuzz: seed {seed}, {self.programs} programs, {jobs} jobs, "
            f"{_duration(elapsed)}",
            "",
            self.table(),
            "",
            "top refusal reasons (programs):",
            self.top(self.refusals, 12, self.refusal_modes),
            "",
            "failure signatures (programs), with a minimized example:"
            if show_examples else "failure signatures (programs):",
            self.failure_section(show_examples),
            "",
            "discarded programs (generator errors):",
            self.top(self.discards, 5),
            "",
            "constructs generated (programs):",
            self.coverage(),
            "",
            f"{crash} crash and {wrong} wrong outcomes; replay with --seed {seed}",
        ]
        return "\n".join(parts)
