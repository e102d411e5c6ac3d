"""Notebook display of generated code: highlighted with pygments when installed."""
import html as _html


def html(source, title=""):
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<p>{_html.escape(title)}</p><pre>{_html.escape(source)}</pre>"
    formatter = HtmlFormatter(noclasses=True)
    return f"<p>{_html.escape(title)}</p>" + highlight(source, PythonLexer(), formatter)
