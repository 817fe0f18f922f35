"""The one base class for problems a user can fix (bad input, missing file, bad config).

Domain packages raise subclasses; the CLI prints the message in one line and
exits with code 2, with no traceback. Anything else escaping is a bug.
"""


class OmnicastError(Exception):
    """A user-fixable problem; the message must name what is wrong and where."""
