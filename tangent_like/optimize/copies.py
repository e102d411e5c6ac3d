"""Copy and constant propagation in straight-line code.

A name assigned a name or a constant is replaced by that value in the statements that follow,
until either is assigned again.  Propagation restarts at every branch or loop.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(bx, t):\\n    bs = 0.0\\n    bs = bs + bx\\n    bt = bs\\n"
    ...                 "    b = bt * t\\n    return b").body[0]
    >>> propagate_copies(f)
    True
    >>> print(nodes.unparse(f))
    def f(bx, t):
        bs = 0.0
        bs = 0.0 + bx
        bt = bs
        b = bs * t
        return b
"""
from ..syntax import nodes


class _Replace(nodes.NodeTransformer):
    def __init__(self, env):
        self.env = env
        self.changed = False

    def visit_Name(self, node):
        if nodes.is_load(node) and node.id in self.env:
            self.changed = True
            return nodes.copy(self.env[node.id])
        return node


def _is_copy_value(v):
    return isinstance(v, nodes.Name) or (isinstance(v, nodes.Constant)
                                        and isinstance(v.value, (int, float)))


def _is_record(s):
    """``_stack.append(...)``: a record keeps the names its pop gives back (a reader
    matches them by name)."""
    return isinstance(s, nodes.Expr) and isinstance(s.value, nodes.Call) \
        and nodes.dotted_name(s.value.func) == "_stack.append"


def _block(stmts):
    env = {}
    changed = False
    for s in stmts:
        if isinstance(s, (nodes.If, nodes.For, nodes.While)):
            env = {}
            for field in ("body", "orelse"):
                changed |= _block(getattr(s, field, []))
            continue
        if isinstance(s, nodes.FunctionDef):
            env = {}
            continue
        if env:
            r = _Replace(env)
            if isinstance(s, nodes.Assign):
                s.value = r.visit(s.value)
                for t in s.targets:
                    if not isinstance(t, (nodes.Name, nodes.Tuple)):
                        r.visit(t)
            elif isinstance(s, nodes.AugAssign):
                s.value = r.visit(s.value)
            elif isinstance(s, (nodes.Expr, nodes.Return)) and s.value is not None \
                    and not _is_record(s):
                s.value = r.visit(s.value)
            changed |= r.changed
        written = set()
        if isinstance(s, nodes.Assign):
            for t in s.targets:
                written |= {n.id for n in nodes.walk(t) if isinstance(n, nodes.Name)}
        elif isinstance(s, nodes.AugAssign):
            written |= {n.id for n in nodes.walk(s.target) if isinstance(n, nodes.Name)}
        if written:
            env = {k: v for k, v in env.items()
                   if k not in written and not (isinstance(v, nodes.Name) and v.id in written)}
        if isinstance(s, nodes.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], nodes.Name) and _is_copy_value(s.value) \
                and not (isinstance(s.value, nodes.Name) and s.value.id == s.targets[0].id):
            env[s.targets[0].id] = s.value
    return changed


def propagate_copies(fdef):
    """Propagate copies and constants; True when something changed."""
    changed = _block(fdef.body)
    fdef.body = nodes.tidy_block(fdef.body)
    return changed
