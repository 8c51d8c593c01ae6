"""The errors ganzoo raises for people: each message is one sentence a user can act on.

The app shows these messages as they are and nothing else: any other exception is a bug, logged
with its traceback on the server while the visitor gets a short apology.
"""
from __future__ import annotations


class InputError(ValueError):
    """A request ganzoo cannot serve (a bad picture, value or choice); the message says why."""


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be found, downloaded or loaded; the message says which and why."""


USER_ERRORS = (InputError, CheckpointError)   # what an interface may show its user verbatim
