"""The bot's cogs, one per concern: `ask` for members' questions, `admin` for moderators."""
