"""Build script for the one piece that setup.cfg cannot declare: the optional C
extension vidiacritic._decode (vidiacritic/_decode.c: the Viterbi passes' loops and
language-model look-ups, the edit channel's dynamic programming, the phrase trie's
walk).  It is optional: without a C compiler, or when it fails to build, installing
goes on and vidiacritic runs numpy and Python alone (the same results, slower; see
vidiacritic/compiled.py).  It reads numpy arrays through the buffer protocol,
so building it needs Python's headers only, no numpy."""
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    def build_extension(self, ext):
        if self.compiler.compiler_type == "unix":
            # No fused multiply-adds: every sum and product is the numpy code's, to the bit.
            ext.extra_compile_args = ["-O2", "-ffp-contract=off"]
        super().build_extension(ext)


setup(
    ext_modules=[Extension("vidiacritic._decode", ["vidiacritic/_decode.c"], optional=True)],
    cmdclass={"build_ext": BuildExt},
)
