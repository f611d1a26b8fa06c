# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""From one message per customer and stage to one per customer (18.0.1.1.0).

The shipped templates, activity types and crons are noupdate from this version
on, so an upgrade keeps what an administrator edited. A stage template still
as the previous version shipped it (its subject unchanged) is loaded anew from
this version's data file: the statement of account, with its recipients and
language. An edited one keeps its text; what this version needs of it and the
previous version never had is filled in where empty (``partner_to`` from the
case's ``message_recipient_ids``, ``lang``). The escalation activity type gets
its model (cases; disputes have their own invoice activity type).
"""

import io

from lxml import etree

from odoo import api
from odoo.tools import SQL
from odoo.tools.convert import convert_xml_import
from odoo.tools.misc import file_path

# the subjects 18.0.1.0.0 shipped, by template
OLD_SUBJECTS = {
    "mail_template_stage_preventive": "{{ object.company_id.name }}: upcoming payment reminder",
    "mail_template_stage_early": (
        "{{ object.company_id.name }}: invoices past due — can you confirm the payment date?"
    ),
    "mail_template_stage_managed": (
        "{{ object.company_id.name }}: overdue invoices — payment commitment needed by "
        "{{ format_date(object.notice_deadline) }}"
    ),
    "mail_template_stage_executive": (
        "{{ object.company_id.name }}: {{ format_amount(sum(abs(inv.amount_residual_signed) "
        "for inv in object.message_invoice_ids), object.company_id.currency_id) }} overdue — decision needed"
    ),
    "mail_template_stage_predefault": (
        "{{ object.company_id.name }}: FINAL NOTICE before further action — payment due by "
        "{{ format_date(object.notice_deadline) }}"
    ),
}

TEMPLATES = (
    "mail_template_stage_preventive",
    "mail_template_stage_early",
    "mail_template_stage_managed",
    "mail_template_stage_executive",
    "mail_template_stage_predefault",
)
PARTNER_TO = "{{ ','.join([str(pid) for pid in object.message_recipient_ids.ids]) }}"
LANG = "{{ object.partner_id.lang }}"


class _NamedBytes(io.BytesIO):
    name = "ar_escalation_ladder/data/mail_template_data.xml"


def _reload_templates(env, xmlids):
    """Load ``xmlids`` anew from this version's data file (as at install)."""
    path = file_path("ar_escalation_ladder/data/mail_template_data.xml")
    source = etree.parse(path).getroot()
    root = etree.Element("odoo", noupdate="1")
    for record in source.iter("record"):
        if record.get("id") in xmlids:
            root.append(record)
    if len(root):
        convert_xml_import(env, "ar_escalation_ladder", _NamedBytes(etree.tostring(root)), mode="init")


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, api.SUPERUSER_ID, {})
    unedited = []
    for xmlid, subject in OLD_SUBJECTS.items():
        template = env.ref(f"ar_escalation_ladder.{xmlid}", raise_if_not_found=False)
        if template and template.with_context(lang="en_US").subject == subject:
            unedited.append(xmlid)
    _reload_templates(env, unedited)
    for xmlid in TEMPLATES:
        template = env.ref(f"ar_escalation_ladder.{xmlid}", raise_if_not_found=False)
        if not template:
            continue
        vals = {}
        if not template.partner_to and not template.email_to:
            vals["partner_to"] = PARTNER_TO
        if not template.lang:
            vals["lang"] = LANG
        if vals:
            template.write(vals)
    activity_type = env.ref("ar_escalation_ladder.mail_activity_type_escalation", raise_if_not_found=False)
    if activity_type and not activity_type.res_model:
        # done activities on invoices (the old disputes) keep their type; the
        # type itself now belongs to cases, where the ladder schedules it
        cr.execute(
            SQL(
                """SELECT 1 FROM mail_activity
                    WHERE activity_type_id = %s AND res_model != 'ar.escalation.case' LIMIT 1""",
                activity_type.id,
            )
        )
        if not cr.fetchone():
            activity_type.res_model = "ar.escalation.case"
