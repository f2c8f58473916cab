"""QR codes and charts are real PNG pictures."""

from __future__ import annotations

import io

from PIL import Image

from reports.charts import progress_chart
from reports.qr import qr_png

PNG = b"\x89PNG\r\n\x1a\n"


def test_qr_code_is_a_square_png() -> None:
    picture = qr_png("https://t.me/tangguh_bot?start=" + "A" * 32)
    assert picture.startswith(PNG)
    image = Image.open(io.BytesIO(picture))
    assert image.width == image.height >= 200


def test_progress_chart_is_a_png_that_grows_with_the_areas() -> None:
    small = Image.open(io.BytesIO(progress_chart(["A"], [3], [2], [1], title="t", labels=("a", "b", "c"))))
    big = Image.open(io.BytesIO(progress_chart([f"K{n}" for n in range(20)], [3] * 20, [2] * 20,
                                               [1] * 20, title="t", labels=("a", "b", "c"))))
    assert big.height > small.height
