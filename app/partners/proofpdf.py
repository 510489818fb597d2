"""The tax-relief proof as a one-page PDF in Chinese, with a QR code of its verification
page. Pure: takes the masked facts and the URL, returns bytes.

reportlab's built-in CID font STSong-Light covers the Chinese text without shipping a font
file (viewers supply the glyphs from their Adobe-Japan/GB1 collection)."""
import io

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BASIS_TEXT = {"registered_unemployed": "在本机构登记失业满6个月（含）以上",
              "certified": "经认定的就业困难人员，认定有效"}


def render_proof(facts, verify_url):
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle(f"吸纳重点群体就业税收优惠身份核验证明 {facts['serial']}")
    width, height = A4
    page.setFont(FONT, 18)
    page.drawCentredString(width / 2, height - 30 * mm, "吸纳重点群体就业税收优惠身份核验证明")
    page.setFont(FONT, 11)
    lines = [
        f"证明编号：{facts['serial']}",
        f"用人单位：{facts['employer_name']}",
        f"统一社会信用代码：{facts['employer_credit_code']}",
        f"人员姓名：{facts['person_name']}",
        f"公民身份号码：{facts['person_id_number']}",
        f"核验结论：{BASIS_TEXT[facts['basis']]}",
    ]
    if facts["registered_on"]:
        lines.append(f"失业登记日期：{facts['registered_on']:%Y年%m月%d日}")
    if facts["certified_on"]:
        lines.append(f"认定日期：{facts['certified_on']:%Y年%m月%d日}")
    lines += [f"入职日期：{facts['hired_on']:%Y年%m月%d日}",
              f"出具日期：{facts['issued_on']:%Y年%m月%d日}",
              f"有效期至：{facts['valid_until']:%Y年%m月%d日}",
              "本证明经本人同意出具，仅用于申报吸纳重点群体就业税收优惠。",
              "扫描右下角二维码可核验本证明的真实性和有效性。"]
    y = height - 50 * mm
    for line in lines:
        page.drawString(25 * mm, y, line)
        y -= 9 * mm
    page.drawImage(ImageReader(_qr(verify_url)), width - 65 * mm, 25 * mm, 40 * mm, 40 * mm)
    page.showPage()
    page.save()
    return out.getvalue()


def _qr(url):
    image = qrcode.make(url, box_size=8, border=2).get_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer
