# Device tests of the MCP9808 driver against the register-level chip model.
import machine
from chips import MCP9808 as Chip
from sensors.mcp9808 import MCP9808, celsius
from thingflow import Scheduler
from vclock import VirtualClock, run_for
from tcheck import raises, msg
from sensorkit import bus, Rec, error_mid_run


def test_celsius_from_the_register_table():
    # T_A: flags (15:13), sign (12), 1/16 deg C (11:0), two's complement over 13 bits
    cases = [
        (0x0000, 0.0), (0x0001, 0.0625), (0x0190, 25.0), (0x019C, 25.75),
        (0x0FFF, 255.9375), (0x1FFF, -0.0625), (0x1FF0, -1.0), (0x1E70, -25.0),
        (0x1D80, -40.0), (0x1000, -256.0),
        (0xE190, 25.0), (0x8000, 0.0), (0x3E70, -25.0), (0xDE70, -25.0),  # flags ignored
    ]
    for raw, want in cases:
        got = celsius(raw)
        assert got == want, (hex(raw), got, want)


def test_found_at_default_and_other_address():
    i2c = bus()
    i2c.sim.attach(Chip(temp=21.5))
    t = MCP9808(i2c)
    assert (t.address, t.sensor_id, t.res) == (0x18, 'mcp9808', 0.0625)
    assert t.sample() == 21.5
    c2 = i2c.sim.attach(Chip(temp=-3.0), 0x1F)
    t2 = MCP9808(i2c, address=0x1F, sensor_id='out')
    assert (t2.sensor_id, t2.sample()) == ('out', -3.0)
    assert c2.reads == 3  # two ID registers, one T_A


def test_absent_chip_names_chip_and_address():
    i2c = bus()
    e = raises(OSError, MCP9808, i2c)
    assert e.args[0] == 19
    assert e.args[1].startswith('no MCP9808 at 0x18 ('), e.args
    assert 'ENODEV' in e.args[1] or '19' in e.args[1]  # the bus error, as the port words it
    i2c.sim.attach(Chip(), 0x18)
    e = raises(OSError, MCP9808, i2c, 0x1A)
    assert e.args[0] == 19 and e.args[1].startswith('no MCP9808 at 0x1a ('), e.args


def test_wrong_ids_are_refused():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    c.ident = 0x0500  # another device ID in the upper byte
    e = raises(OSError, MCP9808, i2c)
    assert e.args == (19, 'no MCP9808 at 0x18 (ID 0x00540500)'), e.args
    c.ident = 0x0401  # another revision is still an MCP9808
    assert MCP9808(i2c).sample() == 20.0
    i2c.sim.attach(Chip(), 0x29)
    i2c.sim.devices[0x29].read = lambda reg, n: bytes([0x50] * n)  # some other chip
    e = raises(OSError, MCP9808, i2c, 0x29)
    assert e.args == (19, 'no MCP9808 at 0x29 (ID 0x50505050)'), e.args
    c.ident = 0x0400
    i2c.sim.devices[0x18].read = lambda reg, n: bytes([0, 0x55] if reg == 6 else [4, 0])
    e = raises(OSError, MCP9808, i2c)  # another manufacturer, right device ID
    assert e.args == (19, 'no MCP9808 at 0x18 (ID 0x00550400)'), e.args


def test_every_resolution_quantises_as_the_chip_does():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    # (res, register value, reading at 23.3, at -0.3, at 0.0625)
    cases = [
        (0.5, 0, 23.0, -0.5, 0.0),
        (0.25, 1, 23.25, -0.5, 0.0),
        (0.125, 2, 23.25, -0.375, 0.0),
        (0.0625, 3, 23.25, -0.3125, 0.0625),
    ]
    for res, reg, a, b, d in cases:
        t = MCP9808(i2c, res=res)
        assert t.res == res and c.regs[8] == reg
        got = []
        for temp in (23.3, -0.3, 0.0625):
            c.temp = temp
            got.append(t.sample())
        assert got == [a, b, d], (res, got)
    t.configure(0.5)
    assert (t.res, c.regs[8]) == (0.5, 0)


def test_bad_resolution_is_a_value_error_naming_it():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    for bad in (0.1, 1, 0, '0.5', None, 0.03125, 2):  # 1/32 and 2: beyond the four codes
        e = raises(ValueError, MCP9808, i2c, res=bad)
        assert msg(e) == 'MCP9808 res %r' % (bad,), msg(e)
    t = MCP9808(i2c, res=0.25)
    raises(ValueError, t.configure, 0.3)
    assert (t.res, c.regs[8]) == (0.25, 1)  # unchanged


def test_alert_flags_do_not_change_the_reading():
    i2c = bus()
    c = i2c.sim.attach(Chip(temp=30.0))
    t = MCP9808(i2c)
    i2c.writeto_mem(0x18, 2, bytes([0x01, 0x90]))  # T_UPPER 25 deg C
    i2c.writeto_mem(0x18, 4, bytes([0x01, 0xE0]))  # T_CRIT 30 deg C
    assert i2c.readfrom_mem(0x18, 5, 2) == bytes([0xC1, 0xE0])  # flags crit, upper set
    assert t.sample() == 30.0
    c.temp = -10.0
    i2c.writeto_mem(0x18, 3, bytes([0x1F, 0xF0]))  # T_LOWER -1 deg C
    assert i2c.readfrom_mem(0x18, 5, 2) == bytes([0x3F, 0x60])  # flag lower, sign
    assert t.sample() == -10.0


def test_the_model_answers_with_as_many_bytes_as_asked():
    # readfrom_mem(addr, reg, n) gives n bytes on a board; the model gave 2
    # for n = 0 or 1 (and a 1-byte read of T_A is its upper byte)
    i2c = bus()
    c = i2c.sim.attach(Chip(temp=-10.0))
    assert i2c.readfrom_mem(0x18, 5, 1) == bytes([0x3F])  # flag lower (0 deg C), sign
    assert i2c.readfrom_mem(0x18, 5, 0) == b''
    assert i2c.readfrom_mem(0x18, 7, 3) == bytes([4, 0, 0])
    assert (i2c.readfrom_mem(0x18, 8, 0), i2c.readfrom_mem(0x18, 8, 2)) == (b'', bytes([3, 0]))
    i2c.writeto_mem(0x18, 8, b'')  # the pointer alone: nothing changes (it raised IndexError)
    assert c.regs[8] == 3 and MCP9808(i2c, res=0.5).sample() == -10.0


def test_noise_stays_within_its_bound_and_repeats_with_the_seed():
    i2c = bus()
    c = i2c.sim.attach(Chip(temp=20.0, noise=0.5, seed=7))
    t = MCP9808(i2c)
    a = [t.sample() for i in range(50)]
    assert all(19.4375 <= v < 20.5 for v in a), a
    assert len(set(a)) > 5
    c2 = i2c.sim.attach(Chip(temp=20.0, noise=0.5, seed=7), 0x19)
    assert [MCP9808(i2c, 0x19).sample() for i in range(50)][0] == a[0]


def test_i2c_error_mid_run_ends_only_this_sensor():
    i2c = bus()
    c = i2c.sim.attach(Chip(temp=18.0))
    r, rc = error_mid_run(MCP9808(i2c, sensor_id='t'), c)
    assert r.values() == [18.0, 18.0, 18.0]
    assert r.log[-1][0] == 'err' and isinstance(r.log[-1][1], OSError)
    assert r.log[-1][1].args[0] == 5  # EIO, as the bus raised it
    assert rc.values() == list(range(1, 11))  # every 10 s for 100 s: the counter ran on


def test_pipeline_in_virtual_time():
    i2c = bus()
    c = i2c.sim.attach(Chip(temp=10.0))
    clk = VirtualClock()
    s = Scheduler(clk)
    r = Rec()
    temps = [10.0, 10.5, -2.25, 0.0625, 99.9375]

    class Steps(Rec):
        def on_next(self, x):  # the room changes after each reading
            n = len(self.log) + 1
            self.log.append(x)
            if n < len(temps):
                c.temp = temps[n]
    s.schedule_sensor(MCP9808(i2c, sensor_id='room'), 60, r, Steps())
    run_for(s, 299)
    assert r.values() == temps
    assert r.times() == [0.0, 60.0, 120.0, 180.0, 240.0]
    assert [x[1][0] for x in r.log] == ['room'] * 5
