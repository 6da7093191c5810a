"""HTTP sessions for SDKs built on requests: pooled for parallel parts, cheap per request."""

from __future__ import annotations

import os
import urllib.request

CA_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def tune(session, pool_size: int, *, retries=0):
    """Mount adapters keeping ``pool_size`` connections, and read the environment once.

    requests re-reads proxy variables from the environment on every request, which costs
    more CPU than hashing a small object. When no proxy is configured, the CA bundle is taken
    from the environment now and the per-request lookup is switched off; with a proxy set, the
    session keeps requests' own handling so ``no_proxy`` still works.
    """
    from requests.adapters import HTTPAdapter

    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if not {"http", "https", "all"} & set(urllib.request.getproxies()):
        bundle = next((os.environ[v] for v in CA_VARS if os.environ.get(v)), None)
        if bundle:
            session.verify = bundle
        session.trust_env = False
    return session
