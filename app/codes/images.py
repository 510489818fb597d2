"""QR images of a printed code (PNG and SVG) with the `qrcode` package."""
import io


def _qr(content):
    # qrcode (and PIL for the PNG) imported here, not at start-up: few requests draw a code.
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    # Level M survives a worn or creased card; box size suits a card printer at 300 dpi.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(content)
    qr.make(fit=True)
    return qr


def qr_png(content):
    buffer = io.BytesIO()
    _qr(content).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(content):
    import qrcode.image.svg  # see _qr

    buffer = io.BytesIO()
    _qr(content).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()
