"""Annotations attached to AST nodes, as documented keys.

Nodes carry annotations as attributes named ``_tl_<key>``; the `Anno` enum lists every key,
its value documents what the annotation holds.
"""
import enum


class Anno(enum.Enum):
    ORIGIN = "(lineno, col_offset) of the user's source construct this node comes from"
    COMMENT = "text of the user's source line, quoted above the derivative block"
    TEMP = "True on assignments whose target is a temporary introduced by normalization"


def get(node, key, default=None):
    return getattr(node, "_tl_" + key.name.lower(), default)


def set(node, key, value):  # noqa: A001 - mirrors dict.set style
    setattr(node, "_tl_" + key.name.lower(), value)


def copy_all(src, dst):
    for key in Anno:
        attr = "_tl_" + key.name.lower()
        if hasattr(src, attr) and not hasattr(dst, attr):
            setattr(dst, attr, getattr(src, attr))
    return dst
