"""The collector's C fast path (collector/_fastpath.c); everything else is in pyproject.toml.

`optional`: a machine without a C compiler (e.g. a site installing only the agent) still
installs, and the collector runs its pure-Python path."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "collector._fastpath",
            ["collector/_fastpath.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
            optional=True,
        )
    ]
)
