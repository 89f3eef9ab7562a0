# Device tests of the analog-input sensor against the simulated machine.ADC.
import machine
from sensors.adc_esp8266 import ADCSensor, volts
from thingflow import Scheduler
from vclock import VirtualClock, run_for
from tcheck import raises, msg
from sensorkit import bus, close, Rec, error_mid_run


def test_volts_table():
    cases = [
        ((0,), 0.0), ((65535,), 1.0), ((32768,), 32768 / 65535),
        ((65535, 65535, 1.0, 3.2), 3.2),  # NodeMCU divider: 1.0 V at the pin is 3.2 V
        ((1024, 1024), 1.0), ((512, 1024, 1.0, 4.2), 2.1),  # read() counts of the ESP8266
        ((4095, 4095, 3.3), 3.3),
    ]
    for args, want in cases:
        assert close(volts(*args), want), (args, volts(*args), want)


def test_sample_reads_read_u16():
    bus()  # resets the simulator
    a = machine.sim_adc(0)
    s = ADCSensor(machine.ADC(0), sensor_id='batt', ratio=3.2)
    assert (s.sensor_id, s.top, s.ratio, s.vref) == ('batt', 65535, 3.2, 1.0)
    # volts at the pin, reading
    for v, want in ((0.0, 0.0), (0.5, 32767 * 3.2 / 65535), (1.0, 3.2), (1.7, 3.2), (-0.1, 0.0)):
        a.volts = v
        assert close(s.sample(), want), (v, s.sample(), want)


def test_an_adc_without_read_u16_is_read_with_read():
    class OldADC:  # the ESP8266's ADC of older firmware: read() only, 0..1024
        def __init__(self):
            self.v = 0

        def read(self):
            return self.v
    adc = OldADC()
    s = ADCSensor(adc, ratio=2.0)
    assert s.top == 1024
    for raw, want in ((0, 0.0), (512, 1.0), (1024, 2.0)):
        adc.v = raw
        assert close(s.sample(), want)


def test_the_simulated_adc_reads_like_the_esp8266():
    bus()
    a = machine.sim_adc(0)
    adc = machine.ADC(0)
    # read_u16() as the port computes it: read() * 65535 // 1024 (it gave
    # 16384, 19661, 32768 and 65469 for 0.25, 0.3, 0.5 and 0.999 V)
    for v, r, r16 in ((0.0, 0, 0), (0.25, 256, 16383), (0.3, 307, 19647), (0.5, 512, 32767),
                      (0.999, 1023, 65471), (1.0, 1024, 65535), (2.0, 1024, 65535)):
        a.volts = v
        assert (adc.read(), adc.read_u16()) == (r, r16), v


def test_bad_settings_are_value_errors_naming_them():
    bus()
    for bad in (0, -1.0, 0.0):
        e = raises(ValueError, ADCSensor, machine.ADC(0), ratio=bad)
        assert msg(e) == 'ADCSensor ratio %r' % (bad,), msg(e)
        e = raises(ValueError, ADCSensor, machine.ADC(0), vref=bad)
        assert msg(e) == 'ADCSensor vref %r' % (bad,), msg(e)


def test_settings_that_are_no_numbers_are_value_errors_naming_them():
    # a str (e.g. from a config file), None or NaN: the comparison raised
    # TypeError("'>' not supported between instances of 'str' and 'int'"),
    # which named neither the setting nor its value
    bus()
    for bad in ('3.2', None, float('nan'), True):
        e = raises(ValueError, ADCSensor, machine.ADC(0), ratio=bad)
        assert msg(e) == 'ADCSensor ratio %r' % (bad,), msg(e)
        e = raises(ValueError, ADCSensor, machine.ADC(0), ratio=2, vref=bad)
        assert msg(e) == 'ADCSensor vref %r' % (bad,), msg(e)
    s = ADCSensor(machine.ADC(0), ratio=3, vref=3.3)  # ints and floats both
    assert (s.ratio, s.vref) == (3, 3.3)


def test_adc_error_mid_run_ends_only_this_sensor():
    bus()
    a = machine.sim_adc(0)
    a.volts = 0.5
    r, rc = error_mid_run(ADCSensor(machine.ADC(0)), a)
    assert r.values() == [32767 / 65535] * 3
    assert r.log[-1][0] == 'err' and r.log[-1][1].args[0] == 5
    assert rc.values() == list(range(1, 11))


def test_pipeline_in_virtual_time():
    bus()
    a = machine.sim_adc(machine.Pin(17))  # keyed by the pin, as ADC(Pin(17)) is
    clk = VirtualClock()
    s = Scheduler(clk)
    r = Rec()
    steps = [0.0, 0.25, 0.5]

    class Steps(Rec):
        def on_next(self, x):
            self.log.append(x)
            if len(self.log) < len(steps):
                a.volts = steps[len(self.log)]
    s.schedule_sensor(ADCSensor(machine.ADC(machine.Pin(17)), sensor_id='a0', ratio=4.0), 300, r, Steps())
    run_for(s, 899)
    assert r.values() == [0.0, 16383 * 4.0 / 65535, 32767 * 4.0 / 65535]
    assert r.times() == [0.0, 300.0, 600.0]
