import sys

from bot.cli import main

if __name__ == "__main__":  # worker processes (bot.engine.pipeline) may import this module again
    sys.exit(main())
