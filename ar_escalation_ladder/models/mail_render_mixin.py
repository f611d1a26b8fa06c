# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
import logging
import traceback

from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_round, safe_eval
from odoo.tools.misc import get_lang
from odoo.tools.rendering_tools import parse_inline_template

from odoo.addons.base.models.res_lang import intersperse

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

    def _ar_batch_rendering(self, template_src, res_ids, has_unsafe_expression):
        """Whether this rendering may compile the template once for all records.

        Only the escalation's batches (``ar_render_batch``) of several records,
        for users whom core lets render any expression (template editors and
        administrators: restricted rendering keeps core's path and its checks).
        """
        if not self.env.context.get("ar_render_batch") or len(res_ids) < 2 or not template_src:
            return False
        restricted = (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        )
        return not restricted and has_unsafe_expression(template_src)

    @api.model
    def _render_template_inline_template(self, template_txt, model, res_ids, add_context=None, options=None):
        """Evaluate each expression of an inline template (a subject, a sender) once compiled.

        Core's ``safe_eval`` parses, checks and compiles every expression anew
        for every record. In an escalation batch each expression is checked
        and compiled once, with the same opcode check and the same evaluation
        context (restricted builtins, checked values), then evaluated per
        record; an error is reported as core reports it.
        """
        if not self._ar_batch_rendering(
            template_txt,
            res_ids,
            lambda src: self._has_unsafe_expression_template_inline_template(str(src), model),
        ):
            return super()._render_template_inline_template(
                template_txt, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        safe_eval.check_values(variables)
        results = dict.fromkeys(res_ids, "")
        try:
            parts = self._ar_inline_parts(template_txt)
        except Exception as exc:  # noqa: BLE001 - reported as core reports it
            return self._ar_inline_failed(template_txt, exc)
        builtins = dict(safe_eval._BUILTINS)
        for record in self.env[model].browse(res_ids):
            scope = dict(variables, object=record, __builtins__=builtins)
            try:
                results[record.id] = self._ar_inline_render(parts, scope)
            except Exception as exc:  # noqa: BLE001 - reported as core reports it
                return self._ar_inline_failed(template_txt, exc)
        return results

    @api.model
    def _ar_inline_parts(self, template_txt):
        """An inline template as (literal, compiled expression or None, default) parts, checked once."""
        return [
            (
                literal,
                safe_eval.test_expr(expression, safe_eval._SAFE_OPCODES, mode="eval") if expression else None,
                default,
            )
            for literal, expression, default in parse_inline_template(str(template_txt))
        ]

    @api.model
    def _ar_inline_render(self, parts, scope):
        """One record's text of a compiled inline template (``scope``: its evaluation context)."""
        out = []
        for literal, code, default in parts:
            out.append(literal)
            if code is not None:
                value = safe_eval.unsafe_eval(code, dict(scope)) or default
                if value:
                    out.append(str(value))
        return "".join(out)

    @api.model
    def _ar_inline_failed(self, template_txt, exc):
        _logger.info("Failed to render inline_template: \n%s", str(template_txt), exc_info=True)
        raise UserError(
            self.env._(
                "Failed to render inline_template template: %(template_txt)s", template_txt=template_txt
            )
        ) from exc

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
        if not self._ar_batch_rendering(
            template_src, res_ids, lambda src: self._has_unsafe_expression_template_qweb(src, model)
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
        """The render context's ``format_amount``, reading languages and currencies once.

        The very steps of :func:`odoo.tools.format_amount` and
        ``res.lang.format`` (rounding, grouping, separators, symbol), whose
        lookups (installed languages, context, company, the language's
        separators) cost more than the formatting itself when an invoice table
        prints thousands of amounts.
        """
        langs, currencies = {}, {}

        def format_amount(amount, currency, lang_code=False):
            lang = langs.get(lang_code)
            if lang is None:
                data = get_lang(self.env, lang_code)
                lang = langs[lang_code] = (
                    ast.literal_eval(data.grouping),
                    data.thousands_sep or "",
                    data.decimal_point,
                )
            money = currencies.get(currency.id)
            if money is None:
                money = currencies[currency.id] = (
                    currency.decimal_places,
                    currency.rounding,
                    currency.position,
                    currency.symbol or "",
                )
            grouping, thousands_sep, decimal_point = lang
            digits, rounding, position, symbol = money
            parts = (f"%.{digits}f" % float_round(amount, precision_rounding=rounding)).split(".")
            parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
            formatted = (
                decimal_point.join(parts)
                .replace(" ", "\N{NO-BREAK SPACE}")
                .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            )
            if position == "before":
                return f"{symbol}\N{NO-BREAK SPACE}{formatted}"
            return f"{formatted}\N{NO-BREAK SPACE}{symbol}"

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
