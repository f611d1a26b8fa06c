/** @odoo-module */

import "@mail/core/web/store_service_patch";
import { Store } from "@mail/core/common/store_service";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";

/**
 * A link to an escalation case in a chatter line (an invoice's "Case: …") opens the
 * case for the AR team; anyone else, who may read the invoice but not the ladder's
 * cases, is told so in a notification instead of meeting an access error.
 */
patch(Store.prototype, {
    handleClickOnLink(ev, thread) {
        const model = ev.target.dataset.oeModel;
        const id = Number(ev.target.dataset.oeId);
        if (ev.target.tagName === "A" && id && model === "ar.escalation.case") {
            ev.preventDefault();
            user.hasGroup("ar_escalation_ladder.group_ar_user").then((isArTeam) => {
                if (isArTeam) {
                    this.env.services.action.doAction({
                        type: "ir.actions.act_window",
                        res_model: model,
                        views: [[false, "form"]],
                        res_id: id,
                    });
                } else {
                    this.env.services.notification.add(
                        _t(
                            "Escalation cases are the AR team's: ask an AR user or manager about “%s”.",
                            ev.target.textContent
                        ),
                        { type: "info" }
                    );
                }
            });
            return true;
        }
        return super.handleClickOnLink(...arguments);
    },
});
