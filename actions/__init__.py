"""The rasa_sdk action server: one thin action that hands each citizen turn to the core.

Run with ``.venv/bin/python -m actions.server`` (``hotline up`` does it): rasa_sdk behind a
shared secret, on 127.0.0.1.
"""

from actions.converse import ActionConverse

__all__ = ["ActionConverse"]
