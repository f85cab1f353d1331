"""Ranking and answers: a reader's query, search, spelling, questions, `ask`, and the links between
entries.
"""
