"""What a person at a terminal sees: where output goes, the pager, rich's views, the card, the
progress bar and `browse`.
"""
