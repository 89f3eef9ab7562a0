# Device tests of the simulated hardware: machine (Pin, I2C, SoftI2C, ADC),
# the chip models, the neopixel strip and the demo sensors.
import machine
from machine import Pin, I2C, SoftI2C, ADC
import chips
from neopixel import NeoPixel
from demo_sensors import RandomWalk, Replay
from vclock import VirtualClock
from tcheck import raises, msg


def test_pins_share_their_level_by_id():
    machine.sim_reset()
    a, b = Pin(2, Pin.OUT), Pin(2)
    assert a.value() == 0
    a.on()
    assert (b.value(), b()) == (1, 1)
    b.value(0)
    assert a.value() == 0
    Pin(3, Pin.OUT, value=1)
    assert Pin(3).value() == 1 and Pin(2).value() == 0
    machine.sim_reset()
    assert Pin(3).value() == 0


def test_absent_address_raises_enodev_on_every_transfer():
    machine.sim_reset()
    i2c = I2C(0, scl=Pin(5), sda=Pin(4))
    buf = bytearray(2)
    calls = [(i2c.readfrom_mem, (0x18, 5, 2)), (i2c.readfrom_mem_into, (0x18, 5, buf)),
             (i2c.writeto_mem, (0x18, 1, b'\x00\x00')), (i2c.readfrom, (0x18, 2)),
             (i2c.readfrom_into, (0x18, buf)), (i2c.writeto, (0x18, b'\x05')),
             (i2c.writevto, (0x18, (b'\x01', b'\x00\x00')))]
    for fn, args in calls:
        e = raises(OSError, fn, *args)
        assert e.args == (19, 'ENODEV') and e.errno == 19, (fn, e.args)
    assert i2c.scan() == []


def test_an_address_that_is_no_int_is_a_type_error_as_on_a_board():
    # a board's I2C converts the address with mp_obj_get_int: 24.0 or '0x18'
    # is a TypeError there, even with a chip at 24 (the simulated bus's dict
    # would find it for 24.0); True is 1
    machine.sim_reset()
    i2c = I2C(0, scl=Pin(5), sda=Pin(4))
    i2c.sim.attach(chips.MCP9808(), 24)
    buf = bytearray(2)
    for a, kind in ((24.0, 'float'), ('0x18', 'str'), (None, 'NoneType')):
        calls = [(i2c.readfrom_mem, (a, 5, 2)), (i2c.readfrom_mem_into, (a, 5, buf)),
                 (i2c.writeto_mem, (a, 1, b'\x00\x00')), (i2c.readfrom, (a, 2)),
                 (i2c.readfrom_into, (a, buf)), (i2c.writeto, (a, b'\x05')),
                 (i2c.writevto, (a, (b'\x01', b'\x00\x00')))]
        for fn, args in calls:
            assert kind in msg(raises(TypeError, fn, *args)), (fn, a)  # (the board: "can't convert float to int")
    assert len(i2c.readfrom_mem(24, 5, 2)) == 2
    assert raises(OSError, i2c.readfrom_mem, True, 5, 2).errno == 19  # address 1: no chip there (ENODEV)


def test_buses_are_shared_by_id_or_by_pins():
    machine.sim_reset()
    a = I2C(0, scl=Pin(5), sda=Pin(4))
    b = I2C(0)
    c = I2C(1, scl=Pin(5), sda=Pin(4))
    s1 = SoftI2C(Pin(5), Pin(4))
    s2 = SoftI2C(scl=Pin(5), sda=Pin(4), freq=100000)
    s3 = I2C(scl=Pin(5), sda=Pin(4))  # id -1: software, as on the ESP8266
    s4 = SoftI2C(Pin(4), Pin(5))
    a.sim.attach(chips.MCP9808())
    s1.sim.attach(chips.ADXL345())
    assert (a.scan(), b.scan(), c.scan()) == ([0x18], [0x18], [])
    assert (s2.scan(), s3.scan(), s4.scan()) == ([0x53], [0x53], [])
    assert machine.sim_bus(0) is a.sim and machine.sim_bus((5, 4)) is s1.sim
    assert s2.freq == 100000
    e = raises(ValueError, I2C, -1)
    assert msg(e) == 'I2C id -1 (software) needs scl and sda pins'


def test_scan_lists_valid_addresses_in_order_and_attach_checks_them():
    machine.sim_reset()
    i2c = I2C(0)
    for addr in (0x77, 0x08, 0x29, 0x03, 0x78):  # 0x03 and 0x78 are reserved: not scanned
        i2c.sim.attach(chips.MCP9808(), addr)
    assert i2c.scan() == [0x08, 0x29, 0x77]
    for bad in (-1, 128):
        e = raises(ValueError, i2c.sim.attach, chips.MCP9808(), bad)
        assert msg(e) == 'I2C address %r: want 0..127' % bad
    i2c.sim.detach(0x29)
    assert i2c.scan() == [0x08, 0x77]
    assert raises(OSError, i2c.readfrom_mem, 0x29, 5, 2).args[0] == 19


def test_register_and_plain_transfers_reach_the_model():
    machine.sim_reset()
    i2c = I2C(0)
    c = i2c.sim.attach(chips.MCP9808(temp=25.0))
    assert i2c.readfrom_mem(0x18, 6, 2) == b'\x00\x54'
    assert i2c.readfrom_mem(0x18, 7, 2) == b'\x04\x00'
    # at power-up T_UPPER and T_CRIT are 0, so 25 deg C sets both flags
    assert i2c.readfrom_mem(0x18, 5, 2) == b'\xc1\x90'
    buf = bytearray(2)
    i2c.readfrom_mem_into(0x18, 5, buf)
    assert buf == bytearray(b'\xc1\x90')
    i2c.writeto_mem(0x18, 8, b'\x00')  # resolution 0.5
    assert c.regs[8] == 0
    assert i2c.writeto(0x18, b'\x08\x02') == 2  # pointer 8, then data
    assert c.regs[8] == 2
    i2c.writeto(0x18, b'\x05')  # pointer only
    assert i2c.readfrom(0x18, 2) == b'\xc1\x90'
    i2c.writevto(0x18, (b'\x08', b'\x01'))
    assert c.regs[8] == 1
    i2c.readfrom_into(0x18, buf)
    assert buf == bytearray(b'\x01\x00')
    assert (c.reads, c.writes) == (6, 3)
    assert i2c.sim.transfers == 10


def test_transfers_take_only_buffers_as_the_ports_do():
    # the ports get buf through the buffer protocol: an int or a list is a
    # TypeError (the simulation wrote bytes(1) = one zero byte for an int), a
    # read into bytes too (here after the chip was read); nothing is written
    machine.sim_reset()
    i2c = I2C(0)
    c = i2c.sim.attach(chips.MCP9808())
    calls = [(i2c.writeto_mem, (0x18, 8, 1)), (i2c.writeto_mem, (0x18, 8, [1])),
             (i2c.readfrom_mem_into, (0x18, 5, [0, 0])), (i2c.readfrom_mem_into, (0x18, 5, bytes(2))),
             (i2c.writeto, (0x18, [8, 1])), (i2c.readfrom_into, (0x18, [0, 0])),
             (i2c.readfrom_into, (0x18, bytes(2))), (i2c.writevto, (0x18, (b'\x08', [1])))]
    for fn, args in calls:
        raises(TypeError, fn, *args)
    assert (c.regs[8], c.writes) == (3, 0)
    i2c.writeto_mem(0x18, 8, memoryview(b'\x00\x01')[1:])  # any buffer will do
    buf = bytearray(3)
    i2c.readfrom_mem_into(0x18, 6, memoryview(buf)[1:])
    assert (c.regs[8], buf) == (1, bytearray(b'\x00\x00\x54'))


def test_plain_transfers_take_their_arguments_by_position_only():
    # the ports define readfrom, readfrom_into, writeto and writevto as
    # (addr, x, stop=True, /) (extmod/machine_i2c.c: VAR_BETWEEN, no
    # keywords): stop=False or addr= is a TypeError on a board; writevto's
    # vector is a tuple or list (mp_obj_get_array)
    machine.sim_reset()
    i2c = I2C(0)
    c = i2c.sim.attach(chips.MCP9808(temp=25.0))
    buf = bytearray(2)
    calls = [(i2c.readfrom, (0x18, 2), {'stop': True}), (i2c.readfrom_into, (0x18, buf), {'stop': True}),
             (i2c.writeto, (0x18, b'\x05'), {'stop': False}), (i2c.writevto, (0x18, [b'\x05']), {'stop': True}),
             (i2c.readfrom, (), {'addr': 0x18, 'nbytes': 2}), (i2c.writeto, (0x18,), {'buf': b'\x05'})]
    for fn, args, kw in calls:
        raises(TypeError, fn, *args, **kw)
    for args in ((0x18,), (0x18, 2, True, 1)):
        assert 'got %d arguments' % len(args) in msg(raises(TypeError, i2c.readfrom, *args))
    e = raises(TypeError, i2c.writevto, 0x18, (b for b in (b'\x08', b'\x01')))
    assert msg(e).startswith('writevto vector <generator')
    assert c.writes == 0 and i2c.sim.transfers == 0
    assert i2c.writeto(0x18, b'\x05', False) == 1 and i2c.readfrom(0x18, 2, True) == b'\xc1\x90'
    i2c.readfrom_into(0x18, buf, False)
    assert i2c.writevto(0x18, [b'\x08', b'\x02'], True) == 2 and c.regs[8] == 2


def test_register_transfers_take_the_ports_names_and_check_addrsize():
    # (addr, memaddr, arg, *, addrsize=8) as the ports parse them: nbytes=
    # or buf= is a TypeError on a board, arg= works; an addrsize that is no
    # multiple of 8 up to 32 is ValueError('invalid addrsize'), before the bus
    machine.sim_reset()
    i2c = I2C(0)
    c = i2c.sim.attach(chips.MCP9808(temp=25.0))
    buf = bytearray(2)
    raises(TypeError, i2c.readfrom_mem, 0x18, 5, nbytes=2)
    raises(TypeError, i2c.readfrom_mem_into, 0x18, 5, buf=buf)
    raises(TypeError, i2c.writeto_mem, 0x18, 8, buf=b'\x00')
    assert i2c.readfrom_mem(0x18, 5, arg=2) == b'\xc1\x90'
    for bad in (7, 12, 40, -8):
        for fn, args in ((i2c.readfrom_mem, (0x18, 5, 2)), (i2c.readfrom_mem_into, (0x18, 5, buf)),
                         (i2c.writeto_mem, (0x18, 8, b'\x00')), (i2c.readfrom_mem, (0x40, 5, 2))):
            assert msg(raises(ValueError, fn, *args, addrsize=bad)) == 'invalid addrsize %d' % bad
    assert (c.reads, c.writes, i2c.sim.transfers) == (1, 0, 1)
    i2c.readfrom_mem_into(0x18, 5, buf, addrsize=8)
    i2c.writeto_mem(0x18, 8, b'\x01', addrsize=8)
    assert buf == bytearray(b'\xc1\x90') and c.regs[8] == 1


def test_a_register_transfer_leaves_the_pointer_for_a_plain_read():
    # MCP9808: "It is not necessary to select the Register Pointer if it was
    # set from the previous read/write": readfrom after readfrom_mem(reg)
    # reads reg again (the model read register 0 there)
    machine.sim_reset()
    i2c = I2C(0)
    i2c.sim.attach(chips.MCP9808(temp=25.0))
    assert i2c.readfrom_mem(0x18, 5, 2) == b'\xc1\x90'
    assert i2c.readfrom(0x18, 2) == b'\xc1\x90'
    i2c.writeto_mem(0x18, 8, b'\x02')
    assert i2c.readfrom(0x18, 1) == b'\x02'
    i2c.readfrom_mem(0x18, 6, 2)
    assert i2c.readfrom(0x18, 2) == b'\x00\x54'


def test_failures_are_injected_per_chip():
    machine.sim_reset()
    i2c = I2C(0)
    t = i2c.sim.attach(chips.MCP9808())
    a = i2c.sim.attach(chips.ADXL345())
    t.fail(2)
    for i in range(2):
        assert raises(OSError, i2c.readfrom_mem, 0x18, 5, 2).args[0] == 5
    assert i2c.readfrom_mem(0x18, 5, 2) == b'\xc1\x40'
    a.fail(1, 110)
    assert raises(OSError, i2c.readfrom_mem, 0x53, 0, 1).args[0] == 110
    assert i2c.readfrom_mem(0x53, 0, 1) == b'\xe5'


def test_adc_reads_and_fails():
    machine.sim_reset()
    a = machine.sim_adc(0)
    adc = ADC(0)
    a.vref, a.top = 3.3, 4095  # a 12-bit input; read_u16() by the ESP8266's formula
    for v, r, r16 in ((0.0, 0, 0), (1.65, 2048, 32775), (3.3, 4095, 65535), (-1, 0, 0)):
        a.volts = v
        assert (adc.read(), adc.read_u16()) == (r, r16), v
    a.fail(1)
    assert raises(OSError, adc.read_u16).args[0] == 5
    assert a.reads == 9 and ADC(Pin(0)).sim is a


def test_mcp9808_model_registers():
    c = chips.MCP9808(temp=-0.0625)
    # (temp, resolution code, T_A); limits at their power-up 0: below 0 sets
    # the T_LOWER flag (0x2000), above it the T_UPPER and T_CRIT flags (0xC000)
    cases = [(-0.0625, 3, 0x3FFF), (-0.0625, 0, 0x3FF8), (25.0, 3, 0xC190), (25.3, 1, 0xC194),
             (-40.0, 2, 0x3D80), (300.0, 3, 0xCFFF), (-300.0, 3, 0x3000), (0.0, 3, 0x8000)]
    for temp, res, ta in cases:
        c.temp = temp
        c.write(8, bytes([res]))
        assert c.ta() == ta, (temp, res, hex(c.ta()))
    c.write(1, b'\xff\xff')
    assert c.read(1, 2) == b'\x07\xff'  # CONFIG has 11 bits
    c.write(2, b'\xff\xff')
    assert c.read(2, 2) == b'\x1f\xfc'  # limits: 13 bits, 0.25 deg C
    assert c.read(8, 1) == bytes([3])


def test_tsl2591_model_registers():
    clk = VirtualClock()
    c = chips.TSL2591(lux=100.0, ir=0.2, clock=clk)
    assert c.read(0xA0 | 0x12, 1) == b'\x50'
    e = raises(ValueError, c.read, 0x12, 1)
    assert 'lacks CMD' in msg(e)
    assert c.read(0xB3, 1) == b'\x00'  # no AVALID while off
    c.write(0xA1, bytes([0x11]))  # gain 25, 200 ms
    c.write(0xA0, bytes([0x03]))
    assert c.read(0xB3, 1) == b'\x00'
    clk.advance(199)
    assert c.read(0xB3, 1) == b'\x00' and c.read(0xB4, 4) == bytes(4)
    clk.advance(1)
    assert c.read(0xB3, 1) == b'\x01'
    c0, c1 = c.counts()
    assert (c0, c1) == (int(100 * 200 * 25 / 408 / 0.672 + 0.5), int(100 * 200 * 25 / 408 / 0.672 * 0.2 + 0.5))
    assert c.read(0xB4, 4) == bytes([c0 & 255, c0 >> 8, c1 & 255, c1 >> 8])
    c.lux = 1e9
    assert c.counts() == (65535, 65535)
    c.write(0xA1, bytes([0x10]))  # 100 ms
    assert c.counts() == (37888, 37888)
    c.write(0xE7, b'')  # a special function: ignored
    c.write(0xA1, bytes([0x80]))  # SRESET
    assert (c.enable, c.control) == (0, 0)


def test_tsl2591_model_avalid_stays_set_past_the_ticks_wrap():
    # AVALID stays set while the chip integrates (PON|AEN). The model took
    # it from ticks_diff since AEN was set, which turns negative once half
    # the ticks period (2**29 ms, 6.2 days) has gone by: AVALID read clear
    # from then on, and the driver waited and rewrote its settings
    clk = VirtualClock()
    c = chips.TSL2591(clock=clk)
    c.write(0xA0, bytes([0x03]))
    clk.advance(100)
    assert c.read(0xB3, 1) == b'\x01'
    for ms in (1 << 29, 1 << 28, 1 << 29):  # 1.5 ticks periods in all
        clk.advance(ms)
        assert c.read(0xB3, 1) == b'\x01', clk.now
    c.write(0xA0, bytes([0x01]))  # AEN off: clear, and a new integration after AEN
    assert c.read(0xB3, 1) == b'\x00'
    c.write(0xA0, bytes([0x03]))
    clk.advance(99)
    assert c.read(0xB3, 1) == b'\x00'
    clk.advance(1)
    assert c.read(0xB3, 1) == b'\x01'


def test_adxl345_model_registers():
    clk = VirtualClock()
    c = chips.ADXL345(accel=(9.80665, -4.903325, 0.0), clock=clk)
    assert c.read(0, 1) == b'\xe5' and c.read(0x2C, 1) == b'\x0a'
    assert c.read(0x32, 6) == bytes(6)  # not measuring
    c.write(0x31, b'\x00')  # 10-bit, 2 g
    c.write(0x2D, b'\x08')
    assert c.read(0x30, 1)[0] & 0x80 == 0
    clk.advance(10)
    assert c.read(0x30, 1)[0] & 0x80 == 0x80
    assert c.read(0x32, 6) == bytes([0, 1, 0x80, 0xFF, 0, 0])  # 256, -128, 0
    assert c.read(0x30, 1)[0] & 0x80 == 0  # cleared by reading the data
    c.write(0x31, b'\x03')  # 10-bit, 16 g: 32 counts per g
    assert c.counts() == (32, -16, 0)
    c.write(0x31, b'\x0b')  # full resolution, 16 g: 256 per g
    assert c.counts() == (256, -128, 0)
    c.write(0x00, b'\x00')  # DEVID is read-only
    assert c.read(0, 1) == b'\xe5'


def test_tsl2591_model_data_change_only_at_the_end_of_an_integration():
    # the data registers hold the last completed integration: the light or
    # the gain changed in the middle of one shows when it ends, not at once
    # (the model recomputed them at every read once AVALID was set)
    clk = VirtualClock()
    c = chips.TSL2591(lux=100.0, ir=0.2, clock=clk)
    c.write(0xA1, bytes([0x10]))  # gain 25, 100 ms
    c.write(0xA0, bytes([0x03]))
    clk.advance(100)
    first = c.read(0xB4, 4)
    c0 = first[0] | first[1] << 8
    assert c.read(0xB3, 1) == b'\x01' and c0 == int(100 * 100 * 25 / 408 / 0.672 + 0.5)
    clk.advance(20)
    c.lux = 1000.0
    assert c.read(0xB4, 4) == first  # 20 ms into the second integration
    clk.advance(80)
    d = c.read(0xB4, 4)
    assert d[0] | d[1] << 8 == int(1000 * 100 * 25 / 408 / 0.672 + 0.5)
    c.write(0xA1, bytes([0x20]))  # gain 428 while integrating: it starts over
    clk.advance(99)
    assert c.read(0xB4, 4) == d and c.read(0xB3, 1) == b'\x01'
    clk.advance(1)
    d = c.read(0xB4, 4)
    assert d[0] | d[1] << 8 == 37888  # saturated at 100 ms
    # no count gives the light with that much infrared (the lux formula's
    # factor is 0 at 0.686): refused, not a ZeroDivisionError in a read
    for ir in (0.686, 0.75, -0.1):
        e = raises(ValueError, chips.TSL2591, 50000.0, ir)
        assert msg(e).startswith('TSL2591 model: ir %r: want 0 to 0.685' % (ir,)), msg(e)
    c.ir = 0.685
    assert c.counts() == (37888, 37888)


def test_adxl345_model_data_ready_follows_the_output_data_rate():
    # a sample every 1/rate s from the start of measuring, read or not:
    # polling every 7 ms at 100 Hz finds one every 10 ms (the model counted
    # the period from each read: 71 in a second), and DATA_READY stays
    # right past the ticks wrap (2**29 ms)
    clk = VirtualClock()
    c = chips.ADXL345(clock=clk)
    c.write(0x2D, b'\x08')  # measuring at 100 Hz
    n = 0
    for i in range(143):  # 1001 ms
        clk.advance(7)
        if c.read(0x30, 1)[0] & 0x80:
            c.read(0x32, 6)
            n += 1
    assert n == 100, n
    clk.advance(1 << 29)
    assert c.read(0x30, 1)[0] & 0x80
    c.read(0x32, 6)
    assert c.read(0x30, 1)[0] & 0x80 == 0
    c.write(0x2D, b'\x00')  # standby: no DATA_READY
    clk.advance(50)
    assert c.read(0x30, 1)[0] & 0x80 == 0


def test_noise_repeats_with_the_seed_and_stays_in_bounds():
    a, b = chips.Chip(noise=2.0, seed=42), chips.Chip(noise=2.0, seed=42)
    xs = [a.jitter() for i in range(200)]
    assert xs == [b.jitter() for i in range(200)]
    assert all(-2.0 <= x < 2.0 for x in xs) and min(xs) < -1.5 and max(xs) > 1.5
    assert chips.Chip().jitter() == 0.0


def test_neopixel_strip():
    np = NeoPixel(Pin(4), 3)
    assert (len(np), np.bpp, np.buf) == (3, 3, bytearray(9))
    np[1] = (1, 2, 3)
    assert np[1] == (1, 2, 3) and np.buf[3:6] == bytearray(b'\x02\x01\x03')
    np.fill((9, 8, 7))
    np.write()
    assert np.frames == [bytes([8, 9, 7] * 3)]
    np.keep = 2
    for i in range(3):
        np[0] = (i, i, i)
        np.write()
    assert len(np.frames) == 2 and np.frames[-1][:3] == bytes([2, 2, 2])
    w = NeoPixel(Pin(4), 1, bpp=4)
    w[0] = (1, 2, 3, 4)
    assert w.buf == bytearray([2, 1, 3, 4]) and w[0] == (1, 2, 3, 4)


def test_neopixel_timing_is_the_drivers_ns_tuple():
    # micropython-lib's neopixel.py turns timing 1 (800 kHz) / 0 (400 kHz)
    # into (high_0, low_0, high_1, low_1) ns for machine.bitstream
    assert NeoPixel(Pin(4), 1).timing == (400, 850, 800, 450)
    assert NeoPixel(Pin(4), 1, timing=0).timing == (800, 1700, 1600, 900)
    assert NeoPixel(Pin(4), 1, timing=(350, 800, 700, 600)).timing == (350, 800, 700, 600)


def test_random_walk():
    a = RandomWalk('t', start=20.0, step=0.5, lo=19.0, hi=21.0, seed=5)
    b = RandomWalk('t', start=20.0, step=0.5, lo=19.0, hi=21.0, seed=5)
    xs = [a.sample() for i in range(500)]
    assert xs == [b.sample() for i in range(500)]
    assert all(19.0 <= x <= 21.0 for x in xs) and min(xs) < 19.3 and max(xs) > 20.7
    assert all(abs(x - y) <= 0.5 for x, y in zip(xs, xs[1:]))
    wide = RandomWalk(start=0.0, step=10.0, lo=-1.0, hi=1.0)
    assert all(-1.0 <= wide.sample() <= 1.0 for i in range(100))
    for kw, text in (({'step': -1}, 'RandomWalk step -1: want >= 0'),
                     ({'lo': 2, 'hi': 1}, 'RandomWalk lo 2 > hi 1'),
                     ({'start': 5, 'hi': 1}, 'RandomWalk start 5 outside [None, 1]')):
        assert msg(raises(ValueError, RandomWalk, **kw)) == text


def _csv(name, text):
    path = '/tmp/tf_sim_%s.csv' % name
    with open(path, 'w') as f:
        f.write(text)
    return path


def test_replay_plays_a_csv_then_stops_or_loops():
    p = _csv('a', 'ts,lux\n0,1.5\n\n# a gap\n60,2\n120,-3.25\n')
    r = Replay(p, 'lux')
    assert [r.sample() for i in range(3)] == [1.5, 2.0, -3.25]
    raises(StopIteration, r.sample)
    raises(StopIteration, r.sample)
    assert r.lines == 6 and r.count == 3
    r = Replay(p, col=0, loop=True)
    assert [r.sample() for i in range(7)] == [0.0, 60.0, 120.0, 0.0, 60.0, 120.0, 0.0]
    r.close()
    empty = _csv('b', 'ts,lux\n')
    raises(StopIteration, Replay(empty, loop=True).sample)  # nothing to loop over


def test_replay_errors_name_file_and_line():
    p = _csv('c', '1.0\n2.0\nx\n')
    r = Replay(p)
    assert [r.sample(), r.sample()] == [1.0, 2.0]
    e = raises(ValueError, r.sample)
    assert msg(e) == "Replay %r line 3: 'x' is not a number" % p, msg(e)
    e = raises(OSError, Replay, '/tmp/tf_sim_no_such_file.csv')
    assert "Replay: cannot open '/tmp/tf_sim_no_such_file.csv'" in msg(e), msg(e)
    r = Replay(_csv('d', '1,2\n3\n'), col=1)
    assert r.sample() == 2.0
    assert "line 2: '3' is not a number" in msg(raises(ValueError, r.sample))


def test_demo_sensors_in_a_pipeline():
    from thingflow import Scheduler
    from vclock import run_for
    from sensorkit import Rec
    s = Scheduler(VirtualClock())
    r1, r2 = Rec(), Rec()
    s.schedule_sensor(Replay(_csv('e', '5\n6\n7\n'), 'rp'), 10, r1)
    s.schedule_sensor(RandomWalk('rw', start=1.0, step=0.1), 10, r2)
    run_for(s, 59)
    assert r1.values() == [5.0, 6.0, 7.0] and r1.log[-1] == ('done',)
    assert len(r2.values()) == 6 and all(0.4 <= v <= 1.6 for v in r2.values())


def test_power_functions_let_a_board_app_run_on_the_desktop():
    # what lightsleep.py and deepsleep.py call on a board: here the sleeps
    # are slept awake (a deep sleep says so once), the RTC is one object
    # whose memory holds 2048 bytes, and every start is a power-on
    import time
    import machine_rare
    from deepsleep import DeepSleepClock
    from lightsleep import LightSleepClock
    assert machine.reset_cause() == machine.PWRON_RESET == 1
    assert (machine.HARD_RESET, machine.WDT_RESET, machine.DEEPSLEEP_RESET, machine.SOFT_RESET) == (2, 3, 4, 5)
    r = machine.RTC()
    assert r is machine.RTC() and r.memory() == b''
    r.memory(b'tf1 ')
    assert machine.RTC().memory() == b'tf1 '
    assert msg(raises(ValueError, r.memory, bytes(2049))) == 'buffer too long'
    r.memory(b'')
    out = []
    machine_rare._deep[0] = 0  # (another test may have slept: the first one says so)
    machine_rare.print = out.append
    try:
        t = time.ticks_ms() if hasattr(time, 'ticks_ms') else int(time.monotonic() * 1000)
        machine.deepsleep(30)
        machine.deepsleep(20)
        machine.lightsleep(25)
        machine.lightsleep()  # no time: returns at once
        took = (time.ticks_ms() if hasattr(time, 'ticks_ms') else int(time.monotonic() * 1000)) - t
    finally:
        del machine_rare.print
    assert out == ['sim: machine.deepsleep(30) slept awake, RAM kept (a board resets here)']
    assert machine_rare._deep == [2]
    assert 75 <= took < 1000, took
    # the clocks of an app written for a board take the desktop's machine
    clk = DeepSleepClock()
    assert clk.memory == machine.RTC().memory and clk.min_ms == 2000
    LightSleepClock().sleep_ms(1)
    assert not hasattr(machine, 'sim_none') and raises(AttributeError, getattr, machine, 'ANY_RESET_X')


def test_deep_sleeps_slept_awake_are_counted_not_kept():
    # each one was appended to a list: 8 bytes of the app's heap per deep
    # sleep on the Unix port (20,000 of them took 262 KB), in a run whose
    # heap has no margin
    import gc
    import machine_rare
    n = machine_rare._deep[0]
    machine_rare.print = lambda *a: None
    try:
        machine.deepsleep(0)
        gc.collect()
        a = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
        for i in range(2000):
            machine.deepsleep(0)
        gc.collect()
        b = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
    finally:
        del machine_rare.print
    assert machine_rare._deep == [n + 2001], machine_rare._deep[:3]
    assert b - a < 512, b - a


def test_a_name_machine_lacks_is_named_as_machines():
    # machine.py asks machine_rare.py for every name it lacks: the error
    # named machine_rare (a module the app never imported), and
    # machine.machine was machine_rare's import of machine
    for n in ('SPI', 'WDT', 'unique_id', 'machine'):
        e = raises(AttributeError, getattr, machine, n)
        assert msg(e) == "module 'machine' has no attribute '%s'" % n, msg(e)
    assert machine.sim_adc(3) is machine.sim_adc(3) and machine.RTC() is machine.RTC()


def test_run_for_keeps_the_ms_below_a_tick_across_a_short_run():
    # 25.005 s, then a run of 1 ms that ends before any task: the 5 ms kept
    # from the first run and the 1 ms make 6; a third run is on its grid
    # (dropping the kept ms at the end of a run made the task 5 ms late)
    from thingflow import Scheduler
    from vclock import run_for
    clk = VirtualClock()
    s = Scheduler(clk)
    runs = []

    class T:
        def _observe(self):
            runs.append(clk.now)
    s.schedule_periodic(T(), 10)
    run_for(s, 25.005)
    run_for(s, 0.001)
    assert (s.time_in_ticks, s._ms) == (2500, 6)
    run_for(s, 5)
    assert (runs, s.clock_faults, clk.now) == ([0, 10000, 20000, 30000], 0, 30006)


def test_fake_config_of_the_pico_w_takes_only_its_own_parameters():
    # extmod/network_cyw43.c config(): reads antenna, channel, ssid/essid,
    # security, mac, pm, txpower, hostname; sets antenna, channel,
    # ssid/essid, monitor, security, key/password, pm, trace, txpower,
    # hostname; anything else is ValueError('unknown config param'). The
    # fake took the ESP ports' hidden, protocol, authmode, dhcp_hostname
    # (and a mac to set) on the 'rp2' port too, and answered them
    import network
    network.reset('rp2', VirtualClock())
    try:
        w, ap = network.WLAN(network.STA_IF), network.WLAN(network.AP_IF)
        for p in ('hidden', 'protocol', 'authmode', 'dhcp_hostname', 'reconnects', 'auto_connect'):
            for itf in (w, ap):
                assert msg(raises(ValueError, itf.config, p)) == 'unknown config param', p
                assert msg(raises(ValueError, itf.config, **{p: 1})) == 'unknown config param', p
        assert msg(raises(ValueError, w.config, mac=b'\x02\x00\x00\x00\x00\x01')) == 'unknown config param'
        assert len(w.config('mac')) == 6
        # what it has, on either interface (the driver does not check which)
        ap.config(essid='pico', password='pw', channel=6, security=0, hostname='node1', pm=0xa11140)
        assert (ap.config('ssid'), ap.config('channel'), w.config('hostname'), w.config('pm')) == \
            ('pico', 6, 'node1', 0xa11140)
        # its own words for a read and a set together, and for no parameter
        assert msg(raises(TypeError, ap.config, 'essid', channel=1)) == "can't specify pos and kw args"
        assert msg(raises(TypeError, ap.config)) == 'must query one param'
        # the ESP ports' keep theirs
        network.reset('esp32', VirtualClock())
        ap = network.WLAN(network.AP_IF)
        ap.config(hidden=True, authmode=3)
        assert (ap.config('hidden'), ap.config('authmode')) == (True, 3)
        assert msg(raises(TypeError, ap.config)) == 'can query only one param'
    finally:
        network.reset()
