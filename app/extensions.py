"""Extensions, created unbound and bound in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api

# `db` lives in core (core's models need it and core never imports upward); re-exported here
# beside the other extensions.
from app.core.database import db  # noqa: F401

migrate = Migrate(compare_type=True, render_as_batch=True)


class ServiceApi(Api):
    """flask-smorest documents its own error body by default; ours is {"error": {...}}."""

    from app.core.schemas import ErrorSchema as ERROR_SCHEMA  # noqa: N811


api = ServiceApi()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
