"""Forms of the downtime pages. The back-entry and correction forms produce the same payload
the offline browser sends, so paper entries and corrections go through the very same replay."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from antrean.models import UnitLayanan
from pendaftaran.models import JenisKelamin, Penjamin
from puskesmas.models import Loket, Puskesmas
from puskesmas.widgets import TanggalField, TanggalInput

from .models import AlasanDowntime, EpisodeDowntime

BENDERA = {
    "hamil": "Sedang hamil",
    "suspek_menular": "Dugaan penyakit menular",
    "disabilitas": "Disabilitas",
    "darurat": "Gawat darurat",
    "gagal_daftar_online": "Gagal daftar online",
}


class WaktuInput(forms.DateTimeInput):
    """dd-mm-yyyy HH.MM typed as digits (static/js/tanggal.js), whatever the browser's language:
    datetime-local showed "mm/dd/yyyy, --:-- --" in an English browser. ISO is still read."""

    input_type = "text"

    def __init__(self, **kwargs):
        attrs = {
            "data-waktu": "",
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": "HH-BB-TTTT JJ.MM",
            "maxlength": "16",
            **kwargs.pop("attrs", {}),
        }
        super().__init__(format="%d-%m-%Y %H.%M", attrs=attrs, **kwargs)


class FormDeklarasi(forms.Form):
    loket = forms.ModelChoiceField(
        queryset=Loket.objects.none(),
        required=False,
        empty_label="Seluruh Puskesmas",
        label="Cakupan",
    )
    alasan = forms.ChoiceField(label="Alasan", choices=AlasanDowntime.choices)
    keterangan = forms.CharField(label="Keterangan", max_length=300, required=False)
    # A Puskesmas-wide downtime changes every loket: the admin confirms it on a second step.
    konfirmasi = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, puskesmas: Puskesmas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loket"].queryset = Loket.objects.filter(puskesmas=puskesmas, aktif=True)

    @property
    def perlu_konfirmasi(self) -> bool:
        """Valid, Puskesmas-wide and not yet confirmed: show the confirmation step."""
        d = self.cleaned_data
        return d.get("loket") is None and not d.get("konfirmasi")

    def alasan_label(self) -> str:
        return dict(AlasanDowntime.choices).get(self.cleaned_data.get("alasan", ""), "")

    def semua_loket(self) -> list[Loket]:
        return list(self.fields["loket"].queryset)


class FormEpisode(forms.ModelForm):
    direspons_pada = forms.DateTimeField(
        label="Direspons pada", required=False, widget=WaktuInput()
    )

    class Meta:
        model = EpisodeDowntime
        fields = ["penyebab", "perbaikan", "direspons_pada"]
        widgets = {
            "penyebab": forms.Textarea(attrs={"rows": 2}),
            "perbaikan": forms.Textarea(attrs={"rows": 2}),
        }


class FormEntri(forms.Form):
    """Patient + visit fields of an entry, in the replay payload's vocabulary."""

    no_rm = forms.CharField(
        label="No. RM (pasien lama)",
        max_length=12,
        required=False,
        help_text="Isi untuk pasien lama; kosongkan dan isi data di bawah untuk pasien baru.",
    )
    nama = forms.CharField(label="Nama", max_length=150, required=False)
    nik = forms.CharField(label="NIK", max_length=20, required=False)
    nik_ibu = forms.CharField(label="NIK ibu (bayi)", max_length=20, required=False)
    no_bpjs = forms.CharField(label="No. kartu BPJS", max_length=20, required=False)
    tanggal_lahir = TanggalField(
        widget=TanggalInput(lahir=True),
        label="Tanggal lahir",
        required=False,
    )
    jenis_kelamin = forms.ChoiceField(
        label="Jenis kelamin", choices=[("", "—"), *JenisKelamin.choices], required=False
    )
    alamat = forms.CharField(label="Alamat", max_length=255, required=False)
    no_hp = forms.CharField(label="No. HP", max_length=20, required=False)
    loket = forms.ModelChoiceField(queryset=Loket.objects.none(), label="Loket")
    waktu = forms.DateTimeField(label="Waktu pelayanan sebenarnya", widget=WaktuInput())
    unit = forms.ModelChoiceField(queryset=UnitLayanan.objects.none(), label="Unit layanan")
    penjamin = forms.ChoiceField(label="Penjamin", choices=Penjamin.choices)
    keluhan = forms.CharField(label="Keluhan", max_length=500, required=False)
    nomor_antrean = forms.IntegerField(
        label="Nomor antrean di kertas/tiket luring",
        min_value=1,
        required=False,
        help_text="Dipakai bila nomor itu memang milik blok loket ini; jika tidak, diberi baru.",
    )
    sudah_dilayani = forms.BooleanField(
        label="Sudah dilayani di atas kertas",
        required=False,
        help_text="Centang bila pasien sudah selesai dilayani saat downtime: tiketnya dicatat "
        "selesai dan tidak masuk antrean tunggu.",
    )

    def __init__(self, *args, puskesmas: Puskesmas, **kwargs):
        super().__init__(*args, **kwargs)
        self.puskesmas = puskesmas
        self.fields["loket"].queryset = Loket.objects.filter(puskesmas=puskesmas)
        self.fields["unit"].queryset = UnitLayanan.objects.filter(puskesmas=puskesmas, aktif=True)
        for nama, label in BENDERA.items():
            self.fields[nama] = forms.BooleanField(label=label, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("no_rm") and not data.get("nama"):
            self.add_error("nama", "Isi No. RM pasien lama, atau nama pasien baru.")
        waktu = data.get("waktu")
        if waktu and waktu > timezone.now() + timedelta(minutes=10):
            self.add_error("waktu", "Waktu pelayanan tidak boleh di masa depan.")
        return data

    def ke_payload(self, *, client_uuid: str, petugas: str) -> dict:
        d = self.cleaned_data
        if d.get("no_rm"):
            pasien: dict = {"no_rm": d["no_rm"].strip()}
        else:
            pasien = {
                k: d.get(k) or ""
                for k in ("nama", "nik", "nik_ibu", "no_bpjs", "jenis_kelamin", "alamat", "no_hp")
            }
            pasien["tanggal_lahir"] = (
                d["tanggal_lahir"].isoformat() if d.get("tanggal_lahir") else ""
            )
        waktu: datetime = d["waktu"]
        return {
            "client_uuid": client_uuid,
            "dibuat_klien": waktu.isoformat(),
            "loket": d["loket"].kode,
            "petugas": petugas,
            "nomor_antrean": d.get("nomor_antrean"),
            "pasien": pasien,
            "kunjungan": {
                "unit": d["unit"].kode,
                "penjamin": d["penjamin"],
                "keluhan": d.get("keluhan") or "",
                "sudah_dilayani": bool(d.get("sudah_dilayani")),
                **{b: bool(d.get(b)) for b in BENDERA},
            },
        }

    @classmethod
    def awal_dari_payload(cls, payload: dict, *, puskesmas: Puskesmas) -> dict:
        """Initial values for correcting a stored entry."""
        p = payload.get("pasien") if isinstance(payload.get("pasien"), dict) else {}
        k = payload.get("kunjungan") if isinstance(payload.get("kunjungan"), dict) else {}
        awal = {
            f: p.get(f, "")
            for f in (
                "nama",
                "nik",
                "nik_ibu",
                "no_bpjs",
                "jenis_kelamin",
                "alamat",
                "no_hp",
                "tanggal_lahir",
                "no_rm",
            )
        }
        awal["loket"] = Loket.objects.filter(puskesmas=puskesmas, kode=payload.get("loket")).first()
        awal["unit"] = UnitLayanan.objects.filter(puskesmas=puskesmas, kode=k.get("unit")).first()
        awal["penjamin"] = k.get("penjamin", "")
        awal["keluhan"] = k.get("keluhan", "")
        awal["nomor_antrean"] = payload.get("nomor_antrean")
        from .replay import urai_waktu

        waktu = urai_waktu(payload.get("dibuat_klien"))
        awal["waktu"] = timezone.localtime(waktu).strftime("%d-%m-%Y %H.%M") if waktu else ""
        for b in BENDERA:
            awal[b] = bool(k.get(b))
        return awal


class FormSusulan(FormEntri):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    episode = forms.ModelChoiceField(
        queryset=EpisodeDowntime.objects.none(),
        required=False,
        label="Episode gangguan",
        empty_label="Otomatis (episode yang mencakup waktu pelayanan)",
    )

    def __init__(self, *args, puskesmas: Puskesmas, **kwargs):
        super().__init__(*args, puskesmas=puskesmas, **kwargs)
        self.fields["episode"].queryset = EpisodeDowntime.objects.filter(
            puskesmas=puskesmas
        ).order_by("-mulai")[:30]
        # Hidden UUID minted when the form is drawn: a double submit is one entry.
        if not self.is_bound:
            self.initial["client_uuid"] = str(uuid.uuid4())

    def ke_payload(self, *, client_uuid: str, petugas: str) -> dict:
        payload = super().ke_payload(client_uuid=client_uuid, petugas=petugas)
        payload["mode"] = "susulan"
        if self.cleaned_data.get("episode"):
            payload["episode_id"] = self.cleaned_data["episode"].pk
        return payload


class FormGabung(forms.Form):
    pasien_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    no_rm = forms.CharField(label="atau No. RM pasien lain", max_length=12, required=False)
    perbarui_data = forms.BooleanField(
        label="Perbarui data pasien (nama, tanggal lahir, alamat, HP) dari entri luring",
        required=False,
    )
    catatan = forms.CharField(label="Catatan", max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("pasien_id") and not data.get("no_rm"):
            raise forms.ValidationError("Pilih pasien kandidat atau isi No. RM.")
        return data


class FormCatatan(forms.Form):
    catatan = forms.CharField(label="Catatan", max_length=300, required=False)
