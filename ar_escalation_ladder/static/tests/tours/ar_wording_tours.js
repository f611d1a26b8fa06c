/** @odoo-module */

import { registry } from "@web/core/registry";

// An accountant without an AR group clicks the case link of an invoice's chatter line:
// a notification says the case is the AR team's, no access error.
registry.category("web_tour.tours").add("ar_escalation_case_link_billing", {
    steps: () => [
        {
            content: "The invoice's chatter line links to its escalation case",
            trigger: ".o-mail-Message a[data-oe-model='ar.escalation.case']",
            run: "click",
        },
        {
            content: "The click is answered in words",
            trigger: ".o_notification:contains('Escalation cases are the AR team')",
        },
        {
            content: "No error dialog, and the invoice is still open",
            trigger: "body:not(:has(.o_error_dialog)) .o_form_view .o_field_widget[name='name']",
        },
    ],
});
