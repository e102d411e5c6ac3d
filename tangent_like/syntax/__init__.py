"""Syntax helpers: the one place that builds and converts gast nodes.

Other modules build code through `nodes` (``name``, ``assign``, ``template``...) and read
annotations through `anno`; only this package knows gast's constructors and the conversion
to the standard library's ``ast`` for unparsing.
"""
