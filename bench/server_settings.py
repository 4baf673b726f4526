"""The burst's server: `config.settings.production` exactly, with the benchmark's URLconf.

`bench.urls` adds the reference route (`bench.reference`) to the site's routes; nothing else
differs from production. A settings module given to `python -m bench burst --settings` must set
`ROOT_URLCONF = "bench.urls"` likewise.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
