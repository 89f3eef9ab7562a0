"""thingflow-mpy plan counts a connection per batch for a
writer with a duty cycle in every mode (commit 9f931be), but for a writer
with batch= and no every= (publish 0) in deep mode it kept the connection
across the gaps slept awake, as for a writer without a duty cycle: one
connection an hour where the same timeline in modem mode gives 3600.
Those 3600 connections of 1.0 s and batches of 0.1 s do not fit in the 1 s
between the wake-ups: the plan says so (it printed 92 mA without a word)."""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_plan_warnings import APP  # noqa: E402

from thingflow_mpy import plan  # noqa: E402


def _rows(tmp_path, capsys, kw, mode):
    app = tmp_path / 'app.py'
    app.write_text(APP.format(clock='DeepSleepClock(FakeMachine())', kw=kw,
                              wire="s.schedule_sensor(S(), 1, w)\ndel w"))
    ap = argparse.ArgumentParser()
    plan.add_arguments(ap)
    assert plan.main(ap.parse_args([str(app), '--hours', '1', '--mode', mode])) == 0
    out = capsys.readouterr()
    return out.out.splitlines()[3].split(), out.err.splitlines()


def test_a_batch_writer_connects_per_batch_in_deep_mode_too(tmp_path, capsys):
    # every gap is 1 s, below min_ms: the deep-mode board never deep-sleeps,
    # so its timeline is the modem mode's, and so are its connections
    deep, derr = _rows(tmp_path, capsys, "batch=5, spool='o.txt'", 'deep')
    modem, merr = _rows(tmp_path, capsys, "batch=5, spool='o.txt'", 'modem')
    assert modem[:5] == ['modem', '3600.0', '691.2', '3600', '0']
    assert deep[:5] == ['deep', '3600.0', '691.2', '3600', '0']
    assert deep[5:] == modem[5:] == ['92.000', '1.1']
    # 8 ms of task and wake-up, 1.0 s connecting, 0.1 s sending, in 1 s:
    # 0.108 s too many at each of the 3599 wake-ups that have a next one
    for mode, err in (('deep', derr), ('modem', merr)):
        assert err[1:] == [
            'thingflow-mpy plan: warning: %s: 3599 of 3600 wake-ups need more time awake than there is before the '
            'next one (the first: 1.108 s of tasks, connection, batch and boot in 1 s; connect 1 s, publish 0.1 s '
            'on esp8266): the figures count 388.7 s (10.80 %% of the time simulated) that does not exist; publish '
            'less often (--publish, the writer\'s every=) or wake less often' % mode], err
        assert err[0].startswith("thingflow-mpy plan: warning: MQTTWriter 'b1': batch=5 is not modelled")


def test_a_writer_without_a_duty_cycle_keeps_one_connection(tmp_path, capsys):
    # unchanged: it never disconnects, and no reset comes
    deep, err = _rows(tmp_path, capsys, "spool='o.txt'", 'deep')
    assert deep[:5] == ['deep', '3600.0', '691.2', '1', '0']
    # 8 ms and a batch of 0.1 s fit in 1 s; the first connection (1.0 s) does
    # not, a 0.1 s once, below the 1 % of the time the plan warns from
    assert err == []
