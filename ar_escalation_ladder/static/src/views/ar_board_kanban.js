/** @odoo-module */

import { onWillStart } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";

/**
 * The ladder board: dropping a card on another stage does not write the stage.
 * It opens the override dialog (stage preset, reason required); the stage changes
 * only when the dialog is confirmed, through the same override as the invoice
 * form (chatter line + event). Cancelling leaves the invoice where it was.
 */
export class ArBoardKanbanRenderer extends KanbanRenderer {
    setup() {
        super.setup();
        this.action = useService("action");
        this.arCanOverride = false;
        onWillStart(async () => {
            this.arCanOverride = await user.hasGroup("ar_escalation_ladder.group_ar_manager");
        });
    }

    get canResequenceRecords() {
        // only AR managers may override, and only between stages (no reordering)
        const { isGrouped, groupByField } = this.props.list;
        return this.arCanOverride && isGrouped && groupByField?.name === "ar_stage_id";
    }

    async sortRecordDrop(dataRecordId, dataGroupId, { parent }) {
        const hovered = parent?.classList.contains("o_kanban_hover");
        parent?.classList.remove("o_kanban_hover");
        const targetGroupId = parent?.dataset.id;
        if (!hovered || !targetGroupId || targetGroupId === dataGroupId) {
            return;
        }
        const { list } = this.props;
        const source = list.groups.find((group) => group.id === dataGroupId);
        const target = list.groups.find((group) => group.id === targetGroupId);
        const record = source?.list.records.find((rec) => rec.id === dataRecordId);
        if (!record || !target) {
            return;
        }
        await this.action.doAction(
            {
                type: "ir.actions.act_window",
                name: _t("Move to %s", target.displayName),
                res_model: "ar.escalation.action.wizard",
                views: [[false, "form"]],
                target: "new",
                context: {
                    default_action: "override",
                    default_move_ids: [record.resId],
                    default_stage_id: target.value,
                },
            },
            {
                // Cancel changed nothing: the card is back in its column. Otherwise
                // (confirmed, or closed another way) show the invoices as the server has them.
                onClose: (info) => (info?.special ? undefined : list.model.load()),
            }
        );
    }
}

export const arBoardKanbanView = {
    ...kanbanView,
    Renderer: ArBoardKanbanRenderer,
};

registry.category("views").add("ar_escalation_board", arBoardKanbanView);
