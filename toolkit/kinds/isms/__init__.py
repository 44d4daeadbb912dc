"""The ISMS workbook (clauses 4-10): context, scope, objectives, documents, internal audit, reviews."""
