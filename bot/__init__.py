"""Answers questions about a news event with verbatim, source-cited quotes."""
