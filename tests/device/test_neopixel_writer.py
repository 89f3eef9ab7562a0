# Device tests of the NeoPixel writer against the simulated neopixel strip.
from machine import Pin
from neopixel import NeoPixel
from neopixel_writer import NeoPixelWriter
from thingflow import Scheduler, ExcInDispatch
from vclock import VirtualClock, run_for
from tcheck import raises, msg
from sensorkit import Rec


def test_pixel_events_set_and_write_the_strip():
    np = NeoPixel(Pin(15), 4)
    w = NeoPixelWriter(np)
    w.on_next((0, 255, 0, 0))
    w.on_next((3, 1, 2, 3))
    w.on_next(('leds', 12.5, (1, 0, 128, 255)))  # a sensor event carrying a pixel
    w.on_next([2, 9, 8, 7])  # a list is a sequence too
    assert np.sim_pixels() == [(255, 0, 0), (0, 128, 255), (9, 8, 7), (1, 2, 3)]
    assert w.writes == 4 and len(np.frames) == 4
    # sent in GRB order
    assert np.frames[0] == bytes([0, 255, 0] + [0] * 9)
    assert np.frames[-1] == bytes([0, 255, 0, 128, 0, 255, 8, 9, 7, 2, 1, 3])


def test_rgbw_strip_takes_five_fields():
    np = NeoPixel(Pin(15), 2, bpp=4)
    w = NeoPixelWriter(np)
    w.on_next((1, 10, 20, 30, 40))
    w.on_next(('x', 0, (0, 1, 2, 3, 4)))
    assert np.sim_pixels() == [(1, 2, 3, 4), (10, 20, 30, 40)]
    e = raises(ValueError, w.on_next, (0, 1, 2, 3))
    assert msg(e) == 'NeoPixelWriter: event (0, 1, 2, 3): want 5 fields'


def test_a_strip_without_bpp_is_taken_as_rgb():
    class Strip(list):  # len(), item assignment and write(), no bpp
        def write(self):
            pass
    st = Strip([None, None])
    w = NeoPixelWriter(st)
    w.on_next((1, 4, 5, 6))
    assert (st, w.writes) == ([None, (4, 5, 6)], 1)
    e = raises(ValueError, w.on_next, (0, 1, 2, 3, 4))
    assert msg(e) == 'NeoPixelWriter: event (0, 1, 2, 3, 4): want 4 fields'


def test_bad_events_are_value_errors_and_set_nothing():
    np = NeoPixel(Pin(15), 3)
    w = NeoPixelWriter(np)
    cases = [
        ((0, 1, 2), 'NeoPixelWriter: event (0, 1, 2): want 4 fields'),
        ((0, 1, 2, 3, 4), 'NeoPixelWriter: event (0, 1, 2, 3, 4): want 4 fields'),
        (('id', 0, 5), "NeoPixelWriter: event ('id', 0, 5): want 4 fields"),
        (('id', 0, (1, 2, 3)), "NeoPixelWriter: event ('id', 0, (1, 2, 3)): want 4 fields"),
        (None, 'NeoPixelWriter: event None: want 4 fields'),
        (7, 'NeoPixelWriter: event 7: want 4 fields'),
        ((3, 1, 2, 3), 'NeoPixelWriter: pixel 3 in (3, 1, 2, 3)'),
        ((-1, 1, 2, 3), 'NeoPixelWriter: pixel -1 in (-1, 1, 2, 3)'),
        ((1.0, 1, 2, 3), 'NeoPixelWriter: pixel 1.0 in (1.0, 1, 2, 3)'),
        (('0', 1, 2, 3), "NeoPixelWriter: pixel '0' in ('0', 1, 2, 3)"),
        ((0, 256, 0, 0), 'NeoPixelWriter: colour 256 in (0, 256, 0, 0)'),
        ((0, 0, -1, 0), 'NeoPixelWriter: colour -1 in (0, 0, -1, 0)'),
        ((0, 0, 0, 0.5), 'NeoPixelWriter: colour 0.5 in (0, 0, 0, 0.5)'),
        (('id', 1, (0, 0, 0, 300)), 'NeoPixelWriter: colour 300 in (0, 0, 0, 300)'),
        # a bool is no pixel or colour on either runtime (CPython took True as 1)
        ((True, 1, 2, 3), 'NeoPixelWriter: pixel True in (True, 1, 2, 3)'),
        ((0, 1, False, 3), 'NeoPixelWriter: colour False in (0, 1, False, 3)'),
    ]
    # an event, or a sensor event's value, of 4 items that is no tuple or
    # list (a set, a dict) raised TypeError at its x[0]
    for ev in ({0, 1, 2, 3}, ('id', 0, {1, 2, 3, 4}), {0: 1, 1: 2, 2: 3, 3: 4}):
        cases.append((ev, 'NeoPixelWriter: event %r: want 4 fields' % (ev,)))
    for ev, want in cases:
        e = raises(ValueError, w.on_next, ev)
        assert msg(e) == want, (ev, msg(e))
    assert w.writes == 0 and np.frames == [] and np.sim_pixels() == [(0, 0, 0)] * 3


def test_a_bad_event_in_a_pipeline_stops_the_flow_with_its_message():
    class Colours:
        sensor_id = 'leds'

        def __init__(self, seq):
            self.seq = list(seq)

        def sample(self):
            return self.seq.pop(0)
    np = NeoPixel(Pin(4), 8)
    s = Scheduler(VirtualClock())
    s.schedule_sensor(Colours([(0, 1, 1, 1), (7, 2, 2, 2), (8, 3, 3, 3)]), 1, NeoPixelWriter(np))
    e = raises(ExcInDispatch, run_for, s, 10)
    assert 'pixel 8' in msg(e), msg(e)
    assert len(np.frames) == 2 and np[7] == (2, 2, 2)


def test_pipeline_in_virtual_time():
    # a sensor that walks a lit pixel along the strip
    class Chase:
        sensor_id = 'chase'

        def __init__(self):
            self.i = -1

        def sample(self):
            self.i += 1
            if self.i == 5:
                raise StopIteration
            return (self.i, 0, 0, 50 * self.i)
    np = NeoPixel(Pin(4), 5)
    w = NeoPixelWriter(np)
    clk = VirtualClock()
    s = Scheduler(clk)
    r = Rec()
    s.schedule_sensor(Chase(), 0.25, w, r)
    run_for(s, 60)
    assert np.sim_pixels() == [(0, 0, 0), (0, 0, 50), (0, 0, 100), (0, 0, 150), (0, 0, 200)]
    assert w.writes == 5 and r.times() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert r.log[-1] == ('done',) and clk.now == 1250  # the run ended with the stream


def test_the_strip_takes_a_pin_and_sets_it_to_output_as_the_real_driver():
    # neopixel.NeoPixel calls pin.init(pin.OUT): a pin number instead of a
    # machine.Pin fails on a board, so it fails here too (the fake took it)
    p = Pin(15)
    NeoPixel(p, 8)
    assert p.mode == Pin.OUT
    e = raises(AttributeError, NeoPixel, 15, 8)
    assert 'init' in str(e), str(e)


def test_what_is_no_strip_is_refused_at_construction():
    # NeoPixelWriter(8) (the pixel count), a Pin, None or a plain list were
    # taken; the first event then raised inside the pipeline
    for bad, exc, text in ((8, TypeError, "object of type 'int' has no len()"),
                           (None, TypeError, "object of type 'NoneType' has no len()"),
                           ([0, 0], AttributeError, 'write')):
        e = raises(exc, NeoPixelWriter, bad)
        assert text in msg(e), msg(e)
    e = raises(TypeError, NeoPixelWriter, Pin(15))
    assert 'Pin' in msg(e), msg(e)
