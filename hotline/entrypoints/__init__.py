"""Command line and scheduler: the only part of hotline/ that may import bot/."""
