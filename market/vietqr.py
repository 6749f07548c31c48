"""VietQR payment codes: the EMVCo merchant-presented QR payload NAPAS uses for a bank transfer
to an account (service ``QRIBFTTA``), and its image. Any Vietnamese banking app reads it.

Layout (EMVCo MPM, NAPAS's VietQR profile): each field is ID (2 digits) + length (2 digits) +
value. 00 payload format "01"; 01 point of initiation "12" (dynamic: the amount is set);
38 merchant account: 00 the NAPAS GUID "A000000727", 01 the beneficiary (00 the bank's 6-digit
BIN, 01 the account), 02 the service "QRIBFTTA"; 53 currency "704" (VND); 54 amount; 58 "VN";
62 additional data: 08 the purpose (our payment reference); 63 the CRC-16/CCITT-FALSE
(polynomial 0x1021, initial 0xFFFF) over everything before it including "6304", 4 hex digits.
"""

from __future__ import annotations

import io
import re

import segno

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
_REFERENCE = re.compile(r"[A-Za-z0-9 .\-]{1,25}")


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def payload(bank_bin: str, account: str, amount_vnd: int, reference: str) -> str:
    """The payload for a transfer of ``amount_vnd`` to ``account`` at the bank ``bank_bin``,
    carrying ``reference`` (ASCII letters, digits, spaces, dots and dashes, at most 25: banks
    pass it on to the statement, where the ledger matches it)."""
    if not re.fullmatch(r"\d{6}", bank_bin):
        raise ValueError("bank_bin: 6 digits (NAPAS's bank identification number)")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account):
        raise ValueError("account: 1 to 19 letters or digits")
    if not 0 < amount_vnd < 10**13:
        raise ValueError("amount_vnd: a positive whole number of đồng")
    if not _REFERENCE.fullmatch(reference):
        raise ValueError("reference: 1 to 25 ASCII letters, digits, spaces, dots or dashes")
    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", TO_ACCOUNT)
    body = (
        _field("00", "01")
        + _field("01", "12")
        + _field("38", merchant)
        + _field("53", "704")
        + _field("54", str(amount_vnd))
        + _field("58", "VN")
        + _field("62", _field("08", reference))
        + "6304"
    )
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def fields(text: str) -> dict[str, str]:
    """One level of ID-length-value fields, in order."""
    found: dict[str, str] = {}
    at = 0
    while at < len(text):
        tag, size = text[at : at + 2], int(text[at + 2 : at + 4])
        found[tag] = text[at + 4 : at + 4 + size]
        at += 4 + size
    return found


def parse(text: str) -> dict[str, str]:
    """The payment a VietQR payload asks for (bank BIN, account, amount, reference), after
    checking its CRC; ValueError if the CRC or the layout is wrong."""
    if len(text) < 8 or text[-8:-4] != "6304":
        raise ValueError("no CRC field at the end")
    if f"{crc16_ccitt_false(text[:-4].encode('ascii')):04X}" != text[-4:].upper():
        raise ValueError("CRC mismatch")
    root = fields(text)
    merchant = fields(root["38"])
    if merchant.get("00") != NAPAS_GUID:
        raise ValueError("not a NAPAS (VietQR) code")
    beneficiary = fields(merchant["01"])
    return {
        "bank_bin": beneficiary["00"],
        "account": beneficiary["01"],
        "service": merchant.get("02", ""),
        "currency": root.get("53", ""),
        "amount_vnd": root.get("54", ""),
        "country": root.get("58", ""),
        "reference": fields(root.get("62", "")).get("08", ""),
    }


def png(text: str, scale: int = 8) -> bytes:
    """The QR image (error correction M, a quiet zone of 4 modules) as PNG bytes."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
