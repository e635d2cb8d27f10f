"""Helpers shared by the engine benchmarks (``bench/load_dossiers.py``, ``bench/bench_engine.py``,
``bench/kill_burst.py``). Not part of the motcua package: benchmark fixtures and drivers only."""
