# Window filters: sliding_mean, median, ema (exponential moving average), as
# ESPHome's sliding_window_moving_average, median and
# exponential_moving_average, and ThingFlow-Python's SensorSlidingMean.
# Value filters (see filters_value.py): they work on an event's value.
# Windows are lists allocated once at construction (no growth per event).
# Importing this module adds their fluent methods to thingflow.OutputThing.
#
#   import filters_window
#   t.median(5).sliding_mean(6, send_every=6).connect(writer)
#   # a median of 5 removes spikes; one mean of 6 medians goes out per 6 readings
from filters import _Base, _SKIP, _count, _install
from filters_value import _Value


class _Window(_Value):
    # the send_every / first countdown of the window filters

    def __init__(self, send_every, first):
        _Base.__init__(self)
        self._every = _count(send_every, 1, 'send_every')
        self._due = _count(send_every if first is None else first, 1, 'first')

    def _send(self):
        # True when this value is to be sent
        d = self._due - 1
        if d:
            self._due = d
            return False
        self._due = self._every
        return True


class SlidingMean(_Window):
    """sliding_mean(n, send_every=1, first=None): the mean of the last n values
    (of the values so far while fewer than n arrived), sent for the value
    number first (default send_every) and then every send_every values.
    NaN values are dropped (counted). Window: a list of n preallocated."""

    def __init__(self, n, send_every=1, first=None):
        _Window.__init__(self, send_every, first)
        self._b = [0] * _count(n, 1, 'window n')
        self._i = 0
        self._k = 0

    def _step(self, v):
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
        if self._send():
            return sum(b) / self._k
        return _SKIP


class Median(_Window):
    """median(n, send_every=1, first=None): the median of the last n values
    (the mean of the middle two for an even count), sent as sliding_mean
    sends. NaN values are dropped (counted). Two lists of n preallocated:
    the window in arrival order and the same values kept sorted."""

    def __init__(self, n, send_every=1, first=None):
        _Window.__init__(self, send_every, first)
        self._b = [0] * _count(n, 1, 'window n')
        self._s = [0] * n
        self._i = 0
        self._k = 0

    def _step(self, v):
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
        if self._send():
            j = k >> 1
            return s[j] if k & 1 else (s[j - 1] + s[j]) / 2
        return _SKIP


class Ema(_Window):
    """ema(alpha, send_every=1, first=None): exponential moving average,
    m = m + alpha * (v - m), starting at the first value; 0 < alpha <= 1.
    Sent as sliding_mean sends. NaN values are dropped (counted)."""

    def __init__(self, alpha, send_every=1, first=None):
        _Window.__init__(self, send_every, first)
        if not (type(alpha) in (int, float) and 0 < alpha <= 1):
            raise ValueError('ema alpha must be a number in (0, 1], not %r' % (alpha,))
        self._a = alpha
        self._m = None

    def _step(self, v):
        if v != v:
            self.dropped += 1
            return _SKIP
        m = self._m
        self._m = m = v + 0 if m is None else m + self._a * (v - m)
        return m if self._send() else _SKIP


_install((('sliding_mean', SlidingMean), ('median', Median), ('ema', Ema)))
