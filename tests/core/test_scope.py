"""get_in_scope: the one scoped getter. A row of another region answers exactly like a row
that does not exist, with the model's own stable code and Chinese message."""
import pytest
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.core.errors import NotFound
from app.core.models import get_in_scope
from app.core.regions import region_in_scope, requested_region
from app.extensions import db

# The error codes the API has always answered; a change here is an API change.
SCOPED = {
    "Application": "certification.not_found",
    "Batch": "money.batch_not_found",
    "Benefit": "policies.benefit_not_found",
    "Campaign": "campaign.not_found",
    "Certification": "certification.certification_not_found",
    "Claim": "money.claim_not_found",
    "ClaimEvidence": "evidence.not_found",
    "Employer": "jobs.employer_not_found",
    "Evidence": "evidence.not_found",
    "Fund": "money.fund_not_found",
    "Objection": "certification.objection_not_found",
    "PartnerImport": "partners.import_not_found",
    "PartnerRecord": "partners.record_not_found",
    "Person": "people.not_found",
    "Post": "money.post_not_found",
    "Recommendation": "jobs.recommendation_not_found",
    "RecruitmentEvent": "jobs.event_not_found",
    "StaffAccount": "staff.not_found",
    "StaffGrantRequest": "staff.grant_not_found",
    "TaxReliefProof": "partners.proof_not_found",
    "Vacancy": "jobs.vacancy_not_found",
    "Case": "tracking.case_not_found",
    "ExitProposal": "tracking.proposal_not_found",
    "FollowUp": "tracking.follow_up_not_found",
    "Hire": "tracking.hire_not_found",
    "Task": "tracking.task_not_found",
    "ZeroHousehold": "tracking.household_not_found",
}


def _scoped_models():
    return {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers
            if hasattr(mapper.class_, "scope_not_found")}


def _staff(username):
    return db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def test_every_scoped_model_keeps_its_error_code(app):
    with app.app_context():
        models = _scoped_models()
    assert {name: model.scope_not_found[0] for name, model in models.items()} == SCOPED


@pytest.mark.parametrize("name", sorted(SCOPED))
def test_a_missing_row_answers_the_models_not_found(app, name):
    with app.app_context():
        model = _scoped_models()[name]
        with pytest.raises(NotFound) as caught:
            get_in_scope(model, _staff("region_admin"), 10**9)
    assert caught.value.code == SCOPED[name]
    assert str(caught.value.message) == str(model.scope_not_found[1])


def test_a_row_of_another_region_answers_like_a_missing_one(app):
    with app.app_context():
        county = _staff("county_xc")  # 新城区
        inside, elsewhere = _staff("station_xc"), _staff("station_hlr")  # 呼伦贝尔
        assert get_in_scope(StaffAccount, county, inside.id) is inside
        with pytest.raises(NotFound) as other:
            get_in_scope(StaffAccount, county, elsewhere.id)
        with pytest.raises(NotFound) as missing:
            get_in_scope(StaffAccount, county, 10**9)
        # The region above both sees both.
        assert get_in_scope(StaffAccount, _staff("region_admin"), elsewhere.id) is elsewhere
    assert (other.value.status, other.value.code, str(other.value.message), other.value.details) \
        == (missing.value.status, missing.value.code, str(missing.value.message),
            missing.value.details) == (404, "staff.not_found", "工作人员不存在", {})


def test_a_region_outside_the_subtree_answers_like_an_unknown_one(app):
    with app.app_context():
        county = _staff("county_xc")  # 150102 新城区
        assert region_in_scope(county, "150102001") == "150102001"
        answers = []
        for code in ("150702", "150102999"):  # 呼伦贝尔 (exists), and no such region
            with pytest.raises(NotFound) as caught:
                region_in_scope(county, code)
            answers.append((caught.value.code, str(caught.value.message), caught.value.details))
    assert answers == [("region.not_found", "行政区划不存在", {"code": "150702"}),
                       ("region.not_found", "行政区划不存在", {"code": "150102999"})]


def test_a_list_is_of_the_callers_region_unless_a_region_of_its_subtree_is_named(app):
    with app.app_context():
        county = _staff("county_xc")  # 150102 新城区
        assert requested_region(county) == requested_region(county, "") == "150102"
        assert requested_region(county, "150102001") == "150102001"
        for code in ("150702", "150102999"):
            with pytest.raises(NotFound) as caught:
                requested_region(county, code)
            assert (caught.value.code, caught.value.details) == ("region.not_found", {"code": code})
