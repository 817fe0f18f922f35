"""One Typer sub-app per stage; each module only parses arguments and calls its package."""
