"""Which values the adjoint sweep must get back from the stack (to-be-recorded analysis).

The adjoint of a statement reads primal variables.  A read at statement ``s`` of variable
``v`` is *stale* when ``v`` may be assigned again between ``s`` and the adjoint of ``s``:
some assignment to ``v`` comes after ``s`` in the program, or sits in a loop that also
encloses ``s``.  The header of a ``for`` loop does not count for reads inside that loop: the
adjoint loop sets the index again.  Stale values are pushed by the primal sweep; the others
are read where they are (passed once from the primal sweep to the adjoint sweep).
"""
from ..syntax import nodes


class Positions:
    """Program-order positions, enclosing loops and definitions of every variable."""

    def __init__(self, fdef):
        self.pos = {}        # id(stmt) -> (start, end)
        self.loops = {}      # id(stmt) -> tuple of enclosing loop ids
        self.defs = {}       # var -> list of (pos, loops, header_of)
        self._counter = 0
        for a in nodes.parameters(fdef):
            self.defs.setdefault(a.id, []).append((-1, (), None))
        self._block(fdef.body, ())

    def _next(self):
        self._counter += 1
        return self._counter

    def _block(self, stmts, loops):
        for s in stmts:
            start = self._next()
            self.loops[id(s)] = loops
            if isinstance(s, nodes.If):
                self._block(s.body, loops)
                self._block(s.orelse, loops)
            elif isinstance(s, nodes.For):
                self.defs.setdefault(s.target.id, []).append((start, loops + (id(s),), id(s)))
                self._block(s.body, loops + (id(s),))
            elif isinstance(s, nodes.While):
                self._block(s.body, loops + (id(s),))
            elif isinstance(s, nodes.Assign):
                for n in nodes.walk(s.targets[0]):
                    if isinstance(n, nodes.Name):
                        self.defs.setdefault(n.id, []).append((start, loops, None))
            self.pos[id(s)] = (start, self._next())

    def add_def(self, var, stmt):
        """Record a bookkeeping variable assigned at the start of `stmt`."""
        start, _ = self.pos[id(stmt)]
        self.defs.setdefault(var, []).append((start, self.loops[id(stmt)], None))

    def is_stale(self, var, at, loops, inside=()):
        """Is `var`, read at position `at` within `loops`, possibly overwritten later?"""
        for pos, dloops, header in self.defs.get(var, ()):
            if header is not None and header in inside:
                continue
            if pos > at:
                return True
            if set(dloops) & set(loops):
                return True
        return False

    def is_loop_index(self, var, loops):
        """Is `var` the index of one of `loops` (a for loop enclosing the reader)?"""
        return any(header in loops for _, _, header in self.defs.get(var, ())
                   if header is not None)

    def single_def_outside_loops(self, var):
        defs = self.defs.get(var, ())
        return len(defs) == 1 and not defs[0][1] and defs[0][0] >= 0
