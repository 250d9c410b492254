"""Settings for commands that test_faults.py runs in a subprocess and kills: the test settings
(whose EMAIL_BACKEND is the site's outbox, as in production, outside pytest) delivering to files
in $MAIL_FOLDER."""

from config.settings.test import *  # noqa: F403

EMAIL_DELIVERY_BACKEND = "tests.outbox.mail_servers.FolderMailServer"
