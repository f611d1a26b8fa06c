from . import ar_escalation_demo
