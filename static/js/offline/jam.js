// Time the loket can trust (issue 9). The PC's clock may be hours or a day off; the server's is
// the reference. Every healthy heartbeat teaches the page the offset (server − PC, with half the
// round trip), and the page keeps a monotonic anchor (performance.now) so the corrected time
// stays right through an outage even if someone changes the PC clock meanwhile. The last offset
// is also stored, for a page reloaded while offline (service-worker shell).
//
// Each entry records both clocks: `dibuat_klien` (corrected, ISO UTC with milliseconds) and
// `jam_pc` (the PC's own), plus `selisih_jam_ms`, so the server can judge and show both.

export const AMBANG_PERINGATAN_MS = 2 * 60 * 1000;

/**
 * sekarang()  the PC clock in ms (Date.now)
 * monotonic() a clock that never jumps (performance.now), ms
 * simpan(o) / muat()  persistence of {selisih, pada} across reloads (localStorage)
 */
export function buatJam({ sekarang = () => Date.now(), monotonic = () => performance.now(),
  simpan = () => {}, muat = () => null } = {}) {
  let jangkar = null; // {server: ms, mono: ms} from the last sync in this page's life
  let selisih = null; // server − PC in ms
  const tersimpan = muat();
  if (tersimpan && Number.isFinite(tersimpan.selisih)) selisih = tersimpan.selisih;

  return {
    /** A healthy answer: `waktuServerIso` read when the request had taken `rttMs`. */
    sinkron(waktuServerIso, rttMs = 0) {
      const server = Date.parse(waktuServerIso);
      if (!Number.isFinite(server)) return;
      const tengah = server + Math.max(0, rttMs) / 2;
      jangkar = { server: tengah, mono: monotonic() };
      selisih = Math.round(tengah - sekarang());
      try { simpan({ selisih, pada: tengah }); } catch (e) { /* storage full: keep it in memory */ }
    },
    /** Corrected now in ms: the monotonic anchor if we have one, else PC + stored offset. */
    sekarang() {
      if (jangkar) return jangkar.server + (monotonic() - jangkar.mono);
      return sekarang() + (selisih || 0);
    },
    get selisih() {
      // Offset as it stands now (the PC clock may have been changed since the last sync).
      if (jangkar) return Math.round(this.sekarang() - sekarang());
      return selisih;
    },
    get tersinkron() { return jangkar !== null; },
    /** "" or an Indonesian warning for the officer when the PC clock is off by > 2 minutes. */
    peringatan() {
      const s = this.selisih;
      if (s == null || Math.abs(s) <= AMBANG_PERINGATAN_MS) return "";
      const menit = Math.round(Math.abs(s) / 60000);
      const teks = menit >= 120 ? `${Math.round(menit / 60)} jam` : `${menit} menit`;
      return `Jam komputer ini ${s > 0 ? "terlambat" : "terlalu cepat"} ${teks} dibanding server. ` +
        "Pendaftaran tetap memakai jam server; minta teknisi membetulkan jam komputer.";
    },
    /** The fields each offline entry carries. */
    cap() {
      const benar = this.sekarang();
      return { dibuat_klien: new Date(benar).toISOString(), jam_pc: new Date(sekarang()).toISOString(),
        selisih_jam_ms: this.selisih == null ? null : Math.round(this.selisih) };
    },
  };
}

/** "YYYY-MM-DD" of a ms time in the Puskesmas' zone (offset minutes east of UTC, e.g. 420). */
export function tanggalDi(ms, offsetMenit) {
  const d = new Date(ms + offsetMenit * 60000);
  return d.toISOString().slice(0, 10);
}
