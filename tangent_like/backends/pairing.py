"""Each ``... = _stack.pop()`` of generated reverse-mode code paired with the
``_stack.append(...)`` whose record it reads.

The numba backend keeps records on typed tapes, so a pop must read the tape its push wrote:
its slots are typed from what was pushed, never from the names the pop gives the values
back to (a pass renaming one side only would make the adjoint read the wrong tape).  The
pairs are found by running the code symbolically on a stack of records, from the entry
through the sweeps it calls.  The reverse transform emits pops in positions that mirror
their pushes, so the symbolic stack needs these kinds of items:

* a record (a push; records of equal kinds merge where control meets, whichever push
  made them, since a pop reads them alike);
* a loop's records: a loop whose body leaves the same records on the stack each
  iteration (``("loop", records)``), read back by a loop whose body takes exactly them;
* a branch's records: an ``if`` whose arms leave different records (``("alt", (when
  true, when false))``, the arms of ``if not c`` swapped), read back by an ``if`` whose
  arms take them, arm for arm;
* a guard: where control meets with different records below a record of equal kinds
  whose value is the test of the branch each came through (``if c: ... _stack.append(c);
  break``, ``else: _stack.append(c)``), the record tells which records lie below it: the
  pop that reads it back as a name ``c2`` leaves them to an ``if c2`` (or ``if not
  c2``), whose arms take them, the records of ``c`` true to the arm run when ``c2`` is
  true -- nothing else may read them or assign ``c2`` before;
* a call's records: what a primal sweep called leaves, taken by the call of its adjoint
  sweep (``("call", primal)``); each pair of sweeps is paired on its own, the adjoint
  run on what the primal leaves.

A body that can leave the loop early (``break``, ``continue``, ``return``) must have left
records read back alike there and at its end, or under a guard.  Whatever does not fit --
a pop with no record under it, a loop reading records of a branch, recursion through the
sweeps, kinds that disagree between a push and its pop -- raises `NotPaired` with the
reason: the lowering is refused.
"""
from ..syntax import nodes

STACK = "_stack"


class NotPaired(Exception):
    """The records of the generated code cannot be paired push to pop (the reason)."""


class _Structured(Exception):
    """A pop met the records of a loop or a branch on top of the stack (at `depth`)."""

    def __init__(self, depth):
        super().__init__(depth)
        self.depth = depth


def is_call_of(node, name):
    return isinstance(node, nodes.Call) and nodes.dotted_name(node.func) == name


def is_push(s):
    return isinstance(s, nodes.Expr) and is_call_of(s.value, f"{STACK}.append")


def is_pop(s):
    return isinstance(s, nodes.Assign) and is_call_of(s.value, f"{STACK}.pop")


def sweep_call(s):
    """The call of a sweep (``f(_stack, ...)``) that statement `s` is, or None."""
    if isinstance(s, (nodes.Assign, nodes.Expr)) and isinstance(s.value, nodes.Call):
        args = s.value.args
        if args and isinstance(args[0], nodes.Name) and args[0].id == STACK:
            return s.value
    return None


def _names_stack(node):
    return any(isinstance(n, nodes.Name) and n.id == STACK for n in nodes.walk(node))


def pair(functions, entry, sweeps, kinds_of):
    """``{id(pop statement): (kinds, ids of the pushes)}``: for each pop the entry `entry`
    can reach, the kinds of the values it reads, in order, and the pushes that may have
    recorded them (all of these kinds).  `functions`: the generated definitions by name;
    `sweeps`: the adjoint sweep of each primal sweep, by name; `kinds_of(name, value)`:
    the kinds of the values a push of the function `name` records (a list).
    Raises `NotPaired`."""
    pairing = _Pairing(functions, sweeps, kinds_of)
    try:
        pairing.function(functions[entry], ())
    except _Structured:
        raise NotPaired("a pop reads the records of a loop or a branch outside of "
                        "it") from None
    return dict(pairing.pops)


# The items of the symbolic stack (tuples, compared by `_same`):
#   ("rec", kinds, pushes, truth)  a record: its kinds, the pushes that may have made it
#                                  (a frozenset of ids), and whether the value recorded is
#                                  known to be true or false (None: not known);
#   ("loop", items)                the records of each iteration of a loop;
#   ("alt", (items, items))        the records of the arms of a branch;
#   ("call", primal)               what a call of a primal sweep leaves;
#   ("guard", kinds, pushes, (items, items))
#                                  a record whose value, true or false, tells which items
#                                  lie below it;
#   ("chosen", name, (items, items))
#                                  those items once the record is read back as `name`,
#                                  until a branch on `name` reads them.


def _same(a, b):
    """Items `a` and `b` are read back alike (records of equal kinds, whoever pushed them)."""
    if a[0] != b[0]:
        return False
    if a[0] == "rec":
        return a[1] == b[1]
    if a[0] == "loop":
        return _same_items(a[1], b[1])
    if a[0] == "alt":
        return all(_same_items(x, y) for x, y in zip(a[1], b[1]))
    if a[0] == "guard":
        return a[1] == b[1] and all(_same_items(x, y) for x, y in zip(a[3], b[3]))
    if a[0] == "chosen":
        return a[1] == b[1] and all(_same_items(x, y) for x, y in zip(a[2], b[2]))
    return a == b


def _same_items(a, b):
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))


def _unite(a, b):
    """One item for items `a` and `b`, which are `_same`."""
    if a[0] == "rec":
        return ("rec", a[1], a[2] | b[2], a[3] if a[3] == b[3] else None)
    if a[0] == "loop":
        return ("loop", _unite_items(a[1], b[1]))
    if a[0] == "alt":
        return ("alt", tuple(_unite_items(x, y) for x, y in zip(a[1], b[1])))
    if a[0] == "guard":
        return ("guard", a[1], a[2] | b[2],
                tuple(_unite_items(x, y) for x, y in zip(a[3], b[3])))
    if a[0] == "chosen":
        return ("chosen", a[1], tuple(_unite_items(x, y) for x, y in zip(a[2], b[2])))
    return a


def _unite_items(a, b):
    return tuple(_unite(x, y) for x, y in zip(a, b))


def _merge(states):
    """One stack for `states`, the stacks where control meets (the ends and early exits of
    a loop body, the arms of a branch, the returns of a function), read back alike
    whichever of them was left: equal but for who pushed records of equal kinds, or, from
    the top, records of equal kinds over different records -- a guard, when the value
    recorded on top was known true in some and false in the others.  Raises `NotPaired`."""
    first = states[0]
    if all(_same_items(st, first) for st in states):
        merged = first
        for st in states[1:]:
            merged = _unite_items(merged, st)
        return merged
    tops = [st[-1] if st else None for st in states]
    if any(t is None or t[0] != "rec" or t[1] != tops[0][1] for t in tops):
        raise NotPaired("a loop body leaves different records when it ends and when it "
                        "leaves early, or the arms of a branch leave different records")
    top = tops[0]
    for t in tops[1:]:
        top = _unite(top, t)
    try:
        return _merge([st[:-1] for st in states]) + (top,)
    except NotPaired:
        truths = [t[3] for t in tops]
        if None in truths or all(truths) or not any(truths):
            raise
    when_true = _merge([st[:-1] for st, t in zip(states, truths) if t])
    when_false = _merge([st[:-1] for st, t in zip(states, truths) if not t])
    n = 0
    while n < min(len(when_true), len(when_false)) and _same(when_true[n], when_false[n]):
        n += 1
    return _unite_items(when_true[:n], when_false[:n]) + (
        ("guard", top[1], top[2], (when_true[n:], when_false[n:])),)


def _test_name(test, arms):
    """The name a branch tests (``if c``, ``if not c``) and its arms, the one taken when the
    name is true first; the name is None for other tests."""
    arms = list(arms)
    while isinstance(test, nodes.UnaryOp) and isinstance(test.op, nodes.Not):
        arms.reverse()
        test = test.operand
    return (test.id if isinstance(test, nodes.Name) else None), arms


def _stored(node):
    return {n.id for n in nodes.walk(node) if isinstance(n, nodes.Name) and nodes.is_store(n)}


class _Pairing:
    def __init__(self, functions, sweeps, kinds_of):
        self.functions = functions
        self.sweeps = sweeps
        self.adjoints = {a: p for p, a in sweeps.items()}
        self.done = set()
        self.kinds_of = kinds_of
        self.pops = {}          # id(pop) -> (kinds, ids of pushes)
        self.active = []        # the sweeps being run (recursion is refused)
        self.exits = []         # per loop being run: the stacks at its break and continue
        self.returns = []       # per function being run: the stacks at its returns
        self.facts = {}         # name -> known true or false (the test of a branch run)

    def function(self, fdef, stack):
        if fdef.name in self.active:
            raise NotPaired(f"{fdef.name} calls itself")
        self.active.append(fdef.name)
        self.returns.append([])
        exits, self.exits = self.exits, []      # (the loops of the caller are not its own)
        facts, self.facts = self.facts, {}
        try:
            end = self.block(fdef.body, stack)
        finally:
            self.exits = exits
            self.facts = facts
        states = self.returns.pop() + ([end] if end is not None else [])
        self.active.pop()
        if not states:
            return None
        try:
            return _merge(states)
        except NotPaired:
            raise NotPaired(f"{fdef.name} returns with different records on the "
                            "stack") from None

    def block(self, stmts, stack):
        for s in stmts:
            if stack is None:
                return None     # (unreachable: after a break, continue or return)
            stack = self.stmt(s, stack)
        return stack

    def assigned(self, names, stack):
        """`names` are assigned: what was known of them is not any more, and a record read
        back as one of them must have been read by its branch before."""
        for n in names:
            self.facts.pop(n, None)
        if any(item[0] == "chosen" and item[1] in names for item in stack):
            raise NotPaired("a recorded condition is assigned before the branch on it")

    def stmt(self, s, stack):
        if isinstance(s, (nodes.For, nodes.While)):
            if _names_stack(s.test if isinstance(s, nodes.While) else s.iter):
                raise NotPaired("a loop reads the record in its header")
            if any(_names_stack(st) for st in s.orelse):
                raise NotPaired("the else clause of a loop uses the record")
            self.assigned(_stored(s), stack)
            stack = self.block(s.orelse, self.loop(s, stack))
            self.facts = {}
            return stack
        if isinstance(s, nodes.If):
            if _names_stack(s.test):
                raise NotPaired("a branch reads the record in its test")
            facts = dict(self.facts)
            stack = self.branch(s, stack)
            self.facts = {n: v for n, v in facts.items() if n not in _stored(s)}
            return stack
        if not (isinstance(s, nodes.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], nodes.Name) and s.targets[0].id == STACK):
            self.assigned(_stored(s), stack)
        if isinstance(s, nodes.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], nodes.Name) and s.targets[0].id == STACK:
            return ()           # (a new record)
        if is_push(s):
            value = s.value.args[0]
            kinds = tuple(self.kinds_of(self.active[-1], value))
            truth = self.facts.get(value.id) if isinstance(value, nodes.Name) and kinds in (
                ("i",), ("f",)) else None       # (a number: nothing changes it in place)
            return stack + (("rec", kinds, frozenset([id(s)]), truth),)
        if is_pop(s):
            return self.pop(s, stack)
        call = sweep_call(s)
        if call is not None:
            return self.call(call, stack)
        if isinstance(s, (nodes.Break, nodes.Continue)):
            if not self.exits:
                raise NotPaired("a break outside a loop")
            self.exits[-1].append(stack)
            return None
        if isinstance(s, nodes.Return):
            if s.value is not None and _names_stack(s.value):
                raise NotPaired("the record is returned")
            self.returns[-1].append(stack)
            return None
        if _names_stack(s):
            raise NotPaired("the record is used in a way the pairing does not follow")
        return stack

    def call(self, call, stack):
        """A primal sweep called leaves the records of its call on the stack (one item),
        which the call of its adjoint sweep takes; each pair of sweeps is paired on its own
        (`sweeps`), so that recursion is followed too."""
        name = nodes.dotted_name(call.func)
        if _names_stack(call.func) or any(_names_stack(a) for a in call.args[1:]) or any(
                _names_stack(k.value) for k in call.keywords):
            raise NotPaired("a sweep is called in a way the pairing does not follow")
        if name in self.sweeps:
            self.sweep_pair(name)
            return stack + (("call", name),)
        primal = self.adjoints.get(name)
        if primal is None:
            raise NotPaired(f"{name} is not a sweep of the code paired")
        if stack and stack[-1][0] in ("loop", "alt", "guard", "chosen"):
            raise _Structured(len(stack) - 1)
        if not stack or stack[-1] != ("call", primal):
            raise NotPaired(f"{name} is called where the records of {primal} are not "
                            "the last ones")
        return stack[:-1]

    def sweep_pair(self, primal):
        """Pairs the records of primal sweep `primal` with the reads of its adjoint sweep:
        the adjoint, run on what the primal leaves, must read all of it."""
        if primal in self.done:
            return
        self.done.add(primal)
        adjoint = self.sweeps[primal]
        if primal not in self.functions or adjoint not in self.functions:
            raise NotPaired(f"the sweeps of {primal} are not in the code paired")
        for f in (primal, adjoint):
            params = self.functions[f].args.args
            if not params or params[0].id != STACK:
                raise NotPaired(f"{f} is handed the record but does not take it")
        try:
            left = self.function(self.functions[primal], ())
            end = self.function(self.functions[adjoint], left) if left is not None else None
        except _Structured:
            raise NotPaired(f"{adjoint} reads the records of a loop or a branch outside "
                            "of it") from None
        if end is not None and end != ():
            raise NotPaired(f"{adjoint} does not read all that {primal} records")

    def pop(self, s, stack):
        if not stack:
            raise NotPaired("a pop has no record under it")
        top = stack[-1]
        if top[0] not in ("rec", "guard"):
            raise _Structured(len(stack) - 1)
        kinds, pushes = top[1], top[2]
        known = self.pops.get(id(s))
        if known is not None:
            if known[0] != kinds:
                raise NotPaired("a pop reads records of different kinds")
            pushes = pushes | known[1]
        self.pops[id(s)] = (kinds, pushes)
        if top[0] == "rec":
            return stack[:-1]
        target = s.targets[0] if len(s.targets) == 1 else None
        name = target.id if isinstance(target, nodes.Name) else None
        return stack[:-1] + (("chosen", name, top[3]),)

    def loop(self, s, stack):
        saved = dict(self.pops)
        try:
            states = self.iteration(s.body, stack)
            if not states:
                return stack
            n = len(stack)
            merged = _merge(states)
            if len(merged) < n or not _same_items(merged[:n], stack):
                raise NotPaired("a loop body reads records made before the loop")
            if len(merged) == n:
                return stack            # (what each iteration records, it reads back)
            return stack + (("loop", merged[n:]),)
        except _Structured as exc:
            if exc.depth != len(stack) - 1 or stack[-1][0] != "loop":
                raise
        self.pops = saved       # each iteration reads the records of one of the loop's
        base = stack[:-1]       # iterations
        states = self.iteration(s.body, base + stack[-1][1])
        if any(not _same_items(st, base) for st in states):
            raise NotPaired("a loop body does not read back the records of one iteration "
                            "of the loop that made them")
        return base

    def iteration(self, body, stack):
        self.exits.append([])
        self.facts = {}         # (an iteration may assign what the one before knew)
        try:
            end = self.block(body, stack)
        finally:
            exits = self.exits.pop()
        return exits + ([end] if end is not None else [])

    def arms(self, arms, name, stacks):
        """The ends of `arms` run on `stacks`, the first knowing that `name` is true."""
        ends = []
        facts = dict(self.facts)
        for i, (arm, stack) in enumerate(zip(arms, stacks)):
            self.facts = dict(facts)
            if name is not None:
                self.facts[name] = i == 0
            ends.append(self.block(arm, stack))
        return ends

    def branch(self, s, stack):
        saved = dict(self.pops)
        name, arms = _test_name(s.test, [s.body, s.orelse])
        try:
            ends = self.arms(arms, name, [stack, stack])
            reached = [e for e in ends if e is not None]
            if not reached:
                return None
            try:
                return _merge(reached)
            except NotPaired:
                pass
            n = len(stack)
            if all(len(e) >= n and _same_items(e[:n], stack) for e in reached):
                return stack + (("alt", tuple(e[n:] if e is not None else () for e in ends)),)
            raise NotPaired("the arms of a branch read different records")
        except _Structured as exc:
            top = stack[-1] if stack else None
            if exc.depth != len(stack) - 1 or top[0] not in ("alt", "chosen") or (
                    top[0] == "chosen" and (top[1] is None or top[1] != name)):
                raise
        self.pops = saved
        base = stack[:-1]
        records = stack[-1][1] if stack[-1][0] == "alt" else stack[-1][2]
        ends = self.arms(arms, name, [base + seq for seq in records])
        if any(e is not None and not _same_items(e, base) for e in ends):
            raise NotPaired("the arms of a branch do not read back the records of the "
                            "arms that made them")
        return base if any(e is not None for e in ends) else None
