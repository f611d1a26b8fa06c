# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reasons as codes (18.0.1.3.0): an event's reason is stored as phrase codes (``reason_data``).

The events written before kept their reason as text in the language of the
run that wrote them. Each becomes a ``text`` phrase of that text, shown as it
was written; the old column stays in the table, untouched, for whoever
reads it directly.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """SELECT 1 FROM information_schema.columns
                WHERE table_name = 'ar_escalation_event' AND column_name = 'reason'"""
        )
    )
    if not cr.fetchone():
        return
    cr.execute(
        SQL(
            """UPDATE ar_escalation_event
                  SET reason_data = jsonb_build_array(jsonb_build_object('code', 'text', 'text', reason))
                WHERE reason_data IS NULL AND reason IS NOT NULL AND reason <> ''"""
        )
    )
