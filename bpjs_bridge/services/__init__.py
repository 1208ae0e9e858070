"""Writes of the BPJS bridge, one module per responsibility, on the outbox mechanism every
bridge shares (`integrasi.outbox`: claim once, backoff, breaker per Puskesmas, sweep):

* `langganan` — the subscribers of the domain's events: the outbox rows a visit needs,
  written in the visit's own transaction and published to Celery on commit;
* `kirim` — processing one row: claim, breaker, access hold, ONE call, outcome on our claim;
* `pcare`, `antrean_fktp` — one handler per kind of call (eligibility, PCare registration and
  its delete; Antrean FKTP add, call, cancel);
* `rekonsiliasi` — after an attempt that may have reached BPJS, which registration is this
  visit's: never one another of our visits holds; in doubt a person picks;
* `sapuan` — the beat's sweep, the breaker's probe, lifting an access hold;
* `worklist` — what a person does with what needs one;
* `kepesertaan` — the eligibility check at the counter, before any visit exists;
* `dasar` — what they share (settings, errors, the publisher).

The names other apps, views, tasks and tests use are importable from here.
"""

from __future__ import annotations

from ..selectors import kepesertaan_keadaan, kepesertaan_segar  # moved: they are reads
from .antrean_fktp import pilih_jadwal
from .dasar import (
    ALASAN_BATAL_JKN,
    PENERBIT,
    DataTidakLengkap,
    Hasil,
    MasalahKepesertaan,
    RekonsiliasiRagu,
    WorklistError,
    antre_ulang_setelah,
    jeda_backoff,
    klaim_kedaluwarsa,
    lepas_antrean_tertunda,
    nama_pekerja,
    percobaan_maks,
    pulih,
    retry_batas,
    retry_dasar,
)
from .kepesertaan import kepesertaan_mulai, kepesertaan_periksa, kepesertaan_timeout
from .kirim import PENANGAN, permintaan_proses
from .langganan import outbox_antrean_panggil, outbox_kunjungan_baru, outbox_kunjungan_batal
from .sapuan import (
    HasilSapuan,
    akses_periksa_perubahan,
    minta_probe,
    pemutus_periksa,
    probe_pemutus,
    sapu,
)
from .worklist import (
    worklist_coba_lagi,
    worklist_pilih_pcare,
    worklist_tandai_selesai,
    worklist_ubah_umum,
)

__all__ = [
    "ALASAN_BATAL_JKN",
    "PENANGAN",
    "PENERBIT",
    "DataTidakLengkap",
    "Hasil",
    "HasilSapuan",
    "MasalahKepesertaan",
    "RekonsiliasiRagu",
    "WorklistError",
    "akses_periksa_perubahan",
    "antre_ulang_setelah",
    "jeda_backoff",
    "kepesertaan_keadaan",
    "kepesertaan_mulai",
    "kepesertaan_periksa",
    "kepesertaan_segar",
    "kepesertaan_timeout",
    "klaim_kedaluwarsa",
    "lepas_antrean_tertunda",
    "minta_probe",
    "nama_pekerja",
    "outbox_antrean_panggil",
    "outbox_kunjungan_baru",
    "outbox_kunjungan_batal",
    "pemutus_periksa",
    "percobaan_maks",
    "permintaan_proses",
    "pilih_jadwal",
    "probe_pemutus",
    "pulih",
    "retry_batas",
    "retry_dasar",
    "sapu",
    "worklist_coba_lagi",
    "worklist_pilih_pcare",
    "worklist_tandai_selesai",
    "worklist_ubah_umum",
]
