"""Text typed by users — usernames, event labels — is untrusted everywhere.

It is checked once, where it enters (an action or the config), and then carried as plain
data: protocols put it in notes and state, the browser renders it as text, never as HTML.
"""

import unicodedata

# Control characters, invisible formatting (zero-width, bidirectional overrides),
# surrogates, private-use characters and line/paragraph separators: none belongs in a
# name shown on screen, and several can make one name look like another.
_REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


def text_problem(value, what, max_length=32):
    """Why `value` is not acceptable user text (a sentence naming `what`), or None."""
    if not isinstance(value, str):
        return f"{what} must be a string"
    if not 1 <= len(value) <= max_length:
        return f"{what} must be 1 to {max_length} characters long"
    if not value.strip():
        return f"{what} must not be blank"
    for char in value:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"{what} must not contain control or invisible characters (U+{ord(char):04X})"
    return None


def text_field(max_length=32, optional=False):
    """A field check for a UserAction (protocols.kernel): the field holds user text of at
    most `max_length` characters (or is absent or null, if `optional`). The sentence names the
    action and the field, e.g. "claim 'name' must not be blank"."""
    def problem(sim, action, field):
        value = action.get(field)
        if value is None and optional:
            return None
        return text_problem(value, f"{action['type']} '{field}'", max_length)
    return problem
