"""poolnode benchmarks: one module per benchmark, run together by ``python -m bench``.

Every benchmark is a function ``run(sizes) -> list[Row]`` taking the sizes of a full or a
smoke run (see :mod:`bench.report`). Servers and load generators run in their own
processes and bind to 127.0.0.1 only; every load is bounded in requests and in time.
"""
