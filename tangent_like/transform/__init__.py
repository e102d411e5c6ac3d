"""Transforms from a normalized, analyzed function to derivative code."""
