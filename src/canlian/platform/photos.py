"""Photos taken on a phone: type and size limits, location data removed.

Pillow is not installed, so the check and the stripping read the file formats themselves:

* **Type**: the first bytes must be a JPEG (``FF D8 FF``) or PNG signature, whatever the name or the
  browser's content type say. Other formats (HEIC, WebP, GIF…) are refused: phones' camera inputs
  (``capture="environment"``) send JPEG.
* **Size**: at most ``MAX_BYTES`` (8 MB), and not empty.
* **EXIF stripped** (GPS position, camera serial, time): in a JPEG every APP1 segment (Exif and XMP)
  and APP13 (Photoshop IRB) before the image data is dropped; in a PNG the ``eXIf``, ``tEXt``,
  ``iTXt`` and ``zTXt`` chunks. The pixels are untouched. ``keep_metadata=True`` keeps the file as
  taken (on purpose, e.g. a notary's record); the caller records that choice.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from canlian.platform.inputs import field_error

MAX_BYTES = 8 * 1024 * 1024
JPEG = "image/jpeg"
PNG = "image/png"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DROPPED_PNG_CHUNKS = {b"eXIf", b"tEXt", b"iTXt", b"zTXt"}
_DROPPED_JPEG_MARKERS = {0xE1, 0xED}  # APP1 (Exif, XMP), APP13 (IPTC / Photoshop)


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    extension: str


def sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == _PNG_SIGNATURE:
        return PNG
    return None


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its APP1/APP13 segments. Raises ValueError when the structure is broken."""
    out = bytearray(b"\xff\xd8")
    i = 2
    n = len(data)
    while i < n:
        if data[i] != 0xFF:
            raise ValueError("not a marker")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            raise ValueError("truncated")
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI
            out += b"\xff\xd9"
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += bytes((0xFF, marker))
            continue
        if i + 2 > n:
            raise ValueError("truncated")
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2 or i + length > n:
            raise ValueError("bad segment length")
        segment = data[i : i + length]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += bytes((0xFF, marker)) + data[i:]
            return bytes(out)
        if marker not in _DROPPED_JPEG_MARKERS:
            out += bytes((0xFF, marker)) + segment
        i += length
    raise ValueError("no image data")


def strip_png(data: bytes) -> bytes:
    out = bytearray(_PNG_SIGNATURE)
    i = 8
    n = len(data)
    while i + 8 <= n:
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > n:
            raise ValueError("truncated chunk")
        if kind not in _DROPPED_PNG_CHUNKS:
            out += data[i:end]
        i = end
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("no IEND")


def clean_photo(upload: Any, *, field: str = "photo", keep_metadata: bool = False) -> CleanPhoto:
    """Read an uploaded file, check type and size, strip location data. Bad files are a field error."""
    if upload is None:
        raise field_error(field, _("Take or choose a photo."))
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise field_error(
            field,
            _("The photo is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            getattr(upload, "name", ""),
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise field_error(
            field, _("The photo is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if not data:
        raise field_error(field, _("The photo is empty."))
    kind = sniff(data)
    if kind is None:
        raise field_error(
            field, _("The photo must be a JPEG or PNG image."), str(getattr(upload, "name", ""))[-60:]
        )
    if not keep_metadata:
        try:
            data = strip_jpeg(data) if kind == JPEG else strip_png(data)
        except ValueError as exc:
            raise field_error(
                field, _("The image file is damaged."), str(getattr(upload, "name", ""))[-60:]
            ) from exc
    return CleanPhoto(data=data, content_type=kind, extension=".jpg" if kind == JPEG else ".png")
