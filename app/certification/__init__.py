"""Certification of persons with employment difficulty: applications, evidence, the review
workflow with working-day deadlines, public notice, certifications and exits."""
