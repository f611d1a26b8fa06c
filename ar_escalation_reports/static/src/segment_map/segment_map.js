/** @odoo-module **/
// The segment map: each customer by its average days late (x) and its open amount (y),
// coloured by its segment, drawn with the Chart.js Odoo's web client ships (web.chartjs_lib).

import {
    Component,
    onWillStart,
    onWillUnmount,
    useEffect,
    useRef,
    useState,
    useSubEnv,
} from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { cookie } from "@web/core/browser/cookie";
import { getColor, hexToRGBA } from "@web/core/colors/colors";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { getDefaultConfig } from "@web/views/view";

const UNSEGMENTED_COLOR = "#adb5bd";

export class SegmentMap extends Component {
    static template = "ar_escalation_reports.SegmentMap";
    static components = { Layout };
    static props = ["*"];

    setup() {
        useSubEnv({ config: { ...getDefaultConfig(), ...this.env.config } });
        useSetupAction();
        this.orm = useService("orm");
        this.action = useService("action");
        this.canvasRef = useRef("canvas");
        this.chart = null;
        this.state = useState({ kind: "behaviour", data: null });
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        useEffect(
            () => this.renderChart(),
            () => [this.state.data]
        );
        onWillUnmount(() => this.chart?.destroy());
    }

    async load() {
        this.state.data = await this.orm.call("ar.escalation.segment.map", "ar_map_data", [], {
            kind: this.state.kind,
        });
    }

    async setKind(kind) {
        if (kind !== this.state.kind) {
            this.state.kind = kind;
            await this.load();
        }
    }

    get hasPoints() {
        return Boolean(this.state.data?.points.length);
    }

    get hasSegments() {
        return Boolean(this.state.data?.segments.length);
    }

    get unsegmentedCount() {
        return this.state.data.points.filter((point) => !point.segment_id).length;
    }

    /** "201 customers, 5 segments, 1 not segmented.": one sentence to translate, with its singulars. */
    get summary() {
        const customers = this.state.data.points.length;
        const segments = this.state.data.segments.length;
        const rest = this.unsegmentedCount;
        const counts = [
            customers === 1 ? _t("1 customer") : _t("%(count)s customers", { count: customers }),
            segments === 1 ? _t("1 segment") : _t("%(count)s segments", { count: segments }),
        ];
        if (rest) {
            counts.push(_t("%(count)s not segmented", { count: rest }));
        }
        return _t("%(counts)s. Click a point to open the customer.", { counts: counts.join(", ") });
    }

    /** One dataset per segment, and one for the customers no segment holds. */
    get datasets() {
        const { segments, points } = this.state.data;
        const scheme = cookie.get("color_scheme");
        const groups = segments.map((segment, index) => ({
            label: `${segment.name} (${segment.size})`,
            color: getColor(index, scheme, segments.length),
            points: points.filter((point) => point.segment_id === segment.id),
        }));
        const rest = points.filter((point) => !point.segment_id);
        if (rest.length) {
            groups.push({
                label: `${_t("Not segmented")} (${rest.length})`,
                color: UNSEGMENTED_COLOR,
                points: rest,
            });
        }
        return groups.map((group) => ({
            label: group.label,
            data: group.points.map((point) => ({ x: point.days_late, y: point.open_amount, point })),
            backgroundColor: hexToRGBA(group.color, 0.7),
            borderColor: group.color,
            clip: false, // a customer at 0 days late stays whole on the axis
            pointRadius: 5,
            pointHoverRadius: 7,
        }));
    }

    tooltipLabel(item) {
        const point = item.raw.point;
        const amount = formatMonetary(point.open_amount, { currencyId: point.currency_id });
        const days = formatFloat(point.days_late, { digits: [false, 1] });
        const lines = [
            point.name,
            point.due_count
                ? _t("%(days)s days late on average, %(amount)s open", { days, amount })
                : _t("Nothing due yet, %(amount)s open", { amount }),
        ];
        if (point.track) {
            lines.push(_t("Track: %(track)s", { track: point.track }));
        }
        if (this.state.data.multi_company) {
            lines.push(point.company);
        }
        return lines;
    }

    openCustomer(elements) {
        if (!elements.length) {
            return;
        }
        const { datasetIndex, index } = elements[0];
        const point = this.chart.data.datasets[datasetIndex].data[index].point;
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: point.partner_id,
            views: [[false, "form"]],
            target: "current",
        });
    }

    renderChart() {
        this.chart?.destroy();
        this.chart = null;
        if (!this.hasPoints || !this.canvasRef.el) {
            return;
        }
        this.chart = new Chart(this.canvasRef.el, {
            type: "scatter",
            data: { datasets: this.datasets },
            options: {
                maintainAspectRatio: false,
                animation: false,
                onClick: (event, elements) => this.openCustomer(elements),
                onHover: (event, elements) => {
                    event.native.target.style.cursor = elements.length ? "pointer" : "default";
                },
                plugins: {
                    legend: { position: "bottom" },
                    tooltip: { callbacks: { label: (item) => this.tooltipLabel(item) } },
                },
                scales: {
                    x: {
                        title: { display: true, text: _t("Average days late") },
                        beginAtZero: true,
                        grace: "5%",
                    },
                    y: {
                        title: { display: true, text: _t("Open amount") },
                        beginAtZero: true,
                        grace: "5%",
                    },
                },
            },
        });
    }
}

registry.category("actions").add("ar_escalation_segment_map", SegmentMap);
