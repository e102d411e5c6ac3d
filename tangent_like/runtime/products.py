"""Kernels of products: ``np.dot``, ``@``/``np.matmul``, ``np.einsum`` and the products
written as einsums (``inner``, ``outer``, ``vdot``, ``tensordot``).

Products are multilinear: the adjoint of an operand is the product of the cotangent with the
other operands, conjugated for complex values (the real inner product of `core`).  An
einsum's adjoint swaps output and operand subscripts (`einsum_adjoint`): repeated indices
such as ``'ii->'`` scatter onto the diagonal, letters of the operand missing elsewhere
broadcast, ``...`` and size-1 broadcasting are undone.
"""
import string
from collections import Counter

import numpy as np

from .core import cj, dense, is_zero, re_like, unbroadcast
from .kernels import kernel


# ----------------------------------------------------------------------------- dot, matmul
@kernel
def dot_adjoint_a(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to `a` (any ranks; complex operands under
    the real inner product: the other operand conjugated)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    b = cj(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * b, a)
    if b_nd == 1:
        return re_like(np.multiply.outer(g, b) if a_nd > 1 else g * b, a)
    # g has axes A + B + (p,), b has axes B + (n, p): contract B and p
    na = a_nd - 1
    nb = b_nd - 2
    g_axes = list(range(na, na + nb)) + [na + nb]
    b_axes = list(range(nb)) + [nb + 1]
    return re_like(np.tensordot(g, b, axes=(g_axes, b_axes)), a)


@kernel
def dot_adjoint_b(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to `b` (any ranks, complex as for a)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    a = cj(a)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * a, b)
    na = a_nd - 1
    if b_nd == 1:
        if a_nd == 1:
            return re_like(g * a, b)
        return re_like(np.tensordot(a, g, axes=(tuple(range(na)), tuple(range(na)))), b)
    # a has axes A + (n,), g has A + B + (p,): contract A, giving (n,) + B + (p,)
    out = np.tensordot(a, g, axes=(tuple(range(na)), tuple(range(na))))
    return re_like(np.moveaxis(out, 0, -2), b)


@kernel
def matmul_adjoint_a(g, a, b):
    """Adjoint of ``a @ b`` with respect to `a` (1-D operands included; complex operands
    under the real inner product)."""
    if type(g) is np.ndarray and type(a) is np.ndarray and type(b) is np.ndarray \
            and g.ndim == a.ndim == b.ndim == 2 and b.dtype.kind == "f" \
            and g.dtype.kind == "f" and a.shape == (g.shape[0], b.shape[0]):
        return np.dot(g, b.T)   # (the common case first: real matrices; np.dot, as fast as
        #                         @ or faster: (n, 1) @ (1, m) does not reach BLAS in @)
    if is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    b = cj(b)
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return unbroadcast(g * b, a)
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


@kernel
def matmul_adjoint_b(g, a, b):
    """Adjoint of ``a @ b`` with respect to `b` (1-D operands included, complex as for a)."""
    if type(g) is np.ndarray and type(a) is np.ndarray and type(b) is np.ndarray \
            and g.ndim == a.ndim == b.ndim == 2 and a.dtype.kind == "f" \
            and g.dtype.kind == "f" and b.shape == (a.shape[1], g.shape[1]):
        return np.dot(a.T, g)   # (the common case first: real matrices, as above)
    if is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    a = cj(a)
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return unbroadcast(g * a, b)
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0],
                           b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


@kernel
def batch_left(op, da, a, b):
    """Tangent ``op(da, b)`` (np.dot or np.matmul) for a batched `da`: the batch axis
    leads.  A scalar `a` multiplies; a vector is taken one direction at a time (np.matmul
    would read the batch as a matrix's rows); matmul's stacked operands are aligned first,
    so that the batch axis does not meet a stack axis of `b`."""
    if is_zero(da):
        return 0.0
    da = np.asarray(da)
    if np.ndim(a) == 0:
        return da.reshape(da.shape + (1,) * np.ndim(b)) * b
    if np.ndim(a) == 1:
        return np.stack([op(d, b) for d in da])
    if op is np.matmul and np.ndim(b) > np.ndim(a):
        da = da.reshape(da.shape[:1] + (1,) * (np.ndim(b) - np.ndim(a)) + da.shape[1:])
    return op(da, b)


@kernel
def batch_right(op, a, db):
    """Tangent ``op(a, db)`` for a batched `db`, one batch element at a time."""
    if is_zero(db):
        return 0.0
    return np.stack([op(a, d) for d in np.asarray(db)])


# ---------------------------------------------------------------------------------- einsum
def _einsum_parse(subscripts, shapes):
    """Explicit subscripts (no ``...``, output given) and letter sizes for these operands."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        lhs, out = s.split("->")
    else:
        lhs, out = s, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum {subscripts!r}: {len(ins)} operands in the subscripts, "
                         f"{len(shapes)} given")
    used = {ch for ch in s if ch.isalpha()}
    free = [ch for ch in string.ascii_letters if ch not in used]
    ell_nd = 0
    for t, shape in zip(ins, shapes):
        if "..." in t:
            ell_nd = max(ell_nd, len(shape) - (len(t) - 3))
    ell = "".join(free[:ell_nd])
    explicit = []
    for t, shape in zip(ins, shapes):
        if "..." in t:
            k = len(shape) - (len(t) - 3)
            t = t.replace("...", ell[ell_nd - k:])
        explicit.append(t)
    if out is None:
        counts = Counter(ch for t in ins for ch in t if ch.isalpha())
        out = ell + "".join(sorted(ch for ch, n in counts.items() if n == 1))
    else:
        out = out.replace("...", ell)
    sizes = {}
    for t, shape in zip(explicit, shapes):
        for ch, n in zip(t, shape):
            if sizes.get(ch, 1) == 1:
                sizes[ch] = n
    return explicit, out, sizes


def _operands(*ops):
    return [x for x in ops if x is not None]


def _is_sublist(sub):
    return isinstance(sub, (tuple, list)) and all(
        s is Ellipsis or isinstance(s, (int, np.integer)) and not isinstance(s, bool)
        for s in sub)


def _einsum_call(args):
    """``(subscripts, operands, position -> operand number)`` of the positional arguments
    of an ``np.einsum`` call, in either form: ``einsum("ij,jk", a, b)`` or the interleaved
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (integer sublists, ``Ellipsis`` for ``...``;
    an odd number of arguments ends with the output's sublist)."""
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    if isinstance(args[0], str):
        return args[0], args[1:], {k: k - 1 for k in range(1, len(args))}
    out = args.pop() if len(args) % 2 else None
    ops, subs = args[0::2], args[1::2]
    if not all(_is_sublist(s) for s in subs + ([out] if out is not None else [])):
        return None, ops, {}    # a sublist replaced by its (zero) tangent: no operand

    def letters(sub):
        return "".join("..." if s is Ellipsis else string.ascii_letters[s] for s in sub)
    spec = ",".join(letters(s) for s in subs) + ("" if out is None else "->" + letters(out))
    return spec, ops, {2 * k: k for k in range(len(ops))}


def _conj(x):
    return np.conj(x) if np.iscomplexobj(x) else x


@kernel
def einsum_adjoint(v, subscripts, which, a, b=None, c=None, *more):
    """Adjoint of operand `which` of ``np.einsum(subscripts, a, b, c, ...)`` for cotangent
    `v`."""
    ops = _operands(a, b, c, *more)
    shapes = [np.shape(x) for x in ops]
    if any(np.size(x) == 0 for x in ops):    # an empty operand: the result is 0 or empty
        return np.zeros(shapes[which], dtype=np.result_type(ops[which], 1.0))
    ins, out, sizes = _einsum_parse(subscripts, shapes)
    v = dense(v, tuple(sizes[ch] for ch in out))
    target, tshape = ins[which], shapes[which]
    others = [k for k in range(len(ops)) if k != which]
    uniq = "".join(dict.fromkeys(target))
    avail = set(out).union(*[set(ins[k]) for k in others])
    calc = "".join(ch for ch in uniq if ch in avail)
    spec = ",".join([out] + [ins[k] for k in others]) + "->" + calc
    G = np.einsum(spec, v, *[_conj(ops[k]) for k in others])
    tsize = dict(zip(target, tshape))
    G = np.reshape(G, [G.shape[calc.index(ch)] if ch in calc else 1 for ch in uniq])
    for i, ch in enumerate(uniq):        # size-1 dimensions broadcast by einsum
        if tsize[ch] == 1 and G.shape[i] != 1:
            G = np.sum(G, axis=i, keepdims=True)
    G = np.broadcast_to(G, [tsize[ch] for ch in uniq])
    if len(uniq) == len(target):
        res = np.array(G)
    else:                                # repeated letters: onto the diagonal
        res = np.zeros(tshape, dtype=G.dtype)
        mesh = np.ix_(*[np.arange(tsize[ch]) for ch in uniq])
        res[tuple(mesh[uniq.index(ch)] for ch in target)] = G
    return re_like(res, ops[which])


@kernel
def einsum_call_adjoint(v, which, p0, p1=None, p2=None, p3=None, p4=None, p5=None, p6=None,
                        p7=None, p8=None):
    """Adjoint of the operand at position `which` of the call ``np.einsum(p0, p1, ...)``
    (either form) for cotangent `v`."""
    spec, ops, index = _einsum_call((p0, p1, p2, p3, p4, p5, p6, p7, p8))
    if which not in index:      # the subscripts, or a sublist: no derivative
        return 0.0
    return einsum_adjoint(v, spec, index[which], *ops)


@kernel
def einsum_call_tangent(d, which, p0, p1=None, p2=None, p3=None, p4=None, p5=None, p6=None,
                        p7=None, p8=None, batch=False):
    """``np.einsum(p0, p1, ...)`` (either form) with the operand at position `which`
    replaced by its tangent `d` (with a leading batch axis when `batch`)."""
    if is_zero(d):
        return 0.0
    spec, ops, index = _einsum_call((p0, p1, p2, p3, p4, p5, p6, p7, p8))
    if which not in index:
        return 0.0
    return _einsum_with(d, spec, index[which], ops, batch)


@kernel
def einsum_or_zero(subscripts, *operands):
    """``np.einsum`` in tangent templates: 0.0 when an operand is the zero tangent 0.0 (the
    result is multilinear in each operand)."""
    if any(is_zero(x) for x in operands):
        return 0.0
    return np.einsum(subscripts, *operands)


@kernel
def einsum_tangent(d, subscripts, which, a, b=None, c=None, batch=False):
    """``np.einsum`` with operand `which` replaced by its tangent `d` (with a leading batch
    axis when `batch`)."""
    if is_zero(d):
        return 0.0
    return _einsum_with(d, subscripts, which, _operands(a, b, c), batch)


def _einsum_with(d, subscripts, which, ops, batch):
    ops = list(ops)
    if not batch:
        ops[which] = d
        return np.einsum(subscripts, *ops)
    ins, out, _ = _einsum_parse(subscripts, [np.shape(x) for x in ops])
    z = next(ch for ch in string.ascii_letters if ch not in set("".join(ins) + out))
    ins[which] = z + ins[which]
    ops[which] = d
    return np.einsum(",".join(ins) + "->" + z + out, *ops)


@kernel
def pick_unless(which, k, value):
    """`value`, or 0.0 when ``which == k``: the adjoint of operand `which` of a multilinear
    function does not depend on that operand (it only gives the shape)."""
    return 0.0 if which == k else value


# ----------------------------------------------------------- inner, outer, vdot, tensordot
@kernel
def tensordot_subscripts(a, b, axes=2):
    """The einsum subscripts of ``np.tensordot(a, b, axes)``."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [x % na for x in ax_a]
    ax_b = [x % nb for x in ax_b]
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(na)]
    lb = [None] * nb
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    lb = [x if x is not None else next(letters) for x in lb]
    out = [la[i] for i in range(na) if i not in ax_a] + \
        [lb[j] for j in range(nb) if j not in ax_b]
    return "".join(la) + "," + "".join(lb) + "->" + "".join(out)


@kernel
def inner_subscripts(a, b):
    """The einsum subscripts of ``np.inner(a, b)`` (a product when one is a scalar)."""
    na, nb = np.ndim(a), np.ndim(b)
    L = string.ascii_letters
    if na == 0 or nb == 0:
        la, lb = L[:na], L[na:na + nb]
        return f"{la},{lb}->{la}{lb}"
    la = L[:na - 1] + "Z"
    lb = L[na - 1:na + nb - 2] + "Z"
    return f"{la},{lb}->{la[:-1]}{lb[:-1]}"


@kernel
def outer_adjoint(v, which, a, b):
    """Adjoint of ``np.outer(a, b)`` (operands flattened) with respect to operand `which`."""
    av, bv = np.ravel(a), np.ravel(b)
    v = dense(v, (av.size, bv.size))
    if which == 0:
        return re_like(np.reshape(v @ _conj(bv), np.shape(a)), a)
    return re_like(np.reshape(_conj(av) @ v, np.shape(b)), b)


@kernel
def vdot_adjoint(v, which, a, b):
    """Adjoint of ``np.vdot(a, b) = sum(conj(a) * b)`` with respect to operand `which`."""
    if which == 0:
        return re_like(np.reshape(np.ravel(b) * np.conj(v), np.shape(a)), a)
    return re_like(np.reshape(np.ravel(a) * v, np.shape(b)), b)
