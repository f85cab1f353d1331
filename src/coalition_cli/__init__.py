"""coalition: an offline terminal handbook of the Russia-Syria-Iran-Iraq coalition (the "4+1")."""

__version__ = "0.1.0"
