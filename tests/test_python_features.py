"""Python constructs beyond arithmetic, loops and calls, in every mode against finite
differences."""
