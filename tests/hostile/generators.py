"""Generators of hostile archives and output folders for `vidiacritic batch`.

Each function writes one small file (or tree) that reproduces a defect of issue 11;
the archives are built here rather than committed because some expand to hundreds of
megabytes (a few MB compressed).  Used by tests/test_batch_hostile.py; also handy by
hand:  python -c "from hostile.generators import *; long_header_tgz('x.tgz')".
"""
import gzip
import io
import os
import tarfile
import warnings
import zipfile

GOOD = "Uy ban nhan dan tinh quyet dinh giao dat cho nguoi su dung.\n"
MiB = 1 << 20


def _tar_member(name, data=b"", fmt=tarfile.GNU_FORMAT):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    return info.tobuf(format=fmt, encoding="utf-8", errors="surrogateescape"), data


def _pad(n):
    return b"\0" * (-n % tarfile.BLOCKSIZE)


def long_header_tgz(path, header_bytes=256 * MiB, kind="gnu", after=("after.txt",)):
    """A .tar.gz whose first member has a GNU long name (kind="gnu") or a pax header
    (kind="pax") of `header_bytes` bytes, followed by ordinary text members `after`.
    Written in 1 MiB pieces (level-1 gzip): about 1 MB on disk for 256 MiB."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1,
                                                mtime=0) as gz:
        head = tarfile.TarInfo("././@LongLink" if kind == "gnu" else "././@PaxHeader")
        head.type = tarfile.GNUTYPE_LONGNAME if kind == "gnu" else tarfile.XHDTYPE
        head.size = header_bytes
        head.mtime = 0
        gz.write(head.tobuf(format=tarfile.USTAR_FORMAT if kind == "pax" else tarfile.GNU_FORMAT))
        if kind == "gnu":
            piece = b"n" * MiB
        else:  # one pax record "<len> comment=xxx...\n" spanning the whole header
            piece = b"x" * MiB
        left = header_bytes
        if kind == "pax":
            prefix = f"{header_bytes} comment=".encode()
            gz.write(prefix)
            left -= len(prefix) + 1
        while left > 0:
            chunk = piece[:min(MiB, left)]
            gz.write(chunk)
            left -= len(chunk)
        if kind == "pax":
            gz.write(b"\n")
        gz.write(_pad(header_bytes))
        for name in ("victim.txt",) + tuple(after):
            buf, data = _tar_member(name, GOOD.encode())
            gz.write(buf + data + _pad(len(data)))
        gz.write(b"\0" * (2 * tarfile.BLOCKSIZE))


def many_pax_headers_tgz(path, members=8, header_bytes=900 * 1024):
    """Members with small data but ~900 KiB pax headers each (under the per-header cap):
    only counting header bytes keeps such an archive within the total limit."""
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT, compresslevel=1) as tf:
        for i in range(members):
            info = tarfile.TarInfo(f"f{i}.txt")
            data = GOOD.encode()
            info.size = len(data)
            info.pax_headers = {"comment": "x" * header_bytes}
            tf.addfile(info, io.BytesIO(data))


def non_utf8_name_tgz(path):
    """good.txt, a member named b"bad\\xff.txt" (not UTF-8), after.txt."""
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tf:
        for name in ("good.txt", os.fsdecode(b"bad\xff.txt"), "after.txt"):
            info = tarfile.TarInfo(name)
            data = GOOD.encode()
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def non_utf8_name_zip(path):
    """A zip whose member "b\\xff\\xfed.txt" is flagged UTF-8 but is not, between two
    good members (zipfile itself refuses to open such an archive)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.txt", GOOD)
        zf.writestr("b\u00e0d.txt", GOOD)  # non-ASCII: written with the UTF-8 flag
        zf.writestr("after.txt", GOOD)
    with open(path, "rb") as fh:
        raw = fh.read()
    old = "b\u00e0d.txt".encode("utf-8")
    assert raw.count(old) == 2  # local header and central directory
    with open(path, "wb") as fh:
        fh.write(raw.replace(old, b"b\xff\xfed.txt"))


def duplicate_member_zip(path, first=GOOD, second="Dan " + GOOD):
    """Two members named a.txt (the first is restored, the second reported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("a.txt", first)
            zf.writestr("a.txt", second)
            zf.writestr("b.txt", GOOD)


def forged_name_zip(path):
    """A binary member (so that it is reported) whose name carries a terminal escape
    sequence and a newline that would forge a line of batch's log."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil\x1b[2J\x1b]0;pwned\x07\nbatch: 99 ok, 0 failed.txt", b"\x00\x01\x02")
        zf.writestr("good.txt", GOOD)


def big_member_zip(path, nbytes=5 * MiB):
    """A zip of a few KB that holds one text member of `nbytes` bytes."""
    line = GOOD.encode()
    data = line * (nbytes // len(line) + 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", data[:nbytes])
        zf.writestr("small.txt", GOOD)


def sparse_chain_tgz(path, blocks, entries=True, after=("after.txt",)):
    """A GNU sparse member followed by `blocks` extension header blocks (each with 21
    sparse entries when `entries`), then ordinary text members `after`."""
    def octal(n, width):
        return b"%0*o\0" % (width - 1, n)

    info = tarfile.TarInfo("sparse.txt")
    info.type = tarfile.GNUTYPE_SPARSE
    info.size = 0
    info.mtime = 0
    head = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    head[482] = 1 if blocks else 0                 # isextended
    head[483:495] = octal(1 << 20, 12)             # real size
    head[148:156] = b" " * 8
    head[148:156] = b"%06o\0 " % tarfile.calc_chksums(bytes(head))[0]
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1,
                                                mtime=0) as gz:
        gz.write(bytes(head))
        for i in range(blocks):
            block = bytearray(tarfile.BLOCKSIZE)
            if entries:
                for k in range(21):
                    pos = 24 * k
                    block[pos:pos + 12] = octal(1000 + i * 21 + k, 12)
                    block[pos + 12:pos + 24] = octal(1, 12)
            block[504] = 1 if i < blocks - 1 else 0
            gz.write(bytes(block))
        for name in after:
            buf, data = _tar_member(name, GOOD.encode())
            gz.write(buf + data + _pad(len(data)))
        gz.write(b"\0" * (2 * tarfile.BLOCKSIZE))
