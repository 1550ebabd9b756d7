"""Sample contexts for the review-form templates (used by test_templates' render-everything test)."""

from __future__ import annotations

_ROWS = [(1, "Q*1", "a_b"), (2, "Q2", "—")]
_NUMBERS = [("Calls", "1,200"), ("Revenue", "¥5,000")]

FORMS_SAMPLES = {
    "form_question": dict(form_title="F", period="2026-W48", index=1, total=2, title="Q", help="h", qtype="multi",
                          required=False, options=["a", "b"], numbers=_NUMBERS, previous="x", intro="i"),
    "form_review": dict(form_title="F", period="2026-W48", rows=_ROWS, editing=True, missing=[2]),
    "form_submission": dict(name="A*b", form_title="F", period="2026-W48", late=True, edited=True, numbers=_NUMBERS,
                            rows=_ROWS, changes=[("Q", "1", "2")]),
    "form_summary": dict(form_title="F", period="2026-W48", submitted=[("A", True)], missing=["B"], away=["C"],
                         questions=[("Q", [("A", "x")])], standouts=[("Calls", "A", "1", "B", "0")]),
}
