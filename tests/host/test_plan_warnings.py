"""thingflow-mpy plan finds an app's MQTT writer wherever the app keeps it
(a global, or only connected to a scheduled thing, behind a filter or a named
input port) and warns about a deep-sleep writer without spool=, whose outbox
the deep sleep loses (and whose every= can then never come due)."""
import argparse

import pytest

from thingflow_mpy import plan

APP = '''from thingflow import Scheduler, Filter
from deepsleep import DeepSleepClock
from lightsleep import LightSleepClock
from machine_power import FakeMachine
from mqtt_writer import MQTTWriter
class S:
    sensor_id = 't'
    def sample(self): return 1
class Named:
    def on_w_next(self, x): pass
    on_w_completed = on_w_error = on_w_next
clk = {clock}
s = Scheduler(clk)
w = MQTTWriter('b1', '127.0.0.1', 1883, 'x/{{sensor_id}}', {kw})
{wire}
if hasattr(clk, 'resume'):
    clk.resume(s)
s.run_forever()
'''
DIRECT = "s.schedule_sensor(S(), 60, w)\ndel w"
FILTERED = "f = Filter()\nf.connect(w)\ns.schedule_sensor(S(), 60, f)\ndel f, w"
NAMED = ("f = Filter()\nn = Named()\nf.connect(n, ('default', 'w'))\nf.connect(w)\n"
         "s.schedule_sensor(S(), 60, f)\ndel f, w")
GLOBAL = "s.schedule_sensor(S(), 60, lambda x: None)"
DEEP = 'DeepSleepClock(FakeMachine())'


def _plan(tmp_path, capsys, clock=DEEP, kw='every=300', wire=DIRECT):
    app = tmp_path / 'app.py'
    app.write_text(APP.format(clock=clock, kw=kw, wire=wire))
    ap = argparse.ArgumentParser()
    plan.add_arguments(ap)
    assert plan.main(ap.parse_args([str(app)])) == 0
    out = capsys.readouterr()
    return out.out.splitlines(), out.err.splitlines()


@pytest.mark.parametrize('wire', [DIRECT, FILTERED, NAMED, GLOBAL])
def test_deep_sleep_writer_without_spool_is_warned_about(wire, tmp_path, capsys):
    out, err = _plan(tmp_path, capsys, wire=wire)
    assert err == ["thingflow-mpy plan: warning: MQTTWriter 'b1' has no spool=: its outbox is RAM, lost at every "
                   "deep sleep, and its every=300 never comes due (each wake-up starts the app afresh: events "
                   "wait until the deep sleep loses them); give it spool='/outbox.txt'"]
    assert out[0].endswith('publish every 300 s')  # the writer was found wherever it is


def test_without_every_the_warning_names_only_the_lost_outbox(tmp_path, capsys):
    out, err = _plan(tmp_path, capsys, kw='qos=1')
    assert err == ["thingflow-mpy plan: warning: MQTTWriter 'b1' has no spool=: its outbox is RAM, lost at every "
                   "deep sleep; give it spool='/outbox.txt'"]
    assert out[0].endswith('publish at every wake-up')


@pytest.mark.parametrize('clock,kw', [
    (DEEP, "every=300, spool='o.txt'"),  # deep sleep with a spool: nothing is lost
    ('LightSleepClock(FakeMachine())', 'every=300'),  # RAM is kept in light sleep
])
def test_no_warning_when_the_outbox_survives(clock, kw, tmp_path, capsys):
    out, err = _plan(tmp_path, capsys, clock=clock, kw=kw)
    assert err == []
    assert out[0].endswith('publish every 300 s')


def test_an_inline_writer_sets_the_publish_cycle(tmp_path, capsys):
    # before, only a writer in the app's globals was found: this app was
    # planned as publishing at every wake-up (1440 connections, not 287:
    # at 300, 600, ... 86100 s, the cycle beginning at the first reading)
    out, err = _plan(tmp_path, capsys, kw="every=300, spool='o.txt'")
    assert out[3].split()[:5] == ['deep', '60.0', '443.2', '287', '1439']


def test_a_batch_writer_is_named_as_not_modelled(tmp_path, capsys):
    out, err = _plan(tmp_path, capsys, kw="batch=20, spool='o.txt'")
    assert err == ["thingflow-mpy plan: warning: MQTTWriter 'b1': batch=20 is not modelled (it connects when "
                   "that many events wait): the figures assume a batch at every wake-up; give --publish S for "
                   "the seconds its batches take to fill"]
    out, err = _plan(tmp_path, capsys, kw="batch=20, every=600, spool='o.txt'")
    assert err[0].endswith('the figures assume a batch every 600 s (its every=); give --publish S for the '
                           'seconds its batches take to fill')


def test_no_batch_warning_when_publish_is_given(tmp_path, capsys):
    app = tmp_path / 'app.py'
    app.write_text(APP.format(clock=DEEP, kw="batch=20, spool='o.txt'", wire=DIRECT))
    ap = argparse.ArgumentParser()
    plan.add_arguments(ap)
    assert plan.main(ap.parse_args([str(app), '--publish', '1200'])) == 0
    out = capsys.readouterr()
    assert out.err == '' and out.out.splitlines()[0].endswith('publish every 1200 s')


STATEFUL_WIRE = ("import filters_value, filters_window\n"
                 "f = Filter()\nf.delta(0.5).connect(w)\nf.sliding_mean(4).buffer_with_count(3).connect(w)\n"
                 "f.map(abs).connect(w)\ns.schedule_sensor(S(), 60, f)\ndel f, w")


def test_a_deep_sleep_app_with_filters_that_keep_state_is_warned_about(tmp_path, capsys):
    out, err = _plan(tmp_path, capsys, kw="every=300, spool='o.txt'", wire=STATEFUL_WIRE)
    assert err == ["thingflow-mpy plan: warning: Delta, SlidingMean, BufferWithCount keep state in RAM, which "
                   "every deep sleep loses: each wake-up starts them afresh (a delta passes every reading, a "
                   "window or buffer holds one event and never fills, a throttle never holds back, a heartbeat "
                   "never repeats); batch with the writer's every= and spool= instead, or carry the state across "
                   "wake-ups yourself"]


def test_stateless_filters_and_light_sleep_are_not_warned_about(tmp_path, capsys):
    wire = "f = Filter()\nf.map(abs).where(bool).connect(w)\ns.schedule_sensor(S(), 60, f)\ndel f, w"
    assert _plan(tmp_path, capsys, kw="every=300, spool='o.txt'", wire=wire)[1] == []
    assert _plan(tmp_path, capsys, clock='LightSleepClock(FakeMachine())', kw='every=300',
                 wire=STATEFUL_WIRE)[1] == []



def test_a_deep_sleep_heartbeat_is_warned_about(tmp_path, capsys):
    # a heartbeat keeps the last value to repeat in RAM: after each deep
    # sleep it has none, so at its own wake-ups it never repeats (it was
    # missing from the filters the warning names)
    wire = ("import filters_time\nf = Filter()\nf.heartbeat(60, s).connect(w)\n"
            "s.schedule_sensor(S(), 600, f)\ndel f, w")
    err = _plan(tmp_path, capsys, kw="every=300, spool='o.txt'", wire=wire)[1]
    assert len(err) == 1 and err[0].startswith('thingflow-mpy plan: warning: Heartbeat keeps state in RAM'), err
    assert 'a heartbeat never repeats' in err[0]


def test_the_connected_writer_is_planned_not_an_idle_one_in_the_globals(tmp_path, capsys):
    # an alarm writer the app keeps in its globals, connected to nothing
    # scheduled (every=0), and the connected writer with every=300: the plan
    # follows the connected one (it followed the idle one: 1440 connections)
    wire = ("alarm = MQTTWriter('alarm', '127.0.0.1', 1883, 'a/{sensor_id}', spool='a.txt')\n"
            "s.schedule_sensor(S(), 60, w)")
    out, err = _plan(tmp_path, capsys, kw="every=300, spool='o.txt'", wire=wire)
    assert out[0].endswith('publish every 300 s') and out[3].split()[3] == '287'
    assert err == ["thingflow-mpy plan: warning: 2 MQTT writers: the figures follow the first, MQTTWriter 'b1' "
                   "(every=300); 'alarm' (every=0) not modelled"]
