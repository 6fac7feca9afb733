"""The one error type readers raise for bad input."""


class InputError(ValueError):
    """Bad input. ``str(error)`` is one line naming the input and the problem."""
