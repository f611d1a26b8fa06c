from . import test_install
from . import test_sms_provider
from . import test_sms_ladder
from . import test_sms_webhooks
from . import test_sms_security
from . import test_sms_crash
from . import test_sms_permissions
from . import test_sms_wording
