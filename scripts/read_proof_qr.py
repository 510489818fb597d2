"""Prints the text of the QR code in a tax-relief proof PDF (stdin), as a phone would read
it off paper: `curl ... /pdf | .venv/bin/python -m scripts.read_proof_qr`. The PDF holds
one image, written by reportlab as ASCII85 then Flate, RGB."""
import base64
import re
import sys
import zlib

import zxingcpp
from PIL import Image


def qr_text(pdf):
    header, data = re.search(rb"(<<[^>]*?/Subtype /Image.*?>>)\s*stream\n(.*?)endstream",
                             pdf, re.S).groups()
    width = int(re.search(rb"/Width (\d+)", header).group(1))
    height = int(re.search(rb"/Height (\d+)", header).group(1))
    raw = zlib.decompress(base64.a85decode(data.strip().removesuffix(b"~>"), adobe=False))
    [code] = zxingcpp.read_barcodes(Image.frombytes("RGB", (width, height), raw))
    return code.text


if __name__ == "__main__":
    print(qr_text(sys.stdin.buffer.read()))
