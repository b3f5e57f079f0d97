"""docs/guide/models.md runs as written: its snippets, in order, in one namespace."""
import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "models.md"


def test_guide_snippets_run():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert len(blocks) > 10
    namespace: dict = {}
    exec(compile("\n".join(blocks), str(GUIDE), "exec"), namespace)
    assert float(namespace["m"].logp({"z": 2.5})) == pytest.approx(-6.6973150, abs=1e-6)
    assert float(namespace["mu"].value.detach()) == pytest.approx(2.1789474, abs=1e-6)
