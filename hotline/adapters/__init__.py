"""Child processes and HTTP clients the hotline drives: the Rasa stack, its classifier and the
one Rasa HTTP client (rasa_client)."""
