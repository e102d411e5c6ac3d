"""How generated code calls the generated functions of the user's functions."""
from ..syntax import nodes


def user_call(node, target, name):
    """The call of generated function `name` that runs what `node` runs: a call of the
    user's function (its receiver first, for a method), or the read of a property (a call
    of its getter with the object)."""
    if isinstance(node, nodes.Attribute):
        return nodes.call(name, [nodes.copy(node.value)])
    new = nodes.copy(node)
    new.func = nodes.name(name)
    if target.receiver is not None:
        new.args = [nodes.copy(target.receiver)] + new.args
    return new
