"""Small workbooks in the shapes clients and other tools send, built at test time.

Each builder writes one file that shows one pattern of the real-world corpus
(`../shared/realworld/`, whose files are never copied here): title rows, two-row merged headers,
section rows, repeated headers, a pasted tail, ids that lost a zero or became dates, a 2013 SoA,
CSV dialects and encodings, narrative test results, German and French vocabularies, snake_case
exports, a sheet styled over 16,384 columns, OpenDocument. The content is our own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import get_column_letter

from toolkit.data import catalog

Rows = Sequence[Sequence[Any]]


def title(cid: str) -> str:
    return catalog.annex_a()[cid].title


# --- writers --------------------------------------------------------------------------------


def write_xlsx(
    path: Path,
    sheets: dict[str, Rows],
    merged: dict[str, list[str]] | None = None,
    formats: dict[str, dict[str, str]] | None = None,
) -> Path:
    """A workbook as a spreadsheet program saves it: values (None for an empty cell), merged
    ranges per sheet, number formats per cell (`{"B4": "yy.m.d"}`)."""
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for ref in (merged or {}).get(name, []):
            ws.merge_cells(ref)
        for ref, fmt in (formats or {}).get(name, {}).items():
            ws[ref].number_format = fmt
    wb.save(path)
    return path


def write_csv(path: Path, rows: Rows, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([["" if v is None else v for v in r] for r in rows])
    data = buf.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_ods(path: Path, sheets: dict[str, Rows], repeat_empty_columns: int = 0) -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice structures one (no styles). With
    `repeat_empty_columns`, each row ends with that many empty cells in one repeated element."""
    tables = []
    for name, rows in sheets.items():
        out = [f'<table:table table:name="{escape(name)}">']
        for row in rows:
            cells = []
            for value in row:
                if value is None or value == "":
                    cells.append("<table:table-cell/>")
                elif isinstance(value, bool):
                    cells.append(f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}"/>')
                elif isinstance(value, (int, float)):
                    cells.append(
                        f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
                    )
                elif isinstance(value, dt.date):
                    cells.append(
                        f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                        f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
                    )
                else:
                    paras = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
                    cells.append(f'<table:table-cell office:value-type="string">{paras}</table:table-cell>')
            if repeat_empty_columns:
                cells.append(f'<table:table-cell table:number-columns-repeated="{repeat_empty_columns}"/>')
            out.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        out.append("</table:table>")
        tables.append("".join(out))
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(tables) + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def style_across_columns(path: Path, sheet_index: int = 1, columns: int = 16_384, rows: int | None = None) -> Path:
    """Give every row of one sheet a styled but empty cell in each column up to `columns`, as a
    template formatted by whole rows does (the sheet XML grows to megabytes; no value changes)."""
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as zf:
        items = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    xml = items[part].decode("utf-8")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[sheet_index - 1]
    last_col = ws.max_column
    total = rows or ws.max_row
    # openpyxl writes a style sheet with one cell format; index 0 is the default style.
    filler = "".join(f'<c r="{get_column_letter(c)}{{r}}" s="0"/>' for c in range(last_col + 1, columns + 1))

    def fill(match: re.Match[str]) -> str:
        r = int(match.group(1))
        return match.group(0).replace("</row>", filler.replace("{r}", str(r)) + "</row>")

    xml = re.sub(r'<row r="(\d+)"[^>]*>.*?</row>', fill, xml, flags=re.DOTALL)
    present = {int(n) for n in re.findall(r'<row r="(\d+)"', xml)}
    blank = "".join(f'<row r="{r}">{filler.replace("{r}", str(r))}</row>' for r in range(1, total + 1) if r not in present)
    if blank:  # rows below the table, styled only (kept in row order: they all come after it)
        xml = xml.replace("</sheetData>", blank + "</sheetData>")
    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{get_column_letter(columns)}{total}"/>', xml)
    items[part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items.items():
            zf.writestr(name, data)
    return path


# --- Statements of Applicability --------------------------------------------------------------


def soa_title_rows(path: Path) -> Path:
    """Two merged title rows, then a header of other names (`Control Ref`, `Applicable?`,
    `Justification for Inclusion / Exclusion`, `Evidence / Notes`, `Control Category`), ids as
    text `5.1`, `Partially Implemented`; one applicable control without evidence (row 7)."""
    rows: list[list[Any]] = [
        ["Acme Ltd - ISO/IEC 27001:2022 Statement of Applicability"],
        ["Version 2.1 | 2026-10-01 | Owner: CISO"],
        [
            "Control Ref",
            "Control Name",
            "Applicable?",
            "Justification for Inclusion / Exclusion",
            "Implementation Status",
            "Control Owner",
            "Evidence / Notes",
            "Control Category",
        ],
    ]
    for cid, status, evidence in [
        ("A.5.1", "Implemented", "Policy set v3, approved by the board"),
        ("A.5.2", "Partially Implemented", "RACI drafted"),
        ("A.5.3", "Implemented", "Role matrix in the HR system"),
        ("A.5.4", "Implemented", None),
    ]:
        rows.append([cid.removeprefix("A."), title(cid), "Yes", "Treats R-01", status, "CISO", evidence, "Organisational"])
    return write_xlsx(path, {"Statement of Applicability": rows}, merged={"Statement of Applicability": ["A1:H1", "A2:H2"]})


def soa_two_row_header(path: Path) -> Path:
    """A header over two rows: single headers merged down, `Justification for inclusion` merged
    across four sub-headers (the reasons for selection); controls written `[A.5.1] Organizational -
    Policies ...`; `-` where nothing was said."""
    rows: list[list[Any]] = [
        ["Framework", "Control", "Applicability", "Justification for exclusion", "Justification for inclusion", None, None, None],
        [None, None, None, None, "Regulatory", "Contractual", "Best Practice", "Risk Assessment"],
    ]
    for cid, applicable, reasons in [
        ("A.5.1", "Yes", ["No", "Yes", "No", "Yes"]),
        ("A.5.2", "Yes", ["No", "No", "Yes", "No"]),
        ("A.7.5", "No", ["No", "No", "No", "No"]),
    ]:
        why = "-" if applicable == "Yes" else "No premises of our own"
        rows.append(["ISO 27001 (2022)", f"[{cid}] Organizational - {title(cid)}", applicable, why, *reasons])
    return write_xlsx(
        path,
        {"Statement of Applicability": rows},
        merged={"Statement of Applicability": ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:H1"]},
    )


def soa_numbers_and_sections(path: Path) -> Path:
    """Ids as Excel numbers under `Control Annex A` with the titles under `Control`: `5.2` is
    A.5.20 and `8.3` is A.8.30 by their titles, `8.2` is A.8.2 by its own; a section row, the
    header repeated, and document-control lines after a blank row."""
    header = ["Control Annex A", "Control", "Applicability", "Justification", "Document Reference", "Status"]
    rows: list[list[Any]] = [
        [None],
        ["Statement of Applicability for a small gym"],
        header,
        [5.15, title("A.5.15"), "Yes", "Member data behind the front desk", "Access policy", "Not Implemented"],
        [5.2, title("A.5.20"), "Yes", "Supplier contracts lack security terms", "Supplier policy", "Not Implemented"],
        [8.2, title("A.8.2"), "Yes", "Admin accounts on the booking system", "Access policy", "Implemented"],
        [None],
        ["Controls NOT Applicable"],
        header[:4],
        [8.3, title("A.8.30"), "No", "No software is developed for us"],
        [None],
        ["Document Version:"],
        ["1.0"],
        ["Approved By:"],
        ["General manager"],
    ]
    return write_xlsx(path, {"Sheet1": rows}, formats={"Sheet1": {f"A{r}": "#.00" for r in (4, 5, 6, 10)}})


def soa_ids_under_control(path: Path) -> Path:
    """`Control` holds the ids and `Annex A Control` the titles: the key is the column whose
    values are ids. `5.3` titled as A.5.30 is questioned."""
    rows: list[list[Any]] = [
        ["Statement of Applicability"],
        [None],
        ["Control", "Annex A Control", "Applicability", "Justification", "Document\nReference", "Status"],
        [5.15, title("A.5.15"), "Yes", "Shared accounts found", "Access policy", "Implemented"],
        [5.3, title("A.5.30"), "Yes", "No continuity plan", "BCP", "Not Implemented"],
        [8.5, title("A.8.5"), "Yes", "MFA everywhere", "Access policy", "Implemented"],
    ]
    return write_xlsx(path, {"SoA": rows})


#: The 2013 controls of the fixture, by domain and objective (a few of each).
SOA_2013 = {
    ("5", "Information security policies"): {"5.1": ["5.1.1", "5.1.2"]},
    ("9", "Access control"): {"9.2": ["9.2.1", "9.2.2", "9.2.3"], "9.4": ["9.4.1"]},
    ("12", "Operations security"): {"12.1": ["12.1.1"], "12.3": ["12.3.1"]},
    ("17", "Business continuity"): {"17.1": ["17.1.1", "17.1.2"]},
}
#: Our own short names for the objectives and controls above.
NAMES_2013 = {
    "5.1": "Direction for security",
    "5.1.1": "Security policies",
    "5.1.2": "Policy review",
    "9.2": "User access",
    "9.2.1": "User registration",
    "9.2.2": "Access provisioning",
    "9.2.3": "Privileged rights",
    "9.4": "System access",
    "9.4.1": "Access restriction",
    "12.1": "Procedures",
    "12.1.1": "Operating procedures",
    "12.3": "Backup",
    "12.3.1": "Backup copies",
    "17.1": "Continuity",
    "17.1.1": "Continuity planning",
    "17.1.2": "Continuity implementation",
}


def soa_2013(path: Path) -> Path:
    """An ISO/IEC 27001:2013 SoA: header over rows 3 and 5, domain rows (`A.9 Access control`),
    objective rows (`9.2` and a title), controls as text and, for A.12.x and A.17.x, as the dates
    Excel made of them (formatted `yy.m.d`); `Yes `/`No` with stray spaces."""
    rows: list[list[Any]] = [
        ["Statement of Applicability"],
        [None],
        ["ISO 27001:2013 Controls", None, None, None, "Applicability y/n", None, "Justification"],
        [None],
        ["Clause", "Section", "Control", None, None, None, None],
    ]
    formats: dict[str, str] = {}
    for (domain, name), objectives in SOA_2013.items():
        rows.append([f"A.{domain}         {name}"])
        for objective, controls in objectives.items():
            rows.append([None, objective, NAMES_2013[objective]])
            for cid in controls:
                d, o, n = (int(p) for p in cid.split("."))
                value: Any = dt.datetime(2000 + d, o, n) if d >= 10 else cid
                if d >= 10:
                    formats[f"B{len(rows) + 1}"] = "yy\\.m\\.d;@"
                applicable = "No " if cid == "12.3.1" else "Yes "
                rows.append([None, value, NAMES_2013[cid], None, applicable, None, f"Needed for {cid}"])
    return write_xlsx(path, {"Sheet1": rows}, merged={"Sheet1": ["A3:C3"]}, formats={"Sheet1": formats})


def soa_markdown_tail(path: Path, as_xlsx: bool = False) -> Path:
    """Three controls, blank lines, then a markdown table pasted into the same file."""
    rows: list[list[Any]] = [
        [
            "Control ID",
            "Control Name",
            "Applicable (Yes/No)",
            "Justification / Implementation Method",
            "Evidence Artifact / Verification Source",
        ],
        ["A.5.15", "Access control", "Yes", "Role-based access", "IAM group export"],
        ["A.8.20", "Network security", "Yes", "Segmented VPCs", "Terraform plans"],
        ["A.8.30", "Outsourced development", "No", "All development in house", "HR records"],
        [],
        [],
        ["## Status table"],
        ["| Control ID | Status |"],
        ["| :--- | :---: |"],
        ["| **A.5.15** | **Implemented** |"],
        ["| **A.7.4** | Excluded | remote", " no office |"],
    ]
    if as_xlsx:
        return write_xlsx(path, {"statement_of_applicability": rows})
    return write_csv(path, rows)


def soa_german(path: Path) -> Path:
    """German headers and values (`Kontroll-ID`, `Anwendbar`, `Begründung`, `Umsetzungsstatus`,
    `Ja`/`Nein`, `Umgesetzt`, `Teilweise umgesetzt`, `Nicht anwendbar`)."""
    rows: list[list[Any]] = [
        ["Kontroll-ID", "Kontrollname", "Bereich", "Anwendbar", "Begründung", "Umsetzungsstatus", "Nachweis", "Verantwortlich"],
        [
            "A.5.1",
            "Informationssicherheitsrichtlinien",
            "Organisatorisch",
            "Ja",
            "Gesetzlich gefordert",
            "Umgesetzt",
            "POL-001",
            "CISO",
        ],
        [
            "A.5.2",
            "Rollen und Verantwortlichkeiten",
            "Organisatorisch",
            "Ja",
            "Zuständigkeiten klären",
            "Teilweise umgesetzt",
            "RACI",
            "CISO",
        ],
        ["A.7.5", "Schutz vor physischen Bedrohungen", "Physisch", "Nein", "Keine eigenen Räume", "Nicht anwendbar", None, None],
    ]
    return write_xlsx(path, {"Erklärung zur Anwendbarkeit": rows})


def soa_french(path: Path) -> Path:
    """French headers and values (`Mesure`, `Applicable`, `Justification`, `Statut de mise en
    œuvre`, `Oui`/`Non`, `Mise en œuvre`, `Partiellement mis en œuvre`)."""
    rows: list[list[Any]] = [
        [
            "Identifiant de la mesure",
            "Intitulé",
            "Applicable",
            "Justification",
            "Statut de mise en œuvre",
            "Preuves",
            "Responsable",
        ],
        ["A.5.1", "Politiques de sécurité de l'information", "Oui", "Exigence légale", "Mise en œuvre", "POL-001", "RSSI"],
        ["A.5.2", "Fonctions et responsabilités", "Oui", "Clarifier les rôles", "Partiellement mis en œuvre", "RACI", "RSSI"],
        ["A.7.5", "Protection contre les menaces physiques", "Non", "Pas de locaux", "Non applicable", None, None],
    ]
    return write_xlsx(path, {"DdA": rows})


def soa_other_tool(path: Path) -> Path:
    """Another ISMS tool's SoA: a cover sheet, then `Controls` among sheets that also carry
    `Control ID` (status, evidence links, auditor notes); values in snake_case."""
    return write_xlsx(
        path,
        {
            "Cover": [["Statement of Applicability"], [None], ["Field", "Value"], ["Organisation", "Example GmbH"]],
            "Controls": [
                ["Control ID", "Title", "Domain", "Applicability", "Justification", "Implementation Status"],
                [5.1, title("A.5.1"), "Organisational", "applicable", "Board approved", "implemented"],
                [5.7, title("A.5.7"), "Organisational", "applicable", "Threat feed", "partially_implemented"],
                [8.16, title("A.8.16"), "Technological", "not_applicable", "Managed SOC", "n/a"],
            ],
            "Evidence-Links": [["Control ID", "Document Title", "Link / Reference"], [5.1, "IS policy", "DOC-1"]],
            "Auditor-Notes": [["Control ID", "Title", "Auditor Observation"], [5.7, title("A.5.7"), "(reserved)"]],
        },
    )


def soa_empty_template(path: Path, columns: int = 16_384) -> Path:
    """An empty SoA template: a details sheet, the header on row 3 (`Control No.`, `Control`
    for the titles, `Is control implemented or not?`), no controls; every row styled across
    `columns` columns."""
    write_xlsx(
        path,
        {
            "SOA": [
                [None],
                ["Statement of Applicability"],
                [
                    "Control No.",
                    "Control",
                    "Objectives",
                    "Is control implemented or not?",
                    " Reason for inclusion/ exclusion",
                    "Comment",
                ],
            ],
            "Document Details": [["Document Number"], ["Approved By"]],
        },
    )
    return style_across_columns(path, 1, columns, rows=40)


def soa_ticks(path: Path) -> Path:
    """Applicability and reasons for selection as tick marks (`X`, `✓`, `Y`, blank)."""
    rows: list[list[Any]] = [
        [
            "Control ID",
            "Control Title",
            "Applicable",
            "Justification",
            "Implementation Status",
            "Evidence Reference",
            "Legal / Regulatory",
            "Contractual",
        ],
        ["A.5.1", title("A.5.1"), "✓", "Treats R-1", "Implemented", "POL-1", "X", None],
        ["A.5.2", title("A.5.2"), "Y", "Treats R-2", "Implemented", "RACI", None, "✓"],
        ["A.7.5", title("A.7.5"), "N", "No premises", "Not applicable", None, None, None],
    ]
    return write_xlsx(path, {"SoA": rows})


# --- risk registers -----------------------------------------------------------------------------


def risk_title_rows(path: Path) -> Path:
    """Two title rows, headers with line breaks and en dashes (`Likelihood\\n(1–5)`), inherent and
    residual levels side by side, owner and treatment in one column."""
    rows: list[list[Any]] = [
        ["Acme Ltd - Risk Register"],
        ["Version 1.0 | Owner: CISO"],
        [
            "Risk ID",
            "Asset / Area",
            "Threat",
            "Vulnerability",
            "Likelihood\n(1–5)",
            "Impact\n(1–5)",
            "Inherent\nRisk Score",
            "Inherent\nRisk Level",
            "Residual\nLikelihood",
            "Residual\nImpact",
            "Residual\nRisk Score",
            "Risk\nLevel",
            "Treatment / Owner",
        ],
        ["R-001", "Payroll", "Ransomware", "Flat network", 4, 5, 20, "Critical", 2, 5, 10, "High", "Mitigate / CISO"],
        ["R-002", "CRM", "Insider", "Broad access", 3, 4, 12, "High", 2, 3, 6, "Medium", "Mitigate / IT lead"],
        ["R-003", "Website", "DDoS", "No CDN", 2, 3, 7, "Medium", 2, 2, 4, "Low", "Accept / CTO"],
    ]
    return write_xlsx(path, {"Risk Register": rows}, merged={"Risk Register": ["A1:M1", "A2:M2"]})


def risk_two_row_header(path: Path) -> Path:
    """`Risk Number`; `Information Security` merged over `C`/`I`/`A` and `Threat` over
    `Probability`/`Impact`; a stray `0` far to the right after blank rows."""
    rows: list[list[Any]] = [
        ["Risk Register for a hospital"],
        [
            "Risk Number",
            "Asset/Process",
            "Risk Description",
            "Threat Source",
            "Vulnerability",
            "Information Security",
            None,
            None,
            "Threat",
            None,
            "Risk Score",
            "Owner",
        ],
        [None, None, None, None, None, "C", "I", "A", "Probability", "Impact"],
        ["R001", "Server room", "Unguarded room", "Outsiders", "No CCTV", 3, 3, 2, 3, 3, 9, "IT"],
        ["R002", "Old OS", "Unpatched hosts", "Attackers", "Outdated OS", 3, 2, 1, 3, 2, 6, "IT"],
    ]
    rows += [[None]] * 6
    rows.append([None] * 20 + [0])
    return write_xlsx(path, {"Risk Register": rows}, merged={"Risk Register": ["A1:L1", "F2:H2", "I2:J2"]})


def risk_grouped_empty(path: Path) -> Path:
    """An empty register template: a group row (`Risk Details` / `Treatment Details`) above the
    header row, header names another toolkit uses, no risks."""
    rows: list[list[Any]] = [
        ["Risk Register"],
        ["Risk Details", None, None, None, None, "Treatment Details"],
        [
            "Risk ID",
            "Risk Description",
            "Rate Likelihood",
            "Rate the impact",
            "Calculate Risk (Risk = Impact * Likelihood)",
            "Treatment option",
            "Probability after treatment",
            "Impact after treatment",
        ],
    ]
    return write_xlsx(path, {"Risk Register": rows}, merged={"Risk Register": ["A1:H1", "A2:E2", "F2:H2"]})


def risk_snake_case(path: Path) -> Path:
    """A GRC tool's `;` export: snake_case headers, qualitative levels, lists split by commas."""
    rows = [
        [
            "ref_id",
            "assets",
            "threats",
            "name",
            "current_impact",
            "current_proba",
            "residual_impact",
            "residual_proba",
            "treatment",
            "owner",
        ],
        ["R.1", "ERP", "Ransomware", "Ransomware on ERP", "Major", "Likely", "Minor", "Unlikely", "mitigate", "CISO"],
        ["R.2", "CRM", "Insider", "Data theft", "Severe", "Rare", "Moderate", "Rare", "accept", ""],
        ["R.3", "Web", "DDoS", "Outage", "Very high", "Very low", "--", "--", "transfer", "CTO"],
    ]
    return write_csv(path, rows, delimiter=";")


def risk_german(path: Path) -> Path:
    """German headers, no risk id column; owners missing on two of three risks."""
    rows: list[list[Any]] = [
        [
            "Name",
            "Kategorie",
            "Bedrohung",
            "Schwachstelle",
            "Auswirkung",
            "Eintrittswahrscheinlichkeit",
            "Strategie",
            "Risiko-Eigner",
        ],
        ["Datenpanne", "security", "Angreifer", "Schwache Passwörter", 4, 3, "mitigate", "ciso@example.com"],
        ["Ransomware", "operational", "Schadsoftware", "Veraltete Systeme", 5, 4, "mitigate", None],
        ["Cloud-Ausfall", "operational", "Provider", "Single Point of Failure", 4, 2, "transfer", None],
    ]
    return write_xlsx(path, {"Risiken": rows})


def risk_french(path: Path) -> Path:
    """French headers and qualitative values (`Vraisemblance`, `Gravité`, `Propriétaire`)."""
    rows: list[list[Any]] = [
        ["Identifiant", "Actif", "Menace", "Vulnérabilité", "Vraisemblance", "Gravité", "Propriétaire du risque", "Traitement"],
        ["R-01", "ERP", "Rançongiciel", "Réseau plat", "Très probable", "Majeur", "RSSI", "Réduire"],
        ["R-02", "Site web", "Déni de service", "Pas de CDN", "Peu probable", "Mineur", "DSI", "Accepter"],
    ]
    return write_xlsx(path, {"Registre des risques": rows})


def risk_qualitative(path: Path) -> Path:
    """Likelihood and impact written on qualitative five-point scales."""
    rows: list[list[Any]] = [
        ["Risk ID", "Threat", "Likelihood", "Impact", "Risk Owner", "Treatment", "Treatment Plan", "Annex A Controls"],
        ["R-1", "Phishing", "Likely", "Major", "CISO", "Mitigate", "MFA", "A.5.17"],
        ["R-2", "Flood", "Rare", "Severe", "COO", "Transfer", "Insurance", "A.7.5"],
        ["R-3", "Laptop loss", "Almost certain", "Insignificant", "IT", "Accept", None, None],
        ["R-4", "Insider", "Very high", "Very low", "HR", "Accept with monitoring", None, None],
    ]
    return write_xlsx(path, {"Risks": rows})


# --- SOC 2 control matrices ---------------------------------------------------------------------


LONG = "Inspected the access review tickets and the approvals recorded for each of them. " * 120  # ~9,600 characters


def soc2_narrative(path: Path) -> Path:
    """Test results written as a service auditor writes them in Section IV."""
    rows = [
        ["Control ID", "Control Description", "TSC Criteria", "Test Result"],
        [
            "C-01",
            "Access is removed on termination",
            "CC6.2",
            "Exception noted. For 1 of 25 terminated users sampled, access was removed 4 days late.",
        ],
        [
            "C-02",
            "Security incidents are logged",
            "CC7.3",
            "No exceptions noted. No security incidents occurred during the period.",
        ],
        ["C-03", "Backups are restored yearly", "A1.2", "Not tested: the control did not operate during the period."],
        ["C-04", "Vendors are reviewed", "CC9.2", "Deviations noted. 2 of 10 vendor reviews were late."],
        ["C-05", "Changes are approved", "CC8.1", "No deviations noted."],
    ]
    return write_csv(path, rows)


def soc2_criteria_spellings(path: Path) -> Path:
    """Criteria written with their description, slashes, ampersands, spaces; one criterion in a
    cell merged over three controls."""
    rows: list[list[Any]] = [
        ["Control ID", "Control Description", "TSC Criteria", "Test Result"],
        [
            "6.01",
            "Logical access software",
            "CC6.1 - The entity implements logical access security software, infrastructure, and architectures",
            "No exceptions noted",
        ],
        ["6.02", "Access provisioning", "CC6.2/CC6.3", "No exceptions noted"],
        ["6.03", "Access removal", "CC6.2 & CC6.3", "No exceptions noted"],
        ["6.04", "Access review", "CC6.2 CC6.3", "No exceptions noted"],
        ["7.01", "Monitoring", "CC7.2", "No exceptions noted"],
        ["7.02", "Alerting", None, "No exceptions noted"],
        ["7.03", "Triage", None, "No exceptions noted"],
        ["9.01", "Vendor list", "not mapped yet", "No exceptions noted"],
    ]
    return write_xlsx(path, {"Section IV": rows}, merged={"Section IV": ["C6:C8"]})


def soc2_sections(path: Path) -> Path:
    """A matrix kept per family: a heading and an objective line, then the header again for each
    family; ids are criteria; statuses with emoji."""
    header = ["Control ID", "Control Description", "Evidence Required", "Status", "Last Updated"]
    rows: list[list[Any]] = [["SOC 2 Evidence Matrix"], [None]]
    for family, name, ids in [
        ("CC1", "Control Environment", ["CC1.1", "CC1.2"]),
        ("CC6", "Logical Access", ["CC6.1", "CC6.2", "CC6.3"]),
    ]:
        rows += [[f"{family} - {name}"], [f"Objective: {name.lower()} is in place"], [None], header]
        rows += [[cid, f"{cid} control", "Policy, logs", "🔄 In Progress", "2026-10-01"] for cid in ids]
        rows.append([None])
    return write_xlsx(path, {"SOC 2 Evidence Matrix": rows})


def soc2_library(path: Path) -> Path:
    """A control library: `ID`, `Control` (the description), several criteria per cell, no test
    results, `—` where a control maps to no Annex A control."""
    rows: list[list[Any]] = [
        ["ID", "Control", "Family", "Owner", "Criteria", "Annex A"],
        ["LIB-001", "Staff acknowledge the code of conduct", "CC1", "HR", "CC1.1", "A.5.4, A.6.2"],
        ["LIB-002", "Background checks before hire", "CC1", "HR", "CC1.1, CC1.4", "A.6.1"],
        ["LIB-003", "Board reviews security yearly", "CC1", "CEO", "CC1.2, CC1.5", "—"],
    ]
    return write_xlsx(path, {"Control Library": rows})


def soc2_semicolon_long(path: Path) -> Path:
    """A European Excel CSV: UTF-8 with a BOM, `;`, commas inside the text, and a first record of
    about 9,600 characters (longer than any prefix a sniffer reads)."""
    rows = [["Control ID", "Control Description", "TSC Criteria", "Test Result"], ["1.01", LONG, "CC1.1", "No exceptions noted"]]
    rows += [[f"1.0{i}", f"Control {i}, reviewed quarterly", f"CC1.{i}", "No exceptions noted"] for i in range(2, 6)]
    return write_csv(path, rows, delimiter=";", bom=True)


def soc2_quoted_comma(path: Path) -> Path:
    """A comma CSV with a long record and a quoted field that holds `","` (and a formula)."""
    rows = [
        ["Control ID", "Control Description", "TSC Criteria", "Control Owner", "Test Result"],
        ["2.01", LONG, "CC2.1", "CISO", "No exceptions noted"],
        ["2.02", '=HYPERLINK("http://evil.example","click")', "CC2.2", "Head of IT", "No exceptions noted"],
        ["2.03", "Policies, standards, and procedures", "CC2.3", "CISO", "Exceptions noted"],
    ]
    return write_csv(path, rows)


def soc2_cp1252(path: Path) -> Path:
    """Windows-1252 text (accents, an en dash, a euro sign), as old Excel versions save CSV."""
    rows = [
        ["Control ID", "Control Description", "TSC Criteria", "Control Owner", "Test Result"],
        ["3.01", "Revue trimestrielle des accès – équipe sécurité", "CC6.2", "Hélène Müller", "No exceptions noted"],
        ["3.02", "Budget sécurité 50 000 €", "CC1.2", "Zoë", "No exceptions noted"],
    ]
    return write_csv(path, rows, encoding="cp1252")


def soc2_ragged(path: Path) -> Path:
    """A CSV whose third record has an unquoted comma inside a value: one field too many."""
    text = (
        "Control ID,Control Description,TSC Criteria,Test Result\r\n"
        "4.01,Encryption at rest,CC6.1,No exceptions noted\r\n"
        "4.02,Email DLP in place, endpoint DLP planned,CC6.7,No exceptions noted\r\n"
        "4.03,Key rotation,CC6.1,No exceptions noted\r\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def soc2_readiness(path: Path) -> Path:
    """A readiness matrix: `TSC Ref`, a `Status` of `In Place`/`Planned`, no test results."""
    rows = [
        ["Control ID", "TSC Ref", "Control Description", "Evidence", "Owner", "Status"],
        ["CTL-01", "CC1.1", "Security objectives defined", "README", "CEO", "In Place"],
        ["CTL-02", "CC6.1", "Logical access restricted", "IAM policy", "CTO", "In Place"],
        ["CTL-03", "CC9.1", "Availability targets", "DR drill", "CTO", "Planned"],
    ]
    return write_csv(path, rows)


# --- gap assessments in the client's own format ----------------------------------------------------


def gap_client_layout(path: Path) -> Path:
    """A client's gap table: merged title, ids written `Clause 9` and `Control 5.17`."""
    rows: list[list[Any]] = [
        ["Gap Assessment of a hospital"],
        [None],
        [None],
        [
            "Clause/Control\nNumber",
            "Clause/Control",
            "Requirement (as per ISO 27001:2022)",
            "Current State",
            "Gap Identified",
            "Recommendation",
        ],
        ["Clause 9", "Internal Audit", "(requirement)", "No audits so far", "No audit programme", "Plan audits"],
        ["Control 5.17", "Authentication information", "(requirement)", "Shared accounts", "No password policy", "Write one"],
        ["Control 8.20", "Networks security", "(requirement)", "Flat network", "No segmentation", "Segment"],
    ]
    return write_xlsx(path, {"Sheet1": rows}, merged={"Sheet1": ["A1:F2"]})


def gap_2013_row(path: Path) -> Path:
    """A gap template with one worked row, a 2013 id and its title in one cell."""
    rows: list[list[Any]] = [
        ["ISO 27001 Gap Analysis Template"],
        [
            "ISO 27001 Clause / Control",
            "Description of Requirement",
            "Current Status",
            "Gap Identified",
            "Priority",
            "Action Needed",
            "Responsible Person",
        ],
        [
            "A.9.2.1 User registration and de-registration",
            "Formal user registration",
            "Manual",
            "No process",
            "High",
            "Write one",
            "IT lead",
        ],
    ]
    return write_xlsx(path, {"Sheet1": rows})


#: Every builder, by name: tests that run over all patterns use this.
BUILDERS = {
    "soa_title_rows.xlsx": soa_title_rows,
    "soa_two_row_header.xlsx": soa_two_row_header,
    "soa_numbers_and_sections.xlsx": soa_numbers_and_sections,
    "soa_ids_under_control.xlsx": soa_ids_under_control,
    "soa_2013.xlsx": soa_2013,
    "soa_markdown_tail.csv": soa_markdown_tail,
    "soa_german.xlsx": soa_german,
    "soa_french.xlsx": soa_french,
    "soa_other_tool.xlsx": soa_other_tool,
    "soa_ticks.xlsx": soa_ticks,
    "risk_title_rows.xlsx": risk_title_rows,
    "risk_two_row_header.xlsx": risk_two_row_header,
    "risk_grouped_empty.xlsx": risk_grouped_empty,
    "risk_snake_case.csv": risk_snake_case,
    "risk_german.xlsx": risk_german,
    "risk_french.xlsx": risk_french,
    "risk_qualitative.xlsx": risk_qualitative,
    "soc2_narrative.csv": soc2_narrative,
    "soc2_criteria_spellings.xlsx": soc2_criteria_spellings,
    "soc2_sections.xlsx": soc2_sections,
    "soc2_library.xlsx": soc2_library,
    "soc2_semicolon_long.csv": soc2_semicolon_long,
    "soc2_quoted_comma.csv": soc2_quoted_comma,
    "soc2_cp1252.csv": soc2_cp1252,
    "soc2_ragged.csv": soc2_ragged,
    "soc2_readiness.csv": soc2_readiness,
    "gap_client_layout.xlsx": gap_client_layout,
    "gap_2013_row.xlsx": gap_2013_row,
}


def build(name: str, folder: Path) -> Path:
    return BUILDERS[name](folder / name)
