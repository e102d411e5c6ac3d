"""Analyses of normalized functions: value kinds, activity, call targets, staleness."""
