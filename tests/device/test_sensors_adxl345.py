# Device tests of the ADXL345 driver against the register-level chip model.
from errno import ETIMEDOUT
from chips import ADXL345 as Chip
from sensors.adxl345 import ADXL345, ms2
from thingflow import Scheduler
from vclock import VirtualClock, run_for
from tcheck import raises, msg
from sensorkit import bus, close, Rec, error_mid_run, newlib_errno

G = 9.80665


def test_full_resolution_scaling_table():
    # 256 counts per g (3.9 mg/LSB) in every range
    cases = [(0, 0.0), (256, G), (-256, -G), (1, G / 256), (128, G / 2),
             (511, 511 * G / 256), (-512, -2 * G), (4095, 4095 * G / 256), (-4096, -16 * G)]
    for raw, want in cases:
        assert close(ms2(raw), want), (raw, ms2(raw), want)


def test_construction_with_and_without_the_chip():
    i2c = bus()
    e = raises(OSError, ADXL345, i2c)
    assert e.args[0] == 19 and e.args[1].startswith('no ADXL345 at 0x53 ('), e.args
    assert 'ENODEV' in e.args[1] or '19' in e.args[1]  # the bus error, as the port words it
    c = i2c.sim.attach(Chip())
    a = ADXL345(i2c)
    assert (a.address, a.sensor_id, a.range_g, a.rate) == (0x53, 'adxl345', 2, 100)
    assert (c.regs[0x31], c.regs[0x2C], c.regs[0x2D]) == (0x08, 0x0A, 0x08)  # FULL_RES|2g, 100 Hz, Measure
    c.ident = 0xE6
    e = raises(OSError, ADXL345, i2c)
    assert e.args == (19, 'no ADXL345 at 0x53 (ID 0xe6)'), e.args
    i2c.sim.attach(Chip(), 0x1D)
    assert ADXL345(i2c, address=0x1D, sensor_id='acc').sensor_id == 'acc'


def test_every_range_reads_one_g_as_256_counts_and_clips_at_its_end():
    i2c = bus()
    c = i2c.sim.attach(Chip(accel=(G, -G, 3 * G)))
    # range, DATA_FORMAT, raw at (1 g, -1 g, 3 g), clipped readings
    cases = [(2, 0x08, (256, -256, 511), 1), (4, 0x09, (256, -256, 768), 0),
             (8, 0x0A, (256, -256, 768), 0), (16, 0x0B, (256, -256, 768), 0)]
    for rng, fmt, raw, clipped in cases:
        r = ADXL345(i2c, range_g=rng, raw=True)
        assert c.regs[0x31] == fmt
        assert r.sample() == raw, (rng, r.sample())
        assert r.clipped == clipped
        a = ADXL345(i2c, range_g=rng)
        assert close(a.sample(), tuple(ms2(x) for x in raw))
        assert a.clipped == clipped and not a.raw and r.raw is True
    c.accel = (-20 * G, 20 * G, 0.0)
    a = ADXL345(i2c, range_g=16, raw=1)
    assert a.sample() == (-4096, 4095, 0) and a.clipped == 1
    # at 2 g the counts run from -512 to 511: -511 and 510 are inside, each
    # end is clipped
    a = ADXL345(i2c, range_g=2, raw=True)
    for v, want in ((-511, 0), (510, 0), (-512, 1), (511, 2)):
        c.accel = (v * G / 256, 0.0, 0.0)
        assert a.sample() == (v, 0, 0) and a.clipped == want, (v, a.clipped)


def test_every_data_rate():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    rates = (6.25, 12.5, 25, 50, 100, 200, 400, 800, 1600, 3200)
    for code, r in zip(range(6, 16), rates):
        a = ADXL345(i2c, rate=r)
        assert (a.rate, c.regs[0x2C]) == (r, code)
    a = ADXL345(i2c, range_g=8, rate=3200)
    assert (a.rate, a.range_g, c.regs[0x2C], c.regs[0x31], c.regs[0x2D]) == (3200, 8, 15, 0x0A, 0x08)


def test_bad_settings_are_value_errors_naming_them():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    for bad in (0, 1, 3, 32, '2'):
        e = raises(ValueError, ADXL345, i2c, range_g=bad)
        assert msg(e) == 'ADXL345 range_g %r' % (bad,), msg(e)
    for bad in (0, 3.125, 6400, 99, '100'):
        e = raises(ValueError, ADXL345, i2c, rate=bad)
        assert msg(e) == 'ADXL345 rate %r' % (bad,), msg(e)
    a = ADXL345(i2c, range_g=4)
    n = c.writes
    raises(ValueError, ADXL345, i2c, range_g=5)
    raises(ValueError, ADXL345, i2c, rate=5)
    assert c.writes == n and c.regs[0x31] == 0x09  # nothing written


def test_sample_is_a_tuple_in_m_per_s2_with_noise_bounded():
    i2c = bus()
    c = i2c.sim.attach(Chip(accel=(1.0, -2.5, G), noise=0.2, seed=3))
    a = ADXL345(i2c)
    seen = set()
    for i in range(30):
        x, y, z = a.sample()
        seen.add(x)
        # noise 0.2 m/s^2 plus half a count of rounding
        assert abs(x - 1.0) <= 0.2 + G / 512 and abs(y + 2.5) <= 0.2 + G / 512 and abs(z - G) <= 0.2 + G / 512
    assert len(seen) > 5


def test_first_reading_waits_for_data_ready_in_virtual_time():
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(clock=clk))
    a = ADXL345(i2c, rate=50, clock=clk)  # construction waits for the first data
    assert (clk.sleeps, clk.now) == (1, 22)  # 1000 / 50 Hz + 2 ms
    assert a.sample() == (0.0, 0.0, G)
    a.sample()
    assert clk.sleeps == 1  # readings take the latest data: no more waiting
    a = ADXL345(i2c, rate=6.25, clock=clk)
    assert (clk.sleeps, clk.now) == (2, 22 + 162)  # int(1000 / 6.25) + 2
    c.write = lambda reg, data: None  # a chip that never leaves standby
    c.regs[0x2D] = 0
    e = raises(OSError, ADXL345, i2c, clock=clk)
    assert e.args == (ETIMEDOUT, 'ADXL345 0x53: no data'), e.args
    assert (clk.sleeps, clk.now) == (5, 184 + 3 * 12)


def test_each_wait_for_the_first_data_is_followed_by_a_look():
    # a chip slower than the wait (12 ms at 100 Hz): data after 25 ms, i.e.
    # during the third wait; the driver looks again after it (it raised
    # ETIMEDOUT at 36 ms with the data there)
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(clock=clk))
    c.ready = lambda: clk.now >= 25
    a = ADXL345(i2c, rate=100, clock=clk, raw=True)
    assert (clk.sleeps, clk.now) == (3, 36)
    assert a.sample() == (0, 0, 256)
    c.ready = lambda: clk.now >= 73  # after the third wait: no data
    e = raises(OSError, ADXL345, i2c, clock=clk)
    assert e.args == (ETIMEDOUT, 'ADXL345 0x53: no data'), e.args
    assert (clk.sleeps, clk.now) == (6, 72)


def test_no_data_is_the_ports_etimedout():
    # errno.ETIMEDOUT of the port: 116 on the ESP32 (newlib's
    # numbers), where the hard-coded 110 is ESHUTDOWN
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(clock=clk))
    c.ready = lambda: False
    e = newlib_errno(ADXL345, i2c, clock=clk)
    assert e.args == (116, 'ADXL345 0x53: no data'), e.args
    e = raises(OSError, ADXL345, i2c, clock=clk)  # the host's (110 on Linux)
    assert e.args == (ETIMEDOUT, 'ADXL345 0x53: no data'), e.args


def test_i2c_error_mid_run_ends_only_this_sensor():
    i2c = bus()
    c = i2c.sim.attach(Chip(accel=(0.0, 0.0, -G)))
    r, rc = error_mid_run(ADXL345(i2c, sensor_id='acc'), c)
    assert r.values() == [(0.0, 0.0, -G)] * 3
    assert r.log[-1][0] == 'err' and r.log[-1][1].args[0] == 5
    assert rc.values() == list(range(1, 11))


def test_pipeline_in_virtual_time():
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(clock=clk))
    s = Scheduler(clk)
    r = Rec()
    tilt = [(0.0, 0.0, G), (G, 0.0, 0.0), (0.0, -G / 2, G / 2)]

    class Steps(Rec):
        def on_next(self, x):
            self.log.append(x)
            if len(self.log) < len(tilt):
                c.accel = tilt[len(self.log)]
    s.schedule_sensor(ADXL345(i2c, sensor_id='acc', clock=clk), 0.5, r, Steps())
    run_for(s, 1.4)
    assert r.values() == [(0.0, 0.0, G), (G, 0.0, 0.0), (0.0, -G / 2, G / 2)]
    assert r.times() == [0.012, 0.512, 1.012]  # construction waited for data (10 ms + 2 ms)
