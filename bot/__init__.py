"""Channel adapters: Telegram and the console."""
