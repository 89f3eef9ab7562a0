# Register-level models of I2C sensor chips, for the simulated bus of
# machine.py. Each answers at register level as the datasheet describes:
# ID registers, configuration writes, measurement registers computed from a
# settable physical value (with optional noise, reproducible from a seed).
#
#   import machine
#   from chips import MCP9808, TSL2591, ADXL345
#   bus = machine.sim_bus(0)
#   t = bus.attach(MCP9808(temp=21.5, noise=0.1))   # at 0x18
#   t.temp = -5.25                                  # the next reading follows
#   t.fail(2)                                       # next 2 transfers: OSError(EIO)
#
# clock (optional, e.g. vclock.VirtualClock): when given, a measurement takes
# its conversion time in that clock's milliseconds (TSL2591 AVALID, ADXL345
# DATA_READY); without one, results are ready at once.

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_EIO = const(5)


class Chip:
    """Common part of the models: failure injection, noise, the register
    pointer of plain readfrom/writeto. ident: the value of the chip's ID
    register (change it to model a wrong chip). reads/writes count the
    register transfers the chip answered."""
    address = 0

    def __init__(self, noise=0.0, seed=1, clock=None):
        self.noise = noise
        self.clock = clock
        self.reads = 0
        self.writes = 0
        self._seed = seed & 0xFFFFFFFF or 1
        self._fails = 0
        self._err = _EIO
        self._ptr = 0

    def fail(self, n=1, err=_EIO):
        """The next n transfers raise OSError(err) (default EIO)."""
        self._fails = n
        self._err = err

    def _io(self):
        if self._fails:
            self._fails -= 1
            raise OSError(self._err, 'I/O error')  # errno set on both runtimes

    def jitter(self):
        """Uniform noise in [-noise, noise), from a xorshift32 generator
        (the same sequence on CPython and MicroPython)."""
        if not self.noise:
            return 0.0
        x = self._seed
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self._seed = x
        return self.noise * (x / 2147483648.0 - 1.0)

    def _now(self):
        c = self.clock
        return None if c is None else c.ticks_ms()

    def _run(self, period):
        # A free-running conversion cycle of period ms, begun by _go(): the
        # number of cycles that completed since the last look (each look
        # brings it up to now). Without a clock every look completes one;
        # a look after more than half the clock's ticks period (2**29 ms on
        # a board's) finds the time negative: long complete.
        c = self.clock
        if c is None:
            return 1
        now = c.ticks_ms()
        d = c.ticks_diff(now, self._t)
        self._t = now
        if d < 0:
            return 1
        self._acc += d
        n = int(self._acc // period)
        self._acc -= n * period
        return n

    def _go(self):
        # a conversion cycle starts now
        self._t = self._now()
        self._acc = 0

    # -- what the bus calls --
    # A register transfer writes the register address first, so it leaves
    # the pointer there for a later plain readfrom (MCP9808: "It is not
    # necessary to select the Register Pointer if it was set from the
    # previous read/write")
    def mem_read(self, reg, n):
        self._io()
        self.reads += 1
        self._ptr = reg
        return self.read(reg, n)

    def mem_write(self, reg, data):
        self._io()
        self.writes += 1
        self._ptr = reg
        self.write(reg, data)

    def send(self, data):
        # plain write: the first byte sets the register pointer, the rest is data
        self._io()
        if data:
            self._ptr = data[0]
            if len(data) > 1:
                self.writes += 1
                self.write(data[0], data[1:])

    def recv(self, n):
        self._io()
        self.reads += 1
        return self.read(self._ptr, n)

    # -- what a model defines --
    def read(self, reg, n):
        return bytes(n)

    def write(self, reg, data):
        pass


def _clip(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


# ---- MCP9808: temperature, 16-bit big-endian registers ----
class MCP9808(Chip):
    """Microchip MCP9808. temp: ambient temperature in deg C. Registers:
    0x01 CONFIG, 0x02-0x04 T_UPPER/T_LOWER/T_CRIT (alert flags in T_A follow
    them), 0x05 T_A (13-bit two's complement, 1/16 deg C), 0x06 manufacturer
    ID 0x0054, 0x07 device ID 0x04 / revision 0x00, 0x08 resolution (8 bits,
    power-up 0x03 = 0.0625 deg C). Readings are quantised to the resolution."""
    address = 0x18

    def __init__(self, temp=20.0, noise=0.0, seed=1, clock=None):
        Chip.__init__(self, noise, seed, clock)
        self.temp = temp
        self.ident = 0x0400  # device ID register (ID in the upper byte)
        self.regs = {1: 0, 2: 0, 3: 0, 4: 0, 8: 3}

    def ta(self):
        """The T_A register value now: flags, sign and 12 bits of 1/16 deg C."""
        step = 8 >> self.regs[8]  # 1/16 deg C per step: 8, 4, 2, 1
        c = int((self.temp + self.jitter()) * 16 // step) * step  # floor to resolution
        c = _clip(c, -4096, 4095)
        v = c & 0x1FFF
        if c >= _lim(self.regs[4]):
            v |= 0x8000
        if c > _lim(self.regs[2]):
            v |= 0x4000
        if c < _lim(self.regs[3]):
            v |= 0x2000
        return v

    def read(self, reg, n):
        if reg == 5:
            v = self.ta()
        elif reg == 6:
            v = 0x0054
        elif reg == 7:
            v = self.ident
        else:
            v = self.regs.get(reg, 0)
        d = [v] if reg == 8 else [v >> 8, v & 0xFF]  # RESOLUTION has 8 bits
        return bytes((d + [0] * n)[:n])  # n bytes, as a board reads: 1 is T_A's upper byte

    def write(self, reg, data):
        if reg == 8 and data:  # (a write of the pointer only changes nothing)
            self.regs[8] = data[0] & 3
        elif reg in (1, 2, 3, 4) and len(data) >= 2:
            v = data[0] << 8 | data[1]
            self.regs[reg] = v & 0x07FF if reg == 1 else v & 0x1FFC


def _lim(v):
    # a limit register (13-bit two's complement, 1/16 deg C) as a signed count
    v &= 0x1FFC
    return v - 0x2000 if v & 0x1000 else v


# ---- TSL2591: light, command byte 0xA0 | register, auto-increment ----
_TSL_GAIN = (1, 25, 428, 9876)


class TSL2591(Chip):
    """ams TSL2591. lux: illuminance; ir: infrared share of channel 0
    (ch1 = ir * ch0). Registers (reached with the command bit, 0xA0 | reg):
    0x00 ENABLE (PON bit 0, AEN bit 1), 0x01 CONTROL (SRESET bit 7, AGAIN
    bits 5:4, ATIME bits 2:0), 0x12 ID 0x50, 0x13 STATUS (AVALID bit 0: an
    integration finished since AEN was set), 0x14-0x17 C0DATAL/H, C1DATAL/H.
    Counts: ch0 = lux * CPL / k with CPL = ATIME_ms * gain / 408 and k the
    formula's factor for the ir share, each clipped at the maximum count
    (37888 at 100 ms, 65535 from 200 ms)."""
    address = 0x29

    def __init__(self, lux=100.0, ir=0.2, noise=0.0, seed=1, clock=None):
        Chip.__init__(self, noise, seed, clock)
        self.lux = lux
        self.ir = ir
        self.ident = 0x50
        self.enable = 0
        self.control = 0
        self._valid = False  # AVALID: an integration completed since AEN was set
        self._go()
        self._data = bytearray(4)  # the last completed integration

    @property
    def ir(self):
        return self._ir

    @ir.setter
    def ir(self, r):
        # the lux formula's factor max(1 - 1.64 ir, 0.59 - 0.86 ir) is 0 at
        # ir 0.686: no count gives that much light with more infrared
        if not 0 <= r < 0.686:
            raise ValueError('TSL2591 model: ir %r: want 0 to 0.685 (the lux formula has no light beyond)' % (r,))
        self._ir = r

    def _itime(self):
        return ((self.control & 7) + 1) * 100

    def _look(self):
        # bring the integrations up to now: one that completed latches its
        # counts (the light of now) into the data registers and sets AVALID
        if (self.enable & 3) == 3 and self._run(self._itime()):
            c0, c1 = self.counts()
            d = self._data
            d[0], d[1], d[2], d[3] = c0 & 0xFF, c0 >> 8, c1 & 0xFF, c1 >> 8
            self._valid = True

    def avalid(self):
        self._look()
        return self._valid and (self.enable & 3) == 3  # (also when enable was set from outside: power lost)

    def counts(self):
        """(ch0, ch1) that an integration at the current settings gives."""
        t = self._itime()
        cpl = t * _TSL_GAIN[(self.control >> 4) & 3] / 408.0
        r = self.ir
        k = max(1 - 1.64 * r, 0.59 - 0.86 * r)
        c0 = (self.lux + self.jitter()) * cpl / k
        top = 37888 if t == 100 else 65535
        return int(_clip(c0, 0, top) + 0.5), int(_clip(c0 * r, 0, top) + 0.5)

    def read(self, reg, n):
        if reg & 0xE0 != 0xA0:
            raise ValueError('TSL2591 model: command byte 0x%02x lacks CMD|normal (0xA0)' % reg)
        reg &= 0x1F
        self._look()  # the data registers hold the latest completed integration
        out = []
        for r in range(reg, reg + n):
            if r == 0:
                v = self.enable
            elif r == 1:
                v = self.control
            elif r == 0x12:
                v = self.ident
            elif r == 0x13:
                v = 1 if self._valid and (self.enable & 3) == 3 else 0
            elif 0x14 <= r <= 0x17:
                v = self._data[r - 0x14]
            else:
                v = 0
            out.append(v)
        return bytes(out)

    def write(self, reg, data):
        if reg & 0xE0 == 0xE0:
            return  # special function (interrupt set/clear)
        if reg & 0xE0 != 0xA0:
            raise ValueError('TSL2591 model: command byte 0x%02x lacks CMD|normal (0xA0)' % reg)
        if not data:
            return  # the command byte alone: it only selects the register
        reg &= 0x1F
        v = data[0]
        self._look()  # what completed so far, at the old settings
        if reg == 0:
            if (v & 3) == 3 and (self.enable & 3) != 3:
                self._go()  # a new integration starts
                self._valid = False
            self.enable = v & 0xD3
            if (v & 3) != 3:
                self._valid = False  # AVALID clears with AEN
        elif reg == 1:
            if v & 0x80:  # SRESET: power-on state
                self.enable = self.control = 0
                self._valid = False
            else:
                self.control = v & 0x37
                self._go()  # the integration starts over at the new gain and time (the
                # data registers keep the last one's counts until it ends)


# ---- ADXL345: acceleration, auto-increment, little-endian data ----
_G = 9.80665


class ADXL345(Chip):
    """Analog Devices ADXL345. accel: (x, y, z) in m/s^2 (default 1 g on z).
    Registers: 0x00 DEVID 0xE5, 0x2C BW_RATE (power-up 0x0A = 100 Hz),
    0x2D POWER_CTL (Measure bit 3), 0x30 INT_SOURCE (DATA_READY bit 7),
    0x31 DATA_FORMAT (FULL_RES bit 3, range bits 1:0), 0x32-0x37 DATAX0..DATAZ1
    (16-bit two's complement, little-endian). Full resolution: 256 LSB/g in
    every range, clipped at the range's 10 to 13 bits; 10-bit mode: 256 >> range
    LSB/g. Not measuring: data reads 0."""
    address = 0x53

    def __init__(self, accel=(0.0, 0.0, _G), noise=0.0, seed=1, clock=None):
        Chip.__init__(self, noise, seed, clock)
        self.accel = accel
        self.ident = 0xE5
        self.regs = bytearray(64)
        self.regs[0x2C] = 0x0A
        self.regs[0x30] = 0x02
        self._ready = False  # DATA_READY: a sample made since the data was last read
        self._go()

    def _period_ms(self):
        return 1000 / (100 * 2 ** ((self.regs[0x2C] & 15) - 10))

    def ready(self):
        """DATA_READY: measuring, and a sample made (one every 1/rate s from
        the start of measuring, read or not) since the data was last read."""
        if not self.regs[0x2D] & 8:
            return False
        if self._run(self._period_ms()):
            self._ready = True
        return self._ready

    def counts(self):
        """(x, y, z) in counts as the data registers hold them now."""
        if not self.regs[0x2D] & 8:
            return (0, 0, 0)
        f = self.regs[0x31]
        rng = f & 3
        if f & 8:  # full resolution
            lsb, top = 256, (512 << rng) - 1
        else:
            lsb, top = 256 >> rng, 511
        out = []
        for a in self.accel:
            c = (a + self.jitter()) / _G * lsb
            c = int(c + 0.5) if c >= 0 else -int(-c + 0.5)
            out.append(_clip(c, -top - 1, top))
        return tuple(out)

    def read(self, reg, n):
        out = []
        data = None
        for r in range(reg, reg + n):
            if r == 0:
                v = self.ident
            elif r == 0x30:
                v = (0x80 if self.ready() else 0) | 0x02
            elif 0x32 <= r <= 0x37:
                if data is None:
                    data = self.counts()
                c = data[(r - 0x32) >> 1] & 0xFFFF
                v = c & 0xFF if r & 1 == 0 else c >> 8
            else:
                v = self.regs[r & 63]
            out.append(v)
        if data is not None:
            self.ready()  # (the samples made up to now)
            self._ready = False  # reading the data clears DATA_READY
        return bytes(out)

    def write(self, reg, data):
        for i in range(len(data)):
            r = (reg + i) & 63
            if r == 0x2D and data[i] & 8 and not self.regs[0x2D] & 8:
                self._go()  # measuring begins
                self._ready = False
            if r not in (0, 0x30) and not 0x32 <= r <= 0x37:  # read-only registers
                self.regs[r] = data[i]
