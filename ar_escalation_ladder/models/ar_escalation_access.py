# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Who may change the ladder's records: the ladder itself, through its own code paths.

The escalation fields of invoices, cases, promises and disputes record what
the ladder did and what its explicit actions (each checking its group and
leaving an event and a chatter line) decided. A plain ``write`` over RPC must
not change them: an AR user or a billing user could otherwise move an invoice
to another stage, pause it or close it without a trace.

The ladder's own code paths mark their writes with a context key whose value
is an instance of a private class: a value that JSON-RPC, an action's context
or ``safe_eval`` cannot produce, so the mark cannot be forged by a caller.
"""

from odoo.exceptions import AccessError

LADDER_WRITE_KEY = "ar_ladder_write"


class _LadderWrite(str):
    """The mark of a write made by the ladder's own code (a ``str`` so that a context holding
    it still serialises)."""

    __slots__ = ()


LADDER_WRITE = _LadderWrite("ar_escalation_ladder")


def ladder_context():
    """The context values of a write made by the ladder itself (``with_context(**ladder_context())``)."""
    return {LADDER_WRITE_KEY: LADDER_WRITE}


def is_ladder_write(env):
    """Whether ``env`` writes on the ladder's behalf: its own code paths, or superuser code."""
    return env.su or type(env.context.get(LADDER_WRITE_KEY)) is _LadderWrite


def check_ladder_fields(records, field_names, protected=None):
    """Refuse a write of ``protected`` fields (all of ``field_names`` by default) that does not
    come from the ladder.

    ``records`` is the recordset (or the empty model, on create) being written;
    ``field_names`` the names written. Raises AccessError naming the fields.
    """
    if is_ladder_write(records.env):
        return
    refused = sorted(name for name in field_names if protected is None or name in protected)
    if not refused:
        return
    labels = ", ".join(records._fields[name]._description_string(records.env) for name in refused)
    raise AccessError(
        records.env._(
            "%(fields)s of %(model)s are set by the escalation ladder and its actions "
            "(override, pause, close, acknowledge), not edited directly.",
            fields=labels,
            model=records._description,
        )
    )


# ----------------------------------------------------------------------
# who wrote a customer's portal action
# ----------------------------------------------------------------------
PORTAL_AUTHOR_KEY = "ar_portal_author"


class _PortalAuthor(int):
    """The customer's contact a portal action is written by (the same kind of unforgeable mark)."""

    __slots__ = ()


def portal_author_context(partner):
    """Context values making the invoice's chatter lines authored by ``partner`` (a portal action)."""
    return {PORTAL_AUTHOR_KEY: _PortalAuthor(partner.id)}


def portal_author_id(env):
    """The author of a portal action set by :func:`portal_author_context`, else None."""
    value = env.context.get(PORTAL_AUTHOR_KEY)
    return int(value) if type(value) is _PortalAuthor else None
