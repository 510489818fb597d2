"""Every value of a message that our own code writes (status words, items, composed notes,
salary texts, catalog defaults) fits its WeChat field whole: render() leaves it exactly as
it is, so nothing reaches a person cut ("服务站已受理" once arrived as "服务站已受"). Free
text typed by people (job titles, staff notes) may still be cut with "…" in `thing` fields;
a `phrase` is never cut: a longer one is refused when the message is queued."""
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import gettext

from app.certification import notify
from app.certification.settings import rules_for
from app.core.i18n import render_value
from app.jobs.recommendations import _salary_text
from app.jobs.schemas import VACANCY_FIELD_SPECS
from app.partners import notices
from app.tracking.daily import STAGE_TITLES
from app.tracking.digests import DIGEST_ITEM, KIND as DIGEST_KIND
from app.wechat.fields import PHRASE_MAX, FieldValueError, render
from app.wechat.templates import load_catalog
from fakes.sms import PARAM_MAX as SMS_PARAM_MAX
from fakes.wechat import FIELD_RULES

APP_DIR = Path(__file__).resolve().parents[2] / "app"
# Modules that queue messages; each one's fixed values are listed in shipped_values().
SENDERS = {"certification/notify.py", "jobs/recommendations.py", "wechat/cli.py",
           "tracking/daily.py", "tracking/digests.py", "money/notify.py",
           "partners/notices.py"}
LONG_OFFICE = "呼和浩特市新城区海拉尔东路街道家门口就业服务站"


def _certification_values():
    values = []
    for kind, phrase in notify.MESSAGES.values():
        values.append((kind, "status" if kind == notify.PROGRESS else "result", phrase))
    for kind in (notify.PROGRESS, notify.RESULT):
        values.append((kind, "item", notify.ITEM))
    latest = date(2026, 12, 31)  # the longest month and day
    for holder in ("海拉尔区", LONG_OFFICE):
        values.append((notify.PROGRESS, "note",
                       notify._progress_note({"holder": holder, "deadline": latest})))
    labels = [c["label"] for c in rules_for("nm-2019.1").categories]
    for chosen in [[label] for label in labels] + [labels]:
        values.append((notify.RESULT, "note", notify._result_note({"categories": chosen})))
    return values


def _job_values():
    top = VACANCY_FIELD_SPECS["salary_max"][1]["validate"].max
    return [("job_recommendation", "salary", _salary_text(SimpleNamespace(
        salary_min=low, salary_max=high))) for low, high in ((0, 0), (top, top), (top - 1, top))]


def _tracking_values():
    return [("follow_up_reminder", "item", title) for title in STAGE_TITLES.values()] + [
        (DIGEST_KIND, "item", DIGEST_ITEM)]


def _money_values():
    """Every claim step's phrase and item, and the composed notes at their longest."""
    from app.money import notify as money
    from app.money.payrules import CLAIM_ITEMS
    values = [(kind, "status" if kind == money.PROGRESS else "result", phrase)
              for kind, phrase in money.MESSAGES.values()]
    values += [(kind, "item", item) for item in CLAIM_ITEMS.values()
               for kind in (money.PROGRESS, money.RESULT)]
    largest = 99_999_999  # fen: 999,999.99 yuan, more than any one claim pays
    values += [(money.PROGRESS, "note", money.deadline_note(date(2026, 12, 31))),
               (money.RESULT, "note", money.approved_note(largest)),
               (money.PROGRESS, "note", money.paid_note(largest, "4567")),
               (money.PROGRESS, "note", money.FAILED_NOTE)]
    return values


def _partners_values():
    return [("discovery_invitation", "item", notices.INVITE_ITEM),
            ("discovery_invitation", "station", "服务站"),
            ("dibao_phase_out", "item", notices.PHASE_OUT_ITEM)]


def _defaults(catalog):
    return [(kind.name, field.name, field.default) for kind in catalog.kinds.values()
            for field in kind.fields if not field.required]


def shipped_values(catalog, translate):
    """(kind, field name, text as sent) for every value our code composes."""
    raw = (_certification_values() + _job_values() + _tracking_values() + _money_values()
           + _partners_values()
           + _defaults(catalog))
    return [(kind, name, render_value(value, translate)) for kind, name, value in raw]


@pytest.fixture()
def sent(app):
    catalog = load_catalog()
    with app.test_request_context():
        return catalog, shipped_values(catalog, gettext)


def _field(catalog, kind, name):
    return next(f for f in catalog.get(kind).fields if f.name == name)


def test_every_shipped_value_fits_its_field_without_cutting(sent):
    catalog, values = sent
    for kind, name, text in values:
        field = _field(catalog, kind, name)
        assert render(field.type, text) == text, (kind, name, text)
        assert FIELD_RULES[field.type](text), (kind, name, text)


def test_every_phrase_field_is_covered_and_every_status_word_is_five_characters_at_most(sent):
    catalog, values = sent
    phrase_fields = {(kind.name, f.name) for kind in catalog.kinds.values()
                     for f in kind.fields if f.type == "phrase"}
    covered = {(kind, name) for kind, name, _ in values}
    assert phrase_fields <= covered
    phrases = [text for kind, name, text in values if (kind, name) in phrase_fields]
    assert phrases and all(len(text) <= PHRASE_MAX for text in phrases)
    assert {"站点已受理", "旗县审核中"} <= set(phrases)


def test_sms_parameters_repeat_the_values_within_the_gateway_limit(sent):
    catalog, values = sent
    for kind, name, text in values:
        if name in catalog.get(kind).sms_params:
            assert len(text) <= SMS_PARAM_MAX, (kind, name, text)


def test_a_long_office_name_leaves_the_deadline_whole(sent):
    _, values = sent
    notes = [text for kind, name, text in values if kind == notify.PROGRESS and name == "note"]
    assert notes[:2] == ["海拉尔区办理，12月31日前答复", "预计12月31日前答复"]


def test_a_phrase_is_refused_rather_than_cut():
    with pytest.raises(FieldValueError) as err:
        render("phrase", "服务站已受理")
    assert err.value.reason == "phrase_too_long"


def test_every_module_that_queues_messages_is_enumerated_here():
    importers = {str(path.relative_to(APP_DIR)) for path in APP_DIR.rglob("*.py")
                 if path.name != "services.py" or path.parent.name != "wechat"
                 if re.search(r"import[^\n]*\benqueue_message\b", path.read_text("utf-8"))}
    assert importers == SENDERS, "a new sender: add its fixed values to shipped_values()"
