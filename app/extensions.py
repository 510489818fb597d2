"""Extensions, created unbound and bound in create_app()."""
import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api

# `db` lives in core (core's models need it and core never imports upward); re-exported here
# beside the other extensions.
from app.core.database import db  # noqa: F401


class _MigrateState:
    """What Flask-Migrate keeps in app.extensions["migrate"] (its _MigrateConfig: migrate,
    db, directory, configure_args, metadata), with the Migrate object made at first use."""

    def __init__(self, db, directory, configure_args):
        self.db, self.directory, self.configure_args = db, directory, configure_args
        self._migrate = None

    @property
    def metadata(self):
        return self.db.metadata

    @property
    def migrate(self):
        if self._migrate is None:
            from flask_migrate import Migrate
            self._migrate = Migrate(db=self.db, directory=self.directory, **self.configure_args)
        return self._migrate


class _LazyDbCommands(click.Group):
    """`flask db ...`: Flask-Migrate's command group, imported when the command runs."""

    def _real(self):
        from flask_migrate.cli import db as db_cli_group
        return db_cli_group

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        return self._real().invoke(ctx)


class LazyMigrate:
    """Flask-Migrate as `Migrate(compare_type=True, render_as_batch=True).init_app(...)`
    sets it up, but imported only when a migration runs (`flask db`, flask_migrate.upgrade):
    it brings alembic and mako, ~10 MB that every web worker carried unused."""

    def __init__(self, **configure_args):
        self.configure_args = configure_args

    def init_app(self, app, db, directory):
        app.extensions["migrate"] = _MigrateState(db, str(directory), dict(self.configure_args))
        app.cli.add_command(_LazyDbCommands("db", help="Perform database migrations."))


migrate = LazyMigrate(compare_type=True, render_as_batch=True)


class ServiceApi(Api):
    """flask-smorest documents its own error body by default; ours is {"error": {...}}."""

    from app.core.schemas import ErrorSchema as ERROR_SCHEMA  # noqa: N811


api = ServiceApi()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
