# A driver the library lacks, as a developer would write it from README.md:
# SHT31 (Sensirion), command based, the bus from the caller; and its chip
# model for the simulated bus (chips.Chip). Used by tests/device/
# test_extending.py and, copied beside an app, by tests/host/
# test_extending_journey.py.
from chips import Chip
from thingflow import default_clock


def crc8(b):
    # the SHT3x CRC: polynomial 0x31, init 0xFF (datasheet: 0xBEEF -> 0x92)
    c = 0xFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = ((c << 1) ^ 0x31) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c


class SHT31:
    """sensor_id and sample(), as README's drivers: the bus from the caller."""

    def __init__(self, i2c, address=0x44, sensor_id='sht31', hum=False, clock=None):
        self.i2c = i2c
        self.address = address
        self.sensor_id = sensor_id
        self.hum = hum
        self.clock = clock or default_clock
        self._buf = bytearray(6)

    def sample(self):
        self.i2c.writeto(self.address, b'\x24\x00')  # single shot, high repeatability
        self.clock.sleep_ms(16)
        b = self._buf
        self.i2c.readfrom_into(self.address, b)
        if crc8(b[0:2]) != b[2] or crc8(b[3:5]) != b[5]:
            raise OSError(5, 'SHT31 CRC')
        if self.hum:
            return round(100 * (b[3] << 8 | b[4]) / 65535, 2)
        return round(-45 + 175 * (b[0] << 8 | b[1]) / 65535, 2)


class SimSHT31(Chip):
    """The chip model: Chip.send takes the command's first byte as the
    register pointer and hands the rest to write(); recv() reads. Only the
    single shot, high repeatability command (0x2400); cmds logs them."""
    address = 0x44

    def __init__(self, temp=21.0, rh=45.0):
        Chip.__init__(self)
        self.temp = temp
        self.rh = rh
        self.cmds = []

    def write(self, reg, data):
        if reg << 8 | data[0] != 0x2400 or len(data) != 1:
            raise ValueError('SHT31 model: command %r' % (bytes((reg,)) + data,))
        self.cmds.append(0x2400)

    def read(self, reg, n):
        t = int((self.temp + 45) * 65535 / 175 + 0.5)
        h = int(self.rh * 65535 / 100 + 0.5)
        d = bytes((t >> 8, t & 255))
        e = bytes((h >> 8, h & 255))
        return (d + bytes((crc8(d),)) + e + bytes((crc8(e),)))[:n]
