# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Plain-Python parts of the ladder's webhooks: no Odoo, no database.

``tests/`` at the repository root tests them with pytest; the models call them.
"""
