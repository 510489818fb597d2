"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
import gc

from app import create_app

app = create_app()
# What start-up built lives as long as the worker: out of the collector's reach, a full
# collection during a request scans only what requests made (a list of thousands of
# entries otherwise paid for a scan of the whole application now and then).
gc.collect()
gc.freeze()
