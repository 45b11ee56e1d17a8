"""`vidiacritic batch`: restore every text file of folders and archives.

Members: ``*.txt`` as text, and (``DEFAULT_GLOB``) ``*.hocr`` and ``*.xml`` whose content
is hOCR, ALTO or PAGE XML, restored in place by :mod:`vidiacritic.formats` (other XML
is skipped); the manifest's ``format`` says which.

    vidiacritic batch scans/ 2019.zip old.tar.gz --out restored/ [--jobs N]

Layout.  Member M of input I (a folder, an archive or a single file) is written to
``OUT/<name of I>/<M>`` — UTF-8, NFC; a single file goes to ``OUT/<its name>``.
``OUT/manifest.jsonl`` holds one JSON object per member (``input``, ``member``,
``output``, ``status`` ok/skipped/error, ``error``, ``bytes``, ``syllables``,
``words_changed``, ``mean_confidence``, ``seconds``, plus ``encoding``,
``sha256`` of the source, ``engine_version``, ``decode_options`` and
``output_bytes`` for resuming; ``duplicate`` on the second and later members of an
archive with the same path; ``previous_output`` on a failed member whose earlier
output is still there; a line with status ``writing`` is logged just before an
output is renamed into place and superseded by the member's record).  The exit code
is 1 when any member failed, after all the others were processed; 2 when the
command is refused (see Safety).

How it works.  The main process walks the inputs member by member (archives are
streamed, never extracted; see :mod:`vidiacritic.batch.archives` for the safety rules
and size limits), reads each selected member, hashes it, and hands the bytes to a
worker; the worker decodes them (:mod:`vidiacritic.encodings`) and runs the
restorer, which each worker builds once.  The main process writes every output
through a temporary file in the same folder + fsync + ``os.replace``, then appends
its manifest line, so a crash or ``kill -9`` leaves either the old file or the new
one, never half of one (temporary files carry their writer's pid; the next run
removes those whose writer is dead).  At the end the manifest is rewritten
(atomically) with one line per member in input order.

Safety.  ``--out`` may not be an input nor contain one (exit 2; it may lie inside an
input folder, whose walk then leaves it out), so outputs never replace inputs and
are never read back.  Outputs are written through folder descriptors opened without
following links, so a link planted in ``--out`` sends nothing elsewhere; the
manifest is never opened through a link either.  A file at an output path is
replaced only if the manifest says this job wrote it (``_Manifest`` "Ownership");
anything else there is left alone and the member is an error.  Folders of ``--out``
that hold a manifest of their own belong to another job and are never cleaned.
Files are created with mode 0666 less the umask.  Each member has a time limit
(``--member-timeout``, default 600 s): past it the member is an error and the job
goes on (a pool worker stuck in native code is killed and replaced; with ``--jobs 1``
a native call is only interrupted when it returns; Dask runs have no limit).
Member names are escaped when printed (``printable``).

Resume.  A member is skipped when the manifest says it was done with the same
source SHA-256, the same ``Restorer.version`` and the same decoding options, and
its output is still there; rerunning an interrupted command completes the rest
and gives the same bytes as an uninterrupted run.

Memory.  At most ``4 × workers`` members (Dask: 16 per worker thread) are in flight,
and as many outputs waiting for the writer threads; file contents are never
accumulated, so memory does not grow with the number of files.

Scale-out.  ``--dask-scheduler tcp://HOST:8786`` sends the work to a Dask
distributed cluster (``pip install vidiacritic[dask]``; the workers need
vidiacritic and its models installed too); ``--dask-local N`` starts a
``LocalCluster`` of N single-threaded worker processes.  The client still reads the
inputs and writes the outputs and the manifest, with the same resume rules, so the
results are the same as with ``--jobs``.

Modules.  ``archives`` (with ``members``, ``zipread``, ``tarread``) reads the
inputs; ``worker`` restores one member; ``backends`` runs workers (a process, a pool,
Dask); ``outputs`` writes the files, ``manifest`` records them; ``job`` is the loop
that ties them together, ``progress`` reports it; ``cli`` is the command line.
"""
from __future__ import annotations

import os  # noqa: F401  (tests patch batch.os.cpu_count, the --jobs default)

from . import archives
from .archives import ArchiveError, Limits, Member
from .cli import add_arguments, main, register, run
from .common import (DEFAULT_GLOB, DEFAULT_MEMBER_TIMEOUT_S, EXIT_USAGE, HARD_KILL_GRACE_S, MANIFEST, Factory,
                     Result, Task, printable)
from .job import BatchJob, check_out_folder
from .outputs import _TMP_PID_RE, _TMP_RE, TMP_SUFFIX, OutputRefused, _temp_name
from .worker import _WORKER, MemberTimeout, RestorerSpec, _start_watchdog, process_task

__all__ = ["BatchJob", "RestorerSpec", "add_arguments", "register", "run", "main", "process_task",
           "check_out_folder", "printable", "archives", "ArchiveError", "Limits", "Member", "OutputRefused",
           "MemberTimeout", "DEFAULT_GLOB", "DEFAULT_MEMBER_TIMEOUT_S", "MANIFEST", "EXIT_USAGE",
           "HARD_KILL_GRACE_S", "TMP_SUFFIX", "Factory", "Result", "Task",
           # for the tests of temporary names and of the worker's watchdog
           "_TMP_RE", "_TMP_PID_RE", "_temp_name", "_WORKER", "_start_watchdog"]
