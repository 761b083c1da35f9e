"""Hotline NLU: Rasa 3.6 custom components, urgency/type rules, the classify runner.

``nlu.rules`` and ``nlu.catalogue`` are plain Python (no Rasa) so the app env can import them;
``nlu.components`` and ``nlu.classify`` need the Rasa env (``.venv-rasa``).
"""
