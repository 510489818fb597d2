"""Campaigns (issue 3): staff send one message kind to a segment of persons in a window.

The API creates a campaign (checked: scope, segment not empty, values fit the template);
`flask push campaigns run` expands it into the push outbox in set-based, resumable batches
(INSERT ... SELECT, dedupe key `campaign:<id>:<person_account_id>`); the push worker sends.
Holiday nodes (元旦, 春节, 全国助残日) come from app.campaigns.holidays.
Layer: above certification (segments read certifications and applications).
"""
