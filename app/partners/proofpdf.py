"""The tax-relief proof as a one-page PDF in Chinese, with a QR code of its verification
page. Pure: takes the masked facts and the URL, returns bytes.

reportlab's built-in CID font STSong-Light covers the Chinese text without shipping a font
file (viewers supply the glyphs from their Adobe-Japan/GB1 collection)."""
import io

from app.core.i18n import N_

FONT = "STSong-Light"

BASIS_TEXT = {"registered_unemployed": N_("在本机构登记失业满6个月（含）以上"),
              "certified": N_("经认定的就业困难人员，认定有效")}
TITLE = N_("吸纳重点群体就业税收优惠身份核验证明")
# One line each, filled from the proof's facts; a line whose fact is empty is left out.
LINES = [
    ("serial", N_("证明编号：{serial}")),
    ("employer_name", N_("用人单位：{employer_name}")),
    ("employer_credit_code", N_("统一社会信用代码：{employer_credit_code}")),
    ("person_name", N_("人员姓名：{person_name}")),
    ("person_id_number", N_("公民身份号码：{person_id_number}")),
    ("basis_text", N_("核验结论：{basis_text}")),
    ("registered_on", N_("失业登记日期：{registered_on:%Y年%m月%d日}")),
    ("certified_on", N_("认定日期：{certified_on:%Y年%m月%d日}")),
    ("hired_on", N_("入职日期：{hired_on:%Y年%m月%d日}")),
    ("issued_on", N_("出具日期：{issued_on:%Y年%m月%d日}")),
    ("valid_until", N_("有效期至：{valid_until:%Y年%m月%d日}")),
    (None, N_("本证明经本人同意出具，仅用于申报吸纳重点群体就业税收优惠。")),
    (None, N_("扫描右下角二维码可核验本证明的真实性和有效性。")),
]


def render_proof(facts, verify_url, translate=lambda text: text):
    """The PDF bytes; `translate` is the request's gettext (identity in tests of the pure
    module)."""
    # reportlab (and qrcode in _qr) imported here, not at start-up: every web worker imports
    # this module, few ever render a proof.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    values = {**facts, "basis_text": translate(BASIS_TEXT[facts["basis"]])}
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle(f"{translate(TITLE)} {facts['serial']}")
    width, height = A4
    page.setFont(FONT, 18)
    page.drawCentredString(width / 2, height - 30 * mm, translate(TITLE))
    page.setFont(FONT, 11)
    lines = [translate(template).format(**values) for key, template in LINES
             if key is None or values.get(key)]
    y = height - 50 * mm
    for line in lines:
        page.drawString(25 * mm, y, line)
        y -= 9 * mm
    page.drawImage(ImageReader(_qr(verify_url)), width - 65 * mm, 25 * mm, 40 * mm, 40 * mm)
    page.showPage()
    page.save()
    return out.getvalue()


def _qr(url):
    import qrcode  # see render_proof

    image = qrcode.make(url, box_size=8, border=2).get_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer
