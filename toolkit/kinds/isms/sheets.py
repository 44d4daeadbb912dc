"""How the ISMS workbook's own sheets are drawn: a short "How to fill this in" for the client, and
the Scope form laid out for its long answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import SheetWriter, Styles, write_text_sheet

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from toolkit.workbook.writer import Form

LINES: tuple[tuple[str, str], ...] = (
    ("How to fill this in", "title"),
    (
        "This workbook holds the management system a certification auditor reads first (ISO/IEC 27001:2022 "
        "clauses 4-10). Most of it is already proposed from your gap assessment, Statement of Applicability "
        "and risk register; your part is to confirm, correct and complete it.",
        "text",
    ),
    ("Colours and drop-downs", "subtitle"),
    (
        "White cells are yours to fill or change. Grey cells are worked out for you and refreshed each time "
        "the workbook is rebuilt. Where a cell has a drop-down, pick a value from it. Select a column header "
        "to see what belongs in the column.",
        "text",
    ),
    ("Proposals marked \u201cTo confirm:\u201d", "subtitle"),
    (
        "A cell that starts with \u201cTo confirm:\u201d is a proposal, not your answer. Read it, change what "
        "is wrong, and remove the words \u201cTo confirm:\u201d. Delete any context issue, interested party or "
        "objective that does not apply to you, and add your own rows at the bottom of a sheet.",
        "text",
    ),
    ("Sheet by sheet", "subtitle"),
    (
        "Context and Interested Parties (4.1, 4.2): answer the climate-change question at the top of Context, "
        "give every issue and party an owner and a response, and say which requirements the ISMS addresses.",
        "text",
    ),
    (
        "Scope (4.3): write the scope as it should read on the certificate, its boundaries and dependencies, "
        "and record who approved it and when.",
        "text",
    ),
    (
        "Objectives (6.2, 9.1): for each objective set a target, an owner, a due date and how it is "
        "evaluated; record the latest result under Current Value.",
        "text",
    ),
    (
        "Documents (7.5): for each document, its owner, version, approver, approval date and next review. "
        "Mark documents not yet written as Planned or Draft; Approved means in force.",
        "text",
    ),
    (
        "Audit Programme (9.2): name an auditor for each audit who does not own the area audited. Together the "
        "audits must cover every clause and every applicable control within the cycle, and all of them must be "
        "completed, with a report, before the Stage 1 audit.",
        "text",
    ),
    (
        "Nonconformities (10.2): for each one, the root cause, the correction, the corrective action, an "
        "owner and a due date; when closing it, who verified that the action worked and when.",
        "text",
    ),
    (
        "Management Reviews and Review Actions (9.3): after the internal audit, hold a review with top "
        "management. Under each input column, note where the review covered it (an agenda item, a section "
        "of the minutes); record the decisions, the minutes reference and the actions with owners and dates.",
        "text",
    ),
    ("Readiness", "subtitle"),
    (
        "The Readiness sheet lists what a Stage 1 auditor asks to see and whether this engagement's "
        "workbooks show it, with the cell that explains anything missing. It is refreshed on every rebuild.",
        "text",
    ),
)


def how_to(wb: Workbook, ws: Worksheet, styles: Styles) -> None:
    write_text_sheet(ws, styles, LINES)


#: Where the form writer puts a form's first field line, and how wide its label column is.
FIRST_FIELD_ROW = 3
LABEL_WIDTH = 26


def scope_layout(form: Form | None) -> SheetWriter:
    """After the Scope form is written: labels that wrap, and rows tall enough for the answers (a
    scope statement runs to several lines, and a spreadsheet does not grow a merged cell)."""
    values: dict[str, Any] = dict(form.fields) if form is not None else {}

    def draw(wb: Workbook, ws: Worksheet, styles: Styles) -> None:
        sheet = load_spec("isms").sheet("Scope")
        span = sum(max(b.columns[i].width for b in sheet.blocks if len(b.columns) > i) for i in range(4))
        label = wb.add_format(
            {
                "bold": True,
                "bg_color": "#EDEDED",
                "border": 1,
                "border_color": "#BFBFBF",
                "font_size": 10,
                "valign": "top",
                "text_wrap": True,
            }
        )
        for n, col in enumerate(sheet.columns):
            row = FIRST_FIELD_ROW + n
            ws.write_string(row, 0, col.name, label)
            text = str(values.get(col.name) or "")
            lines = max(
                -(-len(col.name) // LABEL_WIDTH),
                sum(-(-max(len(part), 1) // int(span * 1.05)) for part in text.split("\n")) if text else 1,
            )
            if lines > 1:
                ws.set_row(row, 13.5 * lines + 3)

    return draw
