"""Package data: the document templates (the top-level templates/ folder, installed as aftercare.templates)."""
