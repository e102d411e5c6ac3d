"""Errors raised by tangent_like.

Every error that concerns the user's code carries the location of the construct it is about
(file, line, column), names the construct, and says what to do instead.  Formatted, an error
reads like a compiler diagnostic::

    model.py:12:8: error: 'try' statements are not supported -- move the try/except out of
    the differentiated function
        try:
        ^

Several diagnostics for one function are raised together as one `UnsupportedSyntaxError`
whose ``diagnostics`` list holds each of them.
"""


class Diagnostic:
    """One located problem in the user's code."""

    def __init__(self, message, filename=None, lineno=None, col_offset=None,
                 source_line=None, hint=None, construct=None):
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.col_offset = col_offset
        self.source_line = source_line
        self.hint = hint
        self.construct = construct

    def location(self):
        if self.filename is None:
            return "<unknown>"
        parts = [self.filename]
        if self.lineno is not None:
            parts.append(str(self.lineno))
            if self.col_offset is not None:
                parts.append(str(self.col_offset + 1))
        return ":".join(parts)

    def format(self):
        """Compiler-style text: ``file:line:col: error: what -- what to do``, line, caret."""
        text = f"{self.location()}: error: {self.message}"
        if self.hint:
            text += f" -- {self.hint}"
        if self.source_line:
            line = self.source_line.rstrip("\n")
            stripped = line.lstrip()
            indent = len(line) - len(stripped)
            text += "\n    " + stripped
            if self.col_offset is not None and self.col_offset >= indent:
                text += "\n    " + " " * (self.col_offset - indent) + "^"
        return text

    def __repr__(self):
        return f"Diagnostic({self.location()}: {self.message})"


class TangentLikeError(Exception):
    """Base class of every error tangent_like raises on purpose."""


class TransformError(TangentLikeError):
    """A function cannot be transformed; the message locates the problem in the user's code."""

    def __init__(self, message, filename=None, lineno=None, col_offset=None,
                 source_line=None, hint=None, construct=None, diagnostics=None):
        if diagnostics is None:
            diagnostics = [Diagnostic(message, filename, lineno, col_offset, source_line,
                                      hint, construct)]
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0]
        self.filename = first.filename
        self.lineno = first.lineno
        self.col_offset = first.col_offset
        self.construct = first.construct
        self.hint = first.hint
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class UnsupportedSyntaxError(TransformError):
    """The function uses a Python construct that tangent_like does not differentiate."""


class NoDerivativeError(TransformError):
    """A function without derivative rule and without Python source gets a differentiated value."""


class DerivativeUsageError(TangentLikeError, ValueError):
    """The derivative was asked for in a way that has no answer (wrong wrt, non-scalar output...)."""


class InternalError(TangentLikeError):
    """A bug in tangent_like itself; the message says which function was being transformed."""


class KinkWarning(UserWarning):
    """Evaluation reached a point where a primitive is not differentiable (kinks="warn")."""


class CheckpointWarning(UserWarning):
    """A loop asked to be checkpointed records every iteration instead (the reason)."""


class KinkError(TangentLikeError, ArithmeticError):
    """Evaluation reached a point where a primitive is not differentiable (kinks="raise")."""
