/** @odoo-module */

import { registry } from "@web/core/registry";

// An AR user sees on the board that the last run had an error, opens the run, then the invoice.
registry.category("web_tour.tours").add("ar_escalation_run_history", {
    steps: () => [
        {
            content: "The board says when the last run ended, and that it had an error",
            trigger: ".o_ar_last_run.text-danger:contains('Last run ended'):contains('with 1 error.')",
            run: "click",
        },
        {
            content: "The run says what it did",
            trigger: ".o_form_view:contains('Run of') .o_field_widget[name='state']:contains('Done with errors')",
        },
        {
            content: "Its counts",
            trigger: ".o_form_view div[name='message_count']:contains('2')",
        },
        {
            content: "What failed, in words",
            trigger: ".o_ar_run_errors:contains('550 mailbox unavailable')",
        },
        {
            content: "Each error links to its invoice",
            trigger: ".o_ar_run_errors a[href^='/odoo/account.move/']:contains('INV/')",
        },
        {
            content: "The runs have a menu of their own",
            trigger: ".o_main_navbar button:contains('Escalation')",
            run: "click",
        },
        {
            content: "Escalation > Runs",
            trigger: ".dropdown-item:contains('Runs')",
            run: "click",
        },
        {
            content: "The list shows the day's run with its error count, and no New button",
            trigger: ".o_list_view:not(:has(.o_list_button_add)) .o_data_row:contains('Done with errors')",
        },
    ],
});
