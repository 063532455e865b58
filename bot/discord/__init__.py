"""The Discord front door: the bot (`app`), its settings, embeds (`render`) and cogs."""
