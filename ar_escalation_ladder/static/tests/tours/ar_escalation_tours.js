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
