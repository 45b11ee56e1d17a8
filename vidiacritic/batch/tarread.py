"""Tar archives (plain, gzip, bzip2, xz) as batch inputs, read as one stream
(``r|*``): members read one at a time, within the limits, never extracted;
extension headers and GNU sparse chains are read in bounded memory."""
from __future__ import annotations

import tarfile
from typing import Iterator, Optional

from .members import (MAX_NAME_BYTES, MiB, SHOWN_NAME_CHARS, ArchiveError, LimitExceeded, Limits, Member,
                      UnsafeMember, _fmt_size, _read_bounded, name_problem, safe_member_path, shown_name)

SKIP_CHUNK = 4 * MiB
# Largest tar extension header (GNU long name/link, pax records) read into memory.
MAX_TAR_HEADER_BYTES = 1 * MiB


class _BoundedTarInfo(tarfile.TarInfo):
    """TarInfo whose extension headers (GNU long name/link, pax) are read into memory
    only up to MAX_TAR_HEADER_BYTES: larger ones are skipped in chunks, counted against
    the archive's total limit, and the member they describe is refused (``refused``).
    tarfile itself reads such a header whole: a 256 MiB name costs 256 MiB and more."""

    refused: Optional[str] = None
    total_limit: int = Limits.max_total_bytes  # set per archive by _tarinfo_class

    def _proc_gnulong(self, tf: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.size <= MAX_TAR_HEADER_BYTES:
            return super()._proc_gnulong(tf)  # type: ignore[misc]
        head = self._skip(tf)
        nxt = self._next_header(tf)
        if self.type == tarfile.GNUTYPE_LONGNAME:
            nxt.name = head.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            nxt.refused = f"member name longer than {MAX_NAME_BYTES} bytes (refused)"
        else:
            nxt.refused = f"link target longer than {MAX_NAME_BYTES} bytes (refused)"
        return nxt

    def _proc_pax(self, tf: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.size <= MAX_TAR_HEADER_BYTES:
            return super()._proc_pax(tf)  # type: ignore[misc]
        self._skip(tf)
        nxt = self._next_header(tf)
        nxt.refused = (f"tar pax header larger than {_fmt_size(MAX_TAR_HEADER_BYTES)} "
                       f"({_fmt_size(self.size)}, refused)")
        return nxt

    def _proc_sparse(self, tf: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        """A GNU sparse member: refused (text is never sparse).  Its chain of extension
        blocks is passed without keeping its entries, and cut off past
        MAX_TAR_HEADER_BYTES (tarfile keeps 21 tuples per 512-byte block, unbounded)."""
        _, extended, origsize = self._sparse_structs  # type: ignore[attr-defined]
        del self._sparse_structs  # type: ignore[attr-defined]
        passed = 0
        while extended:
            buf = tf.fileobj.read(tarfile.BLOCKSIZE)  # type: ignore[union-attr]
            if len(buf) < tarfile.BLOCKSIZE:
                raise tarfile.ReadError("unexpected end of data")
            passed += len(buf)
            if passed > MAX_TAR_HEADER_BYTES:
                raise tarfile.ReadError(f"GNU sparse header longer than "
                                        f"{_fmt_size(MAX_TAR_HEADER_BYTES)}")
            extended = bool(buf[504])
        self.sparse = []
        self.offset_data = tf.fileobj.tell()  # type: ignore[union-attr]
        tf.offset = self.offset_data + self._block(self.size)  # type: ignore[attr-defined]
        self.size = origsize
        self.refused = "GNU sparse file (refused)"
        return self

    def _skip(self, tf: tarfile.TarFile) -> bytes:
        """Read past this header's data in bounded chunks; return its first bytes."""
        left = self._block(self.size)  # type: ignore[attr-defined]
        head = b""
        while left > 0:
            # large pieces: tarfile's stream copies its whole decompressed buffer per read
            chunk = tf.fileobj.read(min(SKIP_CHUNK, left))  # type: ignore[union-attr]
            if not chunk:
                raise tarfile.ReadError("unexpected end of data")
            if not head:
                head = chunk[:SHOWN_NAME_CHARS * 4]
            left -= len(chunk)
            if tf.fileobj.tell() > self.total_limit:  # type: ignore[union-attr]
                raise LimitExceeded(f"archive exceeds the total size limit "
                                    f"({_fmt_size(self.total_limit)} uncompressed)")
        return head

    def _next_header(self, tf: tarfile.TarFile) -> "_BoundedTarInfo":
        try:
            nxt = self.fromtarfile(tf)
        except tarfile.HeaderError as exc:
            raise tarfile.ReadError(str(exc)) from None
        nxt.offset = self.offset
        return nxt


def _tarinfo_class(limits: Limits) -> type:
    return type("_BoundedTarInfo", (_BoundedTarInfo,), {"total_limit": limits.max_total_bytes})


def _total_exceeded(limits: Limits) -> str:
    return (f"archive exceeds the total size limit ({_fmt_size(limits.max_total_bytes)} "
            f"uncompressed); the rest of the archive was not read")


def _iter_tar(path: str, name: str, limits: Limits) -> Iterator[Member]:
    try:
        tf = tarfile.open(path, mode="r|*", tarinfo=_tarinfo_class(limits))
    except LimitExceeded:
        yield Member(name, "", error=_total_exceeded(limits))
        return
    except Exception as exc:  # tarfile.ReadError, OSError, EOFError, zlib/lzma/bz2 errors
        yield Member(name, "", error=f"cannot open tar archive: {exc}")
        return
    with tf:
        while True:
            tf.members = []  # TarFile keeps every TarInfo it has seen: drop them as we go
            try:
                info = tf.next()
            except LimitExceeded:
                yield Member(name, "", error=_total_exceeded(limits))
                return
            except Exception as exc:  # tarfile.ReadError, EOFError, zlib/lzma/bz2 errors
                yield Member(name, "", error=f"corrupt tar archive: {type(exc).__name__}: {exc}")
                return
            if info is None:
                return
            # tf.offset is where this member's data ends in the decompressed stream: every
            # byte read so far, headers and padding included.
            if tf.offset > limits.max_total_bytes:
                yield Member(name, shown_name(info.name), info.size if info.isreg() else None,
                             error=_total_exceeded(limits))
                return
            if info.isdir() and info.refused is None:
                continue
            raw = info.name
            size = info.size if info.isreg() else None
            problem = info.refused or name_problem(raw)
            if problem is not None:
                yield Member(name, shown_name(raw), size, error=problem)
                continue
            try:
                rel = safe_member_path(raw)
            except UnsafeMember as exc:
                rel, err = raw, str(exc)
            else:
                err = None
                if info.issym():
                    err = "symlink (refused)"
                elif info.islnk():
                    err = "hard link (refused)"
                elif not info.isreg():
                    err = "not a regular file (device, FIFO or socket)"
                elif info.size > limits.max_member_bytes:
                    err = f"member exceeds the size limit ({_fmt_size(limits.max_member_bytes)})"
            if err is not None:
                yield Member(name, rel, size, error=err)
                continue
            yield Member(name, rel, size, _reader=lambda i=info: _read_tar_member(tf, i, limits))


def _read_tar_member(tf: tarfile.TarFile, info: tarfile.TarInfo, limits: Limits) -> bytes:
    try:
        fh = tf.extractfile(info)
        if fh is None:
            raise ArchiveError("not a regular file")
        return _read_bounded(fh, limits.max_member_bytes)
    except ArchiveError:
        raise
    except tarfile.StreamError:
        raise ArchiveError("member can no longer be read (the tar stream moved on)") from None
    except Exception as exc:  # tarfile.ReadError, zlib/lzma/bz2 errors, EOFError, OSError
        raise ArchiveError(f"corrupt tar member: {type(exc).__name__}: {exc}") from None

