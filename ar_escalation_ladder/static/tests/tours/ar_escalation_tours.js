/** @odoo-module */

import { registry } from "@web/core/registry";

const column = (stage) => `.o_kanban_group:has(.o_column_title:contains('${stage}'))`;

// drop inside the column, under its header (the default "top" is just above it)
const dropOn = (stage) =>
    async function (helpers) {
        await helpers.drag_and_drop(column(stage), { position: { top: 80 }, relative: true });
    };

// An AR clerk logs a promise to pay from the customer invoice form.
registry.category("web_tour.tours").add("ar_escalation_log_promise", {
    steps: () => [
        {
            content: "The invoice says where it stands on the ladder, in words",
            trigger: ".o_ar_escalation_banner:contains('Early'):contains('12 days overdue')",
        },
        {
            content: "Open the promise dialog from the invoice",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Log promise')",
            run: "click",
        },
        {
            content: "One instalment to start with, for what is open: open it",
            trigger: ".modal div[name='line_ids'] .o_data_row td[name='amount']",
            run: "click",
        },
        {
            content: "Promise part of it",
            trigger: ".modal div[name='line_ids'] .o_data_row td[name='amount'] input",
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
            trigger: ".o-mail-Message:contains('Promise to pay'):contains('400.00')",
        },
    ],
});

// An administrator tightens a stage's SLA, starting from the Invoicing settings.
registry.category("web_tour.tours").add("ar_escalation_edit_stage", {
    steps: () => [
        {
            content: "The settings have an AR Escalation section",
            trigger: ".o_setting_box:contains('Escalation ladder')",
        },
        {
            content: "Follow the link to the stages",
            trigger: ".o_setting_box:contains('Escalation ladder') button:contains('Stages')",
            run: "click",
        },
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

// An AR manager drags a card to another stage on the board: a reason is asked first.
registry.category("web_tour.tours").add("ar_escalation_board_drag", {
    steps: () => [
        {
            content: "Every stage is a column, the empty ones too",
            trigger: `${column("Pre-default")}`,
        },
        {
            content: "Drag the Managed invoice to Executive",
            trigger: `${column("Managed")} .o_kanban_record:contains('Dragged Goods')`,
            run: dropOn("Executive"),
        },
        {
            content: "A reason is asked; think again and cancel",
            trigger: ".modal:contains('Move to Executive') .modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "Cancelled: the invoice has not moved",
            trigger: `body:not(:has(.modal)) ${column("Managed")} .o_kanban_record:contains('Dragged Goods')`,
        },
        {
            content: "Drag it again",
            trigger: `${column("Managed")} .o_kanban_record:contains('Dragged Goods')`,
            run: dropOn("Executive"),
        },
        {
            content: "Give the reason",
            trigger: ".modal:contains('Move to Executive') div[name='reason'] textarea",
            run: "edit CFO takes it over after the call",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The invoice is now in Executive",
            trigger: `body:not(:has(.modal)) ${column("Executive")} .o_kanban_record:contains('Dragged Goods')`,
        },
    ],
});

// A customer commits to a payment date from the invoice's portal page (access token link).
registry.category("web_tour.tours").add("ar_escalation_portal_promise", {
    steps: () => {
        const date = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
        return [
            {
                content: "Pick a date next week",
                trigger: "#ar_escalation_portal input[name='date']",
                run() {
                    // a native date input takes its value as yyyy-mm-dd
                    this.anchor.value = date;
                    this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
                },
            },
            {
                content: "Pay part of it",
                trigger: "#ar_escalation_portal input[name='amount']",
                run: "edit 300",
            },
            {
                content: "Commit",
                trigger: "#ar_escalation_portal button:contains('Commit')",
                run: "click",
            },
            {
                content: "The page thanks the customer",
                // the notice the server chose for its code, amount in the invoice's currency
                trigger: "#ar_escalation_portal .alert-success:contains('your payment of'):contains('300.00')",
            },
        ];
    },
});

// An AR manager pauses two invoices at once from the board's list, then resumes them.
registry.category("web_tour.tours").add("ar_escalation_bulk_pause_resume", {
    steps: () => {
        const until = new Date(Date.now() + 14 * 24 * 3600 * 1000);
        const pad = (n) => String(n).padStart(2, "0");
        // the date field's format in English (US): MM/DD/YYYY
        const untilText = `${pad(until.getMonth() + 1)}/${pad(until.getDate())}/${until.getFullYear()}`;
        const row = (name) => `.o_list_view .o_data_row:has(td[name='commercial_partner_id']:contains('${name}'))`;
        const selectBoth = [
            {
                content: "Select the first customer's invoice",
                trigger: `${row("Bulk One Ltd")} .o_list_record_selector input`,
                run: "click",
            },
            {
                content: "and the second's",
                trigger: `${row("Bulk Two Ltd")} .o_list_record_selector input`,
                run: "click",
            },
            {
                content: "Open the Action menu of the selection",
                trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
                run: "click",
            },
        ];
        return [
            {
                content: "Switch the board to its list",
                trigger: ".o_switch_view.o_list",
                run: "click",
            },
            ...selectBoth,
            {
                content: "Pause both",
                trigger: ".o-dropdown--menu .o-dropdown-item:contains('Pause escalation')",
                run: "click",
            },
            {
                content: "Until two weeks from now",
                trigger: ".modal div[name='until'] input",
                run: `edit ${untilText}`,
            },
            {
                content: "One reason for both",
                trigger: ".modal div[name='reason'] textarea",
                run: "edit Both in the customer's year-end audit",
            },
            {
                content: "Confirm",
                trigger: ".modal button[name='action_confirm']",
                run: "click",
            },
            {
                content: "The notification says which were paused",
                trigger: ".o_notification:contains('Paused until'):contains('INV/')",
            },
            {
                content: "The list reloaded: the selection is cleared",
                trigger: `${row("Bulk One Ltd")}:not(:has(.o_list_record_selector input:checked))`,
            },
            {
                content: "Close the notification",
                trigger: ".o_notification:contains('Paused until') .o_notification_close",
                run: "click",
            },
            ...selectBoth,
            {
                content: "Resume both",
                trigger: ".o-dropdown--menu .o-dropdown-item:contains('Resume escalation')",
                run: "click",
            },
            {
                content: "The notification says the escalation resumed",
                trigger: ".o_notification:contains('Escalation resumed on')",
            },
        ];
    },
});

// An AR manager resumes a paused invoice from its form.
registry.category("web_tour.tours").add("ar_escalation_resume_invoice", {
    steps: () => [
        {
            content: "The band says the invoice is paused",
            trigger: ".o_ar_escalation_banner:contains('Paused until')",
        },
        {
            content: "Resume it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_ar_resume']",
            run: "click",
        },
        {
            content: "The notification says it is evaluated now",
            trigger: ".o_notification:contains('Escalation resumed on')",
        },
        {
            content: "The band no longer says paused, the button is gone",
            trigger: ".o_form_view:not(:has(.o_ar_escalation_banner:contains('Paused until'))):not(:has(button[name='action_ar_resume']))",
        },
        {
            content: "The chatter says who lifted the pause",
            trigger: ".o-mail-Message:contains('Pause lifted')",
        },
    ],
});
