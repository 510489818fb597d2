"""Jobs: employers, vacancies (caring jobs, public-welfare posts) and explainable matching."""
