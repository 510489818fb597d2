"""Child processes of a TEST_CLOCK run (fake WeChat, gunicorn) start on the same pinned clock."""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "_pinned_clock", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                  "pinned_clock.py"))
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
_module.start_pinned_clock()
