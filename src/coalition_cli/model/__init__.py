"""The handbook's model: entries, where their words come from, errors, and text made inert. Plain
data, no I/O.
"""
