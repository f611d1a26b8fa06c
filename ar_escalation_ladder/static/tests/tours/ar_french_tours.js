/** @odoo-module */

import { registry } from "@web/core/registry";

// An AR manager whose language is French opens the ladder board, then an invoice:
// the board's title, columns, cards and filters and the invoice's escalation band,
// buttons and tab read in French (the addon's i18n/fr.po), no English left.
registry.category("web_tour.tours").add("ar_escalation_french_board_and_invoice", {
    steps: () => [
        {
            content: "The board's title is the action's French name",
            trigger: ".o_breadcrumb:contains(\"Tableau d'escalade\")",
        },
        {
            content: "Its columns are the stages' French names",
            trigger: ".o_kanban_group .o_column_title:contains('Précoce')",
        },
        {
            content: "The Managed stage reads Encadrée",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Encadrée')) .o_kanban_record",
        },
        {
            content: "A card gives its reason and its due date in French",
            trigger:
                ".o_kanban_record:contains('Les Fromages Dupont'):contains('jours de retard')" +
                ":has(span.text-muted:contains('Échéance'))",
        },
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "The board's own filters read in French",
            trigger:
                ".o_filter_menu:contains('Mes escalades'):contains('SLA dépassé')" +
                ":contains('Promesse non tenue'):contains('En litige'):contains('En pause')" +
                ":contains('Comptes stratégiques')",
        },
        {
            content: "Its groupings too",
            trigger: ".o_group_by_menu:contains('Étape'):contains('Responsable'):contains('Niveau de compte')",
        },
        {
            content: "Close the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Open the Managed invoice from its card",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Encadrée')) " +
                ".o_kanban_record:contains('Les Fromages Dupont')",
            run: "click",
        },
        {
            content: "The escalation band reads in French: stage, reason, SLA, owner",
            trigger:
                ".o_form_view .o_ar_escalation_banner:contains('Escalade'):contains('Encadrée')" +
                ":contains('jours de retard'):contains('Échéance du SLA'):contains('Responsable')",
        },
        {
            content: "The ladder's buttons read in French",
            trigger:
                ".o_form_view .o_statusbar_buttons:has(button:contains('Escalader maintenant'))" +
                ":has(button:contains('Prendre en charge'))" +
                ":has(button:contains('Enregistrer la promesse'))" +
                ":has(button:contains('Enregistrer le litige'))" +
                ":has(button:contains('Mettre en pause'))" +
                ":has(button:contains(\"Forcer l'étape\"))" +
                ":has(button:contains('Clôturer le dossier'))",
        },
        {
            content: "Open the Escalation tab",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Escalade')",
            run: "click",
        },
        {
            content: "Its labels read in French",
            trigger:
                ".o_form_view .o_notebook .tab-pane.active:contains('Échelle')" +
                ":contains(\"Étape d'escalade\"):contains(\"Motif de l'escalade\")" +
                ":contains(\"Responsable de l'escalade\"):contains('Échéance du SLA')" +
                ":contains('Promesse'):contains('Litige')",
        },
    ],
});
