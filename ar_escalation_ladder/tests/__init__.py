from . import test_ladder_rules
from . import test_escalation_tracks
from . import test_promises_and_closing
from . import test_run_safety
from . import test_wizards
from . import test_security
from . import test_tours
from . import test_portal
