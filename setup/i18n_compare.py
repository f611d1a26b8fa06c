"""Compare a shipped .pot with a freshly exported one; check the .po files hold its msgids.

Used by setup/i18n_check.sh:

    python setup/i18n_compare.py ADDON SHIPPED.pot FRESH.pot [LANG.po ...]

The two templates are compared as text, without the header's dates and the ``#:`` reference
lines (where a term is used, down to the file, moves with every refactoring; the terms and
their kind do not). On a difference it names the msgids the code has and the shipped .pot
lacks (new), the ones the shipped .pot has and the code no longer has (removed), or, when
the msgids are the same, that their comments or order changed. Each .po must hold every msgid
of the fresh template (setup/i18n.sh merges them), and each translation keep its msgid's
placeholders (code terms: %s, %(name)s, {name}), tags (view terms) and leading or trailing
newlines: Odoo's exporter writes no ``python-format`` flag, so ``msgfmt --check-format`` cannot.
Exit 1 on any difference, else 0.
"""

import re
import sys

HEADER_DATES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$')
SHOWN = 15


def normalized(path):
    """The file's lines without ``#:`` references and the header's dates."""
    with open(path, encoding="utf-8") as handle:
        return [
            line.rstrip("\n")
            for line in handle
            if not line.startswith("#:") and not HEADER_DATES.match(line.rstrip("\n"))
        ]


def unquote(text):
    return bytes(text, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def entries(path):
    """The entries as (comment lines, msgid, msgstr), without the header and the obsolete ones."""
    found, comments, fields, keyword = [], [], {}, None
    with open(path, encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle]
    for line in [*lines, ""]:
        match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if match:
            keyword = match.group(1)
            fields[keyword] = match.group(2)
        elif line.startswith('"') and keyword:
            fields[keyword] += line[1:-1]
        elif not line.strip():
            if fields.get("msgid"):
                found.append((comments, unquote(fields["msgid"]), unquote(fields.get("msgstr", ""))))
            comments, fields, keyword = [], {}, None
        elif line.startswith("#") and not line.startswith("#~"):
            comments.append(line)
    return found


def msgids(path):
    return {msgid for __, msgid, __ in entries(path)}


# what a translation must keep: the code's placeholders (Python and Odoo's JS sprintf), and the
# markup of a record's or a view's term (its tags, QWeb t-* attributes included, and a mail
# template's {{ expressions }})
CODE_PLACEHOLDER = re.compile(r"%\([A-Za-z_0-9]+\)[sdfr]|%[sdfr]|\{[A-Za-z_0-9]*\}")
MARKUP = re.compile(r"<[^>]+>|\{\{.*?\}\}")


def edge_newlines(text):
    return text.startswith("\n"), text.endswith("\n")


def broken_translations(path):
    """Translated entries whose msgstr lost or added a placeholder or a tag of their msgid."""
    broken = []
    for comments, msgid, msgstr in entries(path):
        if not msgstr:
            continue
        in_code = any(c.startswith("#. odoo-") or c.startswith("#: code:") for c in comments)
        pattern = CODE_PLACEHOLDER if in_code else MARKUP
        if sorted(pattern.findall(msgid)) != sorted(pattern.findall(msgstr)):
            broken.append(msgid)
        elif edge_newlines(msgid) != edge_newlines(msgstr):
            broken.append(msgid)
    return broken


def show(title, terms):
    print(f"  {title} ({len(terms)}):")
    for term in sorted(terms)[:SHOWN]:
        print("    " + repr(term)[:150])
    if len(terms) > SHOWN:
        print(f"    … and {len(terms) - SHOWN} more")


def main(addon, shipped, fresh, *catalogues):
    code_terms = msgids(fresh)
    failed = False
    try:
        shipped_lines = normalized(shipped)
    except FileNotFoundError:
        print(f"I18N CHECK: {addon} ships no {shipped}: run 'bash setup/i18n.sh'.")
        return 1
    if shipped_lines != normalized(fresh):
        failed = True
        shipped_terms = msgids(shipped)
        new, removed = code_terms - shipped_terms, shipped_terms - code_terms
        print(f"I18N CHECK: {addon}/i18n/{addon}.pot is out of date with the code: run 'bash setup/i18n.sh'.")
        if new:
            show("new msgids, in the code but not in the .pot", new)
        if removed:
            show("removed msgids, in the .pot but no longer in the code", removed)
        if not new and not removed:
            print("  same msgids, but their comments (kind of use) or their order changed.")
    for catalogue in catalogues:
        missing = code_terms - msgids(catalogue)
        if missing:
            failed = True
            print(f"I18N CHECK: {catalogue} is not merged with the code's terms: run 'bash setup/i18n.sh'.")
            show("msgids missing from the .po", missing)
        broken = broken_translations(catalogue)
        if broken:
            failed = True
            print(
                f"I18N CHECK: {catalogue} has translations that do not keep their msgid's placeholders "
                "(%s, %(name)s, {name}), tags or leading/trailing newlines: correct them."
            )
            show("msgids whose msgstr differs in them", broken)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
