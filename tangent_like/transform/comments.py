"""Comments of generated code: each derivative block is headed by the user's line it comes
from; a block whose line repeats the previous one's keeps no second copy."""
from ..syntax import nodes


def dedupe_comments(stmts):
    """Keep a comment only where the quoted source line changes."""
    out, last = [], None
    for s in stmts:
        if nodes.is_comment(s):
            if s.value.value == last:
                continue
            last = s.value.value
        elif isinstance(s, (nodes.If, nodes.For, nodes.While)):
            last = None
        out.append(s)
    return out
