# A simulated `machine` module for the desktop, following MicroPython's real
# API (docs.micropython.org, library/machine.*), so that device code runs
# unmodified on CPython and on the MicroPython Unix port (a machine.py on
# MICROPYPATH overrides the port's small built-in module).
#
#   import machine
#   from chips import MCP9808
#   i2c = machine.I2C(0, scl=machine.Pin(5), sda=machine.Pin(4))
#   chip = i2c.sim.attach(MCP9808(temp=21.5))   # or machine.sim_bus(0).attach(...)
#   i2c.scan()                                   # [24]
#   i2c.readfrom_mem(0x18, 5, 2)                 # b'\x01\x58'
#   machine.sim_adc(0).volts = 0.5               # what machine.ADC(0) will read
#
# Everything that is not MicroPython's API starts with sim_ (module level) or
# is reached through an object's .sim attribute, so an app cannot come to rely
# on it by accident. sim_reset() forgets every bus, pin and ADC input.
#
# RAM: on a board `machine` is built in and costs no heap; here it is the
# simulator's, which `thingflow-mpy run --heap` adds on top of the app's
# heap. So this file holds only what a sensor app uses at every wake-up
# (Pin, I2C/SoftI2C register transfers, the bus registry); the rest (ADC,
# sim_adc, SimADC, Pin.init/on/off, I2C.init/deinit/scan and the plain
# transfers readfrom/readfrom_into/writeto/writevto) is in machine_rare.py, imported at its first use (module __getattr__ and the
# classes' __getattr__, which hand out the rare methods bound to the object).
# lightsleep, deepsleep, RTC and reset_cause (machine_rare.py) let an app
# written for a board, with lightsleep.LightSleepClock() or
# deepsleep.DeepSleepClock(), run on the desktop: the sleeps are slept awake
# (a deep sleep keeps RAM here; a board resets); machine_power.py has the
# recording fake for tests.

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_ENODEV = const(19)  # no device acknowledged the address

# ---- simulation registry: state shared by every object of one bus/pin ----
_buses = {}  # key -> SimBus; key: the I2C id, or (scl pin id, sda pin id)
_adcs = {}  # key -> SimADC (machine_rare.py); key: the ADC id or pin id
_pins = {}  # pin id -> value (0 or 1)


def sim_reset():
    """Forget every simulated bus, ADC input and pin level."""
    _buses.clear()
    _adcs.clear()
    _pins.clear()


def sim_bus(key):
    """The simulated I2C bus for key (an I2C id, or (scl, sda) pin ids for a
    software bus), created empty on first use."""
    b = _buses.get(key)
    if b is None:
        b = _buses[key] = SimBus(key)
    return b


def _rare(o, c, a):
    # o.a for a method of c ('Pin' or 'I2C') that lives in machine_rare.py
    f = getattr(getattr(__import__('machine_rare'), c), a)  # AttributeError if none
    return lambda *p, **k: f(o, *p, **k)


def __getattr__(a):
    # ADC, SimADC, sim_adc, and the power functions (lightsleep, deepsleep,
    # RTC, reset_cause and the reset causes): machine_rare.py (AttributeError
    # for a name it does not have either)
    if a[0] == '_':  # (a probe of the import system: not ours)
        raise AttributeError(a)
    return getattr(__import__('machine_rare'), a)


class SimBus:
    """The devices on one simulated I2C bus: address -> chip model (see
    chips.py: a chip has address, mem_read(reg, n), mem_write(reg, data),
    recv(n) and send(data)). transfers counts every transaction.
    detach(addr) takes a device off (machine_rare.py)."""

    def __init__(self, key):
        self.key = key
        self.devices = {}
        self.transfers = 0

    def attach(self, chip, addr=None):
        """Put chip on the bus at addr (default: chip.address). Returns chip."""
        if addr is None:
            addr = chip.address
        if not 0 <= addr < 128:
            raise ValueError('I2C address %r: want 0..127' % (addr,))
        self.devices[addr] = chip
        return chip

    def detach(self, addr):
        """Take the device at addr off the bus (as if unplugged)."""
        self.devices.pop(addr, None)

    def device(self, addr, s=8):
        # The chip at addr; OSError(ENODEV) as MicroPython raises on a NACK.
        # s: a register transfer's addrsize, checked first as the ports do
        # addr | 0: an address that is no int (24.0, '0x18') is a TypeError
        # naming its type, as on a board (whose I2C converts it to an int),
        # not the chip at 24; True is 1
        if s & 7 or not 0 <= s <= 32:
            raise ValueError('invalid addrsize %r' % (s,))
        self.transfers += 1
        c = self.devices.get(addr | 0)
        if c is None:
            raise OSError(_ENODEV, 'ENODEV')  # errno set on both runtimes
        return c


# ---- Pin ----
class Pin:
    """machine.Pin(id, mode=-1, pull=-1, *, value=None): levels are kept per
    pin id, so two Pin objects of one id see the same level. init, on, off:
    machine_rare.py."""
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 2
    IRQ_RISING = 1

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        self.sim = id  # the pin id, for the registry
        if mode != -1 or pull != -1 or value is not None:
            self.init(mode, pull, value=value)

    def value(self, x=None):
        if x is None:
            return _pins.get(self.sim, 0)
        _pins[self.sim] = 1 if x else 0

    __call__ = value

    def __getattr__(self, a):
        return _rare(self, 'Pin', a)


def _pin_id(p):
    return p.sim if isinstance(p, Pin) else p


# ---- I2C, SoftI2C ----
class I2C:
    """machine.I2C(id=-1, *, scl=None, sda=None, freq=400000, timeout=50000).
    Objects with one id (or, for id -1, one pair of pins) share one simulated
    bus: self.sim, a SimBus. Absent addresses raise OSError(ENODEV). Here:
    the register transfers; the rest in machine_rare.py."""
    freq = 400000  # until init() sets them
    timeout = 50000

    def __init__(self, id=-1, *, scl=None, sda=None, freq=400000, timeout=50000):
        if id == -1:
            if scl is None or sda is None:
                raise ValueError('I2C id -1 (software) needs scl and sda pins')
            id = (_pin_id(scl), _pin_id(sda))
        self.sim = sim_bus(id)
        if freq != 400000 or timeout != 50000:
            self.init(freq=freq, timeout=timeout)

    def __getattr__(self, a):
        return _rare(self, 'I2C', a)

    # (addr, memaddr, arg, *, addrsize=8): the names the ports parse
    # (extmod/machine_i2c.c), so a keyword works here only where it does on
    # a board; an addrsize that is no multiple of 8 up to 32 is their ValueError
    def readfrom_mem(self, addr, memaddr, arg, *, addrsize=8):
        return bytes(self.sim.device(addr, addrsize).mem_read(memaddr, arg))

    # buf through memoryview(): TypeError, as on a board, for what has no
    # buffer (an int, a list) or, to read into, is read-only (bytes)
    def readfrom_mem_into(self, addr, memaddr, arg, *, addrsize=8):
        buf = memoryview(arg)
        d = self.sim.device(addr, addrsize).mem_read(memaddr, len(buf))
        for i in range(len(buf)):
            buf[i] = d[i]

    def writeto_mem(self, addr, memaddr, arg, *, addrsize=8):
        arg = bytes(memoryview(arg))
        self.sim.device(addr, addrsize).mem_write(memaddr, arg)


class SoftI2C(I2C):
    """machine.SoftI2C(scl, sda, *, freq=400000, timeout=50000): a bus on any
    two pins; objects on the same pins share one simulated bus."""

    def __init__(self, scl, sda, *, freq=400000, timeout=50000):
        I2C.__init__(self, -1, scl=scl, sda=sda, freq=freq, timeout=timeout)
