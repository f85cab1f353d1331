"""A store: the SQLite tables a handbook is read into, how they are written and read, the search
index, the meaning vectors, and the cache folder.
"""
