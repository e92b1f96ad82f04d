"""Errors the kernel raises for bad input. Each carries a short machine code and a
human sentence; none of them leaves the simulation changed."""


class PlaygroundError(Exception):
    code = "error"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidAction(PlaygroundError):
    """An action that is malformed or not enabled in the current state."""

    code = "not_enabled"


class ConfigError(PlaygroundError):
    """A variant, config or seed that the protocol does not accept."""

    code = "bad_config"


class UnknownProtocol(PlaygroundError, KeyError):
    code = "unknown_protocol"

    def __str__(self):
        return self.message
