/** @odoo-module */

import { Component, onWillStart, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { arBoardKanbanView } from "./ar_board_kanban";

/**
 * The ladder board's line on the last run (Escalation > Runs): when it ended and
 * whether it had errors, or how far today's run is. Clicking it opens the run.
 */
export class ArBoardLastRun extends Component {
    static template = "ar_escalation_ladder.ArBoardLastRun";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ status: {} });
        onWillStart(async () => {
            this.state.status = await this.orm.call("ar.escalation.run", "ar_board_status", []);
        });
    }

    openRun() {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "ar.escalation.run",
            res_id: this.state.status.id,
            views: [[false, "form"]],
        });
    }
}

export class ArBoardKanbanController extends KanbanController {
    static template = "ar_escalation_ladder.ArBoardKanbanView";
    static components = { ...KanbanController.components, ArBoardLastRun };
}

// the board (ar_board_kanban.js) shows the line in its control panel, beside the pager
arBoardKanbanView.Controller = ArBoardKanbanController;
