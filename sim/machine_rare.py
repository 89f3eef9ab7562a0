# The rarely used part of the simulated `machine` (machine.py), imported at
# its first use: machine.ADC, machine.SimADC, machine.sim_adc, the power
# functions (through machine's module __getattr__), and the methods of Pin and I2C below
# (through the classes' __getattr__, bound to the object), so that the
# simulator takes little of the heap in a run of a sensor app.
import machine as _m  # (_: not handed out as machine.machine)

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_EIO = const(5)  # a transfer failed part-way (NACK on data)


class Pin:
    # machine.Pin's rarely used methods (self: a machine.Pin)
    def init(self, mode=-1, pull=-1, *, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            _m._pins[self.sim] = 1 if value else 0

    def on(self):
        _m._pins[self.sim] = 1

    def off(self):
        _m._pins[self.sim] = 0


class I2C:
    # machine.I2C's rarely used methods (self: a machine.I2C)
    def init(self, scl=None, sda=None, *, freq=400000, timeout=50000):
        if freq <= 0:
            raise ValueError('I2C freq %r: want a positive number of Hz' % (freq,))
        self.freq = freq
        self.timeout = timeout

    def deinit(self):
        pass

    def scan(self):
        """The addresses that answer, from 0x08 to 0x77, ascending."""
        return sorted(a for a in self.sim.devices if 0x08 <= a <= 0x77)

    # readfrom, readfrom_into, writeto, writevto take (addr, x, stop=True, /)
    # by position only, as the ports define them (MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN
    # in extmod/machine_i2c.c): a keyword is a TypeError there, so here too
    def readfrom(self, *a):
        addr, n = _pos(a)
        return bytes(self.sim.device(addr).recv(n))

    def readfrom_into(self, *a):
        addr, buf = _pos(a)
        buf = memoryview(buf)  # TypeError for an int, a list, bytes (as machine.py)
        d = self.sim.device(addr).recv(len(buf))
        for i in range(len(buf)):
            buf[i] = d[i]

    def writeto(self, *a):
        """Returns the number of bytes acknowledged."""
        addr, buf = _pos(a)
        buf = bytes(memoryview(buf))
        self.sim.device(addr).send(buf)
        return len(buf)

    def writevto(self, *a):
        addr, v = _pos(a)
        if not isinstance(v, (tuple, list)):  # the ports' mp_obj_get_array
            raise TypeError('writevto vector %r: want a tuple or list of buffers' % (v,))
        b = b''
        for x in v:
            b += bytes(memoryview(x))
        return I2C.writeto(self, addr, b)


def _pos(a):
    # (addr, x) of the positional arguments (addr, x[, stop]) of the plain transfers
    if not 2 <= len(a) <= 3:
        raise TypeError('I2C transfer takes (addr, buf or nbytes, stop=True, /), got %d arguments' % len(a))
    return a[0], a[1]


# ---- ADC ----
def sim_adc(key):
    """The simulated analog input for key (an ADC id, a Pin or a pin id)."""
    key = _m._pin_id(key)
    a = _m._adcs.get(key)
    if a is None:
        a = _m._adcs[key] = SimADC()
    return a


class SimADC:
    """A simulated analog input: volts at the pin (settable), vref the volts
    that read full scale (1.0 on the ESP8266), top the largest read() value
    (1024 on the ESP8266). fail(n, err) makes the next n reads raise OSError."""

    def __init__(self):
        self.volts = 0.0
        self.vref = 1.0
        self.top = 1024
        self.reads = 0
        self._fails = 0
        self._err = _EIO

    def fail(self, n=1, err=_EIO):
        self._fails = n
        self._err = err

    def scaled(self, top):
        # volts as a count from 0 to top, rounded and clipped
        self.reads += 1
        if self._fails:
            self._fails -= 1
            raise OSError(self._err, 'I/O error')
        v = int(self.volts / self.vref * top + 0.5)
        return 0 if v < 0 else top if v > top else v


class ADC:
    """machine.ADC(id, *, atten=None): id is a channel number or a Pin.
    read(): 0..1024 on the ESP8266; read_u16(): 0..65535, scaled from read()
    as the ESP8266 port does (read() * 65535 // 1024: 1025 steps, 0.5 V reads
    32767), with the input's top in place of 1024."""

    def __init__(self, id, *, atten=None):
        self.sim = sim_adc(id)

    def read(self):
        return self.sim.scaled(self.sim.top)

    def read_u16(self):
        return self.read() * 65535 // self.sim.top


# ---- power: what an app written for a board calls (lightsleep.py,
# deepsleep.py), as on the ESP32 port; the desktop sleeps awake ----
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


def reset_cause():
    """PWRON_RESET: a run on the desktop always starts from power-on (a
    DeepSleepClock's resume() finds a 'cold' start)."""
    return PWRON_RESET


def lightsleep(ms=None):
    """Sleep ms milliseconds, awake (the ticks run on, as on the ESP32 and
    RP2040); without ms (until another wake-up source) it returns at once."""
    if ms is not None:
        __import__('time').sleep(ms / 1000)


_deep = [0]  # deep sleeps slept awake: a count (a list of them grew in the app's heap)


def deepsleep(ms=None):
    """A board resets here and loses its RAM; the desktop sleeps ms awake and
    the app goes on, RAM kept. The first one says so on the console."""
    if not _deep[0]:
        print('sim: machine.deepsleep(%s) slept awake, RAM kept (a board resets here)' % ms)
    _deep[0] += 1
    lightsleep(ms)


class _RTC:
    """machine.RTC(): memory() returns the bytes stored, memory(data) stores
    data (ValueError beyond size bytes, as the ports raise)."""

    def __init__(self, size=2048):
        self.size = size
        self.mem = b''
        self.writes = 0

    def memory(self, data=None):
        if data is None:
            return self.mem
        if len(data) > self.size:
            raise ValueError('buffer too long')
        self.mem = bytes(data)
        self.writes += 1


_rtc = []


def RTC():
    """The board's one RTC (its memory: 2048 bytes, as the ESP32's)."""
    if not _rtc:
        _rtc.append(_RTC())
    return _rtc[0]


def __getattr__(a):
    # what neither machine.py nor this file has: named as machine's (machine.py
    # asks here for every name it lacks)
    raise AttributeError("module 'machine' has no attribute '%s'" % a)
