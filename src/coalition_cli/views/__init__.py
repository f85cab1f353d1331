"""What each command shows, as plain text, markdown and JSON: entries, citations, exports, lists,
comparisons and the quiz.
"""
