"""Naming conventions of generated code, in one place.

* the adjoint of ``x`` is ``bx`` (``b_x`` when ``bx`` is taken), the tangent of ``x`` is ``dx``;
* temporaries are named after what they hold, in whole words (see `Namer.temp_for`):
  ``sin_x`` for ``math.sin(x)``, ``x_i`` for ``x[i]``, ``diff_sq`` for ``(a - b) ** 2``;
  a temporary that becomes a user's variable is named after it (``x_new``, ``y_branch``);
* a name taken already gets a number: ``x_i``, ``x_i_2``, ``x_i_3``; ``t``, ``t_2`` where
  nothing better describes a value;
* stack, loop and branch bookkeeping names start with ``_`` (``_stack``, ``_cond``, ``_trips``);
* the sweeps of a function ``f`` are ``primal_f`` and ``adjoint_f``; the entry point is
  ``value_and_grad_f``.

No generated name is ever cut: a description too long for a temporary drops whole parts
(``diff_sq_times_100``, not ``x_i_plus_1_minus_x_i_pow_2_pow_2_times_100``).  No generated
name shadows a builtin, a keyword, a name of the user's code or a name generated code reads
(``np``, ``math``, the runtime helpers).

Hygiene.  Generated code reads some names from the scope it is compiled in: the runtime
helpers, ``np``, ``math``, the builtins it calls (``range``, ``len``...) and the other
generated functions.  None of them may capture a name of the user's code, nor be shadowed by
one.  `hygiene` runs on every function before it is normalized and makes the user's names
disjoint from those: a local variable with such a name is renamed; a free name (a closure
variable, a global or a builtin the user rebinds) whose value differs from what generated code
means by it is read through an alias, a fresh name bound to the same closure cell or value;
a parameter with such a name is refused (renaming it would change the signature).  Fresh
names never shadow builtins.
"""
import builtins
import keyword
import re

from . import nodes

_BUILTINS = frozenset(dir(builtins))
GENERATED = "<tangent_like generated"      # the file names of generated code start so

#: The longest name `Namer.temp_for` composes; longer descriptions drop whole parts.
LONGEST = 22


class Namer:
    """Hands out names that collide neither with each other nor with a set of taken names."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.given = set()          # the names `fresh` handed out
        self.adjoints = {}
        self.stems = {}             # a numbered name `fresh` handed out -> its stem
        self.kinds = {}             # a temporary of `temp_for` -> what it holds, in a word
        self.steps = {}             # a temporary holding ``i + 1`` / ``i - 1`` -> next / prev

    def reserve(self, names):
        self.taken.update(names)

    def _free(self, name):
        return name not in self.taken and not keyword.iskeyword(name) \
            and name not in _BUILTINS

    def _take(self, name):
        self.taken.add(name)
        self.given.add(name)
        return name

    def fresh(self, base):
        """`base`, or when it is taken (or a builtin or keyword), ``base_2``, ``base_3``...
        A numbered name numbers on from its own stem: ``x_i_2`` taken gives ``x_i_3``."""
        base = _clean(base)
        if self._free(base):
            return self._take(base)
        stem = self.stems.get(base, base)
        i = 2
        while not self._free(f"{stem}_{i}"):
            i += 1
        name = f"{stem}_{i}"
        self.stems[name] = stem
        return self._take(name)

    def is_users(self, name):
        """Is `name` one this namer did not hand out (a name of the user's code, or one
        generated code reads: ``np``, a helper)?"""
        return name in self.taken and name not in self.given

    def adjoint(self, var):
        """The adjoint name of variable `var` (stable for a given namer)."""
        if var not in self.adjoints:
            base = "b" + var if not var.startswith("_") else "b" + var
            if base in self.taken:
                base = "b_" + var.lstrip("_")
            self.adjoints[var] = self.fresh(base)
        return self.adjoints[var]

    def tangent(self, var):
        """The tangent name of variable `var` (``dx``; ``d_x`` when ``dx`` is taken)."""
        key = ("tangent", var)
        if key not in self.adjoints:
            base = "d" + var
            if base in self.taken:
                base = "d_" + var.lstrip("_")
            self.adjoints[key] = self.fresh(base)
        return self.adjoints[key]

    def temp_for(self, expr, target=None):
        """A name for a new temporary holding `expr`, an operation on names and constants;
        `target` is the variable of the statement it belongs to (``k`` in an index).

        The first of `candidates` that is neither a builtin, a keyword nor a name of the
        user's code; numbered when a temporary has it already (``x_i_2``); ``t`` (``tmp``
        when the user has a ``t``) when nothing describes `expr`.
        """
        for name in candidates(expr, self, target) + ["t", "tmp"]:
            if keyword.iskeyword(name) or name in _BUILTINS or self.is_users(name):
                continue
            break
        name = self.fresh(name)
        self.kinds[name] = _kind(expr)
        step = _step(expr)
        if step:
            self.steps[name] = step
        return name


# ------------------------------------------------------------------ describing expressions
#: Infix operators, as they appear inside a name (``x_times_y``).
_INFIX = {nodes.Add: "plus", nodes.Sub: "minus", nodes.Mult: "times", nodes.Div: "over",
          nodes.MatMult: "matmul", nodes.FloorDiv: "floordiv", nodes.Mod: "mod"}
#: What an operation gives, in a word (then a second word, for when the user has the first).
_KINDS = {nodes.Add: ("total", "summed"), nodes.Sub: ("diff", "delta"),
          nodes.Mult: ("prod", "product"), nodes.Div: ("ratio", "quotient"),
          nodes.Pow: ("power",), nodes.MatMult: ("matprod",), nodes.FloorDiv: ("quot",),
          nodes.Mod: ("rem",)}
_SECOND = {words[0]: words[1] for words in _KINDS.values() if len(words) > 1}
#: Exponents with a name of their own: ``x_sq``, ``x_cube``, ``sqrt_x``, ``inv_x``.
_POWERS = {2: "sq", 3: "cube", 0.5: "sqrt", -1: "inv"}
_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten")
#: Builtin functions whose name alone would shadow them: what their value is called then.
_BUILTIN_WORDS = {
    "sum": "total", "max": "maximum", "min": "minimum", "abs": "absolute", "pow": "power",
    "round": "rounded", "len": "length", "float": "as_float", "int": "as_int",
    "complex": "as_complex", "bool": "as_bool", "range": "indices", "list": "items",
    "tuple": "items", "set": "items", "dict": "mapping", "slice": "span",
    "sorted": "ordered", "reversed": "backward", "zip": "pairs", "enumerate": "numbered",
    "divmod": "quot_rem", "map": "mapped", "filter": "kept", "type": "kind", "id": "ident",
    "all": "all_true", "any": "any_true", "iter": "iterator", "next": "following",
    "str": "text", "repr": "text", "format": "text", "input": "entered", "hash": "digest"}
#: What temporaries holding literals (``[1, 2]``, ``(3,)``) hold: they are parameters more
#: than operands, and no part of other names (``np.ones(shape)`` is ``ones``).
_LITERAL = "items"
#: Receivers of calls that are modules (``np.sin(x)``), not values (``x.sum()``).
_MODULES = frozenset({"np", "numpy", "math", "cmath", "scipy", "sp", "jnp", "jax", "random",
                      "operator", "special", "linalg"})

#: Every word `candidates` composes names of, besides the parts of the user's identifiers
#: and numbers.
VOCABULARY = frozenset(
    set(_INFIX.values()) | {w for ws in _KINDS.values() for w in ws} | set(_POWERS.values())
    | set(_SMALL) | {p for w in _BUILTIN_WORDS.values() for p in w.split("_")}
    | {"pow", "half", "scaled", "shifted", "neg", "mask", "masked", "item", "row", "col",
       "last", "next", "prev", "tail", "head", "reversed", "part", "transposed", "shape",
       "items", "idx", "value", "t", "tmp"})


def candidates(expr, namer=None, target=None):
    """Names describing `expr`, best first: whole words, at most `LONGEST` characters (but
    for a lone identifier of the user's, never cut).  Operands that are temporaries of
    `namer` are described by their names, or by what they hold in a word (``diff``) when
    their names are long or read ambiguously inside another (``a_minus_b_sq``)."""
    out = []
    for name in _Describer(namer).of(expr, target):
        whole = isinstance(name, _Whole)
        name = name.strip("_")
        if name and (len(name) <= LONGEST or whole) and not name[0].isdigit() \
                and name.isidentifier() and name not in out:
            out.append(name)
    return out


class _Whole(str):
    """A name of the user's code used alone (a function's): never too long."""


def _number(e):
    """The value of a numeric constant operand (``2.0``, ``-1``), else None."""
    sign = 1
    if isinstance(e, nodes.UnaryOp) and isinstance(e.op, (nodes.USub, nodes.UAdd)):
        sign = -1 if isinstance(e.op, nodes.USub) else 1
        e = e.operand
    if isinstance(e, nodes.Constant) and isinstance(e.value, (int, float)) \
            and not isinstance(e.value, bool):
        return sign * e.value
    return None


def _integer(v):
    """`v` as a small non-negative integer (``2.0`` -> 2), else None."""
    if v is not None and v >= 0 and float(v).is_integer() and v < 1000:
        return int(v)
    return None


#: How tightly the operator a word names binds, as in Python: a name ``a_times_b_plus_c``
#: reads as ``a * b + c``.  Names without such words bind tightest (`_ATOM`).
_BINDING = {"plus": 1, "minus": 1, "times": 2, "over": 2, "matmul": 2, "floordiv": 2,
            "mod": 2, "pow": 3}
_ATOM = 4


def _binding(name):
    """How tightly `name` holds together inside a longer name (see `_BINDING`)."""
    return min((_BINDING.get(p, _ATOM) for p in name.split("_")), default=_ATOM)


def _kind(expr):
    """What `expr` gives, in a word: ``diff`` for ``a - b``, ``exp`` for ``np.exp(z)``."""
    if isinstance(expr, nodes.BinOp):
        op = type(expr.op)
        right = _number(expr.right)
        if op is nodes.Pow and right in _POWERS:
            return _POWERS[right]
        if op is nodes.Div and _number(expr.left) == 1:
            return "inv"
        left = _number(expr.left)
        constant = right if right is not None else left
        if constant is not None and _integer(constant) is None and (right is None) != (
                left is None):
            if op is nodes.Mult or op is nodes.Div and right is not None:
                return "scaled"
            if op is nodes.Add or op is nodes.Sub and right is not None:
                return "shifted"
        return _KINDS.get(op, ("t",))[0]
    if isinstance(expr, nodes.UnaryOp) and isinstance(expr.op, nodes.USub):
        return "neg"
    if isinstance(expr, nodes.Call):
        fname = nodes.dotted_name(expr.func)
        if fname:
            return fname.split(".")[-1].strip("_") or None    # abs_times_max
    if isinstance(expr, nodes.Subscript):
        return "item"
    if isinstance(expr, nodes.Compare):
        return "mask"
    if isinstance(expr, nodes.Attribute):
        return "transposed" if expr.attr == "T" else expr.attr.strip("_")
    if isinstance(expr, (nodes.Tuple, nodes.List)):
        return _LITERAL
    return None


def _step(expr):
    """``next`` for ``i + 1``, ``prev`` for ``i - 1`` (``x[i_plus_1]`` is ``x_next``)."""
    if isinstance(expr, nodes.BinOp) and isinstance(expr.left, nodes.Name) \
            and _number(expr.right) == 1:
        if isinstance(expr.op, nodes.Add):
            return "next"
        if isinstance(expr.op, nodes.Sub):
            return "prev"
    return None


class _Describer:
    def __init__(self, namer):
        self.kinds = namer.kinds if namer is not None else {}
        self.steps = namer.steps if namer is not None else {}
        self.given = namer.given if namer is not None else set()
        self.is_users = namer.is_users if namer is not None else (lambda name: False)

    # ---- operands: the parts a name is made of
    def part(self, e, binding, kinds=True):
        """Names of operand `e` inside a longer name, best first: only names that bind at
        least as tightly as `binding` (see `_BINDING`), so that ``x_plus_a_over_x`` is
        ``x + a / x`` and ``(a - b) ** 2`` is ``diff_sq``, never ``a_minus_b_sq``."""
        if isinstance(e, nodes.Name):
            name = e.id.strip("_")
            if not name or self.kinds.get(e.id) == _LITERAL:
                return []        # np.array(items), np.ones(shape): array, ones
            out = []
            generated = e.id in self.kinds or e.id in self.given
            if not generated or _binding(name) >= binding:
                out.append(name)
            kind = self.kinds.get(e.id) if kinds else None
            if kind and self.is_users(kind) and kind not in _BUILTINS:   # a diff of theirs
                kind = _SECOND.get(kind)
            if kind and kind not in out and (kind in _BUILTINS or not self.is_users(kind)):
                out.append(kind)
            return out
        n = _integer(_number(e))
        if n is not None and not isinstance(e, nodes.UnaryOp):
            return [str(n)]
        if isinstance(e, nodes.Attribute) and nodes.dotted_name(e):
            return [e.attr.strip("_")]        # a module's constant: np.pi
        return []

    # ---- whole expressions
    def of(self, e, target=None):
        if isinstance(e, nodes.BinOp):
            return self.binop(e)
        if isinstance(e, nodes.UnaryOp):
            if isinstance(e.op, nodes.USub):
                return [f"neg_{p}" for p in self.part(e.operand, 2)] + ["neg"]   # -(a - b)
            if isinstance(e.op, nodes.UAdd):
                return self.part(e.operand, 0)
            return []
        if isinstance(e, nodes.Call):
            return self.call(e)
        if isinstance(e, nodes.Subscript):
            return self.subscript(e)
        if isinstance(e, nodes.Attribute):
            word = "transposed" if e.attr == "T" else e.attr.strip("_")
            if isinstance(e.value, nodes.Name) and e.value.id in _MODULES:
                return [word]                                       # math.pi: pi
            return [f"{p}_{e.attr}" for p in self.part(e.value, _ATOM)] + [word]
        if isinstance(e, nodes.Compare):
            return [f"{p}_mask" for p in self.part(e.left, _ATOM)] + ["mask"]
        if isinstance(e, (nodes.Tuple, nodes.List)):
            if target == "k":
                return ["idx"]
            if isinstance(e, nodes.Tuple) and e.elts and all(
                    isinstance(x, nodes.Constant) and type(x.value) is int for x in e.elts):
                return ["shape"]
            return ["items"]
        if isinstance(e, nodes.Name):
            return self.part(e, 0)
        return []

    def binop(self, e):
        op = type(e.op)
        left, right = e.left, e.right
        lnum, rnum = _number(left), _number(right)
        kinds = list(_KINDS.get(op, ()))
        if op is nodes.Pow:
            if rnum in _POWERS:
                word = _POWERS[rnum]
                if word in ("sqrt", "inv"):
                    return [f"{word}_{p}" for p in self.part(left, 0)] + [word]
                return [f"{p}_{word}" for p in self.part(left, _ATOM)] + [word]
            exps = [str(_integer(rnum))] if _integer(rnum) is not None else \
                self.part(right, _ATOM)
            return [f"{p}_pow_{q}" for p in self.part(left, _ATOM) for q in exps] + kinds
        if op is nodes.Div and lnum == 1:
            return [f"inv_{p}" for p in self.part(right, 0)] + ["inv"]
        constant, other = (rnum, left) if rnum is not None else (lnum, right)
        if constant is not None and _integer(constant) is None \
                and _number(other) is None:           # x * 0.25, x - 0.1
            on_right = rnum is not None
            if op is nodes.Mult or op is nodes.Div and on_right:
                half = [f"half_{p}" for p in self.part(other, 2)] \
                    if constant == 0.5 and op is nodes.Mult else []
                return half + [f"{p}_scaled" for p in self.part(other, _ATOM)] + ["scaled"]
            if op is nodes.Add or op is nodes.Sub and on_right:
                return [f"{p}_shifted" for p in self.part(other, _ATOM)] + ["shifted"]
            return kinds
        if op in (nodes.Add, nodes.Mult) and lnum is not None and rnum is None:
            left, right = right, left        # 1.0 + exp_z: exp_z_plus_1
            lnum, rnum = rnum, lnum
        word = _INFIX.get(op)
        if word is None:
            return kinds
        if lnum is not None and rnum is None:      # 1.0 - x: one_minus_x
            n = _integer(lnum)
            lefts = [_SMALL[n]] if n is not None and n < len(_SMALL) else []
        else:
            lefts = self.part(left, _BINDING[word])
        if op is nodes.Add:         # a + (b - c) is a + b - c: a_plus_b_minus_c
            rights = self.part(right, _BINDING[word])
        elif op is nodes.Mult:      # a * (b / c) is a * b / c, not so a * (b @ c)
            rights = [q for q in self.part(right, _BINDING[word])
                      if not {"matmul", "floordiv", "mod"} & set(q.split("_"))]
        else:
            rights = self.part(right, _BINDING[word] + 1)
        pairs = [(i + j, f"{p}_{word}_{q}") for i, p in enumerate(lefts)
                 for j, q in enumerate(rights)]
        return [name for _, name in sorted(pairs, key=lambda x: x[0])] + kinds

    def call(self, e):
        fname = nodes.dotted_name(e.func)
        if fname is None:
            return []
        parts = fname.split(".")
        word = parts[-1].strip("_")
        if not word:
            return []
        bare = _BUILTIN_WORDS.get(word, f"{word}_value") if word in _BUILTINS else _Whole(word)
        args = [a for a in e.args if not isinstance(a, nodes.Starred)]
        if len(parts) == 2 and parts[0] not in _MODULES and not args:
            # a method of a value: x.sum()
            return [f"{word}_{p}" for p in self.part(nodes.name(parts[0]), 0)] + [bare]
        if len(parts) == 2 and parts[0] not in _MODULES:
            return [bare]
        out = []
        if len(args) == 1:
            out = [f"{word}_{p}" for p in self.part(args[0], 0)]
        elif len(args) == 2 and isinstance(args[0], nodes.Name):
            # np.dot(a, b): dot_a_b; np.maximum(x, 0.0), np.reshape(x, shape): maximum_x
            firsts = self.part(args[0], _ATOM, kinds=False)
            if isinstance(args[1], nodes.Name) and self.kinds.get(args[1].id) != _LITERAL:
                out = [f"{word}_{p}_{q}" for p in firsts
                       for q in self.part(args[1], _ATOM, kinds=False)]
            else:
                out = [f"{word}_{p}" for p in firsts]
        return out + [bare]

    def subscript(self, e):
        bases = self.part(e.value, _ATOM)
        idx = e.slice
        words = self.index(idx)
        out = [f"{b}_{w}" for b in bases for w in words]
        fallback = [w for w in words if w in ("row", "col", "tail", "head", "reversed")]
        return out + (fallback[:1] or ["item"])

    def index(self, idx):
        """Words for an index: ``i``, ``0``, ``last``, ``next``, ``row_i``..., best first."""
        if isinstance(idx, nodes.Name):
            if idx.id in self.steps:
                return [self.steps[idx.id]]
            if self.kinds.get(idx.id) == "mask":
                return ["masked"]
            name = idx.id.strip("_")
            generated = idx.id in self.kinds or idx.id in self.given
            plain = name and (_binding(name) == _ATOM or not generated)
            return ([name] if plain else []) + ["item"]
        n = _number(idx)
        if n is not None and type(n) is int:
            return [str(n)] if n >= 0 else (["last"] if n == -1 else ["item"])
        if isinstance(idx, nodes.Slice):
            return [self.slice(idx)]
        if isinstance(idx, nodes.Tuple) and len(idx.elts) == 2:
            full = [isinstance(x, nodes.Slice) and x.lower is None and x.upper is None
                    and x.step is None for x in idx.elts]
            if full == [False, True] or full == [True, False]:
                which = "row" if full[1] else "col"
                at = idx.elts[0] if full[1] else idx.elts[1]
                if isinstance(at, nodes.Slice):
                    return ["item"]
                return [f"{which}_{w}" for w in self.index(at)
                        if w not in ("item", "masked")] + [which]
            if not any(isinstance(x, nodes.Slice) for x in idx.elts):
                firsts, seconds = self.index(idx.elts[0]), self.index(idx.elts[1])
                return [f"{a}_{b}" for a in firsts for b in seconds
                        if "item" not in (a, b)] + ["item"]
        return ["item"]

    @staticmethod
    def slice(s):
        lower, upper, step = (_number(x) if x is not None else None
                              for x in (s.lower, s.upper, s.step))
        given = [x is not None for x in (s.lower, s.upper, s.step)]
        if given == [True, False, False] and lower == 1:
            return "tail"
        if given == [False, True, False] and upper == -1:
            return "head"
        if given == [False, False, True] and step == -1:
            return "reversed"
        return "item"


def _clean(base):
    base = re.sub(r"\W", "_", base)
    if not base or base[0].isdigit():
        base = "t_" + base
    return base


_STACK = re.compile(r"_((?:d\d*)*)stack")


def is_stack(name):
    """``_stack``, ``_dstack``, ``_d2stack``, ``_dd2stack``...: the records of generated
    derivative code (see `tangent_stack`)."""
    return _STACK.fullmatch(name) is not None


def stack_levels(name):
    """The forward levels whose tangents stack `name` carries: ``_stack`` none, ``_dstack``
    level 1, ``_d2stack`` level 2, ``_dd2stack`` levels 1 and 2."""
    marks = re.findall(r"d(\d*)", _STACK.fullmatch(name).group(1))
    return [int(m) if m else 1 for m in marks]


def tangent_stack(name, stacks=()):
    """The stack carrying the tangents of what stack `name` records, in a forward transform
    of a function whose stacks are `stacks`.  Each forward level over generated code adds
    its own mark (``d`` for the first, ``d2`` for the second...), so the tangents of the
    stacks of different levels never share a name: forward over ``_stack`` and ``_dstack``
    gives ``_d2stack`` and ``_dd2stack``."""
    level = 1 + max((max(stack_levels(s), default=0) for s in set(stacks) | {name}),
                    default=0)
    marks = "".join("d" if n == 1 else f"d{n}" for n in sorted(stack_levels(name) + [level]))
    return f"_{marks}stack"


def is_generated(parsed):
    """Is `parsed` tangent_like's own generated code (differentiated again)?"""
    return parsed.source.filename.startswith(GENERATED)
