"""Funds and payment batches over HTTP (finance; auditors and county officers read). Thin."""
from flask import Response
from flask_smorest import Blueprint

from app.accounts.access import access, current_staff, reveals_personal_data
from app.core.concurrency import retrying
from app.core.idempotency import idempotent
from app.extensions import db

from . import funds, payments
from .schemas import (AllocationSchema, BatchDetailSchema, BatchSchema, BuildBatchSchema,
                      CorrectionSchema, ExportArgs, FundArgs, FundDetailSchema, FundSchema,
                      LineSchema, OpenFundSchema, ReconcileResultSchema, ReturnFileSchema)

bp = Blueprint("money_payments", __name__, url_prefix="/api/v1/money",
               description="Funds, their ledger and payment batches.")
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.route("/funds", methods=["GET"])
@access.staff("fund.read")
@bp.arguments(FundArgs, location="query")
@bp.response(200, FundSchema(many=True))
def list_funds(args):
    """本辖区的资金账户及指定日期的余额"""
    return funds.list_funds(current_staff(), args["on"])


@bp.route("/funds", methods=["POST"])
@access.staff("fund.allocate")
@idempotent
@retrying
@bp.arguments(OpenFundSchema)
@bp.response(201, FundSchema)
def open_fund(body):
    """设立地区资金账户（财政部门）"""
    view = funds.create_fund(current_staff(), body["region_code"], body["source"])
    db.session.commit()
    return view


@bp.route("/funds/<bigid:fund_id>", methods=["GET"])
@access.staff("fund.read")
@bp.arguments(FundArgs, location="query")
@bp.response(200, FundDetailSchema)
def show_fund(args, fund_id):
    """资金账户：指定日期的余额和收支分录"""
    return funds.show_fund(current_staff(), fund_id, args["on"])


@bp.route("/funds/<bigid:fund_id>/allocations", methods=["POST"])
@access.staff("fund.allocate")
@idempotent
@retrying
@bp.arguments(AllocationSchema)
@bp.response(201, FundSchema)
def allocate(body, fund_id):
    """财政部门拨入资金"""
    view = funds.allocate(current_staff(), fund_id, **body)
    db.session.commit()
    return view


@bp.route("/batches", methods=["POST"])
@access.staff("batch.manage")
@idempotent
@retrying
@bp.arguments(BuildBatchSchema)
@bp.response(201, BatchSchema)
def build_batch(body):
    """按地区、资金来源和收款人类型生成支付批次"""
    batch = payments.build_batch(current_staff(), **body)
    db.session.commit()
    return batch


@bp.route("/batches/<bigid:batch_id>", methods=["GET"])
@access.staff("batch.read")
@bp.response(200, BatchDetailSchema)
def show_batch(batch_id):
    """支付批次及其每笔款项（姓名、账号脱敏）"""
    return payments.get_batch(current_staff(), batch_id)


@bp.route("/batches/<bigid:batch_id>/export", methods=["GET"])
@access.staff("batch.manage")
@reveals_personal_data
@bp.arguments(ExportArgs, location="query")
@bp.response(200, content_type="text/csv")
def export_batch(args, batch_id):
    """导出银行代发文件（CSV 或 XLSX；含批次号、笔数、总额和校验值；导出留痕）"""
    batch, body = payments.export_batch(current_staff(), batch_id, args["format"])
    db.session.commit()
    return Response(body, mimetype=MEDIA[args["format"]], headers={
        "Content-Disposition": f'attachment; filename="{batch.batch_no}.{args["format"]}"'})


@bp.route("/batches/<bigid:batch_id>/approve", methods=["POST"])
@access.staff("batch.manage")
@idempotent
@retrying
@bp.response(200, BatchSchema)
def approve_batch(batch_id):
    """另一名财务人员审核批次（生成人不能审核），审核后方可导出和报送"""
    batch = payments.approve_batch(current_staff(), batch_id)
    db.session.commit()
    return batch


@bp.route("/batches/<bigid:batch_id>/send", methods=["POST"])
@access.staff("batch.manage")
@idempotent
@retrying
@bp.response(200, BatchSchema)
def send_batch(batch_id):
    """标记批次已报送银行"""
    batch = payments.send_batch(current_staff(), batch_id)
    db.session.commit()
    return batch


@bp.route("/batches/<bigid:batch_id>/reconcile", methods=["POST"])
@access.staff("batch.manage")
@idempotent
@retrying
@bp.arguments(ReturnFileSchema)
@bp.response(200, ReconcileResultSchema)
def reconcile_batch(body, batch_id):
    """按银行回盘文件逐笔对账（成功、失败及原因；无法识别或重复的行单列）"""
    result = payments.reconcile_batch(current_staff(), batch_id, body["content"])
    db.session.commit()
    return result


@bp.route("/payments/<bigid:payment_id>/correct", methods=["POST"])
@access.staff("payment.correct")
@idempotent
@retrying
@bp.arguments(CorrectionSchema)
@bp.response(200, LineSchema)
def correct_payment(body, payment_id):
    """发放失败的款项更正账户后重新进入下一批次（仅一次）"""
    line = payments.correct_payment(current_staff(), payment_id, **body)
    db.session.commit()
    return line
