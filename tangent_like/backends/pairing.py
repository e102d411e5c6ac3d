"""Each ``... = _stack.pop()`` of generated reverse-mode code paired with the
``_stack.append(...)`` whose record it reads.

The numba backend keeps records on typed tapes, so a pop must read the tape its push wrote:
its slots are typed from what was pushed, never from the names the pop gives the values
back to (a pass renaming one side only would make the adjoint read the wrong tape).  The
pairs are found by running the code symbolically on a stack of records, from the entry
through the sweeps it calls.  The reverse transform emits pops in positions that mirror
their pushes, so the symbolic stack needs three kinds of items:

* a record (one push);
* a loop's records: a loop whose body leaves the same records on the stack each
  iteration (``("loop", records)``), read back by a loop whose body takes exactly them;
* a branch's records: an ``if`` whose arms leave different records (``("alt", (when
  true, when false))``, the arms of ``if not c`` swapped), read back by an ``if`` whose
  arms take them, arm for arm;
* a call's records: what a primal sweep called leaves, taken by the call of its adjoint
  sweep (``("call", primal)``); each pair of sweeps is paired on its own, the adjoint
  run on what the primal leaves.

A body that can leave the loop early (``break``, ``continue``, ``return``) must have left the
same records there as at its end.  Whatever does not fit -- a pop with no record under it,
a loop reading records of a branch, recursion through the sweeps, kinds that disagree
between a push and its pop -- raises `NotPaired` with the reason: the lowering is refused.
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
    """``{id(pop statement): (kinds, id(push statement))}``: for each pop the entry `entry`
    can reach, the kinds of the values its push recorded, in order, and the push.  `functions`: the generated definitions by
    name; `sweeps`: the adjoint sweep of each primal sweep, by name; `kinds_of(name, value)`: the kinds of the values a push of the function `name`
    records (a list).
    Raises `NotPaired`."""
    pairing = _Pairing(functions, sweeps, kinds_of)
    try:
        pairing.function(functions[entry], ())
    except _Structured:
        raise NotPaired("a pop reads the records of a loop or a branch outside of "
                        "it") from None
    return dict(pairing.pops)


class _Pairing:
    def __init__(self, functions, sweeps, kinds_of):
        self.functions = functions
        self.sweeps = sweeps
        self.adjoints = {a: p for p, a in sweeps.items()}
        self.done = set()
        self.kinds_of = kinds_of
        self.pushes = {}        # id(push) -> kinds
        self.pops = {}          # id(pop) -> (kinds, id(push))
        self.active = []        # the sweeps being run (recursion is refused)
        self.exits = []         # per loop being run: the stacks at its break and continue
        self.returns = []       # per function being run: the stacks at its returns

    def function(self, fdef, stack):
        if fdef.name in self.active:
            raise NotPaired(f"{fdef.name} calls itself")
        self.active.append(fdef.name)
        self.returns.append([])
        exits, self.exits = self.exits, []      # (the loops of the caller are not its own)
        try:
            end = self.block(fdef.body, stack)
        finally:
            self.exits = exits
        states = self.returns.pop() + ([end] if end is not None else [])
        self.active.pop()
        if any(s != states[0] for s in states):
            raise NotPaired(f"{fdef.name} returns with different records on the stack")
        return states[0] if states else None

    def block(self, stmts, stack):
        for s in stmts:
            if stack is None:
                return None     # (unreachable: after a break, continue or return)
            stack = self.stmt(s, stack)
        return stack

    def stmt(self, s, stack):
        if isinstance(s, nodes.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], nodes.Name) and s.targets[0].id == STACK:
            return ()           # (a new record)
        if is_push(s):
            kinds = self.kinds_of(self.active[-1], s.value.args[0])
            self.pushes[id(s)] = kinds
            return stack + (("rec", id(s)),)
        if is_pop(s):
            return self.pop(s, stack)
        call = sweep_call(s)
        if call is not None:
            return self.call(call, stack)
        if isinstance(s, (nodes.For, nodes.While)):
            if _names_stack(s.test if isinstance(s, nodes.While) else s.iter):
                raise NotPaired("a loop reads the record in its header")
            return self.block(s.orelse, self.loop(s.body, stack))
        if isinstance(s, nodes.If):
            if _names_stack(s.test):
                raise NotPaired("a branch reads the record in its test")
            return self.branch(s, stack)
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
        left = self.function(self.functions[primal], ())
        end = self.function(self.functions[adjoint], left) if left is not None else None
        if end is not None and end != ():
            raise NotPaired(f"{adjoint} does not read all that {primal} records")

    def pop(self, s, stack):
        if not stack:
            raise NotPaired("a pop has no record under it")
        top = stack[-1]
        if top[0] != "rec":
            raise _Structured(len(stack) - 1)
        kinds = self.pushes[top[1]]
        known = self.pops.get(id(s))
        if known is not None and known[1] != top[1] and known[0] != kinds:
            raise NotPaired("a pop reads records of different kinds")
        self.pops[id(s)] = (kinds, top[1])
        return stack[:-1]

    def loop(self, body, stack):
        saved = dict(self.pops)
        try:
            states = self.iteration(body, stack)
            if all(st == stack for st in states):
                return stack            # (what each iteration records, it reads back)
            n = len(stack)
            added = states[0][n:]
            if all(st[:n] == stack and st[n:] == added for st in states):
                return stack + (("loop", added),)
            raise NotPaired("a loop body leaves different records when it ends and "
                            "when it leaves early, or reads records made before the loop")
        except _Structured as exc:
            if exc.depth != len(stack) - 1 or stack[-1][0] != "loop":
                raise
        self.pops = saved       # each iteration reads the records of one of the loop's
        base = stack[:-1]       # iterations
        states = self.iteration(body, base + stack[-1][1])
        if any(st != base for st in states):
            raise NotPaired("a loop body does not read back the records of one iteration "
                            "of the loop that made them")
        return base

    def iteration(self, body, stack):
        self.exits.append([])
        try:
            end = self.block(body, stack)
        finally:
            exits = self.exits.pop()
        return exits + ([end] if end is not None else [])

    def branch(self, s, stack):
        saved = dict(self.pops)
        arms = [s.body, s.orelse]
        test = s.test
        while isinstance(test, nodes.UnaryOp) and isinstance(test.op, nodes.Not):
            arms.reverse()      # (the arm taken when the test's operand is true first)
            test = test.operand
        try:
            ends = [self.block(arm, stack) for arm in arms]
            reached = [e for e in ends if e is not None]
            if not reached or all(e == reached[0] for e in reached):
                return reached[0] if reached else None
            n = len(stack)
            if all(e[:n] == stack for e in reached):
                return stack + (("alt", tuple(e[n:] if e is not None else () for e in ends)),)
            raise NotPaired("the arms of a branch read different records")
        except _Structured as exc:
            if exc.depth != len(stack) - 1 or stack[-1][0] != "alt":
                raise
        self.pops = saved
        base = stack[:-1]
        ends = [self.block(arm, base + seq) for arm, seq in zip(arms, stack[-1][1])]
        if any(e is not None and e != base for e in ends):
            raise NotPaired("the arms of a branch do not read back the records of the "
                            "arms that made them")
        return base if any(e is not None for e in ends) else None
