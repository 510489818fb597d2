"""The tax-relief check and proof over HTTP: station staff ask on the employer's behalf, the
tax office verifies a serial, anyone with the printed QR code sees whether it is genuine."""
from flask import Blueprint as FlaskBlueprint
from flask import current_app, g, make_response, render_template, request, url_for
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.accounts.access import access, current_staff
from app.core.clock import local_today
from app.core.concurrency import retrying
from app.core.schemas import BigId, StrictSchema
from app.extensions import db, limiter

from . import taxproof
from .proofpdf import BASIS_TEXT, render_proof

bp = Blueprint("tax_relief", __name__, url_prefix="/api/v1/partners/tax-relief",
               description="Employers' tax-relief identity check and proof (notice §3.1).")
page_bp = FlaskBlueprint("tax_relief_page", __name__, template_folder="templates")

CONSENT_CHANNELS = ("station_paper", "station_electronic")


def _per_staff_limit():
    return current_app.config["RATELIMIT_TAX_CHECK_STAFF"]


def _staff_key():
    staff = g.get("staff")
    return f"tax-check:{staff.id}" if staff is not None else get_remote_address()


class CheckSchema(StrictSchema):
    employer_id = BigId(required=True)
    id_number = fields.String(required=True, validate=validate.Length(15, 18))
    name = fields.String(required=True, validate=validate.Length(1, 64))
    hired_on = fields.Date(required=True)
    consent_channel = fields.String(required=True, validate=validate.OneOf(CONSENT_CHANNELS),
                                    metadata={"description": "how the person's signed consent "
                                              "to this check is kept"})


class ProofSchema(Schema):
    serial = fields.String()
    employer_name = fields.String()
    employer_credit_code = fields.String()
    person_name = fields.String()
    person_id_number = fields.String()
    basis = fields.String()
    basis_text = fields.Function(lambda facts: gettext(BASIS_TEXT[facts["basis"]]))
    registered_on = fields.Date(allow_none=True)
    certified_on = fields.Date(allow_none=True)
    hired_on = fields.Date()
    issued_on = fields.Date()
    valid_until = fields.Date()
    valid = fields.Boolean()
    pdf_url = fields.String()
    verify_url = fields.String()


class CheckResultSchema(Schema):
    eligible = fields.Boolean()
    proof = fields.Nested(ProofSchema, allow_none=True)


def _verify_url(proof):
    base = current_app.config.get("CODES_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("tax_relief_page.verify", serial=proof.serial,
                                      t=proof.verify_token)


def _described(proof):
    facts = taxproof.proof_facts(proof)
    return {**facts, "valid": facts["valid_until"] >= local_today(),
            "pdf_url": url_for("tax_relief.proof_pdf", serial=proof.serial),
            "verify_url": _verify_url(proof)}


@bp.route("/checks", methods=["POST"])
@access.staff("partners.tax_check")
@limiter.limit(_per_staff_limit, key_func=_staff_key)
@retrying
@bp.arguments(CheckSchema)
@bp.response(200, CheckResultSchema)
def check(body):
    """用人单位税收优惠身份核验：登记失业满6个月或持有效认定的，出具证明（须本人同意）"""
    proof = taxproof.check_tax_relief(current_staff(), today=local_today(), **body)
    db.session.commit()
    return {"eligible": proof is not None, "proof": _described(proof) if proof else None}


@bp.route("/proofs/<string:serial>", methods=["GET"])
@access.staff("partners.verify_proof")
@bp.response(200, ProofSchema)
def show_proof(serial):
    """税务部门按编号核验证明"""
    proof = taxproof.proof_by_serial(current_staff(), serial)
    db.session.commit()
    return _described(proof)


@bp.route("/proofs/<string:serial>/pdf", methods=["GET"])
@access.staff("partners.verify_proof")
@bp.response(200, description="the proof as a PDF", content_type="application/pdf")
def proof_pdf(serial):
    """下载证明（PDF）"""
    proof = taxproof.proof_by_serial(current_staff(), serial)
    db.session.commit()
    response = make_response(render_proof(taxproof.proof_facts(proof), _verify_url(proof),
                                          gettext))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{proof.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@page_bp.route("/p/tax/<string:serial>")
@access.public
def verify(serial):
    proof = taxproof.public_proof(serial[:24], request.args.get("t", "")[:64])
    facts = _described(proof) if proof is not None else None
    response = make_response(render_template("tax_proof.html", facts=facts,
                                             basis_text=BASIS_TEXT), 200 if facts else 404)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the token
    response.headers["X-Robots-Tag"] = "noindex"
    return response
