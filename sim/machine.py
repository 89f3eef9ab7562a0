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
# Sections: errors | simulation registry | Pin | I2C, SoftI2C | ADC.
# (Other parts of machine -- lightsleep, deepsleep, RTC -- go in sections of
# their own below, each with its state in the registry.)

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

# ---- errors: the errno values MicroPython's ports raise ----
_EIO = const(5)  # a transfer failed part-way (NACK on data)
_ENODEV = const(19)  # no device acknowledged the address
_ETIMEDOUT = const(110)  # the bus timed out (SCL held low)


# ---- simulation registry: state shared by every object of one bus/pin ----
_buses = {}  # key -> SimBus; key: the I2C id, or (scl pin id, sda pin id)
_adcs = {}  # key -> SimADC; key: the ADC id or pin id
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


def sim_adc(key):
    """The simulated analog input for key (an ADC id, a Pin or a pin id)."""
    key = _pin_id(key)
    a = _adcs.get(key)
    if a is None:
        a = _adcs[key] = SimADC()
    return a


class SimBus:
    """The devices on one simulated I2C bus: address -> chip model (see
    chips.py: a chip has address, mem_read(reg, n), mem_write(reg, data),
    recv(n) and send(data)). transfers counts every transaction."""

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

    def device(self, addr):
        # The chip at addr; OSError(ENODEV) as MicroPython raises on a NACK.
        self.transfers += 1
        c = self.devices.get(addr)
        if c is None:
            raise OSError(_ENODEV, 'ENODEV')  # errno set on both runtimes
        return c


# ---- Pin ----
class Pin:
    """machine.Pin(id, mode=-1, pull=-1, *, value=None): levels are kept per
    pin id, so two Pin objects of one id see the same level."""
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 2
    IRQ_RISING = 1

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        self.sim = id  # the pin id, for the registry
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            _pins[self.sim] = 1 if value else 0

    def value(self, x=None):
        if x is None:
            return _pins.get(self.sim, 0)
        _pins[self.sim] = 1 if x else 0

    __call__ = value

    def on(self):
        _pins[self.sim] = 1

    def off(self):
        _pins[self.sim] = 0

    def __repr__(self):
        return 'Pin(%r)' % (self.sim,)


def _pin_id(p):
    return p.sim if isinstance(p, Pin) else p


# ---- I2C, SoftI2C ----
class I2C:
    """machine.I2C(id=-1, *, scl=None, sda=None, freq=400000, timeout=50000).
    Objects with one id (or, for id -1, one pair of pins) share one simulated
    bus: self.sim, a SimBus. Absent addresses raise OSError(ENODEV)."""

    def __init__(self, id=-1, *, scl=None, sda=None, freq=400000, timeout=50000):
        if id == -1:
            if scl is None or sda is None:
                raise ValueError('I2C id -1 (software) needs scl and sda pins')
            key = (_pin_id(scl), _pin_id(sda))
        else:
            key = id
        self.sim = sim_bus(key)
        self.init(scl=scl, sda=sda, freq=freq, timeout=timeout)

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

    # -- memory (register) operations --
    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        return bytes(self.sim.device(addr).mem_read(memaddr, nbytes))

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        d = self.sim.device(addr).mem_read(memaddr, len(buf))
        for i in range(len(buf)):
            buf[i] = d[i]

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        self.sim.device(addr).mem_write(memaddr, bytes(buf))

    # -- plain transfers --
    def readfrom(self, addr, nbytes, stop=True):
        return bytes(self.sim.device(addr).recv(nbytes))

    def readfrom_into(self, addr, buf, stop=True):
        d = self.sim.device(addr).recv(len(buf))
        for i in range(len(buf)):
            buf[i] = d[i]

    def writeto(self, addr, buf, stop=True):
        """Returns the number of bytes acknowledged."""
        self.sim.device(addr).send(bytes(buf))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        b = b''
        for x in vector:
            b += bytes(x)
        return self.writeto(addr, b, stop)


class SoftI2C(I2C):
    """machine.SoftI2C(scl, sda, *, freq=400000, timeout=50000): a bus on any
    two pins; objects on the same pins share one simulated bus."""

    def __init__(self, scl, sda, *, freq=400000, timeout=50000):
        I2C.__init__(self, -1, scl=scl, sda=sda, freq=freq, timeout=timeout)


# ---- ADC ----
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
    read(): 0..1024 on the ESP8266; read_u16(): 0..65535."""

    def __init__(self, id, *, atten=None):
        self.sim = sim_adc(_pin_id(id))

    def read(self):
        return self.sim.scaled(self.sim.top)

    def read_u16(self):
        return self.sim.scaled(65535)
