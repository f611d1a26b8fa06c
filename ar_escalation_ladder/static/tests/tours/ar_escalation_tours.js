/** @odoo-module */

import { registry } from "@web/core/registry";

// An AR clerk logs a promise to pay from the customer invoice form.
registry.category("web_tour.tours").add("ar_escalation_log_promise", {
    steps: () => [
        {
            content: "Open the promise dialog from the invoice",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Log promise')",
            run: "click",
        },
        {
            content: "The amount defaults to what is open; promise part of it",
            trigger: ".modal div[name='amount'] input",
            run: "edit 400",
        },
        {
            content: "Say what was said",
            trigger: ".modal div[name='note'] textarea",
            run: "edit AP confirmed Friday's payment run",
        },
        {
            content: "Log it",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The chatter shows the promise",
            trigger: ".o-mail-Message:contains('Promise to pay: 400.00')",
        },
    ],
});

// An administrator tightens a stage's SLA from Configuration > Escalation ladder.
registry.category("web_tour.tours").add("ar_escalation_edit_stage", {
    steps: () => [
        {
            content: "Open the Managed stage",
            trigger: ".o_data_row td[name='name']:contains('Managed')",
            run: "click",
        },
        {
            content: "Set its SLA to 5 hours",
            trigger: ".o_form_view div[name='sla_hours'] input",
            run: "edit 5",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Back to the ladder",
            trigger: ".o_breadcrumb a:contains('Escalation ladder')",
            run: "click",
        },
        {
            content: "The ladder shows the new SLA",
            trigger: ".o_data_row:contains('Managed') td[name='sla_hours']:contains('5.00')",
        },
    ],
});
