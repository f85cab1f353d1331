"""Handbook files to checked entries: which files a stack is, the YAML reader, the format's rules,
and names a layer takes over.
"""
