"""docs/operations.md explains every panel of the Grafana dashboard and
every alert rule: a panel or alert added without its row there fails here.

Run by CTest: python3 tests/deploy/operations_docs_test.py
"""

import json
import pathlib
import re
import unittest

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def table_first_cells(text, heading):
    """The first cell of each row of the table under `heading`."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    cells = []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells.append(line.split("|")[1].strip().strip("`"))
    return cells[1:]  # Without the header row.


class OperationsDocs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = (ROOT / "docs" / "operations.md").read_text()

    def test_every_panel_has_a_row(self):
        dashboard = json.loads(
            (ROOT / "deploy" / "grafana" / "nasprune.json").read_text())
        panels = [p["title"] for p in dashboard["panels"] if p["type"] != "row"]
        rows = table_first_cells(self.text, "## The dashboard, panel by panel")
        self.assertEqual(sorted(rows), sorted(panels))

    def test_every_alert_has_a_row(self):
        rules = yaml.safe_load(
            (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
        alerts = [r["alert"] for g in rules["groups"] for r in g["rules"]]
        rows = table_first_cells(self.text, "## Alerts")
        self.assertEqual(sorted(rows), sorted(alerts))

    def test_the_table_reader_sees_a_missing_row(self):
        text = "## Alerts\n\n| alert | when |\n| --- | --- |\n| `A` | x |\n"
        self.assertEqual(table_first_cells(text, "## Alerts"), ["A"])
        self.assertNotIn("B", table_first_cells(text, "## Alerts"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
