"""The zip directory, read and checked by hand, and parts inflated through a small buffer."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from toolkit.workbook.guard.base import _CHUNK, _DAMAGED, _RATIO_FLOOR, Limits, ReadError

# --- the zip directory ----------------------------------------------------------------------


def _count_entries(fh: BinaryIO, size: int, limits: Limits) -> None:
    """Count the central directory's records before zipfile builds an object for each of them."""
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    # The end record zipfile will use: the one at the very end if there is no comment, else the last one.
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ReadError(_DAMAGED)
    cd_size = struct.unpack("<L", tail[at + 12 : at + 16])[0]
    eocd = size - tail_len + at
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # zip64: sizes are in the record before
        fh.seek(max(eocd - 20 - 56, 0))
        record = fh.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            cd_size = struct.unpack("<Q", record[40:48])[0]
            eocd -= 20 + 56
    pos, end, count = eocd - cd_size, eocd, 0
    if pos < 0:
        raise ReadError(_DAMAGED)
    while pos + 46 <= end:
        fh.seek(pos)
        header = fh.read(46)
        if len(header) < 46 or header[:4] != b"PK\x01\x02":
            break  # zipfile reports the damage
        count += 1
        if count > limits.max_parts:
            raise ReadError(f"the package has over {limits.max_parts:,} parts, over the limit; see --max-parts")
        n, m, k = struct.unpack("<HHH", header[28:34])
        pos += 46 + n + m + k


def _check_name(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return f"zip entry with an absolute name ({name[:60]!r})"
    if ".." in re.split(r"[/\\]", name):
        return f"zip entry with '..' in its name ({name[:60]!r})"
    return None


def _data_starts(fh: BinaryIO, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int) -> dict[str, int]:
    """Where each entry's data begins; refuse entries whose local headers disagree or overlap."""
    starts: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    limit = getattr(zf, "start_dir", size)
    for info in infos:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise ReadError(f"zip entry {info.filename[:60]!r} has no local header (truncated, damaged or tampered file)")
        n, m = struct.unpack("<HH", header[26:30])
        raw = fh.read(n)
        local = raw.decode("utf-8" if info.flag_bits & 0x800 else "cp437", errors="replace")
        if local != info.orig_filename:
            raise ReadError("the zip package is inconsistent: local and central names differ (tampered file)")
        start = info.header_offset + 30 + n + m
        end = start + info.compress_size
        if end > limit:
            raise ReadError(_DAMAGED)
        starts[info.filename] = start
        spans.append((info.header_offset, end))
    spans.sort()
    if any(spans[k + 1][0] < spans[k][1] for k in range(len(spans) - 1)):
        raise ReadError("the zip package has overlapping entries (tampered file or zip bomb)")
    return starts


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    names = [i.filename for i in infos]
    folded = {n.lower() for n in names}
    if len(folded) != len(names):
        raise ReadError("the zip package has duplicate entries (tampered file)")
    for name in names:
        problem = _check_name(name)
        if problem:
            raise ReadError(problem)
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        raise ReadError(
            f"the package declares {declared / 1048576:,.0f} MB uncompressed, over the limit of "
            f"{limits.max_uncompressed_mb:g} MB (zip bomb?); see --max-uncompressed-mb"
        )
    for i in infos:
        if i.flag_bits & 0x1:
            raise ReadError("the zip package is encrypted; remove the password and send it again")
        if i.file_size > _RATIO_FLOOR and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            raise ReadError(
                f"part {i.filename} declares a compression ratio over {limits.max_ratio:g} (zip bomb?); see --max-ratio"
            )
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(
                f"part {i.filename} uses zip compression method {i.compress_type}, which spreadsheet programs never write"
            )
        if i.compress_type == zipfile.ZIP_STORED and i.compress_size != i.file_size:
            raise ReadError(_DAMAGED)


class _Budget:
    """What the package amounts to once read: every part inflated, and each shared string again
    wherever a cell uses it (the reader copies it into every such cell)."""

    def __init__(self, limits: Limits) -> None:
        self.used = 0
        self.limit = limits.max_uncompressed_bytes
        self.mb = limits.max_uncompressed_mb

    def inflate(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise ReadError(f"the package inflates beyond {self.mb:g} MB (zip bomb?); see --max-uncompressed-mb")

    def copy(self, n: int, label: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise ReadError(
                f"sheet {label} uses its shared strings so often that the workbook amounts to over {self.mb:g} MB "
                "(string bomb?); see --max-uncompressed-mb"
            )


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, start: int, budget: _Budget | None) -> Iterator[bytes]:
    """Yield a part's bytes a chunk at a time; refuse it the moment it outgrows what it declares."""
    fh.seek(start)
    left = info.compress_size
    out = crc = 0
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while True:
        if inflater is None:
            if not left:
                break
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                raise ReadError(_DAMAGED)
            left -= len(chunk)
        else:
            if inflater.eof:
                break
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            elif left:
                raw = fh.read(min(_CHUNK, left))
                if not raw:
                    raise ReadError(_DAMAGED)
                left -= len(raw)
                chunk = inflater.decompress(raw, _CHUNK)
            else:
                chunk = inflater.decompress(b"", _CHUNK)
                if not chunk and not inflater.eof:
                    raise ReadError(
                        f"the zip package is damaged: part {info.filename} ends early; ask for the file to be sent again"
                    )
        if not chunk:
            continue
        out += len(chunk)
        if out > info.file_size:
            raise ReadError(
                f"part {info.filename} inflates beyond the {info.file_size:,} bytes it declares (a damaged or tampered file, or a zip bomb)"
            )
        if budget is not None:
            budget.inflate(len(chunk))
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if out != info.file_size or crc != info.CRC:
        raise ReadError(f"the zip package is damaged: part {info.filename} fails its checksum; ask for the file to be sent again")
