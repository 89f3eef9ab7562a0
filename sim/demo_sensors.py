# Sensors for demos on the desktop (and on a board with a file system):
# a random walk and a replay of recorded readings from a CSV file.
#
#   from demo_sensors import RandomWalk, Replay
#   sched.schedule_sensor(RandomWalk('temp', start=20.0, step=0.25, lo=15, hi=30), 1, Output())
#   sched.schedule_sensor(Replay('readings.csv', 'lux'), 60, Output())
#
# Replay reads one line per sample, so a long file costs no RAM; at the end it
# raises StopIteration (the scheduler completes the stream) or starts again
# with loop=True.


class RandomWalk:
    """sample(): the previous value plus a step drawn uniformly from
    [-step, step), kept within [lo, hi] by reflection (None: unbounded).
    seed: the same sequence on CPython and MicroPython (xorshift32)."""

    def __init__(self, sensor_id='walk', start=0.0, step=1.0, lo=None, hi=None, seed=1):
        if step < 0:
            raise ValueError('RandomWalk step %r: want >= 0' % (step,))
        if lo is not None and hi is not None and lo > hi:
            raise ValueError('RandomWalk lo %r > hi %r' % (lo, hi))
        if (lo is not None and start < lo) or (hi is not None and start > hi):
            raise ValueError('RandomWalk start %r outside [%r, %r]' % (start, lo, hi))
        self.sensor_id = sensor_id
        self.value = start
        self.step = step
        self.lo = lo
        self.hi = hi
        self._seed = seed & 0xFFFFFFFF or 1

    def _uniform(self):
        # uniform in [-1, 1)
        x = self._seed
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self._seed = x
        return x / 2147483648.0 - 1.0

    def sample(self):
        v = self.value + self.step * self._uniform()
        lo, hi = self.lo, self.hi
        if hi is not None and v > hi:
            v = 2 * hi - v
        if lo is not None and v < lo:
            v = 2 * lo - v
        if hi is not None and v > hi:  # a step wider than the range
            v = hi
        self.value = v
        return v


class Replay:
    """Plays a CSV file of readings, one line per sample: the number in
    column col (default -1, the last). A first line that is not a number is a
    header and skipped; blank lines and lines starting with # are skipped.
    At the end: StopIteration, or with loop=True the file starts again.
    A bad number raises ValueError naming the file, line and text.
    lines: lines read so far (counting skipped ones)."""

    def __init__(self, path, sensor_id='replay', col=-1, loop=False):
        self.path = path
        self.sensor_id = sensor_id
        self.col = col
        self.loop = loop
        self.lines = 0
        self.count = 0  # readings returned
        try:
            self._f = open(path)
        except OSError as e:
            raise OSError('Replay: cannot open %r (%s)' % (path, e))

    def _number(self, ln):
        # (value, ok) of one line's column
        f = ln.split(',')
        try:
            t = f[self.col].strip()
        except IndexError:
            return ln, False
        try:
            return float(t), True
        except ValueError:
            return t, False

    def sample(self):
        f = self._f
        if f is None:
            raise StopIteration
        wrapped = False
        while True:
            ln = f.readline()
            if not ln:
                if not self.loop or wrapped or not self.count:
                    self.close()
                    raise StopIteration
                f.seek(0)
                self.lines = 0
                wrapped = True
                continue
            self.lines += 1
            ln = ln.strip()
            if not ln or ln[0] == '#':
                continue
            v, ok = self._number(ln)
            if ok:
                self.count += 1
                return v
            if self.lines != 1:
                raise ValueError('Replay %r line %d: %r is not a number' % (self.path, self.lines, v))

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None
