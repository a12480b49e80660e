"""What a file is, decided by its bytes (never its name or declared type), and its size.

Only the formats chirp serves are recognised: JPEG, PNG, GIF, WebP images and MP4, WebM
video. Everything else (HEIC, AVIF, QuickTime, Matroska, SVG, HTML...) is refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
VIDEO_TYPES = {"video/mp4", "video/webm"}
ALLOWED_TYPES = IMAGE_TYPES | VIDEO_TYPES
HEAD_BYTES = 64 * 1024  # enough to find the dimensions of every image format here
# ISO-BMFF brands that are images or QuickTime, not MP4 video.
_NOT_MP4_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis", b"qt  "}


@dataclass(frozen=True, slots=True)
class Kind:
    content_type: str
    width: int | None = None
    height: int | None = None


def sniff(head: bytes) -> Kind | None:
    """The kind of file whose first bytes are `head` (up to HEAD_BYTES), or None if not allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return Kind("image/jpeg", *_jpeg_size(head))
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return Kind("image/png", width, height)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return Kind("image/gif", width, height)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("image/webp", *_webp_size(head))
    if head[4:8] == b"ftyp" and head[8:12] not in _NOT_MP4_BRANDS and len(head) >= 12:
        return Kind("video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return Kind("video/webm")
    return None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None, None
