"""One vocabulary, one source: what the engine decides is what Odoo offers and words (no database).

The Odoo models are read as source (``ast``), not imported: a selection is
followed through the names it is built from, to a literal list or to
engine/vocabulary.py, and its keys compared with the engine's codes.
"""

import ast
from pathlib import Path

import pytest

from ar_escalation_ladder.engine import ENGLISH, CustomerHistory, load_policy, risk_signals
from ar_escalation_ladder.engine import vocabulary as voc
from ar_escalation_ladder.engine.vocabulary import Phrase, as_phrases, phrases_from_json, phrases_to_json

ROOT = Path(__file__).resolve().parent.parent
LADDER = ROOT / "ar_escalation_ladder"


def _module_path(current: Path, node: ast.ImportFrom) -> Path:
    """The file an ``from X import Y`` of ``current`` reads (relative or odoo.addons.*)."""
    if node.level:
        base = current.parent
        for __ in range(node.level - 1):
            base = base.parent
        parts = (node.module or "").split(".") if node.module else []
    else:
        parts = node.module.split(".")
        assert parts[:2] == ["odoo", "addons"], node.module
        base, parts = ROOT, parts[2:]
    return base.joinpath(*parts).with_suffix(".py")


def _keys(path: Path, name: str) -> tuple[str, ...]:
    """The codes of the selection named ``name`` at the top of ``path``, followed to its source."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return _value_keys(path, node.value)
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _keys(_module_path(path, node), alias.name)
    raise AssertionError(f"{name} is not defined in {path.relative_to(ROOT)}")


def _value_keys(path: Path, value: ast.expr) -> tuple[str, ...]:
    if isinstance(value, ast.Name):
        return _keys(path, value.id)
    if isinstance(value, ast.List | ast.Tuple):
        return tuple(ast.literal_eval(item)[0] for item in value.elts)
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "codes":
        return _value_keys(path, value.args[0])
    raise AssertionError(f"{path.relative_to(ROOT)}: cannot read {ast.dump(value)[:80]}")


def _field_keys(path: Path, field: str) -> tuple[str, ...]:
    """The codes of the Selection field ``field`` declared in ``path``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == field):
            continue
        call = node.value
        if isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "Selection" and call.args:
            return _value_keys(path, call.args[0])
    raise AssertionError(f"no fields.Selection {field} in {path.relative_to(ROOT)}")


SELECTIONS = [
    # (what a user picks or reads, the Odoo source, its field, the engine's codes)
    (
        "a customer's account tier",
        "ar_escalation_ladder/models/res_partner.py",
        "ar_account_tier",
        voc.ACCOUNT_TIERS,
    ),
    ("a stage's owner", "ar_escalation_ladder/models/ar_escalation_stage.py", "owner_role", voc.OWNER_ROLES),
    ("a stage's channel", "ar_escalation_ladder/models/ar_escalation_stage.py", "channel", voc.CHANNELS),
    ("a case's owner", "ar_escalation_ladder/models/ar_escalation_case.py", "owner_role", voc.OWNER_ROLES),
    ("an event's kind", "ar_escalation_ladder/models/ar_escalation_event.py", "kind", voc.EVENT_KINDS),
    (
        "why the preview sends nothing",
        "ar_escalation_ladder/wizards/ar_escalation_preview.py",
        "hold",
        voc.HOLD_CODES,
    ),
    (
        "a report's tier",
        "ar_escalation_reports/models/ar_escalation_report_mixin.py",
        "account_tier",
        voc.ACCOUNT_TIERS,
    ),
    (
        "a report's owner",
        "ar_escalation_reports/models/ar_escalation_report_case.py",
        "owner_role",
        voc.OWNER_ROLES,
    ),
]


@pytest.mark.parametrize(("what", "source", "field", "codes"), SELECTIONS, ids=[s[0] for s in SELECTIONS])
def test_odoo_selections_are_the_engines_vocabularies(what, source, field, codes):
    assert _field_keys(ROOT / source, field) == codes, f"{what}: {source} offers other codes than the engine"


def test_the_ladders_selections_come_from_the_vocabulary_itself():
    """Not a copy that agrees today: the ladder's models import the engine's lists."""
    for source, name in [
        ("models/res_partner.py", "ACCOUNT_TIERS"),
        ("models/ar_escalation_stage.py", "OWNER_ROLES"),
        ("models/ar_escalation_stage.py", "CHANNELS"),
        ("models/ar_escalation_event.py", "EVENT_KINDS"),
    ]:
        text = (LADDER / source).read_text()
        assert "from ..engine.vocabulary import" in text, source
        assert f"{name} = [" not in text, f"{source} keeps its own copy of {name}"


def test_the_sms_channels_are_channels_of_the_ladder():
    keys = _field_keys(ROOT / "ar_escalation_sms/models/ar_escalation_sms.py", "channel")
    assert set(keys) <= set(voc.CHANNELS)


def _compared_holds(path: Path) -> set[str]:
    """Every string a ``hold == "..."`` of ``path`` compares with."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare) and getattr(node.left, "id", None) == "hold":
            found.update(c.value for c in node.comparators if isinstance(c, ast.Constant))
    return found


def _is_hold(node: ast.expr) -> bool:
    """``hold``, ``x.hold`` or ``x["hold"]``: a decision's hold, as the addons name it."""
    if isinstance(node, ast.Name | ast.Attribute):
        return getattr(node, "id", None) == "hold" or getattr(node, "attr", None) == "hold"
    return isinstance(node, ast.Subscript) and getattr(node.slice, "value", None) == "hold"


def test_every_hold_the_addons_compare_is_a_code_of_the_engine():
    """A hold compared with words ("not payable as sent") would silently never match."""
    compared = {}
    for path in ROOT.glob("ar_escalation_*/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and _is_hold(node.left):
                for value in node.comparators:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        compared.setdefault(value.value, set()).add(str(path.relative_to(ROOT)))
    unknown = {code: sorted(where) for code, where in compared.items() if code not in ("", *voc.HOLD_CODES)}
    assert not unknown, f"holds the engine never gives: {unknown}"
    assert "not_payable" in compared, "the fix-it task is raised on the engine's code"


@pytest.mark.parametrize(
    "source",
    ["models/ar_escalation_everyday.py", "wizards/ar_escalation_preview.py"],
    ids=["everyday", "preview"],
)
def test_every_hold_has_its_sentence(source):
    """Escalate now's notice and the preview explain each hold the engine gives, by its code."""
    assert _compared_holds(LADDER / source) == set(voc.HOLD_CODES)


def _dict_keys_returned(path: Path, function: str) -> set[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Dict) and sub.keys:
                    return {key.value for key in sub.keys}
    raise AssertionError(f"no {function} in {path}")


def test_every_risk_signal_has_its_translated_label():
    labels = _dict_keys_returned(LADDER / "models/ar_escalation_format.py", "signal_label")
    assert labels == set(voc.RISK_SIGNALS)
    everything = CustomerHistory(
        avg_days_late_12m=30,
        avg_days_late_recent=40,
        avg_days_late_before=10,
        broken_promises=1,
        open_disputes=1,
        over_credit_limit=True,
        early_risk=True,
    )
    policy = load_policy({"stages": [{"sequence": 1, "name": "Early"}]})
    assert risk_signals(everything, policy) == voc.RISK_SIGNALS, (
        "the engine's signals, in the vocabulary's order"
    )


def _methods(path: Path, class_name: str) -> set[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
    raise AssertionError(f"no class {class_name} in {path}")


def test_every_reason_code_is_worded_in_english_and_in_the_users_language():
    odoo_words = _methods(LADDER / "models/ar_escalation_format.py", "ReasonWords")
    missing = set(voc.REASON_CODES) - odoo_words
    assert not missing, f"the Odoo words fall back to English for {sorted(missing)}"
    for code in voc.REASON_CODES:
        assert callable(getattr(ENGLISH, code)), code
    engine_words = _methods(LADDER / "engine/evaluate.py", "Words")
    helpers = {"phrase", "unknown", "join", "amount", "tier_label", "signal", "hold"}
    assert engine_words - helpers == set(voc.REASON_CODES), "a phrase worded but not a code stays English"


@pytest.mark.parametrize(
    ("phrase", "english"),
    [
        (Phrase.of("days_overdue", days=34), "34 days overdue"),
        (Phrase.of("days_overdue", days=-1), "due in 1 day"),
        (Phrase.of("open_on_invoice", amount=12000), "12,000.00 open on the invoice"),
        (Phrase.of("promises_broken_customer", count=2), "2 promises broken by the customer"),
        (Phrase.of("account_tier", tier="strategic"), "strategic account"),
        (
            Phrase.of("risk_signals", signals=("late_payer", "dispute")),
            "2 risk signals (pays late on average, open dispute)",
        ),
        (Phrase.of("held_at", stage="Managed"), "held at Managed (escalation only moves up)"),
        (Phrase.text("Customer called: pays Friday"), "Customer called: pays Friday"),
        (Phrase.of("customer_in_category", category="VIP"), "customer_in_category (category=VIP)"),
    ],
)
def test_phrases_read_in_english_and_survive_storage(phrase, english):
    assert ENGLISH.phrase(phrase) == english
    assert phrases_from_json(phrases_to_json([phrase])) == (phrase,)


def test_holds_read_in_words():
    assert [ENGLISH.hold(code) for code in voc.HOLD_CODES] == [label for __, label in voc.HOLD_SELECTION]
    assert ENGLISH.hold("not_due_yet") == "next reminder not due yet"


def test_a_reason_written_before_codes_reads_as_it_was():
    """An event of an earlier version (migrated to a text phrase) and text given by a caller read the same."""
    old = "34 days overdue; 2 promises broken"
    migrated = [{"code": "text", "text": old}]
    assert ENGLISH.phrase(phrases_from_json(migrated)[0]) == old
    assert as_phrases(old) == phrases_from_json(migrated) == as_phrases(phrases_from_json(migrated))
    assert as_phrases(False) == as_phrases("") == ()


def test_each_vocabulary_has_each_code_once():
    for name in (
        "ACCOUNT_TIERS",
        "OWNER_ROLES",
        "CHANNELS",
        "EVENT_KINDS",
        "RISK_SIGNALS",
        "HOLD_CODES",
        "REASON_CODES",
    ):
        codes = getattr(voc, name)
        assert len(set(codes)) == len(codes), name
        assert all(code and code == code.lower() and " " not in code for code in codes), name
    assert set(voc.TRACK_HOLDS) - {""} <= set(voc.HOLD_CODES)
