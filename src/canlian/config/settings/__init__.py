"""Default settings: everything comes from CANLIAN_* environment variables.

The defaults are safe for the demo (SQLite under var/, a demo secret, DEBUG off). A real site uses
``canlian.config.settings.production``, which refuses to start with the demo secret.
"""

from canlian.config.settings.base import *  # noqa: F403
