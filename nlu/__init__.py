"""Hotline NLU: Rasa 3.6 custom components, urgency/type rules, the classify runner.

``nlu.rules`` and ``nlu.catalogue`` are plain Python (no Rasa) so the app env can import them;
``nlu.components`` and ``nlu.classify`` need the Rasa env (``.venv-rasa``).
"""

from nlu.blas import choose_kernel

# before numpy loads OpenBLAS: a CPU it cannot name would otherwise get its slowest kernel
choose_kernel()
