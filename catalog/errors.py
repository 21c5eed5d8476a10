"""Errors that services raise for bad input (rules.md R32).

Commands turn them into exit status 2 with the message on stderr; views show
the message on the page. The message names the problem; nothing was changed.
"""


class InputError(ValueError):
    """Bad input: a record that does not exist, an unknown option, a locked item..."""


class LockedError(InputError):
    """The change is refused by a lock (R3, R4, R22)."""
