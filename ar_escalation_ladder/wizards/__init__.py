from . import ar_escalation_promise_wizard
from . import ar_escalation_dispute_wizard
from . import ar_escalation_action_wizard
from . import ar_escalation_preview
from . import ar_escalation_policy_wizard
from . import ar_escalation_reopen_wizard
from . import ar_escalation_golive_wizard
