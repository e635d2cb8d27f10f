"""Settings of the server under benchmark: motcua's own, with the public lookup's rate limit
raised out of the way (it is still counted, one upsert per request, as in production) and one
trusted proxy, so that the load generator can spread its lookups over many client addresses
with ``X-Forwarded-For`` as a reverse proxy in front of motcua would."""

import os

from motcua.settings import *  # noqa: F403

MOTCUA_PUBLIC_RATE_LIMIT = os.environ.get("BENCH_PUBLIC_RATE_LIMIT", "1000000000/minute")
NINJA_NUM_PROXIES = int(os.environ.get("BENCH_NUM_PROXIES", "1"))

# Experiments, off by default: server-side parameter binding, which lets psycopg prepare the
# statements a connection repeats (PostgreSQL then skips parsing and planning them).
if os.environ.get("BENCH_SERVER_SIDE_BINDING") == "1":
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True  # noqa: F405
# PostgreSQL session settings for an experiment, e.g. "-c join_collapse_limit=1" (after
# motcua's own, so "-c jit=on" undoes its default).
if os.environ.get("BENCH_PG_OPTIONS"):
    _options = DATABASES["default"]["OPTIONS"]  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} {os.environ['BENCH_PG_OPTIONS']}".strip()
