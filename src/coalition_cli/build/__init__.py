"""Files to a current store: loading a stack, reading a large file in parts, the cache and its key,
and ending cleanly on a signal.
"""
