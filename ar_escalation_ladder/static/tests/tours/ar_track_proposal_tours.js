/** @odoo-module */

import { registry } from "@web/core/registry";

// An AR manager reviews a track drafted from a segment's behaviour, approves it, then activates it.
registry.category("web_tour.tours").add("ar_escalation_approve_drafted_track", {
    steps: () => [
        {
            content: "The drafted tracks waiting for review",
            trigger: ".o_list_view .o_data_row:contains('Draft') td.o_data_cell:contains('Track: Chronic late payers')",
            run: "click",
        },
        {
            content: "The draft says its customers stay where they are until it is active",
            trigger: ".o_form_view .alert-info:contains('stay on their current track')",
        },
        {
            content: "Why this draft",
            trigger: ".o_notebook .nav-link:contains('Why this draft')",
            run: "click",
        },
        {
            content: "Each choice says why: the segment pays late",
            trigger: ".o_field_widget[name='choice_ids'] .o_data_row:contains('14 days before the due date'):contains('pays 24 days late on average')",
        },
        {
            content: "Approve",
            trigger: ".o_form_view .o_form_statusbar button[name='action_ar_approve']",
            run: "click",
        },
        {
            content: "Approved, not live yet",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
        {
            content: "Activate",
            trigger: ".o_form_view .o_form_statusbar button[name='action_ar_activate']",
            run: "click",
        },
        {
            content: "Confirm: the segment's customers move now",
            trigger: ".modal-dialog:contains('customers move to this track') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Active",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Active')",
        },
        {
            content: "The chatter says who activated it and how many customers moved",
            trigger: ".o-mail-Message:contains('Track activated by'):contains('1 moved')",
        },
    ],
});

// An AR manager drafts a track from a behaviour segment: the draft opens, its choices say why.
registry.category("web_tour.tours").add("ar_escalation_draft_track_from_segment", {
    steps: () => [
        {
            content: "Draft a track, on the segment",
            trigger: ".o_form_view .o_form_statusbar button[name='action_ar_draft_track']",
            run: "click",
        },
        {
            content: "The drafted track opens, a draft",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Why this draft",
            trigger: ".o_notebook .nav-link:contains('Why this draft')",
            run: "click",
        },
        {
            content: "Its choices say why",
            trigger: ".o_field_widget[name='choice_ids'] .o_data_row:contains('pays 24 days late on average')",
        },
    ],
});
