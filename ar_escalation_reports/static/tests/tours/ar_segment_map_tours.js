/** @odoo-module */

import { registry } from "@web/core/registry";

const MAP = ".o_ar_segment_map";

/** Click the point of ``name`` on the map's canvas, where Chart.js drew it. */
function clickPoint(name) {
    const canvas = document.querySelector(`${MAP} canvas`);
    const chart = window.Chart.getChart(canvas);
    for (const [datasetIndex, dataset] of chart.data.datasets.entries()) {
        const index = dataset.data.findIndex((item) => item.point.name === name);
        if (index >= 0) {
            const element = chart.getDatasetMeta(datasetIndex).data[index];
            const rect = canvas.getBoundingClientRect();
            const position = { clientX: rect.left + element.x, clientY: rect.top + element.y };
            canvas.dispatchEvent(new MouseEvent("mousemove", { ...position, bubbles: true }));
            canvas.dispatchEvent(new MouseEvent("click", { ...position, bubbles: true }));
            return;
        }
    }
    throw new Error(`no point for ${name} on the segment map`);
}

// An AR user reads the segment map and opens a customer from it.
registry.category("web_tour.tours").add("ar_escalation_segment_map", {
    steps: () => [
        {
            content: "The map says how many customers and segments it plots",
            trigger: `${MAP} .o_ar_segment_map_summary:contains('2 segments')`,
        },
        {
            content: "The customers are drawn",
            trigger: `${MAP} canvas`,
        },
        {
            content: "Colour by the rule-based segments instead",
            trigger: `${MAP} .o_ar_segment_map_kind button[data-kind='rule']`,
            run: "click",
        },
        {
            content: "None yet: the map says so in words",
            trigger: `${MAP} .o_ar_segment_map_no_segment:contains('No customer is in a rule-based segment yet')`,
        },
        {
            content: "Back to the behaviour segments",
            trigger: `${MAP} .o_ar_segment_map_kind button[data-kind='behaviour']`,
            run: "click",
        },
        {
            content: "Click the late payer's point",
            trigger: `${MAP} .o_ar_segment_map_summary:contains('2 segments')`,
            run: () => clickPoint("Late Larry Ltd"),
        },
        {
            content: "The customer opens",
            trigger: ".o_form_view .o_field_widget[name='name'] input:value(Late Larry Ltd)",
        },
    ],
});

// With no segment at all, the map says so and still plots the customers.
registry.category("web_tour.tours").add("ar_escalation_segment_map_empty", {
    steps: () => [
        {
            content: "No segment yet, in words",
            trigger: `${MAP} .o_ar_segment_map_no_segment:contains('No customer is in a behaviour segment yet')`,
        },
        {
            content: "The customers are drawn, as not segmented",
            trigger: `${MAP} canvas`,
        },
    ],
});
