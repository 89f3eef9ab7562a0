"""run --heap names what it adds on top of the app's heap: with a setup
script, the simulated hardware and the runner; without one, only the
runner, and it says that the simulated modules the app imports count in
the app's heap (it said 'simulated hardware' there too)."""
from test_examples import run

APP = 'import machine\nprint("pin", machine.Pin(2).value())\n'


def test_without_a_setup_script_the_label_says_what_counts_where(tmp_path):
    app = tmp_path / 'app.py'
    app.write_text(APP)
    res, events, s = run(app, '--heap', 24, '--no-broker')
    assert res.returncode == 0 and s['app'] == 'ended', res.stdout + res.stderr
    line = [ln for ln in res.stdout.splitlines() if ' KB heap for the app' in ln][0]
    assert line.endswith(' KB for the runner (no setup script: the simulated modules the app imports, built into '
                         'a board, count in its heap; import them in a sim_wiring.py beside it)'), line
    assert 'pin 0' in res.stdout.splitlines()


def test_with_a_setup_script_the_simulated_hardware_is_on_top(tmp_path):
    app = tmp_path / 'app.py'
    app.write_text(APP)
    (tmp_path / 'sim_wiring.py').write_text('import machine\n')
    res, events, s = run(app, '--heap', 24, '--no-broker')
    assert res.returncode == 0 and s['app'] == 'ended', res.stdout + res.stderr
    line = [ln for ln in res.stdout.splitlines() if ' KB heap for the app' in ln][0]
    assert line.endswith(' KB for the simulated hardware and the runner'), line
