"""VietQR payloads: the CRC on a published example, our payload parsed back, and the rendered
image decoded by an independent QR reader (zxing-cpp)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from market import vietqr


def test_crc_on_a_published_payload() -> None:
    # the example of the subiz/vietqr README: 120,000 VND to 0011001932418 at BIN 970415
    published = (
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA5303704"
        "54061200005802VN62170813ung ho lu lut6304C15C"
    )
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1  # the CRC's check value
    assert vietqr.parse(published)["account"] == "0011001932418"
    assert vietqr.payload("970415", "0011001932418", 120_000, "ung ho lu lut") == published


def test_payload_parses_back_and_refuses_tampering() -> None:
    text = vietqr.payload("970436", "1012345678", 2_150_000, "CHO-42")
    assert vietqr.parse(text) == {
        "bank_bin": "970436",
        "account": "1012345678",
        "service": "QRIBFTTA",
        "currency": "704",
        "amount_vnd": "2150000",
        "country": "VN",
        "reference": "CHO-42",
    }
    tampered = text.replace("2150000", "2150001")
    with pytest.raises(ValueError, match="CRC"):
        vietqr.parse(tampered)
    with pytest.raises(ValueError, match="reference"):
        vietqr.payload("970436", "1012345678", 1, "tiền hàng")  # not ASCII
    with pytest.raises(ValueError, match="bank_bin"):
        vietqr.payload("97043", "1012345678", 1, "x")


def test_the_image_decodes_to_the_payment() -> None:
    text = vietqr.payload("970436", "1012345678", 2_150_000, "CHO-42")
    image = Image.open(io.BytesIO(vietqr.png(text)))
    [found] = zxingcpp.read_barcodes(image)
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.text == text
    decoded = vietqr.parse(found.text)
    assert (decoded["account"], decoded["amount_vnd"], decoded["reference"]) == (
        "1012345678",
        "2150000",
        "CHO-42",
    )
