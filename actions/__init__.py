"""The rasa_sdk action server: one thin action that hands each citizen turn to the core.

Run with ``.venv/bin/python -m rasa_sdk --actions actions`` (``hotline up`` does it).
"""

from actions.converse import ActionConverse

__all__ = ["ActionConverse"]
