"""Child processes and HTTP clients the hotline drives: the Rasa stack and its classifier."""
