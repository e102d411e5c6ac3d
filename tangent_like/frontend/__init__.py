"""Front end: read a function's source into a gast tree, and refuse what we cannot handle."""
