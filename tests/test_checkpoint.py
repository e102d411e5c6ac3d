"""Checkpointed loops (``checkpoint="sqrt"`` or a number of snapshots): the primal sweep of
a loop at the top of the function records a snapshot of the loop's state every few
iterations and nothing else; the adjoint sweep runs each segment again from its snapshot.
Gradients are those of the recording code, to rounding, on every corpus function."""
import math

import numpy as np
import pytest

import tangent_like as tl
from corpus import CASES
from fd import assert_grad_close
from finite_differences import partial_gradient
from test_corpus import _params, fresh_inputs, reference_gradient


def decay(k, n):
    x = 1.0
    v = 0.0
    for i in range(n):
        a = -k * x - 0.1 * v
        if x > 0.0:
            a = a - 0.01 * x * x
        v = v + 0.01 * a
        x = x + 0.01 * v
    return x + v


def smooth(u, steps):
    """An array state, a nested loop and a branch in the checkpointed loop."""
    for t in range(steps):
        w = u * 0.5
        for j in range(1, u.shape[0] - 1):
            w[j] = w[j] + 0.25 * (u[j - 1] + u[j + 1])
        if t % 2 == 0:
            w = np.tanh(w)
        u = w
    return np.sum(u * u)


def two_loops(x, n):
    s = 0.0
    for i in range(n):
        x = math.sin(x) + 0.1 * i
    for j in range(2, n, 3):
        s = s + x * j
        x = x * 0.9
    return s + x


def records(g, *args):
    """How many records the primal sweep of gradient `g` leaves for the adjoint sweep."""
    g(*args)
    stack = []
    g._last.primal(stack, *args)
    return len(stack)


@pytest.mark.parametrize("scheme", ["sqrt", 1, 3, 1000, "binomial", ("binomial", 0),
                                    ("binomial", 2)])
def test_checkpointed_gradients_equal_recorded_ones(scheme):
    for f, args in [(decay, (0.7, 50)), (two_loops, (0.3, 17))]:
        want = tl.grad(f)(*args)
        assert tl.grad(f, checkpoint=scheme)(*args) == pytest.approx(want, rel=1e-13)
    u = np.linspace(-1.0, 1.0, 6)
    want = tl.grad(smooth)(u, 7)
    got = tl.grad(smooth, checkpoint=scheme)(u, 7)
    assert np.allclose(got, want, rtol=1e-13, atol=1e-15)
    assert np.allclose(got, partial_gradient(smooth, (u, 7)), rtol=1e-6, atol=1e-8)


def test_the_record_holds_one_snapshot_per_segment():
    n = 400
    assert records(tl.grad(decay), 0.7, n) > n          # records every step
    # 20 segments of 20 steps: one snapshot each, and what the end hands over
    assert records(tl.grad(decay, checkpoint="sqrt"), 0.7, n) == 20 + 1
    assert records(tl.grad(decay, checkpoint=8), 0.7, n) == 8 + 1
    # binomial: the first state alone; the adjoint sweep keeps its snapshots
    assert records(tl.grad(decay, checkpoint="binomial"), 0.7, n) == 1 + 1


def test_the_source_shows_the_segments():
    g = tl.grad(decay, checkpoint="sqrt")
    g(0.7, 10)
    src = g.source
    assert "checkpoint_every(len(_range), 'sqrt')" in src
    assert "for i in reversed(range_part(_range, _segment, _every)):" in src


def test_empty_and_short_loops():
    for n in (0, 1, 2, 5):
        for scheme in ("sqrt", ("binomial", 1)):
            assert tl.grad(decay, checkpoint=scheme)(0.7, n) == pytest.approx(
                tl.grad(decay)(0.7, n), rel=1e-14, abs=1e-300)


def test_second_derivatives_of_checkpointed_functions():
    h = tl.hessian(decay)(0.7, 30)
    assert tl.grad(tl.grad(decay, checkpoint="sqrt"))(0.7, 30) == pytest.approx(h, rel=1e-9)


def test_bad_schemes_are_refused():
    for bad in ("binary", 0, -3, 2.5, ("binomial", -1), ("sqrt", 3)):
        with pytest.raises(tl.DerivativeUsageError, match="checkpoint="):
            tl.grad(decay, checkpoint=bad)(0.7, 3)


@pytest.mark.parametrize("scheme", [2, ("binomial", 1)])
@pytest.mark.parametrize("c", _params(CASES))
def test_corpus_with_checkpointed_loops(c, scheme):
    args, kwargs = fresh_inputs(c)
    got = tl.grad(c.func, wrt=c.wrt, checkpoint=scheme)(*args, **kwargs)
    assert_grad_close(c.func, c.args, c.kwargs, c.wrt, got,
                      reference=reference_gradient(c.name), rtol=c.rtol, atol=c.atol)


def marked(k, n):
    x = 1.0
    for i in range(n):  # tangent_like: checkpoint=4
        x = x + 0.01 * (-k * x)
    # tangent_like: checkpoint
    for j in range(n):
        x = x * (1.0 - 0.001 * k)
    return x


def exempt(k, n):
    x = 1.0
    for i in range(n):  # tangent_like: checkpoint=none
        x = x + 0.01 * (-k * x)
    return x


def test_a_comment_checkpoints_its_loop():
    g = tl.grad(marked)
    assert g(0.7, 40) == pytest.approx(tl.grad(marked, optimize=False)(0.7, 40), rel=1e-14)
    assert "checkpoint_every(len(_range), 4)" in g.source
    assert "checkpoint_every(len(_range_2), 'sqrt')" in g.source
    assert records(g, 0.7, 40) == 4 + 6 + 1        # 4 snapshots, ceil(40 / 7) = 6, the end
    e = tl.grad(exempt, checkpoint="sqrt")
    e(0.7, 9)
    assert "checkpoint_every" not in e.source


@pytest.mark.parametrize("n, snapshots", [(1, 3), (2, 0), (10, 0), (10, 2), (100, 3),
                                          (1000, 10), (5000, 100)])
def test_the_binomial_schedule_reverses_every_iteration_once(n, snapshots):
    from tangent_like.runtime.core import binomial_schedule
    reversed_, kept, state, most, advanced = [], [], 0, 0, 0
    for what, first, count in binomial_schedule(n, snapshots):
        if what == "restore":
            state = kept[-1] if kept else 0
        elif what == "advance":
            assert first == state
            state += count
            advanced += count
        elif what == "store":
            kept.append(state)
            most = max(most, len(kept))
        elif what == "forget":
            kept.pop()
        else:
            assert (what, first) == ("reverse", state) and 1 <= count <= 8
            reversed_ += list(range(first + count - 1, first - 1, -1))
    assert reversed_ == list(range(n - 1, -1, -1))
    assert most <= snapshots
    if snapshots >= 10:
        assert advanced <= 4 * n             # a few sweeps, not n / 2 of them
    assert list(binomial_schedule(n, snapshots, block=1)).count(("restore", 0, 0)) >= n


def pendulum(c, n):
    th = 1.2
    om = 0.0
    for t in range(n):
        if om > 0.0:
            fr = -c * om * om       # assigned on both paths: not part of the state
        else:
            fr = c * om * om
        om = om + 0.01 * (-9.81 * math.sin(th) + fr)
        th = th + 0.01 * om
    return th


def stops_early(x, n):
    s = 0.0
    for i in range(n):
        s = s + x
        if s > 100.0:
            break
    return s


def carries_an_unbound_name(x, n):
    for i in range(n):
        if i > 0:
            x = x + y
        y = x * 0.1
    return x


def nested_marked(x, n):
    for i in range(n):
        for j in range(2):  # tangent_like: checkpoint
            x = x * 0.9 + 0.01 * j
    return x


def test_a_name_assigned_on_every_path_is_not_state():
    g = tl.grad(pendulum, checkpoint="sqrt")
    assert g(0.3, 50) == pytest.approx(tl.grad(pendulum)(0.3, 50), rel=1e-13)
    assert "_every" in g.source and "fr" not in g.source.split("_stack.pop()")[1].split("\n")[0]


@pytest.mark.parametrize("f, reason", [
    (stops_early, "may end early"),
    (carries_an_unbound_name, "read 'y' before assigning it"),
    (nested_marked, "only loops at the top level")])
def test_loops_that_are_not_checkpointed_say_why(f, reason):
    with pytest.warns(tl.CheckpointWarning, match=f"test_checkpoint.py:\\d+ records every "
                                                   f"iteration.*{reason}"):
        got = tl.grad(f, checkpoint="sqrt" if f is not nested_marked else None)(0.3, 5)
    assert got == pytest.approx(tl.grad(f)(0.3, 5), rel=1e-14)


def marked_while(x, n):
    i = 0
    while i < n:  # tangent_like: checkpoint
        x = x * 0.9
        i += 1
    return x


def test_a_marked_while_loop_says_why_it_is_recorded():
    with pytest.warns(tl.CheckpointWarning, match="while loop's trip count"):
        assert tl.grad(marked_while)(0.3, 4) == pytest.approx(0.9 ** 4)


def oscillator_step(p, x, v):
    a = -p[0] * x - p[1] * v * abs(v) + 0.1 * math.sin(x)
    v = v + 0.01 * a
    return x + 0.01 * v, v


def oscillator(p, n):
    x = 1.0
    v = 0.5
    for i in range(n):  # tangent_like: checkpoint
        x, v = oscillator_step(p, x, v)
    return x * x + v


def oscillator_binomial(p, n):
    x = 1.0
    v = 0.5
    # tangent_like: checkpoint=binomial
    for i in range(n):
        x, v = oscillator_step(p, x, v)
    return x * x + v


def oscillator_recorded(p, n):
    x = 1.0
    v = 0.5
    for i in range(n):
        x, v = oscillator_step(p, x, v)
    return x * x + v


@pytest.mark.parametrize("f", [oscillator, oscillator_binomial])
def test_hessians_of_functions_with_checkpointed_loops(f):
    p = np.array([0.7, 0.3])
    want = tl.hessian(oscillator_recorded)(p, 60)
    assert np.allclose(tl.hessian(f)(p, 60), want, rtol=1e-12, atol=1e-14)
    d = np.array([1.0, -2.0])
    assert np.allclose(tl.hvp(f)(p, 60, d), want @ d, rtol=1e-12, atol=1e-14)


def test_the_command_prints_checkpointed_code():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "tangent_like", f"{__file__}:decay",
                          "--args", "0.7", "10", "--checkpoint", "3"],
                         capture_output=True, text=True, check=True).stdout
    assert "checkpoint_every(len(_range), 3)" in out


@pytest.mark.parametrize("scheme", ["sqrt", 4, ("binomial", 3)])
def test_the_checkpoint_option_of_hessians_and_hvp(scheme):
    p = np.array([0.7, 0.3])
    want = tl.hessian(oscillator_recorded)(p, 60)
    assert np.allclose(tl.hessian(oscillator_recorded, checkpoint=scheme)(p, 60), want,
                       rtol=1e-12, atol=1e-14)
    d = np.array([1.0, -2.0])
    assert np.allclose(tl.hvp(oscillator_recorded, checkpoint=scheme)(p, 60, d), want @ d,
                       rtol=1e-12, atol=1e-14)
    from tangent_like.pipeline import Options, specialize
    compiled, _ = specialize(oscillator_recorded, ("p",), (p, 60), {},
                             Options(higher_order=True, checkpoint=scheme))
    assert "checkpoint_every" in compiled.source     # the gradient code differentiated again
