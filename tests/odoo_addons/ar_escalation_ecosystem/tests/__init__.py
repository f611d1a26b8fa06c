from . import test_ecosystem

# the addons' queue_job tests (skipped where queue_job is not installed) run here,
# where it is: setup/test.sh selects them by their tag, ar_queue_job
from odoo.addons.ar_escalation_ladder.tests import test_queue_job  # noqa: F401
from odoo.addons.ar_escalation_ladder.tests import test_webhooks  # noqa: F401
from odoo.addons.ar_escalation_sms.tests import test_sms_queue_job  # noqa: F401
