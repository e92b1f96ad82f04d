"""Every limit a client can hit, in one place (docs/websocket.md, docs/api.md,
docs/share-links.md quote these). Pure constants, no Django: the kernel's callers, the share
links, the JSON codec and the web layer all import them instead of keeping their own.
"""

# -- runs ------------------------------------------------------------------------------------
MAX_ACTIONS = 10_000        # actions in one run: what `start`, a share link and the API accept
MAX_SEED = 2**53 - 1        # seeds travel through JavaScript numbers (exact up to 2^53-1)
MAX_STEP_COUNT = 50         # `step` with `count`
MIN_INTERVAL_MS = 50        # auto-play speed
MAX_INTERVAL_MS = 5000
MAX_NAME_LENGTH = 100       # a preset or variant name in a socket message

# -- JSON, at every boundary (protocols/links/codec.py) ---------------------------------------
MAX_JSON_INT = 2**63 - 1    # any integer, in magnitude (a seed is narrower: MAX_SEED)
MAX_INT_DIGITS = len(str(MAX_JSON_INT))  # longer digit strings are refused before parsing
MAX_JSON_DEPTH = 32         # nesting of arrays and objects (a run needs about 6)

# -- sizes -----------------------------------------------------------------------------------
MAX_MESSAGE_BYTES = 64 * 1024       # one WebSocket text message, UTF-8
MAX_BODY_BYTES = 1024 * 1024        # one HTTP API request body
MAX_TOKEN_CHARS = 16_000            # a share link's token in a URL (`?s=`)
MAX_MESSAGE_TOKEN_CHARS = 60_000    # a token inside a socket `start` or an export POST body
MAX_TOKEN_JSON_BYTES = 512 * 1024   # what a token may decompress to (a zip bomb stops here)

# -- text ------------------------------------------------------------------------------------
MAX_NARRATION_ENTRIES = 200         # remarks in a run's narration
MAX_NARRATION_TEXT = 1000           # characters in one remark
MAX_CAPTION = 500                   # characters in an instructor's caption
MAX_TITLE = 120                     # characters in a saved scenario's title
MAX_KEY_CHARS = 200                 # an instructor key (longer ones never match)
