"""Builders through the service layer, for tests that are not about HTTP.

They call the same operations the API calls (submit_application and the review steps),
each as the account or staff member who would act, inside a request context whose audit
actor is that caller, and commit as a request would. A test that needs "a
certified person" then spends a few milliseconds instead of eight HTTP round trips, and the
HTTP path keeps its own tests (tests/certification)."""
from contextlib import contextmanager

from flask import g
from sqlalchemy import select

from app.accounts.models import PersonAccount, StaffAccount
from app.audit.services import Actor
from app.certification import review
from app.certification.models import Application
from app.certification.services import submit_application
from app.extensions import db
from app.people.models import Person


@contextmanager
def acting_as(app, caller):
    """A request context in which `caller` (a StaffAccount or a PersonAccount) is the audit
    actor; commits on success like one request, rolls back otherwise."""
    with app.test_request_context():
        kind = "staff" if isinstance(caller, StaffAccount) else "person"
        g.actor = Actor(kind, caller.id)
        try:
            yield db.session.merge(caller)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def staff_named(username):
    return db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def account_of(person_id):
    """The mini-program account a person registered with."""
    return db.session.scalar(select(PersonAccount).join(
        Person, Person.person_account_id == PersonAccount.id).where(Person.id == person_id))


def certify_person(app, person_id, categories=("older",), *, station="station_xc",
                   township="township_xc", county="county_xc"):
    """The person (registered, with consent) applies from their own account and is certified
    at every level by the given staff. Returns the application id."""
    categories = list(categories)
    with app.app_context():
        account = account_of(person_id)
        staff = {name: staff_named(name) for name in (station, township, county)}
    commitment = {"accepted": True, "version": app.config["CERT_COMMITMENT_VERSION"]}
    with acting_as(app, account) as caller:
        application = submit_application(caller, db.session.get(Person, person_id),
                                         commitment=commitment, categories=categories)
        application_id = application.id
    for username, act in ((station, review.accept_application),
                          (station, review.pass_station_check),
                          (township, review.pass_township_review)):
        with acting_as(app, staff[username]) as caller:
            act(caller, _application(application_id))
    with acting_as(app, staff[county]) as caller:
        review.certify_application(caller, _application(application_id), categories)
    return application_id


def _application(application_id):
    return db.session.get(Application, application_id)

