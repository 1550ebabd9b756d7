"""Running the bot: the HTTP server, worker processes and background work."""
