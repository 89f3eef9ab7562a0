"""A folder where a file is wanted gets a message that says so (deploy and
plan said 'no such app: examples', and deploy 'no such file' for --file),
and the size table counts '1 file'."""
import argparse
from pathlib import Path

import pytest

from thingflow_mpy import build, plan
from thingflow_mpy.cli import main

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / 'examples'


def test_deploy_a_folder_as_the_app(capsys):
    assert main(['deploy', str(EX), '--port', 'a0', '--dry-run']) == 2
    assert capsys.readouterr().err == ("thingflow-mpy deploy: %s: a folder, not an app file "
                                       "(give the app's .py file)\n" % EX)


def test_deploy_a_folder_as_a_file(capsys):
    assert main(['deploy', str(EX / 'demo.py'), '--port', 'a0', '--dry-run', '--file', str(EX)]) == 2
    assert capsys.readouterr().err == 'thingflow-mpy deploy: --file %s: a folder, not a file\n' % EX


def test_plan_a_folder_as_the_app(capsys):
    ap = argparse.ArgumentParser()
    plan.add_arguments(ap)
    assert plan.main(ap.parse_args([str(EX)])) == 2
    assert capsys.readouterr().err == ("thingflow-mpy plan: %s: a folder, not an app file "
                                       "(give the app's .py file)\n" % EX)


@pytest.mark.parametrize('n,word', [(1, 'file'), (2, 'files')])
def test_size_table_counts_files(n, word):
    rows = [(Path('m%d.py' % i), 10, 5) for i in range(n)]
    assert build.table(rows).splitlines()[-1] == '%d %s for any board (portable bytecode); .mpy is 50%% of the source' % (n, word)
