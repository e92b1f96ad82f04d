"""A copy of a seeded RNG that costs nothing to fork, for the counterexample search.

`random.Random` keeps 2.5 KB of Mersenne Twister state, and copying it (getstate/setstate)
costs more than a whole simulation step. But its future is just a stream of 32-bit words:
`StreamRandom` reads that stream, generated once and shared, and keeps only its position,
so a fork is a new position on the same stream. Every draw gives exactly what the original
generator would have given: `getrandbits` and `random` are CPython's, word for word, and the
other methods are `random.Random`'s own, built on those two.
"""

from random import Random


class WordStream:
    """The 32-bit words a generator will produce, generated on demand and kept."""

    __slots__ = ("_source", "words")

    def __init__(self, rng):
        self._source = Random()
        self._source.setstate(rng.getstate())
        self.words = []

    def extend(self, upto):
        draw = self._source.getrandbits
        words = self.words
        while len(words) <= upto:
            words.append(draw(32))


class StreamRandom:
    """Draws from a WordStream at its own position; fork() is O(1)."""

    __slots__ = ("_stream", "_pos")

    def __init__(self, rng_or_stream, pos=0):
        self._stream = (rng_or_stream if isinstance(rng_or_stream, WordStream)
                        else WordStream(rng_or_stream))
        self._pos = pos

    def fork(self):
        return StreamRandom(self._stream, self._pos)

    def _word(self):
        pos = self._pos
        words = self._stream.words
        if pos >= len(words):
            self._stream.extend(pos + 64)
        self._pos = pos + 1
        return words[pos]

    def getrandbits(self, k):
        # CPython's _random_Random_getrandbits_impl.
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        if k == 0:
            return 0
        if k <= 32:
            return self._word() >> (32 - k)
        result, shift = 0, 0
        while k > 0:
            word = self._word()
            if k < 32:
                word >>= 32 - k
            result |= word << shift
            shift += 32
            k -= 32
        return result

    def random(self):
        # CPython's random_random: 53 bits from two words.
        a, b = self._word() >> 5, self._word() >> 6
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)

    def randint(self, a, b):
        # Random.randint -> randrange -> _randbelow_with_getrandbits, without the calls:
        # the kernel draws one latency per message sent.
        n = b - a + 1
        if type(a) is not int or type(b) is not int or n <= 0 or n > 1 << 32:
            return Random.randint(self, a, b)
        shift = 32 - n.bit_length()
        r = self._word() >> shift
        while r >= n:
            r = self._word() >> shift
        return a + r

    _randbelow = Random._randbelow_with_getrandbits
    randrange = Random.randrange
    choice = Random.choice
    choices = Random.choices
    shuffle = Random.shuffle
    sample = Random.sample
    uniform = Random.uniform
    triangular = Random.triangular
    expovariate = Random.expovariate

    def __getattr__(self, name):
        raise AttributeError(f"StreamRandom (the search's copy of the simulation RNG) does not "
                             f"offer {name!r}; use one of random.Random's common draws")
