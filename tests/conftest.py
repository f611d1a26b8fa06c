"""Make the addons' database-free parts importable without Odoo; the shipped ladder.

An addon's ``__init__`` imports its Odoo models, so the addon package is
registered here as a bare namespace: ``import ar_escalation_ladder.engine``
then loads only the engine, which needs no Odoo.

The ladder a new database gets is read from the addon's data file by
``shipped_ladder.py`` (``from shipped_ladder import shipped_ladder``), never
copied into a test.
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

for _addon in ("ar_escalation_ladder", "ar_escalation_sms", "ar_escalation_reports"):
    if _addon not in sys.modules:
        _pkg = types.ModuleType(_addon)
        _pkg.__path__ = [str(ROOT / _addon)]
        sys.modules[_addon] = _pkg
