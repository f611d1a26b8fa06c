/** @odoo-module */

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The invoice page's promise and dispute forms are sent once: on submission the
 * form's button is disabled (a double click or a second Enter posts nothing
 * more). The server answers a repeated post of the same promise or dispute as
 * noted without recording it twice (controllers/portal.py).
 */
publicWidget.registry.ArEscalationPortalForm = publicWidget.Widget.extend({
    selector: "#ar_escalation_portal .o_ar_portal_form",
    events: { submit: "_onSubmit" },

    _onSubmit(ev) {
        if (this.el.dataset.arSubmitted) {
            ev.preventDefault();
            return;
        }
        this.el.dataset.arSubmitted = "1";
        for (const button of this.el.querySelectorAll("button[type='submit']")) {
            button.disabled = true;
            button.classList.add("disabled");
            button.setAttribute("aria-disabled", "true");
        }
    },
});
