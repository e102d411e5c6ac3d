"""Names in generated code read like a person's.

Temporaries are named in whole words after what they hold (``x_i``, ``diff_sq``,
``one_minus_p``) or the user's variable they become (``x_new``); a long description drops
whole parts instead of being cut; no generated name is a builtin, a keyword, or a name the
user's code or the generated code's scope uses.  The last tests check this over programs of
the fuzz generator.
"""
import ast
import builtins
import keyword
import math
import re
import warnings

import gast
import numpy as np
import pytest

import tangent_like as tl
from tangent_like import runtime
from tangent_like.pipeline import Options
from tangent_like.program import RESERVED, Program
from tangent_like.syntax import nodes
from tangent_like.syntax.naming import LONGEST, VOCABULARY, Namer, candidates, is_stack
from tangent_like.testing.fuzz import generate
from tangent_like.testing.fuzz.case import loaded

BUILTINS = frozenset(dir(builtins))


# --------------------------------------------------------------------------- helpers
def _assigned(source):
    """The names the code `source` assigns (targets, loop variables, parameters excluded)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.append(node.id)
    return out


def _identifiers(source):
    """Every identifier of `source`: names, attributes, functions, parameters."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out


#: Words of the names other passes give (bookkeeping, sweeps, renamed variables).
PASS_WORDS = frozenset({
    "b", "d", "new", "branch", "bool", "old", "result", "returned", "items", "part", "i",
    "value", "and", "grad", "tangent", "cotangent", "constants", "primal", "adjoint",
    "forward", "cond", "trips", "range", "stack", "alias", "seq"})


def cut_words(name, user_parts):
    """The `_`-separated parts of generated `name` that are neither a part of a user's
    identifier, a number, nor a word of the vocabulary (`naming.VOCABULARY`, `PASS_WORDS`):
    the remains of a word cut short.  An adjoint's ``b`` (a tangent's ``d``) prefix is read
    off its first part."""
    parts = name.split("_")
    bad = []
    for n, part in enumerate(parts):
        if not part or part.isdigit() or part in user_parts or part in VOCABULARY \
                or part in PASS_WORDS:
            continue
        if n == 0 and part[0] in "bd" and (part[1:] in user_parts or part[1:] in VOCABULARY
                                           or part[1:] in PASS_WORDS):
            continue
        bad.append(part)
    return bad


def _parts(identifiers):
    return {p for name in identifiers for p in name.split("_") if p}


def normalized(f):
    return tl.derivative_source(f, stage="normalized")


# --------------------------------------------------------------------------- examples
def rosen(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def gaussian_term(a, b, c):
    return np.sum(np.exp(-(a - b) ** 2 / (2.0 * c ** 2)) * np.sqrt(a * a + b * b + 1.0))


def cross_entropy(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def with_builtins(x):
    m = max(x[0], x[1]) + abs(x[2]) + sum([x[0], x[1]])
    return float(m) + min(x[0], 2.0) + len(x) * x.sum() + pow(x[1], 3)


def square_in_place(x, y, c):
    x = x * x
    z = x if c > 0 else y
    return z * y


def uses_the_words(a, b):
    diff = a + b
    prod = a * b
    t = diff * prod
    return (a - b) * (a * b) + t * (a - b)


def long_names(first_coordinate_value, second_coordinate_value):
    return math.sin(first_coordinate_value * second_coordinate_value) \
        + first_coordinate_value ** 2


def rows_and_columns(A, x):
    s = 0.0
    for i in range(A.shape[0]):
        s = s + np.dot(A[i, :], x) * A[:, i].sum() + A[i, 0] * x[-1] + x[1:] @ x[:-1]
    return s


def test_long_expressions_get_whole_word_names():
    text = normalized(rosen)
    assert "x_next = x[i_plus_1]" in text
    assert "x_i_sq = x_i ** 2" in text
    assert "x_next_minus_x_i_sq = x_next - x_i_sq" in text
    assert "diff_sq = x_next_minus_x_i_sq ** 2" in text
    assert "one_minus_x_i_2 = 1.0 - x_i_2" in text
    text = normalized(gaussian_term)
    assert "a_minus_b = a - b" in text
    assert "diff_sq = a_minus_b ** 2" in text          # never a_minus_b_sq: (a - b) ** 2
    assert "c_sq_times_2 = 2.0 * c_sq" in text
    assert "exp_ratio = np.exp(" in text
    for source in (text, normalized(rosen), normalized(cross_entropy)):
        for name in _assigned(source):
            assert len(name) <= LONGEST, name


def test_operands_appear_by_name_only_where_precedence_reads_them_right():
    text = normalized(cross_entropy)
    assert "exp_plus_1 = 1.0 + exp_neg_X_matmul_w" in text
    assert "one_minus_p = 1.0 - p" in text
    assert "log_one_minus_p = np.log(one_minus_p)" in text
    # (1.0 - y) * log(...): neither operand reads right inside "..._times_..."
    assert "diff_times_log = one_minus_y * log_one_minus_p" in text

    def newton(a, x):
        return x + a / x
    assert "x_plus_a_over_x = x + a_over_x" in normalized(newton)   # x + (a / x)


def test_builtin_names_are_never_assigned():
    x = np.array([0.3, 0.5, 0.7])
    for source in (normalized(with_builtins), tl.grad(with_builtins).source_for(x),
                   tl.derivative_source(with_builtins, mode="forward", args=(x,))):
        for name in _assigned(source):
            assert name not in BUILTINS and not keyword.iskeyword(name), name
            assert name not in runtime.HELPERS and name not in ("np", "math"), name
    text = normalized(with_builtins)
    assert "abs_x_2 = abs(x_2)" in text
    assert "total = sum(items)" in text               # not sum = sum(...)
    assert "sum_x = x.sum()" in text
    assert "max_x_0_x_1 = max(x_0, x_1)" in text
    assert "min_x_0_3 = min(x_0_3, 2.0)" in text
    assert "pow_x_1_3 = pow(x_1_3, 3)" in text


def test_a_temporary_that_becomes_a_user_variable_is_named_after_it():
    text = normalized(square_in_place)
    assert "x_new = x * x" in text and "x = x_new" in text
    assert "z_branch = x" in text and "z = z_branch" in text


def test_the_users_names_are_never_taken_nor_numbered_onto():
    text = normalized(uses_the_words)
    assigned = _assigned(text)
    # the user's diff, prod and t are assigned by the user's statements only
    assert assigned.count("diff") == 1 and assigned.count("prod") == 1
    assert assigned.count("t") == 1
    assert not any(re.fullmatch(r"(diff|prod|t)_\d+", n) for n in assigned), assigned
    # what holds a - b is called delta, not diff, inside other names
    assert "delta_times_a_times_b = a_minus_b * a_times_b" in text
    assert "t_times_delta = t * a_minus_b_2" in text


def test_long_user_names_are_never_cut():
    text = normalized(long_names)
    for name in _assigned(text):
        assert not cut_words(name, _parts(_identifiers(text))), name
    assert "first_coordinate_value_sq" not in text      # too long: a shorter description
    assert "prod = first_coordinate_value * second_coordinate_value" in text
    assert "sin_prod = math.sin(prod)" in text


def test_rows_columns_and_slices():
    text = normalized(rows_and_columns)
    for line in ("A_row_i = A[i, :]", "A_col_i = A[:, i]", "sum_A_col_i = A_col_i.sum()",
                 "A_i_0 = A[i, 0]", "x_last = x[-1]", "x_tail = x[1:]", "x_head = x[:-1]",
                 "x_tail_matmul_x_head = x_tail @ x_head"):
        assert line in text, line


def test_the_same_function_always_gets_the_same_names():
    first = normalized(rosen)
    tl.clear_cache()
    assert normalized(rosen) == first


# --------------------------------------------------------------------------- the namer itself
def test_fresh_numbers_from_two_and_never_cuts():
    namer = Namer({"x", "sum"})
    assert namer.fresh("x") == "x_2"
    assert namer.fresh("x") == "x_3"
    assert namer.fresh("x_2") == "x_4"          # a numbered name numbers on from its stem
    assert namer.fresh("x_0") == "x_0"
    assert namer.fresh("x_0") == "x_0_2"        # never x_1: that would read as x[1]
    assert namer.fresh("sum") == "sum_2"
    assert namer.fresh("len") == "len_2"
    long = "value_and_grad_a_function_with_a_long_name"
    assert namer.fresh(long) == long


def _temps(namer, *exprs):
    return [namer.temp_for(gast.parse(e).body[0].value) for e in exprs]


def test_temp_for_describes_one_operation_in_words():
    namer = Namer({"x", "y", "i", "A", "np", "math"})
    assert _temps(namer, "x * y", "x ** 2", "x ** 0.5", "1.0 / x", "0.5 * x", "x * 0.3",
                  "x + 0.1", "-x", "2.0 * x", "1.0 - x", "x.T", "np.sin(x)") == [
        "x_times_y", "x_sq", "sqrt_x", "inv_x", "half_x", "x_scaled", "x_shifted", "neg_x",
        "x_times_2", "one_minus_x", "x_T", "sin_x"]
    i_plus_1, = _temps(namer, "i + 1")
    assert _temps(namer, f"x[{i_plus_1}]", "x[i]", "x[i]", "A[i, :]", "A[:, i]",
                  "x[::-1]") == ["x_next", "x_i", "x_i_2", "A_row_i", "A_col_i",
                                 "x_reversed"]


def test_temp_for_falls_back_to_shorter_descriptions_then_t():
    namer = Namer({"x", "y", "np"})
    a, b = _temps(namer, "x - y", "x * y")
    assert (a, b) == ("x_minus_y", "x_times_y")
    assert _temps(namer, f"{a} ** 2", f"{a} * {b}", f"{b} - {a}", f"np.exp({a})",
                  "np.sum(x, axis=0)", "sum(x)", "sum(x, y)", f"{a} + {b}") == [
        "diff_sq", "diff_times_x_times_y", "x_times_y_minus_diff", "exp_x_minus_y", "sum_x",
        "sum_x_2", "sum_x_y", "x_minus_y_plus_prod"]
    # a function's own name is never cut, however long
    assert _temps(namer, "total_energy_of_the_system(x, y, 2.0)", "np.sum(x * y ** 2)") == [
        "total_energy_of_the_system", "total"]
    namer = Namer({"x"})
    assert _temps(namer, "x < 1.0 if x else x") == ["t"]
    assert _temps(namer, "x < 1.0 if x else x") == ["t_2"]
    namer = Namer({"x", "t"})
    assert _temps(namer, "x < 1.0 if x else x") == ["tmp"]


@pytest.mark.parametrize("name", sorted(
    {"sum", "min", "max", "abs", "len", "range", "list", "id", "input", "type", "float",
     "pow", "round", "slice", "sorted", "zip"}))
def test_no_builtin_is_ever_a_candidate_alone(name):
    namer = Namer({"x", "y"})
    for source in (f"{name}(x)", f"{name}(x, y)", f"{name}(x, 1.0, 2.0)", f"{name}()"):
        got = namer.temp_for(gast.parse(source).body[0].value)
        assert got not in BUILTINS and not keyword.iskeyword(got), (source, got)


def test_candidates_are_whole_words_within_the_limit():
    namer = Namer({"x", "y", "z"})
    expr = "x"
    for op in ["+", "*", "-", "/", "@", "+", "*"] * 3:
        expr = namer.temp_for(gast.parse(f"{expr} {op} y").body[0].value)
        assert len(expr) <= LONGEST
        assert not cut_words(expr, {"x", "y", "z"}), expr


# --------------------------------------------------------------------------- property
def _check_names(source, user_source, where):
    user = _identifiers(user_source)
    user_parts = _parts(user) | {"f"}
    reserved = RESERVED | set(runtime.HELPERS) | BUILTINS
    for name in _assigned(source):
        if name in user:
            continue
        assert name not in reserved or is_stack(name), f"{where}: assigns {name}"
        assert not keyword.iskeyword(name), f"{where}: assigns {name}"
        bad = cut_words(name, user_parts)
        assert not bad, f"{where}: {name} has cut words {bad}"


def test_cut_words_finds_the_old_truncated_names():
    user = {"x", "i", "bt", "sf2", "K", "e"}
    for old in ("x_item_minus_x_item_1_po_1", "bt_100_times_x_item_minu",
                "x_i_plus_1_minus_x_i_po"):
        assert cut_words(old, user), old


def test_names_of_generated_programs_after_normalization():
    """Temporaries of a few hundred generated programs: whole words, never a builtin."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index in range(250):
            case = generate(11, index)
            with loaded(case) as module:
                family = Program(Options(inline=False)).family_or_raise(module.f)
                trees = [family.parsed.node] + [lp.node for lp in family.lifted]
                text = "\n".join(nodes.unparse(t) for t in trees)
            _check_names(text, case.source, case.origin)


def test_names_of_generated_derivative_code():
    """The whole generated code (inlining, adjoints, bookkeeping) of some programs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checked = 0
        for index in range(16):
            case = generate(5, index)
            with loaded(case) as module:
                try:
                    text = tl.derivative_source(module.f, wrt=case.wrt_positions[0])
                except tl.TangentLikeError:
                    continue
            _check_names(text, case.source, case.origin)
            checked += 1
    assert checked >= 10
