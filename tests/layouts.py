"""One comparison of two Layouts, field by field, the ones made on first use included."""

from __future__ import annotations

import dataclasses

import numpy as np

from bot.search.resolutions import Layout

# Made when first asked for (see Layout), so not dataclass fields: compared too.
LAZY = ("resolution_documents", "resolutions", "references_by_base")


def assert_same_layout(a: Layout, b: Layout) -> None:
    public = [f.name for f in dataclasses.fields(Layout) if not f.name.startswith("_")]
    for name in (*public, *LAZY):
        left, right = getattr(a, name), getattr(b, name)
        if isinstance(left, np.ndarray):
            assert left.dtype == right.dtype and left.tolist() == right.tolist(), name
        else:
            assert left == right, name
