"""The help loop (issue 14): cases, help plans, contacts, help requests, follow-ups after
hiring, expiry assessments, zero-employment households, exits proposed by data."""


def on_certification_created(certification, application, **_):
    from .cases import open_case
    from .hires import identify_household
    case = open_case(certification.person, "certified", certification.categories,
                     station_id=application.station_id)
    identify_household(certification.person)  # lists it when the household is zero-employment
    return case


def on_certification_exited(certification, **_):
    from .cases import close_case, open_case_of
    case = open_case_of(certification.person_id)
    if case is not None:
        close_case(case, f"exit:{certification.exit_reason}")


def on_hired(recommendation, vacancy, person, **_):
    from .hires import on_recommendation_hired
    on_recommendation_hired(recommendation, vacancy, person)


def on_residence_changed(person, previous, **_):
    """The person moved: their open case goes to the station serving the new residence,
    now rather than at the next daily run (the daily run stays as a safety net)."""
    from .cases import move_case, open_case_of
    case = open_case_of(person.id)
    if case is not None:
        move_case(case, person, why="residence_changed")


def on_staff_changed(staff, **_):
    """A worker left their station (deactivated, moved, another role): their open cases go
    to the least-loaded worker still there, now rather than at the next daily run."""
    from .cases import release_cases_of
    release_cases_of(staff)


def install():
    """Subscribe to what the lower areas announce (app.core.hooks); called by create_app."""
    from app.core.hooks import subscribe
    subscribe("certification.created", on_certification_created)
    subscribe("certification.exited", on_certification_exited)
    subscribe("jobs.hired", on_hired)
    subscribe("people.residence_changed", on_residence_changed)
    subscribe("accounts.staff_changed", on_staff_changed)
