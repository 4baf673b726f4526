"""Audit actions are shown by name, not by code: every code in the code base has a label."""

import ast
import datetime
import io
from pathlib import Path

from django.utils import translation
from python_calamine import CalamineWorkbook

from fangkong.audit.labels import ACTION_LABELS, action_label
from fangkong.audit.models import AuditEvent
from fangkong.audit.services import Target, audit_record
from fangkong.core.scoping import SYSTEM
from fangkong.notifications.services import UNDELIVERED_KIND, notify
from fangkong.reporting.models import DispatchKind

ROOT = Path(__file__).resolve().parents[3]
# notify() records `f"{kind}.send"` for each kind of message it sends.
MESSAGE_KINDS = [*DispatchKind.values, UNDELIVERED_KIND]


def sources() -> list[Path]:
    files = [*(ROOT / "fangkong").rglob("*.py"), *(ROOT / "config").rglob("*.py")]
    return [p for p in files if not {"tests", "migrations"} & set(p.relative_to(ROOT).parts)]


def codes_of(node: ast.expr, where: str) -> set[str]:
    """The action codes an `action=` expression can take."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return codes_of(node.body, where) | codes_of(node.orelse, where)
    if isinstance(node, ast.Name):
        return set()  # passed on: its value is a literal where it was set
    if isinstance(node, ast.JoinedStr) and ast.unparse(node) == "f'{kind}.send'":
        return {f"{kind}.send" for kind in MESSAGE_KINDS}
    raise AssertionError(f"{where}: write the action code as a literal: {ast.unparse(node)}")


def action_positions(tree: ast.Module) -> dict[str, int]:
    """The functions of a module that take an `action`, and its place among their arguments."""
    positions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
            if "action" in names:
                positions[node.name] = names.index("action")
    return positions


def called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def action_codes() -> dict[str, str]:
    """Every action code written in the source, with where it is written."""
    found: dict[str, str] = {}
    for path in sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        positions = action_positions(tree)
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values = [k.value for k in node.keywords if k.arg == "action"]
                index = positions.get(called_name(node))
                if index is not None and index < len(node.args):
                    values.append(node.args[index])
            elif (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "action" for t in node.targets)
                and not isinstance(node.value, ast.Call)  # a model field, not a code
            ):
                values = [node.value]
            for value in values:
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                found.update(dict.fromkeys(codes_of(value, where), where))
    return found


def test_the_scan_finds_the_actions_it_should() -> None:
    codes = action_codes()
    assert {"report.zero", "user.change", "reminder.send", "undelivered.send"} <= set(codes)
    assert "admin.delete" in codes  # given as a function's positional argument


def test_every_action_code_in_the_code_base_has_a_label() -> None:
    missing = {code: where for code, where in action_codes().items() if code not in ACTION_LABELS}
    assert not missing, f"give these actions a label in fangkong/audit/labels.py: {missing}"


def test_labels_are_words_not_codes() -> None:
    with translation.override("en"):
        for code, label in ACTION_LABELS.items():
            assert "." not in str(label) and str(label) != code
            assert action_label(code) == str(label)
    assert action_label("something.unknown") == "something.unknown"


def test_the_audit_page_shows_the_action_by_name(world) -> None:
    audit_record(actor=SYSTEM, action="report.zero", target=Target("x", "1", "左旗新院"))
    page = world.client("admin").get("/audit/", headers={"accept-language": "en"})
    html = page.content.decode()
    assert "Zero report submitted" in html
    assert "report.zero" not in html


def test_the_audit_export_names_the_action_and_keeps_its_code(world) -> None:
    audit_record(actor=SYSTEM, action="report.zero", target=Target("x", "1", "左旗新院"))
    response = world.client("admin").get("/audit/export.xlsx", headers={"accept-language": "en"})
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header = rows[0]
    [row] = [r for r in rows[1:] if r[5] == "左旗新院"]
    assert row[header.index("Action")] == "Zero report submitted"
    assert row[header.index("Action code")] == "report.zero"


def test_the_audit_page_names_who_acted_without_an_account_in_words(world) -> None:
    audit_record(actor=SYSTEM, action="report.zero", target=Target("x", "1", "左旗新院"))
    html = world.client("admin").get("/audit/", headers={"accept-language": "en"}).text
    assert "<td>System</td>" in html
    assert "<td>system</td>" not in html


def test_a_message_sent_is_logged_under_its_subject_not_its_key(world) -> None:
    dispatch = notify(recipients=[world.users["zuoqi"]], kind="reminder", email=False,
                      key="institution:1529210001", day=datetime.date(2022, 10, 25),
                      subject="提醒：今日日报告截止时间为 16:00", body="…")  # fmt: skip
    event = AuditEvent.objects.get(action="reminder.send", target_id=str(dispatch.pk))
    assert event.target_repr == "提醒：今日日报告截止时间为 16:00"
