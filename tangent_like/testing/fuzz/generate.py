"""Random, valid, well-conditioned Python/NumPy programs.

`generate(seed, index)` returns a `Case`: the source of a module defining ``f`` (and maybe
helper functions), the arguments to call ``f`` with, and the ``wrt`` to differentiate with
respect to.  The same ``(seed, index)`` always gives the same program.

The generator writes source text directly from a small grammar.  It keeps track of:

* the shape of every variable (scalars, ``(2,)``, ``(3,)``, ``(2, 3)`` and ``(3, 3)``), so
  every expression is well typed and every index is in bounds;
* a rough bound on the magnitude of every value, so that programs neither overflow nor
  lose their derivatives to saturation; loop-carried updates are contractions;
* which arrays the function owns (fresh copies nobody else refers to), the only arrays it
  writes into -- except in deliberate "write through a view" statements.

Logarithms and square roots only see positive arguments (``u * u + 1.0``, ``np.exp(...)``)
and denominators stay away from zero, so the programs are smooth except at the edges of
data-dependent branches, which the oracle recognizes as kinks.
"""
import random

from .case import Case

SCALAR, PAIR, VEC, MAT, SQUARE = (), (2,), (3,), (2, 3), (3, 3)
#: Shapes of the parameters of ``f``.
PARAM_SHAPES = (SCALAR, VEC, MAT)
#: Shapes of intermediate values, with the weight of each for new variables.
VALUE_SHAPES = ((SCALAR, 7), (VEC, 6), (MAT, 3), (PAIR, 2), (SQUARE, 2))
#: Beyond this bound on a value's magnitude, expressions are squashed with ``np.tanh``.
MAX_MAGNITUDE = 50.0
#: Assumed magnitude of the result of a generated function.
CALL_MAGNITUDE = 10.0

PARAM_NAMES = ("x", "y", "z")
UNARY_ARRAY = ("np.sin", "np.cos", "np.tanh")
UNARY_MATH = ("math.sin", "math.cos", "math.tanh")


class Expr:
    """Source text of an expression with its shape and a bound on its magnitude.

    ``view_of`` names the variable whose memory the value may share, when the expression is
    a bare name, an element or a view (slice, transpose, reshape) of one; it is ``""`` when
    the value may be shared with something unknown (the result of a call), and None for a
    new value.
    """

    __slots__ = ("text", "shape", "mag", "view_of")

    def __init__(self, text, shape, mag, view_of=None):
        self.text = text
        self.shape = shape
        self.mag = mag
        self.view_of = view_of


class Var:
    """A float or float-array variable in scope."""

    __slots__ = ("name", "shape", "mag", "owned")

    def __init__(self, name, shape, mag, owned=False):
        self.name = name
        self.shape = shape
        self.mag = mag
        self.owned = owned


class IntVar:
    """An integer variable (loop counter, index) taking values in ``range(lo, hi)``."""

    __slots__ = ("name", "lo", "hi")

    def __init__(self, name, lo, hi):
        self.name = name
        self.lo = lo
        self.hi = hi


class Callee:
    """A function the generated code may call: helper, closure, lambda or recursion.

    ``params`` are the shapes of the positional parameters; ``result`` is a shape, or a
    tuple of shapes for a function returning a tuple; ``keyword`` names an optional scalar
    keyword parameter; ``extra`` is source text appended to the arguments (a depth).
    """

    __slots__ = ("name", "params", "result", "keyword", "extra")

    def __init__(self, name, params, result, keyword=None, extra=""):
        self.name = name
        self.params = params
        self.result = result
        self.keyword = keyword
        self.extra = extra

    @property
    def returns_tuple(self):
        """Does the function return a tuple?"""
        return isinstance(self.result, list)


class Scope:
    """What the code being generated can see and do at one point."""

    def __init__(self, returns, top=True):
        self.vars = {}
        self.ints = {}
        self.callees = []
        self.frozen = set()      # arrays iterated over: not written in the loop body
        self.readonly = set()    # enclosing variables seen from a nested function
        self.returns = returns   # shape (or list of shapes) of the function's result
        self.top = top           # at the top level of a function body
        self.loop = None         # "for" or "while" inside a loop body, else None
        self.in_loop = False     # inside any loop (updates of outer values must contract)
        self.depth = 0           # nesting of compound statements

    def child(self, loop=None):
        """The scope of a nested block; new names stay local to it."""
        inner = Scope(self.returns, top=False)
        inner.vars = dict(self.vars)
        inner.ints = dict(self.ints)
        inner.callees = list(self.callees)
        inner.frozen = set(self.frozen)
        inner.readonly = set(self.readonly)
        inner.loop = loop or self.loop
        inner.in_loop = self.in_loop or loop is not None
        inner.depth = self.depth + 1
        return inner

    def of_shape(self, shape):
        """Variables of ``shape``."""
        return [v for v in self.vars.values() if v.shape == shape]

    def arrays(self):
        """Array variables."""
        return [v for v in self.vars.values() if v.shape != SCALAR]

    def assignable(self):
        """Variables this code may rebind (not those of an enclosing function)."""
        return [v for v in self.vars.values() if v.name not in self.readonly]

    def writable(self):
        """Arrays this code owns and may write into."""
        return [v for v in self.assignable()
                if v.owned and v.shape != SCALAR and v.name not in self.frozen]


def _num(value):
    """A float literal, short."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _array_literal(values):
    return "np.array([" + ", ".join(_num(v) for v in values) + "])"


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Generator:
    """Writes one random program; see the module docstring."""

    def __init__(self, rng):
        self.rng = rng
        self.counter = 0
        self.tags = set()
        self.called = set()

    # -- small utilities ---------------------------------------------------------------

    def chance(self, p):
        """True with probability ``p``."""
        return self.rng.random() < p

    def pick(self, items):
        """One of ``items``."""
        return items[self.rng.randrange(len(items))]

    def weighted(self, pairs):
        """One item of ``[(item, weight), ...]``."""
        total = sum(w for _, w in pairs)
        r = self.rng.random() * total
        for item, w in pairs:
            r -= w
            if r < 0:
                return item
        return pairs[-1][0]

    def fresh(self, prefix):
        """A new variable name."""
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self):
        """A float constant."""
        return self.pick((0.5, 0.3, 0.7, 1.5, 2.0, -0.4, -1.2, 0.25, 0.9, 1.1))

    def dims(self, *dims):
        """Arguments of ``reshape``: usually a tuple, sometimes separate integers."""
        if self.chance(0.1):
            return ", ".join(map(str, dims))
        return "(" + ", ".join(map(str, dims)) + ")"

    def threshold(self):
        """A comparison threshold, where generated values are dense."""
        return round(self.rng.uniform(-0.6, 0.6), 2)

    # -- expressions ---------------------------------------------------------------

    def expr(self, scope, shape, depth):
        """An expression of ``shape`` at most ``depth`` productions deep."""
        if depth <= 0 or self.chance(0.2):
            return self.leaf(scope, shape)
        makers = [(self.e_binop, 6), (self.e_unary, 4), (self.e_divide, 2),
                  (self.e_power, 2), (self.e_derive, 5), (self.e_ifexp, 1),
                  (self.e_call, 3)]
        if shape != SCALAR:
            makers.append((self.e_where, 1))
        for _ in range(4):
            made = self.weighted(makers)(scope, shape, depth - 1)
            if made is not None:
                return self.squash(made)
        return self.leaf(scope, shape)

    def squash(self, e):
        """Keep magnitudes bounded: wrap a possibly large value in ``np.tanh``."""
        if e.mag <= MAX_MAGNITUDE:
            return e
        return Expr(f"np.tanh({e.text})", e.shape, 1.0)

    def bounded(self, scope, shape, depth):
        """An expression of magnitude at most 1."""
        inner = self.expr(scope, shape, depth)
        fn = self.pick(UNARY_ARRAY)
        return Expr(f"{fn}({inner.text})", shape, 1.0)

    def leaf(self, scope, shape, derive=True):
        """A variable of ``shape`` if there is one, else a value derived from variables of
        other shapes, else a constant."""
        candidates = scope.of_shape(shape)
        if candidates and self.chance(0.9):
            v = self.pick(candidates)
            return Expr(v.name, shape, v.mag, view_of=v.name)
        if derive and self.chance(0.9):
            made = self.e_derive(scope, shape, 0)
            if made is not None:
                return made
        return self.constant(shape)

    def source_shape(self, scope, shapes):
        """One of ``shapes``, preferring those that variables in scope have."""
        present = [s for s in shapes if scope.of_shape(s)]
        return self.pick(present if present and self.chance(0.85) else shapes)

    def constant(self, shape):
        """A constant of ``shape``."""
        if shape == SCALAR:
            c = self.const()
            return Expr(_num(c), shape, abs(c))
        if shape == MAT and self.chance(0.5):
            rows = [[round(self.rng.uniform(-1, 1), 1) for _ in range(3)] for _ in range(2)]
            text = "np.array([" + ", ".join(
                "[" + ", ".join(_num(v) for v in row) + "]" for row in rows) + "])"
            return Expr(text, shape, 1.0)
        if shape == SQUARE:
            return Expr(f"(np.eye(3) * {_num(self.const())} + 0.1)", shape, 2.1)
        if len(shape) == 1 and self.chance(0.5):
            values = [round(self.rng.uniform(-1, 1), 1) for _ in range(shape[0])]
            return Expr(_array_literal(values), shape, 1.0)
        if len(shape) == 1:
            lo, hi = sorted((self.const(), self.const()))
            return Expr(f"np.linspace({_num(lo)}, {_num(hi)}, {shape[0]})", shape,
                        max(abs(lo), abs(hi)))
        return Expr(f"(np.ones({shape}) * {_num(self.const())})", shape, 2.0)

    def other(self, scope, shape, depth):
        """An operand to combine with a value of ``shape``: same shape or a scalar."""
        if shape != SCALAR and self.chance(0.3):
            return self.expr(scope, SCALAR, depth)
        if shape == MAT and self.chance(0.15):
            self.tags.add("broadcast")
            return self.expr(scope, VEC, depth)
        return self.expr(scope, shape, depth)

    def e_binop(self, scope, shape, depth):
        """``a + b``, ``a - b`` or ``a * b``, possibly broadcasting."""
        a = self.expr(scope, shape, depth)
        b = self.other(scope, shape, depth)
        if self.chance(0.5) and b.shape == SCALAR:
            a, b = b, a
        op = self.pick(("+", "-", "*", "*"))
        mag = a.mag * b.mag if op == "*" else a.mag + b.mag
        if b.shape != a.shape:
            self.tags.add("broadcast")
        return Expr(f"({a.text} {op} {b.text})", shape, mag)

    def e_divide(self, scope, shape, depth):
        """A division by a denominator kept away from zero."""
        a = self.expr(scope, shape, depth)
        b = self.other(scope, shape, depth)
        c = self.pick((1.0, 1.5, 2.0))
        if self.chance(0.5):
            den = f"({_num(c)} + {b.text} * {b.text})"
            return Expr(f"({a.text} / {den})", shape, a.mag / c)
        fn = "math.cos" if b.shape == SCALAR and self.chance(0.3) else "np.cos"
        return Expr(f"({a.text} / ({_num(c + 1.5)} + {fn}({b.text})))", shape, a.mag / (c + 0.5))

    def e_unary(self, scope, shape, depth):
        """Negation or an elementwise function (``np.*`` or, on scalars, ``math.*``)."""
        a = self.expr(scope, shape, depth)
        scalar = shape == SCALAR and self.chance(0.4)
        mod = "math" if scalar else "np"
        if scalar:
            self.tags.add("math")
        kind = self.pick(("neg", "trig", "trig", "exp", "log", "sqrt"))
        if kind == "neg":
            return Expr(f"(-{a.text})", shape, a.mag)
        if kind == "trig":
            fn = self.pick(UNARY_MATH if scalar else UNARY_ARRAY)
            return Expr(f"{fn}({a.text})", shape, 1.0)
        if kind == "exp":
            inner = self.pick((f"{mod}.sin({a.text})", f"{mod}.tanh({a.text})",
                               f"-{a.text} * {a.text}" if a.mag < 5 else f"{mod}.cos({a.text})"))
            return Expr(f"{mod}.exp({inner})", shape, 2.72)
        if kind == "log":
            arg = self.pick((f"{a.text} * {a.text} + 1.0", f"{mod}.exp({mod}.sin({a.text}))",
                             f"2.0 + {mod}.cos({a.text})"))
            return Expr(f"{mod}.log({arg})", shape, 1.0 + 2.0 * a.mag)
        arg = self.pick((f"{a.text} * {a.text} + 0.5", f"{mod}.exp({mod}.tanh({a.text}))"))
        return Expr(f"{mod}.sqrt({arg})", shape, 1.0 + a.mag)

    def e_power(self, scope, shape, depth):
        """Squares, cubes, square roots of positive values, active exponents."""
        a = self.expr(scope, shape, depth)
        kind = self.pick(("square", "cube", "root", "active"))
        if kind == "square":
            if shape == SCALAR and self.chance(0.3):
                return Expr(f"pow({a.text}, 2)", shape, a.mag ** 2)
            return Expr(f"({a.text} ** 2)", shape, a.mag ** 2)
        if kind == "cube":
            return Expr(f"({a.text} ** 3)", shape, a.mag ** 3)
        if kind == "root":
            return Expr(f"(({a.text} * {a.text} + 1.0) ** 0.5)", shape, a.mag + 1.0)
        e = self.expr(scope, SCALAR, depth)
        self.tags.add("active-power")
        return Expr(f"(({a.text} * {a.text} + 0.5) ** (1.0 + 0.5 * np.tanh({e.text})))", shape,
                    (a.mag ** 2 + 0.5) ** 1.5 + 1.0)

    def e_ifexp(self, scope, shape, depth):
        """A conditional expression on data."""
        self.tags.add("ifexp")
        a = self.expr(scope, shape, depth)
        b = self.expr(scope, shape, depth)
        return Expr(f"({a.text} if {self.cond(scope, depth)} else {b.text})", shape,
                    max(a.mag, b.mag), view_of=a.view_of if a.view_of is not None else b.view_of)

    def e_where(self, scope, shape, depth):
        """``np.where`` on an elementwise condition."""
        self.tags.add("np.where")
        c = self.expr(scope, shape, max(depth - 1, 0))
        a = self.expr(scope, shape, depth)
        b = self.other(scope, shape, depth)
        return Expr(f"np.where({c.text} > {_num(self.threshold())}, {a.text}, {b.text})", shape,
                    max(a.mag, b.mag))

    def e_call(self, scope, shape, depth):
        """A call to a helper, closure, lambda or recursive function."""
        options = [c for c in scope.callees
                   if (c.result == shape if not c.returns_tuple else shape in c.result)]
        if not options:
            return None
        callee = self.pick(options)
        text = self.call_text(scope, callee, depth)
        if callee.returns_tuple:
            k = callee.result.index(shape)
            self.tags.add("tuple-result")
            return Expr(f"{text}[{k}]", shape, CALL_MAGNITUDE, view_of="")
        return Expr(text, shape, CALL_MAGNITUDE, view_of="")

    def call_text(self, scope, callee, depth):
        """Source of a call to ``callee`` with freshly generated arguments."""
        exprs = [self.expr(scope, s, min(depth, 1)) for s in callee.params]
        for e in exprs:      # the result may be the argument itself
            if e.view_of and e.view_of in scope.vars:
                scope.vars[e.view_of].owned = False
        args = [e.text for e in exprs]
        if callee.keyword and self.chance(0.5):
            self.tags.add("keyword-argument")
            args.append(f"{callee.keyword}={self.expr(scope, SCALAR, 0).text}")
        if callee.extra:
            args.append(callee.extra)
        self.tags.add(f"call-{callee.name.rstrip('0123456789')}")
        self.called.add(callee.name)
        return f"{callee.name}({', '.join(args)})"

    def index(self, scope, size):
        """An integer index expression valid for an axis of ``size``."""
        options = []
        for iv in scope.ints.values():
            if 0 <= iv.lo and iv.hi <= size:
                options.append(iv.name)
            if 1 <= iv.lo and iv.hi - 1 <= size:
                options.append(f"{iv.name} - 1")
            if 0 <= iv.lo and iv.hi + 1 <= size:
                options.append(f"{iv.name} + 1")
            if 0 <= iv.lo and iv.hi <= size:
                options.append(f"{size - 1} - {iv.name}")
        if options and self.chance(0.7):
            self.tags.add("int-index")
            return self.pick(options)
        return str(self.rng.randrange(-size, size))

    def fancy_index(self, size, length):
        """An integer index array (often with repeats) of ``length`` entries below ``size``."""
        values = [self.rng.randrange(size) for _ in range(length)]
        if length >= 2 and self.chance(0.6):
            values[-1] = values[0]
        if len(set(values)) < len(values):
            self.tags.add("fancy-repeats")
        text = "[" + ", ".join(map(str, values)) + "]"
        return f"np.array({text})" if self.chance(0.6) else text

    def array_var(self, scope, shape):
        """A variable of ``shape``, if any (mask reads need a name to mention twice)."""
        options = scope.of_shape(shape)
        return self.pick(options) if options else None

    def e_derive(self, scope, shape, depth):
        """A value of ``shape`` computed from values of other shapes."""
        return {SCALAR: self.d_scalar, VEC: self.d_vec, PAIR: self.d_pair,
                MAT: self.d_mat, SQUARE: self.d_square}[shape](scope, depth)

    def sub(self, scope, shape, depth):
        """An operand of a derived value: a plain leaf at depth 0."""
        if depth <= 0:
            return self.leaf(scope, shape, derive=False)
        return self.expr(scope, shape, depth)

    def d_scalar(self, scope, depth):
        """A scalar from arrays: reductions, products, elements, masks, ``math``."""
        kind = self.pick(("sum", "sum", "mean", "dot", "matmul", "item", "item2", "mask",
                          "fancy", "hypot", "int", "float"))
        if kind in ("sum", "mean"):
            shape = self.source_shape(scope, (VEC, MAT, PAIR, SQUARE))
            a = self.sub(scope, shape, depth)
            return Expr(f"np.{kind}({a.text})", SCALAR, a.mag * _size(shape))
        if kind in ("dot", "matmul"):
            shape = self.source_shape(scope, (VEC, PAIR))
            a, b = self.sub(scope, shape, depth), self.sub(scope, shape, depth)
            text = f"np.dot({a.text}, {b.text})" if kind == "dot" else f"({a.text} @ {b.text})"
            return Expr(text, SCALAR, a.mag * b.mag * shape[0])
        if kind == "item":
            shape = self.source_shape(scope, (VEC, PAIR))
            v = self.leaf(scope, shape, derive=False)
            return Expr(f"{v.text}[{self.index(scope, shape[0])}]", SCALAR, v.mag,
                        view_of=v.view_of)
        if kind == "item2":
            v = self.leaf(scope, MAT, derive=False)
            i, j = self.index(scope, 2), self.index(scope, 3)
            text = f"{v.text}[{i}, {j}]" if self.chance(0.7) else f"{v.text}[{i}][{j}]"
            return Expr(text, SCALAR, v.mag, view_of=v.view_of)
        if kind == "mask":
            v = self.array_var(scope, self.pick((VEC, MAT)))
            if v is None:
                return None
            self.tags.add("mask-read")
            t = _num(self.threshold())
            return Expr(f"np.sum({v.name}[{v.name} > {t}])", SCALAR, v.mag * _size(v.shape))
        if kind == "fancy":
            v = self.leaf(scope, VEC, derive=False)
            idx = self.fancy_index(3, 3)
            w = self.sub(scope, VEC, depth)
            return Expr(f"np.sum({v.text}[{idx}] * {w.text})", SCALAR, 3 * v.mag * w.mag)
        if kind == "hypot":
            self.tags.add("math")
            a, b = self.sub(scope, SCALAR, depth), self.sub(scope, SCALAR, depth)
            if self.chance(0.5):
                return Expr(f"math.hypot({a.text}, 1.0 + {b.text} * {b.text})", SCALAR,
                            a.mag + 1 + b.mag ** 2)
            return Expr(f"math.atan2({a.text}, 2.0 + {b.text} * {b.text})", SCALAR, 1.6)
        if kind == "int" and scope.ints:
            iv = self.pick(list(scope.ints.values()))
            a = self.sub(scope, SCALAR, depth)
            return Expr(f"({a.text} * ({iv.name} + 1))", SCALAR, a.mag * (abs(iv.hi) + 1))
        a = self.sub(scope, SCALAR, depth)
        return Expr(f"float({a.text})", SCALAR, a.mag)

    def d_vec(self, scope, depth):
        """A ``(3,)`` array from others: rows, axis reductions, products, views, fancy indexing."""
        kind = self.pick(("row", "axis", "axis", "matvec", "reverse", "fancy", "literal",
                          "ravel", "square"))
        if kind == "row":
            m = self.leaf(scope, MAT, derive=False)
            return Expr(f"{m.text}[{self.index(scope, 2)}]", VEC, m.mag, view_of=m.view_of)
        if kind == "axis":
            m = self.sub(scope, MAT, depth)
            fn = self.pick(("sum", "mean"))
            self.tags.add("axis")
            return Expr(f"np.{fn}({m.text}, axis={self.pick(('0', '-2'))})", VEC, 2 * m.mag)
        if kind == "matvec":
            m, p = self.sub(scope, MAT, depth), self.sub(scope, PAIR, depth)
            text = f"({m.text}.T @ {p.text})" if self.chance(0.5) else f"({p.text} @ {m.text})"
            return Expr(text, VEC, 2 * m.mag * p.mag)
        if kind == "reverse":
            v = self.leaf(scope, VEC, derive=False)
            return Expr(f"{v.text}[::-1]", VEC, v.mag, view_of=v.view_of)
        if kind == "fancy":
            v = self.leaf(scope, VEC, derive=False)
            return Expr(f"{v.text}[{self.fancy_index(3, 3)}]", VEC, v.mag)
        if kind == "literal":
            items = [self.sub(scope, SCALAR, depth) for _ in range(3)]
            self.tags.add("array-literal")
            return Expr("np.array([" + ", ".join(e.text for e in items) + "])", VEC,
                        max(e.mag for e in items))
        if kind == "ravel":
            m = self.leaf(scope, MAT, derive=False)
            k = self.rng.randrange(4)
            self.tags.add("reshape")
            text = self.pick((f"np.ravel({m.text})[{k}:{k + 3}]",
                              f"{m.text}.reshape(6)[{k}:{k + 3}]",
                              f"np.reshape({m.text}, (6,))[::2]"))
            return Expr(text, VEC, m.mag, view_of=m.view_of)
        q = self.sub(scope, SQUARE, depth)
        if self.chance(0.5):
            v = self.sub(scope, VEC, depth)
            return Expr(f"({q.text} @ {v.text})", VEC, 3 * q.mag * v.mag)
        self.tags.add("axis")
        return Expr(f"np.sum({q.text}, axis={self.pick(('0', '1'))})", VEC, 3 * q.mag)

    def d_pair(self, scope, depth):
        """A ``(2,)`` array from others."""
        kind = self.pick(("matvec", "axis", "column", "slice", "fancy", "literal"))
        if kind == "matvec":
            m, v = self.sub(scope, MAT, depth), self.sub(scope, VEC, depth)
            return Expr(f"({m.text} @ {v.text})", PAIR, 3 * m.mag * v.mag)
        if kind == "axis":
            m = self.sub(scope, MAT, depth)
            self.tags.add("axis")
            fn = self.pick(("sum", "mean"))
            return Expr(f"np.{fn}({m.text}, axis={self.pick(('1', '-1'))})", PAIR, 3 * m.mag)
        if kind == "column":
            m = self.leaf(scope, MAT, derive=False)
            return Expr(f"{m.text}[:, {self.index(scope, 3)}]", PAIR, m.mag, view_of=m.view_of)
        if kind == "slice":
            v = self.leaf(scope, VEC, derive=False)
            text = self.pick((f"{v.text}[:2]", f"{v.text}[1:]", f"{v.text}[::2]",
                              f"{v.text}[-2:]"))
            return Expr(text, PAIR, v.mag, view_of=v.view_of)
        if kind == "fancy":
            v = self.leaf(scope, VEC, derive=False)
            return Expr(f"{v.text}[{self.fancy_index(3, 2)}]", PAIR, v.mag)
        items = [self.sub(scope, SCALAR, depth) for _ in range(2)]
        self.tags.add("array-literal")
        return Expr("np.array([" + ", ".join(e.text for e in items) + "])", PAIR,
                    max(e.mag for e in items))

    def d_mat(self, scope, depth):
        """A ``(2, 3)`` array from others: ``(2, 1)`` with ``(3,)`` broadcasting, views."""
        kind = self.pick(("outer", "outer", "center", "flip", "fancy", "reshape", "rows"))
        if kind == "outer":
            p, v = self.sub(scope, PAIR, depth), self.sub(scope, VEC, depth)
            self.tags.add("broadcast-column")
            col = self.pick((f"{p.text}[:, None]", f"{p.text}.reshape({self.dims(2, 1)})",
                             f"np.reshape({p.text}, (2, 1))"))
            op = self.pick(("*", "+", "-"))
            mag = p.mag * v.mag if op == "*" else p.mag + v.mag
            return Expr(f"({col} {op} {v.text})", MAT, mag)
        if kind == "center":
            m = self.leaf(scope, MAT, derive=False)
            self.tags.add("keepdims")
            return Expr(f"({m.text} - np.mean({m.text}, axis=1, keepdims=True))", MAT, 2 * m.mag)
        if kind == "flip":
            m = self.leaf(scope, MAT, derive=False)
            text = self.pick((f"{m.text}[::-1]", f"{m.text}[:, ::-1]", f"{m.text}.T.T"))
            return Expr(text, MAT, m.mag, view_of=m.view_of)
        if kind == "fancy":
            m = self.leaf(scope, MAT, derive=False)
            return Expr(f"{m.text}[{self.fancy_index(2, 2)}]", MAT, m.mag)
        if kind == "reshape":
            m = self.leaf(scope, MAT, derive=False)
            self.tags.add("reshape")
            text = self.pick((f"np.ravel({m.text}).reshape({self.dims(2, 3)})",
                              f"np.reshape({m.text}.T, (6,)).reshape((2, 3))"))
            return Expr(text, MAT, m.mag, view_of=m.view_of if "ravel" in text else None)
        q = self.leaf(scope, SQUARE, derive=False)
        return Expr(f"{q.text}[{self.pick(('[0, 2]', ':2', '1:', '[1, 1]'))}]", MAT, q.mag)

    def d_square(self, scope, depth):
        """A ``(3, 3)`` array: ``(3, 1)`` with ``(3,)`` broadcasting, Gram matrices."""
        kind = self.pick(("outer", "outer", "gram"))
        if kind == "outer":
            a, b = self.sub(scope, VEC, depth), self.sub(scope, VEC, depth)
            self.tags.add("broadcast-column")
            col = self.pick((f"{a.text}[:, None]", f"{a.text}.reshape({self.dims(3, 1)})"))
            op = self.pick(("*", "+", "-"))
            mag = a.mag * b.mag if op == "*" else a.mag + b.mag
            return Expr(f"({col} {op} {b.text})", SQUARE, mag)
        m = self.sub(scope, MAT, depth)
        return Expr(f"({m.text}.T @ {m.text})", SQUARE, 2 * m.mag ** 2)

    # -- conditions ------------------------------------------------------------------

    def cond(self, scope, depth=1):
        """A boolean condition, usually on data."""
        kinds = ("cmp", "cmp", "cmp", "sum", "int", "chain") + (("and", "not") if depth else ())
        kind = self.pick(kinds)
        if kind == "int" and scope.ints:
            iv = self.pick(list(scope.ints.values()))
            k = self.rng.randrange(iv.lo, iv.hi) if iv.hi > iv.lo else iv.lo
            return self.pick((f"{iv.name} == {k}", f"{iv.name} % 2 == 0", f"{iv.name} < {k}"))
        if kind == "sum":
            a = self.expr(scope, self.pick((VEC, MAT)), min(depth, 1))
            return f"np.sum({a.text}) > {_num(self.threshold())}"
        if kind == "and":
            return f"{self.cond(scope, 0)} and {self.cond(scope, 0)}"
        if kind == "not":
            return f"not ({self.cond(scope, 0)})"
        a = self.expr(scope, SCALAR, min(depth, 1))
        if kind == "chain":
            lo = self.threshold()
            return f"{_num(lo)} < {a.text} < {_num(lo + 1.0)}"
        return f"{a.text} {self.pick(('>', '<', '>=', '<='))} {_num(self.threshold())}"

    # -- statements ------------------------------------------------------------------

    def block(self, scope, count):
        """``count`` random statements valid in ``scope``."""
        lines = []
        kinds = self.statement_kinds(scope)
        for _ in range(count):
            for _ in range(6):
                made = self.weighted(kinds)(scope)
                if made is not None:
                    lines.extend(made)
                    break
        return lines or ["pass"]

    def statement_kinds(self, scope):
        """The statement generators usable in ``scope``, with weights."""
        kinds = [(self.s_assign, 10), (self.s_reassign, 4), (self.s_augassign, 3),
                 (self.s_fresh, 2), (self.s_write, 5), (self.s_unpack, 1)]
        if scope.depth < 2:
            kinds += [(self.s_for_range, 3), (self.s_for_array, 2), (self.s_while, 1),
                      (self.s_if, 3), (self.s_list, 1), (self.s_comprehension, 1)]
        if scope.top:
            kinds += [(self.s_view_write, 0.4), (self.s_closure, 1)]
        if scope.loop:
            kinds += [(self.s_jump, 2)]
        if scope.depth > 0 or scope.in_loop:
            kinds += [(self.s_early_return, 1)]
        return kinds

    def new_shape(self):
        """The shape of a new variable."""
        return self.weighted(list(VALUE_SHAPES))

    def bind(self, scope, name, e):
        """A new variable holding ``e``: owned when ``e`` is a new value."""
        scope.vars[name] = Var(name, e.shape, e.mag, owned=e.view_of is None)

    def detach(self, scope, e, target=None):
        """Keep in-place updates safe when a variable is bound to ``e``.

        An array that would share memory with an array updated in place (or with the
        owned ``target``) is copied instead; a scalar or an array that is shared makes the
        variable it comes from read-only from then on.
        """
        base = scope.vars.get(e.view_of) if e.view_of else None
        if base is None:
            return e
        if e.shape != SCALAR and (base.owned or (target is not None and target.owned)
                                  or not scope.top):
            return Expr(f"np.copy({e.text})", e.shape, e.mag)
        base.owned = False
        return e

    def s_assign(self, scope):
        """A new variable."""
        e = self.detach(scope, self.expr(scope, self.new_shape(), 3))
        name = self.fresh("t")
        self.bind(scope, name, e)
        return [f"{name} = {e.text}"]

    def contract(self, scope, var, depth=2):
        """A loop-safe update of ``var``: a contraction towards a bounded expression."""
        e = self.bounded(scope, var.shape, depth)
        a = self.pick((0.5, 0.7, 0.9))
        return Expr(f"{_num(a)} * {var.name} + {_num(round(1 - a, 2))} * {e.text}",
                    var.shape, max(var.mag, 1.0))

    def s_reassign(self, scope):
        """Rebind a variable (often a parameter) to a value of the same shape."""
        options = scope.assignable()
        if not options:
            return None
        params = [v for v in options if v.name in PARAM_NAMES]
        var = self.pick(params if params and self.chance(0.5) else options)
        if var.name in PARAM_NAMES:
            self.tags.add("reassign-param")
        if scope.in_loop:
            e = self.contract(scope, var)
        else:
            e = self.detach(scope, self.expr(scope, var.shape, 3), target=var)
        var.mag = max(var.mag, e.mag)
        new = e.view_of is None
        var.owned = new if scope.top else var.owned and new
        return [f"{var.name} = {e.text}"]

    def s_augassign(self, scope):
        """An augmented assignment to a scalar or to an owned array."""
        options = [v for v in scope.assignable() if v.shape == SCALAR and v.owned] + \
            scope.writable()
        if not options:
            return None
        var = self.pick(options)
        self.tags.add("augassign" if var.shape == SCALAR else "augassign-array")
        op = self.pick(("+=", "-=", "*=", "/="))
        if op in ("+=", "-="):
            e = self.bounded(scope, self.pick((var.shape, SCALAR)), 2) if scope.in_loop \
                else self.expr(scope, self.pick((var.shape, SCALAR)), 2)
            var.mag = min(var.mag + e.mag * (3 if scope.in_loop else 1), MAX_MAGNITUDE)
            rhs = f"0.3 * {e.text}" if scope.in_loop else e.text
        elif op == "*=":
            e = self.expr(scope, self.pick((var.shape, SCALAR)), 2)
            rhs = f"(1.0 + 0.2 * np.tanh({e.text}))" if scope.in_loop else \
                f"(0.5 + 0.5 * np.tanh({e.text}))"
        else:
            e = self.expr(scope, self.pick((var.shape, SCALAR)), 2)
            rhs = f"(1.5 + np.sin({e.text}))"
            var.mag *= 2.0
        return [f"{var.name} {op} {rhs}"]

    def s_fresh(self, scope):
        """A new array the function owns: a copy, or zeros/ones."""
        shape = self.pick((VEC, MAT, PAIR, SQUARE))
        source = self.leaf(scope, shape, derive=False)
        kind = self.pick(("copy", "copy", "times", "zeros", "ones", "zeros_like", "array"))
        text = {"copy": f"np.copy({source.text})", "times": f"{source.text} * 1.0",
                "zeros": f"np.zeros({shape[0] if len(shape) == 1 else shape})",
                "ones": f"np.ones({shape[0] if len(shape) == 1 else shape})",
                "zeros_like": f"np.zeros_like({source.text})",
                "array": f"np.array({source.text})"}[kind]
        mag = source.mag if kind in ("copy", "times", "array") else 1.0
        name = self.fresh("a")
        scope.vars[name] = Var(name, shape, mag, owned=True)
        self.tags.add("fresh-array")
        return [f"{name} = {text}"]

    def s_write(self, scope):
        """A write into an owned array: element, slice, fancy index, mask."""
        options = scope.writable()
        if not options:
            return None
        var = self.pick(options)
        self.tags.add("subscript-write")
        target, shape = self.write_target(scope, var)
        op = self.pick(("=", "=", "+=", "-=", "*="))
        if op == "*=":
            e = self.bounded(scope, self.pick((shape, SCALAR)), 2)
            rhs = f"(1.0 + 0.5 * {e.text})"
        elif scope.in_loop:
            e = self.bounded(scope, self.pick((shape, SCALAR)), 2)
            rhs = e.text
        else:
            e = self.expr(scope, self.pick((shape, shape, SCALAR)), 2)
            rhs = e.text
        var.mag = max(var.mag, e.mag) + (1.0 if op != "=" else 0.0)
        return [f"{target} {op} {rhs}"]

    def write_target(self, scope, var):
        """A subscript of ``var`` to write into, with the shape of the selected part."""
        n = var.name
        if len(var.shape) == 1:
            size = var.shape[0]
            kind = self.pick(("item", "item", "slice", "fancy", "mask", "all"))
            if kind == "item":
                return f"{n}[{self.index(scope, size)}]", SCALAR
            if kind == "slice" and size == 3:
                return f"{n}[{self.pick(('1:', ':2', '::2', '-2:'))}]", PAIR
            if kind == "fancy":
                self.tags.add("fancy-write")
                return f"{n}[{self.fancy_index(size, size)}]", var.shape
            if kind == "mask":
                self.tags.add("mask-write")
                return f"{n}[{n} > {_num(self.threshold())}]", SCALAR
            return f"{n}[:]", var.shape
        rows, cols = var.shape
        kind = self.pick(("item", "item", "row", "column", "mask", "fancy"))
        if kind == "item":
            return f"{n}[{self.index(scope, rows)}, {self.index(scope, cols)}]", SCALAR
        if kind == "row":
            return f"{n}[{self.index(scope, rows)}]", (cols,)
        if kind == "column":
            col = (rows,) if rows in (2, 3) else SCALAR
            return f"{n}[:, {self.index(scope, cols)}]", col
        if kind == "fancy":
            self.tags.add("fancy-write")
            return f"{n}[{self.fancy_index(rows, 2)}]", (cols,)
        self.tags.add("mask-write")
        return f"{n}[{n} > {_num(self.threshold())}]", SCALAR

    def s_view_write(self, scope):
        """Write into an owned array through a view of it, then use both."""
        owned = [v for v in scope.writable() if v.shape in (VEC, MAT)]
        lines = []
        if owned and self.chance(0.6):
            base = self.pick(owned)
        else:
            shape = self.pick((VEC, MAT))
            source = self.leaf(scope, shape, derive=False)
            base = Var(self.fresh("a"), shape, source.mag, owned=True)
            lines.append(f"{base.name} = np.copy({source.text})")
            scope.vars[base.name] = base
        view = self.fresh("r")
        b = base.name
        if base.shape == VEC:
            text, shape = self.pick(((f"{b}[1:]", PAIR), (f"{b}[::-1]", VEC), (f"{b}[:]", VEC),
                                     (f"{b}.reshape({self.dims(3, 1)})", (3, 1))))
        else:
            text, shape = self.pick(((f"{b}.reshape(6)", (6,)), (f"np.ravel({b})", (6,)),
                                     (f"{b}.T", (3, 2)), (f"{b}[0]", VEC), (f"{b}[:, 1]", PAIR),
                                     (f"{b}[1:, ::2]", (1, 2))))
        lines.append(f"{view} = {text}")
        index = ", ".join(str(self.rng.randrange(d)) for d in shape)
        e = self.expr(scope, SCALAR, 2)
        lines.append(f"{view}[{index}] {self.pick(('=', '+=', '*='))} {e.text}")
        base.owned = False
        base.mag = max(base.mag, e.mag) * 2
        if shape in (VEC, PAIR):
            scope.vars[view] = Var(view, shape, base.mag)
        self.tags.add("view-write")
        return lines

    def loop_body(self, scope, header, inner, count=None):
        """A loop header and its body."""
        body = self.block(inner, count or self.rng.randint(1, 3))
        return [header] + ["    " + line for line in body]

    def s_for_range(self, scope):
        """A ``for`` loop over a ``range``."""
        name = self.fresh("i")
        params = [v for v in scope.vars.values() if v.name in PARAM_NAMES and v.shape == VEC]
        options = [("range(3)", 0, 3), ("range(2)", 0, 2), ("range(1, 3)", 1, 3),
                   ("range(2, -1, -1)", 0, 3), ("range(0, 3, 2)", 0, 3), ("range(4)", 0, 4)]
        if params:
            p = self.pick(params).name
            options += [(f"range({p}.shape[0])", 0, 3), (f"range(len({p}))", 0, 3)]
        spec, lo, hi = self.pick(options)
        inner = scope.child(loop="for")
        inner.ints[name] = IntVar(name, lo, hi)
        self.tags.add("for-range")
        return self.loop_body(scope, f"for {name} in {spec}:", inner)

    def s_for_array(self, scope):
        """A ``for`` loop over an array, with ``enumerate`` or ``zip``."""
        arrays = [v for v in scope.arrays() if v.shape in (VEC, MAT, PAIR, SQUARE)]
        if not arrays:
            return None
        seq = self.pick(arrays)
        inner = scope.child(loop="for")
        inner.frozen.add(seq.name)
        item = seq.shape[1:]
        kind = self.pick(("plain", "plain", "enumerate", "zip"))
        v = self.fresh("v")
        inner.vars[v] = Var(v, item, seq.mag)
        if kind == "enumerate":
            j = self.fresh("j")
            inner.ints[j] = IntVar(j, 0, seq.shape[0])
            self.tags.add("for-enumerate")
            header = f"for {j}, {v} in enumerate({seq.name}):"
        elif kind == "zip":
            partners = [w for w in arrays if w.shape[0] == seq.shape[0] and w is not seq]
            if not partners:
                return None
            other = self.pick(partners)
            inner.frozen.add(other.name)
            u = self.fresh("u")
            inner.vars[u] = Var(u, other.shape[1:], other.mag)
            self.tags.add("for-zip")
            header = f"for {v}, {u} in zip({seq.name}, {other.name}):"
        else:
            self.tags.add("for-array")
            header = f"for {v} in {seq.name}:"
        return self.loop_body(scope, header, inner)

    def s_while(self, scope):
        """A ``while`` loop with a counter (and maybe a condition on data)."""
        k = self.fresh("k")
        n = self.rng.randint(2, 4)
        inner = scope.child(loop="while")
        inner.ints[k] = IntVar(k, 1, n + 1)
        cond = f"{k} < {n}"
        if self.chance(0.4):
            cond += f" and {self.cond(scope, 0)}"
        self.tags.add("while")
        body = self.block(inner, self.rng.randint(1, 3))
        return [f"{k} = 0", f"while {cond}:", f"    {k} += 1"] + ["    " + b for b in body]

    def s_if(self, scope):
        """An ``if`` statement on data, maybe with ``elif`` and ``else``."""
        lines = [f"if {self.cond(scope)}:"]
        lines += ["    " + b for b in self.block(scope.child(), self.rng.randint(1, 3))]
        self.tags.add("if")
        if self.chance(0.3):
            self.tags.add("elif")
            lines.append(f"elif {self.cond(scope)}:")
            lines += ["    " + b for b in self.block(scope.child(), self.rng.randint(1, 2))]
        if self.chance(0.6):
            lines.append("else:")
            lines += ["    " + b for b in self.block(scope.child(), self.rng.randint(1, 2))]
        return lines

    def s_jump(self, scope):
        """``break`` or ``continue`` under a condition."""
        word = self.pick(("break", "continue"))
        self.tags.add(word)
        return [f"if {self.cond(scope, 0)}:", f"    {word}"]

    def s_early_return(self, scope):
        """A ``return`` under a condition, before the end."""
        self.tags.add("early-return")
        return [f"if {self.cond(scope, 0)}:", f"    return {self.result(scope)}"]

    def s_unpack(self, scope):
        """Tuple unpacking: new names, a swap, a helper's tuple, nested."""
        tuple_callees = [c for c in scope.callees if c.returns_tuple]
        kind = self.pick(("pair", "swap", "call", "nested"))
        if kind == "swap":
            groups = {}
            for v in scope.assignable():
                groups.setdefault(v.shape, []).append(v)
            pairs = [vs for vs in groups.values() if len(vs) >= 2
                     and all(v.owned == vs[0].owned for v in vs)]
            if not pairs:
                return None
            a, b = self.rng.sample(self.pick(pairs), 2)
            a.mag = b.mag = max(a.mag, b.mag)
            self.tags.add("swap")
            return [f"{a.name}, {b.name} = {b.name}, {a.name}"]
        if kind == "call" and tuple_callees:
            callee = self.pick(tuple_callees)
            names = [self.fresh("p") for _ in callee.result]
            text = self.call_text(scope, callee, 2)
            for name, shape in zip(names, callee.result):
                scope.vars[name] = Var(name, shape, CALL_MAGNITUDE)
            self.tags.add("unpack-call")
            return [f"{', '.join(names)} = {text}"]
        shapes = [self.new_shape() for _ in range(3 if kind == "nested" else 2)]
        exprs = [self.detach(scope, self.expr(scope, s, 2)) for s in shapes]
        names = [self.fresh("p") for _ in shapes]
        for name, e in zip(names, exprs):
            self.bind(scope, name, e)
        self.tags.add("unpack")
        if kind == "nested":
            return [f"({names[0]}, {names[1]}), {names[2]} = "
                    f"({exprs[0].text}, {exprs[1].text}), {exprs[2].text}"]
        return [f"{names[0]}, {names[1]} = {exprs[0].text}, {exprs[1].text}"]

    def s_list(self, scope):
        """A list built with ``append`` in a loop, then turned into a value."""
        xs = self.fresh("xs")
        i = self.fresh("i")
        n = self.pick((2, 3))
        item = self.pick((SCALAR, SCALAR, VEC))
        inner = scope.child()
        inner.loop = None     # no break or continue: the list must get n items
        inner.in_loop = True
        inner.ints[i] = IntVar(i, 0, n)
        body = self.block(inner, self.rng.randint(0, 2)) if self.chance(0.5) else []
        body = [b for b in body if b != "pass"]
        e = self.expr(inner, item, 2)
        lines = [f"{xs} = []", f"for {i} in range({n}):"]
        lines += ["    " + b for b in body] + [f"    {xs}.append({e.text})"]
        name = self.fresh("t")
        if item == SCALAR and n == 3 and self.chance(0.5):
            lines.append(f"{name} = np.array({xs})")
            scope.vars[name] = Var(name, VEC, e.mag, owned=True)
        elif item == VEC and n == 3 and self.chance(0.5):
            lines.append(f"{name} = np.array({xs})")
            scope.vars[name] = Var(name, SQUARE, e.mag, owned=True)
        elif self.chance(0.5):
            lines.append(f"{name} = sum({xs})")
            scope.vars[name] = Var(name, item, e.mag * n)
        else:
            lines.append(f"{name} = {xs}[{self.rng.randrange(-n, n)}] * {xs}[0]")
            scope.vars[name] = Var(name, item, e.mag ** 2)
        self.tags.add("list-append")
        return lines

    def s_comprehension(self, scope):
        """A list comprehension or generator expression, summed or made an array."""
        arrays = [v for v in scope.arrays() if v.shape in (VEC, MAT, PAIR)]
        if not arrays:
            return None
        seq = self.pick(arrays)
        inner = scope.child()
        v = self.fresh("v")
        inner.vars[v] = Var(v, seq.shape[1:], seq.mag)
        name = self.fresh("t")
        self.tags.add("comprehension")
        if seq.shape == VEC and self.chance(0.5):
            e = self.expr(inner, SCALAR, 2)
            scope.vars[name] = Var(name, VEC, e.mag, owned=True)
            return [f"{name} = np.array([{e.text} for {v} in {seq.name}])"]
        partners = [w for w in arrays if w.shape == seq.shape and w is not seq]
        if partners and self.chance(0.5):
            other = self.pick(partners)
            u = self.fresh("u")
            inner.vars[u] = Var(u, other.shape[1:], other.mag)
            e = self.expr(inner, self.pick((SCALAR, seq.shape[1:])), 2)
            scope.vars[name] = Var(name, e.shape, e.mag * seq.shape[0])
            return [f"{name} = sum({e.text} for {v}, {u} in zip({seq.name}, {other.name}))"]
        e = self.expr(inner, self.pick((SCALAR, seq.shape[1:])), 2)
        scope.vars[name] = Var(name, e.shape, e.mag * seq.shape[0])
        if e.shape == SCALAR and self.chance(0.3):
            # a filter may leave nothing to sum, and sum([]) is the integer 0
            cond = self.cond(inner, 0)
            return [f"{name} = float(sum([{e.text} for {v} in {seq.name} if {cond}]))"]
        return [f"{name} = sum([{e.text} for {v} in {seq.name}])"]

    def s_closure(self, scope):
        """A nested function or lambda reading the enclosing variables, then a call."""
        name = self.fresh("g")
        shape_in = self.pick((SCALAR, VEC, SCALAR))
        shape_out = self.pick((shape_in, SCALAR))
        inner = scope.child()
        inner.returns = shape_out
        inner.readonly = set(scope.vars)
        u = self.fresh("u")
        inner.vars[u] = Var(u, shape_in, 2.0)
        keyword = "c" if self.chance(0.3) else None
        if keyword:
            inner.vars[keyword] = Var(keyword, SCALAR, 1.0)
        params = u + (f", {keyword}=0.5" if keyword else "")
        if self.chance(0.5):
            body = self.expr(inner, shape_out, 2)
            lines = [f"{name} = lambda {params}: {body.text}"]
            self.tags.add("lambda")
        else:
            stmts = [b for b in self.block(inner, self.rng.randint(0, 2)) if b != "pass"] \
                if self.chance(0.5) else []
            body = self.expr(inner, shape_out, 2)
            lines = [f"def {name}({params}):"] + ["    " + b for b in stmts]
            lines.append(f"    return {body.text}")
            self.tags.add("closure")
        callee = Callee(name, [shape_in], shape_out, keyword=keyword)
        scope.callees.append(callee)
        result = self.fresh("t")
        lines.append(f"{result} = {self.call_text(scope, callee, 2)}")
        scope.vars[result] = Var(result, shape_out, CALL_MAGNITUDE)
        return lines

    # -- results and functions -------------------------------------------------------

    def mix(self, scope, shape):
        """An expression of ``shape`` that uses several of the live variables."""
        live = [v for v in scope.vars.values()]
        self.rng.shuffle(live)
        live.sort(key=lambda v: -self.order(v.name))
        terms = [self.expr(scope, shape, 2).text]
        for v in live[:self.rng.randint(1, 4)]:
            if v.shape == shape or v.shape == SCALAR:
                term = v.name
            else:
                term = f"np.{self.pick(('sum', 'mean'))}({v.name})"
            terms.append(term if self.chance(0.7) else f"np.sin({term})")
        return " + ".join(terms)

    @staticmethod
    def order(name):
        """The number in a generated name (later names are larger)."""
        digits = "".join(ch for ch in name if ch.isdigit())
        return int(digits) if digits else 0

    def result(self, scope):
        """A return value for the function of ``scope``."""
        shape = scope.returns
        if isinstance(shape, list):
            return ", ".join(self.mix(scope, s) for s in shape)
        return self.mix(scope, shape)

    def helper(self, callees):
        """A module-level helper function; returns (lines, Callee)."""
        name = self.fresh("h")
        nparams = self.rng.randint(1, 2)
        shapes = [self.pick((SCALAR, VEC, MAT, SCALAR)) for _ in range(nparams)]
        result = [self.pick((SCALAR, VEC)) for _ in range(2)] if self.chance(0.4) \
            else self.pick((SCALAR, SCALAR, VEC))
        scope = Scope(result)
        scope.callees = list(callees)
        params = []
        for k, shape in enumerate(shapes):
            p = "ab"[k]
            scope.vars[p] = Var(p, shape, 2.0)
            params.append(p)
        keyword = None
        if self.chance(0.4):
            keyword = "scale"
            scope.vars[keyword] = Var(keyword, SCALAR, 1.0)
            params.append(f"scale={_num(self.const())}")
        body = self.block(scope, self.rng.randint(1, 4))
        lines = [f"def {name}({', '.join(params)}):"] + ["    " + b for b in body]
        lines.append(f"    return {self.result(scope)}")
        self.tags.add("helper")
        return lines, Callee(name, shapes, result, keyword=keyword)

    def recursive_helper(self):
        """A recursive function with a depth counter."""
        name = self.fresh("rec")
        shape = self.pick((SCALAR, VEC))
        scope = Scope(shape)
        scope.vars["a"] = Var("a", shape, 1.0)
        scope.vars["b"] = Var("b", SCALAR, 2.0)
        step = self.bounded(scope, shape, 2)
        lines = [f"def {name}(a, b, depth):",
                 "    if depth <= 0:",
                 "        return a",
                 f"    return {name}(0.6 * a + 0.4 * {step.text}, b, depth - 1)"]
        self.tags.add("recursion")
        depth = self.rng.randint(1, 3)
        return lines, Callee(name, [shape, SCALAR], shape, extra=str(depth))

    def program(self):
        """Module source and the shapes of ``f``'s parameters."""
        nparams = self.rng.randint(1, 3)
        shapes = [self.pick(PARAM_SHAPES) for _ in range(nparams)]
        chunks, callees = [], []
        for _ in range(self.weighted([(0, 4), (1, 3), (2, 1)])):
            lines, callee = self.helper(callees)
            chunks.append(lines)
            callees.append(callee)
        if self.chance(0.2):
            lines, callee = self.recursive_helper()
            chunks.append(lines)
            callees.append(callee)
        scope = Scope(SCALAR)
        scope.callees = callees
        for name, shape in zip(PARAM_NAMES, shapes):
            scope.vars[name] = Var(name, shape, 1.5)
        body = self.block(scope, self.rng.randint(3, 9))
        uses = []
        for callee in callees:
            if callee.name not in self.called:
                name = self.fresh("t")
                body.append(f"{name} = {self.call_text(scope, callee, 2)}")
                uses.append(name if not callee.returns_tuple else f"np.sum({name}[0])")
        names = list(PARAM_NAMES[:nparams])
        lines = [f"def f({', '.join(names)}):"] + ["    " + b for b in body]
        result = " + ".join([self.result(scope)] + [f"np.sum({u})" for u in uses])
        lines.append(f"    return {result}")
        chunks.append(lines)
        source = "import math\n\nimport numpy as np\n\n\n" + \
            "\n\n\n".join("\n".join(c) for c in chunks) + "\n"
        return source, shapes


def _argument(rng, shape):
    if shape == SCALAR:
        return round(rng.uniform(-1.2, 1.2), 3)
    if len(shape) == 1:
        return [round(rng.uniform(-1.2, 1.2), 3) for _ in range(shape[0])]
    return [[round(rng.uniform(-1.2, 1.2), 3) for _ in range(shape[1])]
            for _ in range(shape[0])]


def generate(seed, index):
    """The program number ``index`` of the run with ``seed``, as a `Case`."""
    rng = random.Random(f"tangent_like-fuzz:{seed}:{index}")
    gen = Generator(rng)
    source, shapes = gen.program()
    args = [_argument(rng, s) for s in shapes]
    positions = list(range(len(shapes)))
    chosen = sorted(rng.sample(positions, rng.randint(1, len(positions))))
    if len(chosen) == 1 and rng.random() < 0.7:
        wrt = chosen[0]
    else:
        wrt = tuple(chosen)
    hessian = rng.random() < 0.2
    return Case(source=source, args=args, wrt=wrt, hessian=hessian,
                origin=f"seed {seed}, program {index}", tags=sorted(gen.tags))
