# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import traceback

from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import safe_eval
from odoo.tools.misc import get_lang

_logger = logging.getLogger(__name__)


def _ar_memoized(function):
    """``function`` remembering its results by arguments (for pure formatting helpers)."""
    memo = {}

    def memoized(*args, **kwargs):
        try:
            key = (args, tuple(sorted(kwargs.items())))
            return memo[key]
        except KeyError:
            memo[key] = result = function(*args, **kwargs)
            return result
        except TypeError:  # an argument that cannot be a key: no memory
            return function(*args, **kwargs)

    return memoized


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Compile a QWeb template once for all records when the escalation renders a batch.

        ``ir.qweb`` compiles a template given as an element (as mail templates
        are) anew at every call, and mail renders one record per call: about
        10 ms a record, which dominates a run that messages thousands of
        customers. With ``ar_render_batch`` in the context the template is
        compiled once and its function called for every record, with the same
        evaluation context and the same error handling as core. Restricted
        rendering (users outside the template editors) keeps core's path.
        """
        restricted = (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        )
        if (
            not self.env.context.get("ar_render_batch")
            or len(res_ids) < 2
            or not template_src
            or restricted
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        # the same dates and amounts come back in many messages of a batch
        # (rendered in one language): formatting each once is enough, and the
        # language of the amounts is read once
        if "format_amount" in variables:
            variables["format_amount"] = _ar_memoized(self._ar_amount_formatter())
        if callable(variables.get("format_date")):
            variables["format_date"] = _ar_memoized(variables["format_date"])
        qweb = self.env["ir.qweb"].with_context(**(options or {}))._prepare_environment(variables)
        safe_eval.check_values(variables)
        results = dict.fromkeys(res_ids, "")
        try:
            functions, name = qweb._compile(html.fragment_fromstring(template_src, create_parent="div"))
        except Exception as exc:  # same report as core for a template that does not compile
            return self._ar_render_failed(template_src, exc)
        render = functions[name]
        for record in self.env[model].browse(res_ids):
            try:
                result = Markup("".join(render(qweb, dict(variables, object=record))))
            except Exception as exc:  # same report as core for a record that does not render
                return self._ar_render_failed(template_src, exc)
            # drop the <div> that wraps the template's nodes, as core does
            results[record.id] = result[5:-6]
        return results

    @api.model
    def _ar_amount_formatter(self):
        """The render context's ``format_amount``, reading the language once per language code.

        The very steps of :func:`odoo.tools.format_amount`, whose language
        lookup (installed languages, context, company) costs more than the
        formatting itself when an invoice table prints thousands of amounts.
        """
        langs = {}

        def format_amount(amount, currency, lang_code=False):
            lang = langs.get(lang_code)
            if lang is None:
                lang = langs[lang_code] = self.env["res.lang"].browse(get_lang(self.env, lang_code).id)
            fmt = f"%.{currency.decimal_places}f"
            formatted = (
                lang.format(fmt, currency.round(amount), grouping=True)
                .replace(" ", "\N{NO-BREAK SPACE}")
                .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            )
            if currency.position == "before":
                return f"{currency.symbol or ''}\N{NO-BREAK SPACE}{formatted}"
            return f"{formatted}\N{NO-BREAK SPACE}{currency.symbol or ''}"

        return format_amount

    @api.model
    def _ar_render_failed(self, template_src, exc):
        _logger.info("Failed to render template: %s", template_src, exc_info=True)
        raise UserError(
            self.env._(
                "Failed to render QWeb template: %(template_src)s\n\n%(template_traceback)s)",
                template_src=template_src,
                template_traceback=traceback.format_exc(),
            )
        ) from exc
