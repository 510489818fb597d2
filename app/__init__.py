"""Application factory."""
from pathlib import Path

from flask import Flask, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, get_config

from .extensions import api, babel, db, limiter, migrate


def _select_locale():
    from flask import current_app
    if not has_request_context():  # CLI commands and batch jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return request.accept_languages.best_match(current_app.config["SUPPORTED_LOCALES"]) or "zh"


def _install_services(app):
    """Objects built once from configuration and shared by every request."""
    from app.accounts.passwords import Hasher
    from app.core.cache import build_view_cache
    from app.core.crypto import FieldCipher, parse_key_ring
    from app.core.wechat import WeChatGateway

    keys, active = parse_key_ring(app.config["DATA_ENCRYPTION_KEYS"])
    app.extensions["field_cipher"] = FieldCipher(keys, active)
    from app.audit.chain import ChainKeys
    app.extensions["audit_chain_keys"] = ChainKeys(*parse_key_ring(app.config["AUDIT_CHAIN_KEYS"]))
    app.extensions["view_cache"] = build_view_cache(app.config, app.extensions["field_cipher"])
    app.extensions["password_hasher"] = Hasher(app.config["ARGON2_TIME_COST"],
                                               app.config["ARGON2_MEMORY_COST"])
    from app.wechat.templates import load_catalog
    from app.wechat.tokens import build_token_storage

    # One access token for every process: Redis when configured, else the database.
    app.extensions["wechat"] = WeChatGateway(
        app.config["WECHAT_APPID"], app.config["WECHAT_SECRET"], app.config["WECHAT_API_BASE"],
        timeout=app.config["WECHAT_TIMEOUT"], session_storage=build_token_storage(app.config))
    app.extensions["push_catalog"] = load_catalog(
        template_ids=app.config["WECHAT_TEMPLATE_IDS"], sms_codes=app.config["SMS_TEMPLATE_CODES"])
    # Evidence a partner department's list stands in for (免证). Certification asks these
    # without importing the areas above it.
    from app.partners.records import confirmed_evidence_for
    app.extensions["evidence_confirmers"] = [confirmed_evidence_for]


def _register_blueprints(app):
    from app.accounts.api import bp as accounts_bp
    from app.campaigns.api import bp as campaigns_bp
    from app.certification.api import bp as certification_bp
    from app.certification.records_api import bp as certification_records_bp
    from app.codes.api import bp as codes_bp
    from app.partners.api import bp as partners_bp
    from app.partners.taxapi import bp as tax_relief_bp, page_bp as tax_relief_page_bp
    from app.codes.landing import bp as landing_bp
    from app.directory.api import bp as directory_bp
    from app.health import bp as health_bp
    from app.jobs.api import bp as jobs_bp, people_bp as jobs_people_bp
    from app.money.api import bp as money_bp
    from app.money.payments_api import bp as money_payments_bp
    from app.money.posts_api import bp as money_posts_bp
    from app.people.api import bp as people_bp
    from app.policies.api import bp as policies_bp
    from app.tracking.api import bp as tracking_bp
    from app.policies.benefits_api import bp as policy_benefits_bp
    from app.wechat.api import bp as push_bp

    api.register_blueprint(accounts_bp)
    api.register_blueprint(directory_bp)
    api.register_blueprint(people_bp)
    api.register_blueprint(push_bp)
    api.register_blueprint(certification_bp)
    api.register_blueprint(certification_records_bp)
    api.register_blueprint(policies_bp)
    api.register_blueprint(policy_benefits_bp)
    api.register_blueprint(jobs_bp)
    api.register_blueprint(campaigns_bp)
    api.register_blueprint(jobs_people_bp)
    api.register_blueprint(tracking_bp)
    api.register_blueprint(money_bp)
    api.register_blueprint(money_payments_bp)
    api.register_blueprint(money_posts_bp)
    api.register_blueprint(partners_bp)
    api.register_blueprint(tax_relief_bp)
    api.register_blueprint(codes_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(landing_bp)
    app.register_blueprint(tax_relief_page_bp)


def _declare_framework_routes(app):
    """Routes Flask and flask-smorest add themselves (static files, the OpenAPI JSON) are public."""
    from app.accounts.access import access
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or endpoint.startswith("api-docs."):
            app.view_functions[endpoint] = access.public(view)


def _register_cli(app):
    from app.audit.cli import audit_cli
    from app.campaigns.cli import campaigns_cli
    from app.certification.cli import certification_cli
    from app.policies.cli import policies_cli
    from app.codes.cli import codes_cli
    from app.core.cache import cache_cli
    from app.seed import seed_cli
    from app.stats.cli import stats_cli
    from app.tracking.cli import tracking_cli
    from app.wechat.cli import push_cli
    app.cli.add_command(audit_cli)
    app.cli.add_command(cache_cli)
    app.cli.add_command(certification_cli)
    app.cli.add_command(policies_cli)
    app.cli.add_command(codes_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(tracking_cli)
    app.cli.add_command(stats_cli)
    push_cli.add_command(campaigns_cli)  # `flask push campaigns run`
    app.cli.add_command(push_cli)


def create_app(config=None, **overrides):
    """Build the app. `config` is a name ("development", "testing", "production") or class."""
    config_class = config if isinstance(config, type) else get_config(config)
    app = Flask(__name__, instance_path=str(BASE_DIR / "instance"),
                static_folder=str(BASE_DIR / "static"), static_url_path="/static")
    app.config.from_object(config_class)
    app.config.update(overrides)
    config_class.check()
    app.json.ensure_ascii = False  # Chinese stays readable in responses and smaller on the wire
    from app.core.converters import CONVERTERS
    app.url_map.converters.update(CONVERTERS)
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config.get("TRUSTED_PROXY_COUNT"):
        count = int(app.config["TRUSTED_PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    from app import models  # noqa: F401  (every table in the metadata)
    from app.core.concurrency import install_sqlite_locking
    from app.core.guards import install_request_guards
    from app.core.http import register_error_handlers
    from app.logs import install_logging

    install_sqlite_locking()  # FOR UPDATE takes SQLite's write lock
    db.init_app(app)
    from app.core.database import install_idle_ping
    with app.app_context():
        for engine in db.engines.values():
            install_idle_ping(engine)
    from app.core.benchstats import install_statement_counter
    install_statement_counter(app)  # only under `make bench` (BENCH_STATS_DIR)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    babel.init_app(app, locale_selector=_select_locale)
    from app.core.ratelimit import configure_limiter_storage  # registers "sqldb://"
    configure_limiter_storage(app)
    limiter.init_app(app)
    api.init_app(app)
    _install_services(app)
    from app.tracking import install as install_tracking
    install_tracking()  # subscribes to certification and jobs announcements (app.core.hooks)
    from app.stats.rollup import install as install_stats
    install_stats()  # marks the regions whose statistics a commit changes
    _register_blueprints(app)
    from app.console.base import init_console
    init_console(app)  # the staff web console under /console/ (issue 17)
    _declare_framework_routes(app)
    register_error_handlers(app)  # after api.init_app, so our JSON shape wins
    install_request_guards(app)
    install_logging(app)
    _register_cli(app)
    return app
