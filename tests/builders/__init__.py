"""Builders for tests, by subject: http (sign in, tokens, error codes), people (ID numbers,
registered job seekers, demo fact dicts), applications (certification steps), codes (a
certified seeker, code resolution, the codes clock) and jobs (employers, vacancies)."""
