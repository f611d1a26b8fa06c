# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from .ar_escalation_access import check_ladder_fields


class ArEscalationOwned(models.AbstractModel):
    """A record the ladder alone creates and changes (promises, their instalments, disputes).

    They are logged by the ladder's actions (the wizards, the portal), which
    record the event and the chatter line, and settled or resolved by the
    ladder: a plain ``create`` or ``write`` over RPC is refused
    (:func:`~.ar_escalation_access.check_ladder_fields`).
    """

    _name = "ar.escalation.owned"
    _description = "Record owned by the escalation ladder"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_ladder_fields(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_ladder_fields(self, vals)
        return super().write(vals)
