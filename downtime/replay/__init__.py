"""Replay of registrations made offline or on paper, and the admin's review decisions.

Every entry is stored (keyed by its client UUID) in the same transaction that processes it, so:
- a batch sent twice is answered from the stored rows and creates nothing new;
- a batch interrupted half-way leaves the entries before the break committed, and the re-sent
  batch picks up where it stopped;
- no entry is ever dropped: each ends created, attached, duplicate (pointing at the visit that
  was kept), in review, or rejected with field messages for an admin to correct.

Registration itself is not re-implemented here: patients and visits go through
`pendaftaran.services` (or, for a batch's plain entries, the bulk writer `serentak`, which uses
the same rules, numbering helpers and duplicate checks), so the same validation, numbering and
idempotency apply as at the loket.

The package points one way: `urai` (read and validate an entry) ← `entri` (one entry in its own
transaction) ← `serentak` (the set-wise write of a batch's plain entries) ← `batch` (order,
episode, which path); `tinjau` (review decisions) uses `urai` and `entri`. Callers import from
`downtime.replay` only.
"""

from .batch import MetaBatch, replay_batch
from .entri import BATAS_BATCH, GAGAL_SEMENTARA, hasil_json, perlu_diberitahu, replay_entri
from .tinjau import tinjau_gabung, tinjau_koreksi, tinjau_pisah
from .urai import Urai, urai_entri, urai_waktu

__all__ = [
    "BATAS_BATCH",
    "GAGAL_SEMENTARA",
    "MetaBatch",
    "Urai",
    "hasil_json",
    "perlu_diberitahu",
    "replay_batch",
    "replay_entri",
    "tinjau_gabung",
    "tinjau_koreksi",
    "tinjau_pisah",
    "urai_entri",
    "urai_waktu",
]
