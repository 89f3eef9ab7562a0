# Window filters: sliding_mean, median, ema (exponential moving average), as
# ESPHome's sliding_window_moving_average, median and
# exponential_moving_average, and ThingFlow-Python's SensorSlidingMean.
# Value filters (see filters_value.py): they work on an event's value.
# Windows are lists allocated once at construction (no growth per event).
# Importing this module gives thingflow.OutputThing their fluent methods.
#
#   import filters_window
#   t.median(5).sliding_mean(6, send_every=6).connect(writer)
#   # a median of 5 removes spikes; one mean of 6 medians goes out per 6 readings
#
# Each sends its result for value number first (default send_every) and then
# every send_every values: _d counts down the values until the next result,
# _e is send_every. (The countdown is written out in each _f: a shared
# method would cost a call per value.)
from filters import _SKIP, _count, _reg
from filters_value import _Value


def _win(self, every, first):
    # the start of every __init__ here: the countdown
    _Value.__init__(self)
    self._e = _count(every, 1, 'send_every')
    self._d = _count(every if first is None else first, 1, 'first')


class SlidingMean(_Value):
    """sliding_mean(n, send_every=1, first=None): the mean of the last n values
    (of the values so far while fewer than n arrived), sent for the value
    number first (default send_every) and then every send_every values.
    NaN values are dropped (counted). Window: a list of n preallocated."""

    def __init__(self, n, send_every=1, first=None):
        _win(self, send_every, first)
        # the window: a list of n, written at _i, holding _k values
        self._b = [0] * _count(n, 1, 'window n')
        self._i = self._k = 0

    def _f(self, v):
        if v != v:
            self.dropped += 1
            return _SKIP
        b = self._b
        i = self._i
        b[i] = v + 0  # a TypeError here for a value that is not a number
        i += 1
        self._i = 0 if i == len(b) else i
        if self._k < len(b):
            self._k += 1
        i = self._d - 1
        if i:
            self._d = i
            return _SKIP
        self._d = self._e
        # not sum(b): CPython 3.12+ sums floats with compensation, so its
        # means would differ from MicroPython's in the last digits
        i = 0
        for v in b:
            i += v
        return i / self._k


class Median(_Value):
    """median(n, send_every=1, first=None): the median of the last n values
    (the mean of the middle two for an even count), sent as sliding_mean
    sends. NaN values are dropped (counted). Two lists of n preallocated:
    the window in arrival order and the same values kept sorted."""

    def __init__(self, n, send_every=1, first=None):
        SlidingMean.__init__(self, n, send_every, first)
        self._s = [0] * n

    def _f(self, v):
        if v != v:
            self.dropped += 1
            return _SKIP
        v + 0  # a TypeError here for a value that is not a number
        b = self._b
        s = self._s
        i = self._i
        k = self._k
        if k == len(b):  # full: remove the oldest value from the sorted list
            j = s.index(b[i])
            k -= 1
            while j < k:
                s[j] = s[j + 1]
                j += 1
        j = k
        while j and s[j - 1] > v:  # insert v in order
            s[j] = s[j - 1]
            j -= 1
        s[j] = v
        self._k = k = k + 1
        b[i] = v
        i += 1
        self._i = 0 if i == len(b) else i
        i = self._d - 1
        if i:
            self._d = i
            return _SKIP
        self._d = self._e
        j = k >> 1
        return s[j] if k & 1 else (s[j - 1] + s[j]) / 2


class Ema(_Value):
    """ema(alpha, send_every=1, first=None): exponential moving average,
    m = m + alpha * (v - m), starting at the first value; 0 < alpha <= 1.
    Sent as sliding_mean sends. NaN values and infinities are dropped
    (counted)."""

    def __init__(self, alpha, send_every=1, first=None):
        _win(self, send_every, first)
        if not (type(alpha) in (int, float) and 0 < alpha <= 1):
            raise ValueError('ema alpha must be a number in (0, 1], not %r' % (alpha,))
        self._a = alpha
        self._b = None  # the average

    def _f(self, v):
        if v - v:  # NaN or an infinity (nan - nan, inf - inf: NaN, true):
            # dropped, as one would turn every later average into NaN
            self.dropped += 1
            return _SKIP
        m = self._b
        self._b = m = v + 0 if m is None else m + self._a * (v - m)
        i = self._d - 1
        if i:
            self._d = i
            return _SKIP
        self._d = self._e
        return m


_reg[2] = globals()  # the fluent methods: t.sliding_mean(...) etc.
