"""QR codes of invitation links, so a kader can scan the link from the admin's phone."""

from __future__ import annotations

import io


def qr_png(text: str) -> bytes:
    """A PNG picture of ``text`` as a QR code (medium error correction, a quiet border)."""
    import qrcode  # imported when a code is drawn
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
