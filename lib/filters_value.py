# Value filters: delta, calibrate, clamp, round. They work on the value of
# a (sensor_id, ts, value) event and pass on (sensor_id, ts, new value); any
# other input (e.g. a number after .map(lambda e: e[2])) is the value itself.
# Importing this module gives thingflow.OutputThing their fluent methods
# (and imports filters.py). An exception in the arithmetic (e.g. a value of
# None) is sent downstream as on_error(FilterError) and ends the stream.
#
#   import filters_value
#   t.calibrate(points=((0.4, 0.0), (99.1, 100.0))).clamp(0, 100).round(1) \
#    .delta(0.5).connect(writer)
from filters import _Base, _SKIP, _count, _reg


def _num(x, what, lo):
    # a number >= lo, or ValueError naming the value (NaN is refused too)
    try:
        ok = x >= lo
    except TypeError:
        ok = False
    if not ok or type(x) is bool:
        raise ValueError('%s must be a number >= %r, not %r' % (what, lo, x))
    return x


class _Value(_Base):
    # subclasses define _f(v): the new value, or _SKIP to send nothing

    def on_next(self, x):
        try:
            if type(x) is tuple:
                v = self._f(x[2])
                if v is not _SKIP:
                    v = (x[0], x[1], v)
            else:
                v = self._f(x)
        except Exception as e:
            return self._fail(x, e)
        if v is not _SKIP:
            self._dispatch_next(v)


class Delta(_Value):
    """delta(amount=0, rel=0): passes a value only when it differs from the
    last value passed by at least amount (absolute) and at least
    rel * |last value passed| (relative, 0.05 for 5 %). With both 0 any
    change passes. The first value always passes; NaN after NaN and an
    infinity after the same one are no change. Dropped values are counted."""

    def __init__(self, amount=0, rel=0):
        _Base.__init__(self)
        self._a = _num(amount, 'delta amount', 0)
        self._r = _num(rel, 'delta rel', 0)
        self._last = None
        self._lim = 0

    def _f(self, v):
        last = self._last
        if last is not None:
            d = abs(v - last)
            # d is NaN after NaN, NaN (no change, dropped), inf, inf (the
            # same) and a number, NaN or back (a change, passed)
            if d < self._lim or not d or d != d and (v != v) == (last != last):
                self.dropped += 1
                return _SKIP
        self._last = v
        self._lim = max(self._a, self._r * abs(v))
        return v


class Calibrate(_Value):
    """calibrate(factor=1, offset=0, points=None): value * factor + offset.
    Or points: two or more (measured, true) pairs; factor and offset are
    then their least-squares line (exact for two points)."""

    def __init__(self, factor=1, offset=0, points=None):
        _Base.__init__(self)
        if points is not None:
            if factor != 1 or offset != 0:
                raise ValueError('calibrate: give factor/offset or points, not both')
            n = sx = sy = sxx = sxy = 0
            try:  # fewer than two points, equal measured values (d == 0),
                # a pair that is no pair or not of numbers: name the points
                for x, y in points:
                    if not n:  # sums about the first measured value m: for
                        m = x  # equal values d is then exactly 0, not 1e-17
                    x -= m
                    n += 1
                    sx += x
                    sy += y
                    sxx += x * x
                    sxy += x * y
                factor = (n * sxy - sx * sy) / (n * sxx - sx * sx)
                offset = (sy - factor * sx) / n - factor * m
                int(factor - factor + offset - offset)  # NaN, infinity (a point's): ValueError
            except Exception:
                raise ValueError('calibrate: want two points with different measured values, not %r' % (points,))
        for x in (factor, offset):
            if type(x) not in (int, float) or x - x:  # x - x: NaN for NaN, infinity
                raise ValueError('calibrate: want numbers, not %r' % (x,))
        self.factor = factor
        self.offset = offset

    def _f(self, v):
        return v * self.factor + self.offset


class Clamp(_Value):
    """clamp(lo=None, hi=None, drop=False): values below lo become lo, above
    hi become hi; with drop=True they are dropped (counted) instead."""

    def __init__(self, lo=None, hi=None, drop=False):
        _Base.__init__(self)
        inf = float('inf')
        self._lo = -inf if lo is None else _num(lo, 'clamp lo', -inf)
        self._hi = inf if hi is None else _num(hi, 'clamp hi', -inf)
        if lo is None and hi is None or self._lo > self._hi:
            raise ValueError('clamp: want lo <= hi, not %r, %r' % (lo, hi))
        self._drop = drop

    def _f(self, v):
        if v < self._lo:
            x = self._lo
        elif v > self._hi:
            x = self._hi
        else:
            return v
        if self._drop:
            self.dropped += 1
            return _SKIP
        return x


class Round(_Value):
    """round(digits=None): round(value, digits); None gives an int."""

    def __init__(self, digits=None):
        _Base.__init__(self)
        if digits is not None:
            _count(digits, -308, 'round digits')
        self._d = digits

    def _f(self, v):
        d = self._d
        if d is None:
            return round(v)
        # +v: a bool is an int (MicroPython's round(True, 1) is 1.0);
        # MicroPython rounds v * 10**d, which overflows to inf (nan for d
        # above 308) where CPython returns v, as it does for what is finite
        d = round(+v, d)
        return d if d - d == 0 else v


_reg[1] = globals()  # the fluent methods: t.delta(...) etc.
