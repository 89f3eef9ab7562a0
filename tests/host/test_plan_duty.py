"""thingflow-mpy plan counts a connection per batch for a
writer with a duty cycle in every mode (commit 9f931be), but for a writer
with batch= and no every= (publish 0) in deep mode it kept the connection
across the gaps slept awake, as for a writer without a duty cycle: one
connection an hour where the same timeline in modem mode gives 3600."""
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
    out = capsys.readouterr().out.splitlines()
    return out[3].split()


def test_a_batch_writer_connects_per_batch_in_deep_mode_too(tmp_path, capsys):
    # every gap is 1 s, below min_ms: the deep-mode board never deep-sleeps,
    # so its timeline is the modem mode's, and so are its connections
    deep = _rows(tmp_path, capsys, "batch=5, spool='o.txt'", 'deep')
    modem = _rows(tmp_path, capsys, "batch=5, spool='o.txt'", 'modem')
    assert modem[:5] == ['modem', '3600.0', '691.2', '3600', '0']
    assert deep[:5] == ['deep', '3600.0', '691.2', '3600', '0']
    assert deep[5:] == modem[5:] == ['92.000', '1.1']


def test_a_writer_without_a_duty_cycle_keeps_one_connection(tmp_path, capsys):
    # unchanged: it never disconnects, and no reset comes
    deep = _rows(tmp_path, capsys, "spool='o.txt'", 'deep')
    assert deep[:5] == ['deep', '3600.0', '691.2', '1', '0']
