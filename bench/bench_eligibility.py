"""Micro-benchmark: evaluate the full shipped catalog for 10,000 synthetic people.

Not part of the test suite (speed targets never live in unit tests). Run from the repo root:

    python bench/bench_eligibility.py [--people 10000] [--repeat 3]

Reports the best of `repeat` runs as microseconds per person, plus the one-off compile time
of the catalog (which the service caches per version) and the cost of rendering the texts of
the results (done at the HTTP edge in the caller's language; here without a catalog).
"""
import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.policies.catalog import compile_document, shipped_catalog, shipped_document  # noqa: E402
from app.policies.engine import benefits_ending_within, evaluate  # noqa: E402

TODAY = date(2025, 12, 1)
CATEGORIES = ["older", "disabled", "zero_employment_household", "land_lost",
              "long_term_unemployed", "graduate"]
STATUSES = ["unemployed", "employed", "flexible", "self_employed", None]
POLICIES = ["social_insurance_subsidy_flexible", "public_welfare_post", "dibao_phase_out",
            "unemployment_insurance_benefit", "startup_guaranteed_loan"]


def maybe(rng, value, unknown=0.15):
    """A fact that is unknown (None) some of the time, as in real records."""
    return None if rng.random() < unknown else value


def synthetic_person(rng):
    age = rng.randint(18, 64)
    gender = rng.choice(["male", "female"])
    birth = TODAY - timedelta(days=age * 365 + rng.randint(0, 364))
    unemployed = rng.random() < 0.6
    benefits = [{"policy": rng.choice(POLICIES),
                 "start": TODAY - timedelta(days=rng.randint(0, 1500)),
                 "end": (None if rng.random() < 0.7
                         else TODAY + timedelta(days=rng.randint(-400, 400)))}
                for _ in range(rng.choice([0, 0, 1, 2]))]
    return {
        "today": TODAY, "birth_date": birth, "age": age, "gender": gender,
        "residence_region": rng.choice(["150102001001", "150702001001", "152501001"]),
        "in_inner_mongolia": True, "urban_resident": maybe(rng, True),
        "residence_months": maybe(rng, rng.randint(0, 240)),
        "employment_status": rng.choice(STATUSES),
        "registered_unemployed": maybe(rng, unemployed),
        "unemployment_registered_on": None,
        "unemployed_months": maybe(rng, rng.randint(0, 36)) if unemployed else None,
        "social_insurance_months": maybe(rng, rng.randint(0, 300)),
        "unemployment_insured": maybe(rng, rng.random() < 0.3, 0.5),
        "dibao": maybe(rng, rng.random() < 0.2),
        "disability_certificate": maybe(rng, rng.random() < 0.1),
        "disability_level": rng.choice([None, 1, 2, 3, 4]), "disability_type": None,
        "land_lost": maybe(rng, False), "land_compensation_monthly": None,
        "household_size": maybe(rng, rng.randint(1, 6)),
        "zero_employment_household": maybe(rng, rng.random() < 0.1),
        "graduate_left_on": None, "ever_employed": maybe(rng, True),
        "education": rng.choice([None, "junior", "senior", "college"]),
        "skills": [], "trades_trained": [], "skill_certificates": [],
        "wants": rng.sample(["job", "startup", "training"], rng.randint(0, 2)),
        "business_registered_on": maybe(rng, TODAY - timedelta(days=rng.randint(0, 900)), 0.8),
        "business_kind": rng.choice([None, None, None, "sole_proprietor", "small_firm"]),
        "in_startup_training": maybe(rng, rng.random() < 0.1, 0.5),
        "in_vocational_training": maybe(rng, rng.random() < 0.2, 0.5),
        "passed_skill_evaluation_on": None,
        "certified": rng.random() < 0.7,
        "categories": rng.sample(CATEGORIES, rng.randint(0, 2)),
        "certified_on": None, "benefits": benefits,
        "public_welfare_placements": rng.choice([0, 0, 0, 1, 2]),
    }


def untranslated(template):
    return template


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    compile_document(shipped_document())
    compile_ms = (time.perf_counter() - start) * 1000
    catalog = shipped_catalog()
    rng = random.Random(20251201)
    people = [synthetic_person(rng) for _ in range(args.people)]

    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        for facts in people:
            evaluate(catalog, facts)
        best = min(best, time.perf_counter() - start)
    start = time.perf_counter()
    for facts in people:
        benefits_ending_within(catalog, facts)
    expiry = time.perf_counter() - start
    texts = [text for facts in people for result in evaluate(catalog, facts)
             for text in (result["name"], result["gives"],
                          *(item["text"] for key in ("reasons", "failing", "missing")
                            for item in result[key]))]
    start = time.perf_counter()
    for text in texts:
        text.render(untranslated)
    render = time.perf_counter() - start

    print(f"catalog {catalog.version}: {len(catalog.policies)} policies, "
          f"compiled in {compile_ms:.1f} ms (once per version)")
    print(f"evaluate: {args.people} people in {best:.3f} s (best of {args.repeat}) = "
          f"{best / args.people * 1e6:.1f} µs per person")
    print(f"benefits_ending_within: {expiry / args.people * 1e6:.1f} µs per person")
    print(f"render the texts of the results: {render / args.people * 1e6:.1f} µs per person "
          f"({len(texts) / args.people:.0f} texts)")


if __name__ == "__main__":
    main()
