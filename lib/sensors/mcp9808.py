# MCP9808 temperature sensor (Microchip), on I2C: readings in deg C.
#
#   from machine import I2C, Pin
#   from sensors.mcp9808 import MCP9808
#   i2c = I2C(0, scl=Pin(5), sda=Pin(4))          # the bus is built by the app
#   t = MCP9808(i2c, sensor_id='temp')            # address 0x18..0x1F (A2..A0)
#   sched.schedule_sensor(t, 60, writer)          # events ('temp', ts, 21.5625)
#
# The chip converts continuously; a reading is the last finished conversion
# (30 ms at 0.5 deg C resolution up to 250 ms at 0.0625 deg C).
#
# RAM: every string literal of more than 10 characters costs a str object on
# the heap (64 bytes on a 64-bit port), a shorter one a qstr (its bytes in the
# qstr pool's chunks of 128), so short messages use short literals.
try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_ADDR = const(0x18)
_T_A = const(0x05)  # ambient temperature: flags (15:13), sign (12), 1/16 deg C (11:0)
_MANUF = const(0x06)  # manufacturer ID, reads 0x0054
_DEV = const(0x07)  # device ID 0x04 (upper byte), revision (lower byte)
_RES = const(0x08)  # resolution: 0 = 0.5, 1 = 0.25, 2 = 0.125, 3 = 0.0625 deg C
_ENODEV = const(19)


def celsius(raw):
    """deg C from a T_A register value (16 bits): the alert flags (bits 15-13)
    are ignored, bits 12-0 are a two's complement count of 1/16 deg C."""
    return (((raw & 0x1FFF) ^ 0x1000) - 0x1000) / 16


class MCP9808:
    """MCP9808(i2c, address=0x18, sensor_id='mcp9808', res=0.0625).
    i2c: a machine.I2C (or SoftI2C). res: resolution in deg C, one of 0.5,
    0.25, 0.125, 0.0625. Errors: OSError(ENODEV, 'no MCP9808 at 0x18 (<why>)')
    when no MCP9808 answers there (why: the bus error, or 'ID 0x00540400':
    manufacturer ID, device ID and revision as read); ValueError('MCP9808 res
    0.1') for a bad res. I2C errors in sample() propagate (the scheduler
    sends them as on_error for this sensor)."""

    def __init__(self, i2c, address=_ADDR, sensor_id='mcp9808', res=0.0625):
        self.i2c = i2c
        self.address = address
        self.sensor_id = sensor_id
        b = self._buf = bytearray(2)
        e = None
        try:
            i2c.readfrom_mem_into(address, _MANUF, b)
            m = b[0] << 8 | b[1]
            i2c.readfrom_mem_into(address, _DEV, b)
            if m != 0x54 or b[0] != 4:  # any revision (b[1]) is an MCP9808
                e = 'ID 0x%08x' % (m << 16 | b[0] << 8 | b[1])
        except OSError as x:
            e = x
        if e:
            raise OSError(_ENODEV, 'no MCP9808 at 0x%02x (%s)' % (address, e))
        self.configure(res)

    def configure(self, res):
        """Set the resolution in deg C: 0.5, 0.25, 0.125 or 0.0625."""
        i = 0
        while res != 1 / (2 << i):  # 0.5, 0.25, ... (no float constants: heap on 64-bit)
            i += 1
            if i > 3:
                raise ValueError('MCP9808' + ' res %r' % (res,))
        self.i2c.writeto_mem(self.address, _RES, bytes((i,)))
        self.res = res

    def sample(self):
        """The ambient temperature in deg C (the T_A register through celsius())."""
        b = self._buf
        self.i2c.readfrom_mem_into(self.address, _T_A, b)
        return celsius(b[0] << 8 | b[1])
