// Replay of the outbox to POST /api/v1/replay (contract: downtime/README.md). Storage, fetch
// and the clock are passed in, so the same code runs in the page and in node tests.
//
// Rules: oldest first, in batches; an entry leaves the outbox only when the server answered
// it with a final status. A network error, a 5xx, or an entry missing from the answer keeps
// it; re-sending is safe because the server is idempotent on client_uuid, so a replay cut off
// half-way simply runs again from the start of what is left.

export const FINAL = new Set(["dibuat", "dilampirkan", "duplikat", "ditinjau", "ditolak"]);
export const UKURAN_BATCH = 50;

export class ReplayBerhenti extends Error {
  constructor(alasan, pesan, status) { super(pesan); this.alasan = alasan; this.status = status; }
}

/** What the officer must hear about an answered entry, or "" when nothing needs attention. */
export function pesanHasil(h, kodeLuring = "") {
  const kode = h.tiket && h.tiket.kode;
  if (h.status === "duplikat") {
    const d = h.duplikat_dari || {};
    const nomor = (d.tiket && (d.tiket.kode || d.tiket)) || "yang sudah ada";
    const di = d.loket ? ` (didaftarkan di ${d.loket.kode || d.loket})` : "";
    return `Sudah terdaftar hari ini di unit yang sama${di}: panggil dengan nomor ${nomor}.`;
  }
  if (h.status === "ditinjau") {
    const sebab = { konflik_nik: "NIK/kartu milik orang dengan nama atau tanggal lahir lain",
      mirip: "ada pasien lain yang mirip", galat_sistem: "galat sistem" }[h.alasan] || h.alasan || "";
    const antre = kode ? `; antrean ${kode} tetap berlaku`
      : `; belum masuk antrean sampai admin memutuskan${kodeLuring ? ` (pasien memegang tiket ${kodeLuring})` : ""} — beri tahu admin`;
    return `Perlu ditinjau admin${sebab ? ` (${sebab})` : ""}${antre}.` + (h.pesan ? ` ${h.pesan}` : "");
  }
  if (h.status === "ditolak") {
    const galat = Object.entries(h.galat || {}).map(([f, ps]) => `${f}: ${[].concat(ps).join(" ")}`).join("; ");
    return `Ditolak server — ${galat || h.pesan || "data tidak valid"}. Admin memperbaikinya di halaman tinjau.`;
  }
  if (h.nomor_baru && kode) return `Nomor berubah menjadi ${kode}. ${h.pesan || ""}`.trim();
  return "";
}

/**
 * Send everything in the outbox. Returns {terkirim, total, hasil: [{entri, hasil}]}.
 * Throws ReplayBerhenti("jaringan" | "sesi" | "ditolak_batch") and leaves the rest in place.
 *   outbox      buatOutbox(...)
 *   fetch       window.fetch or a fake
 *   csrf        () => token (read at send time: a login rotates it)
 *   sekarangIso () => local ISO time, for online_kembali
 *   meta        {loket, jenis, offline_sejak}
 *   onProgress  (n, N) after each batch (and once at 0)
 *   simpanHasil async (entri, hasil) => void, for outcomes shown to the officer
 */
export async function kirimSemua({ outbox, fetch, csrf = () => "", sekarangIso, meta = {},
  onProgress = () => {}, simpanHasil = async () => {}, ukuranBatch = UKURAN_BATCH,
  url = "/api/v1/replay" }) {
  const semua = await outbox.siapKirim();
  const total = semua.length;
  let terkirim = 0;
  const hasilSemua = [];
  onProgress(0, total);
  for (let i = 0; i < semua.length; i += ukuranBatch) {
    const batch = semua.slice(i, i + ukuranBatch);
    const body = {
      loket: meta.loket || batch[0].loket,
      offline_sejak: meta.offline_sejak || batch[0].dibuat_klien,
      online_kembali: sekarangIso(),
      jenis: meta.jenis === "server" ? "server" : "jaringan_loket",
      jumlah_offline: total,
      mode: "offline",
      entri: batch.map((e) => e.payload),
    };
    let resp;
    try {
      resp = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new ReplayBerhenti("jaringan", "Server tidak terjangkau; dikirim lagi otomatis.", 0);
    }
    if (resp.status === 401 || resp.status === 403) {
      throw new ReplayBerhenti("sesi", "Sesi berakhir atau tidak berhak: masuk lagi untuk mengirim.", resp.status);
    }
    if (resp.status >= 500 || resp.status === 0) {
      throw new ReplayBerhenti("jaringan", `Server bermasalah (kode ${resp.status}); dikirim lagi otomatis.`, resp.status);
    }
    if (!resp.ok) {
      // The batch itself was refused: retrying will not help, a person must look.
      let pesan = `Kiriman ditolak (kode ${resp.status}).`;
      try { const j = await resp.json(); if (j && j.pesan) pesan = `${j.pesan} (kode ${resp.status})`; } catch (e) { /* not JSON */ }
      for (const e of batch) await outbox.tandai(e.client_uuid, { status: "ditahan", pesan });
      throw new ReplayBerhenti("ditolak_batch", pesan, resp.status);
    }
    let data;
    try { data = await resp.json(); } catch (e) {
      // A cut-off or garbled answer: nothing is known, so everything stays and is sent again.
      throw new ReplayBerhenti("jaringan", "Jawaban server terpotong; dikirim lagi otomatis.", resp.status);
    }
    const perUuid = new Map((data.hasil || []).map((h) => [h.client_uuid, h]));
    for (const e of batch) {
      const h = perUuid.get(e.client_uuid);
      if (h && FINAL.has(h.status)) {
        await simpanHasil(e, h);
        await outbox.hapus(e.client_uuid);
        terkirim += 1;
        hasilSemua.push({ entri: e, hasil: h });
      } else {
        await outbox.tandai(e.client_uuid, {
          status: h ? "gagal_sementara" : "menunggu",
          percobaan: (e.percobaan || 0) + 1,
          pesan: (h && h.pesan) || "Belum terkonfirmasi; dikirim lagi.",
        });
      }
    }
    onProgress(terkirim, total);
  }
  return { terkirim, total, hasil: hasilSemua };
}
