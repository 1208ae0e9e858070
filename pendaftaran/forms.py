"""Loket forms. They parse what the officer typed and turn it into the plain data classes of
`validasi.py`; the rules themselves live there (shared with the API and offline replay), so a
form shows exactly the messages the service would raise, all at once, next to their fields."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone

from antrean.models import Layanan, UnitLayanan
from antrean.routing import LAYANAN_DIMINTA
from puskesmas import rujukan
from puskesmas.models import Loket, Puskesmas
from puskesmas.widgets import TanggalField, TanggalInput

from .models import JenisKelamin, Penjamin
from .validasi import DataKunjungan, DataPasien, Galat, validasi_pasien


class GalatMixin:
    """Shows a service's `galat` (field → messages) on the form: messages for fields the form
    has go next to them, anything else (e.g. `client_uuid`, `status`) on top of the form."""

    def tambah_galat(self, galat: Galat) -> None:
        for field, pesan_list in galat.items():
            target = field if field in self.fields else None  # type: ignore[attr-defined]
            for pesan in pesan_list:
                self.add_error(target, pesan)  # type: ignore[attr-defined]


class FormCari(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True)


class FormPasien(GalatMixin, forms.Form):
    """New patient, or changes to one. Fields are optional at form level on purpose: whether a
    field is required is decided by `validasi_pasien`, so the loket and the API agree."""

    nama = forms.CharField(
        label="Nama lengkap",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    nik = forms.CharField(
        label="NIK",
        required=False,
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "16 digit"}
        ),
    )
    nik_ibu = forms.CharField(
        label="NIK ibu (untuk bayi tanpa NIK)",
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    no_bpjs = forms.CharField(
        label="No. kartu BPJS",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "13 digit"}
        ),
    )
    tanggal_lahir = TanggalField(
        widget=TanggalInput(lahir=True),
        label="Tanggal lahir",
        required=False,
        error_messages={"invalid": "Tanggal lahir tidak valid; tulis mis. 17-08-1985."},
    )
    jenis_kelamin = forms.ChoiceField(
        label="Jenis kelamin",
        required=False,
        choices=JenisKelamin.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Jenis kelamin wajib dipilih: L atau P."},
    )
    alamat = forms.CharField(
        label="Alamat",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    no_hp = forms.CharField(
        label="No. HP",
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    konfirmasi_baru = forms.BooleanField(
        label="Saya sudah memeriksa, ini pasien baru", required=False
    )

    def __init__(self, *args, fokus: str = "nama", **kwargs):
        super().__init__(*args, **kwargs)
        # Where the cursor lands when the panel opens: the field the officer types first.
        self.fields[fokus].widget.attrs["autofocus"] = True

    def data_pasien(self) -> DataPasien:
        c = self.cleaned_data
        return DataPasien(
            nama=c.get("nama") or "",
            tanggal_lahir=c.get("tanggal_lahir"),
            jenis_kelamin=c.get("jenis_kelamin") or "",
            nik=c.get("nik") or "",
            nik_ibu=c.get("nik_ibu") or "",
            no_bpjs=c.get("no_bpjs") or "",
            alamat=c.get("alamat") or "",
            no_hp=c.get("no_hp") or "",
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        # A date that could not be parsed reaches the rules as "missing"; its own parse error
        # is already on the field, so only fields without an error get the rules' messages.
        galat = validasi_pasien(self.data_pasien().rapikan(), hari_ini=timezone.localdate())
        for field, pesan_list in galat.items():
            for pesan in pesan_list:
                if field in self.fields and field not in self.errors:
                    self.add_error(field, pesan)
                elif field not in self.fields:
                    self.add_error(None, pesan)
        return cleaned

    @classmethod
    def dari_pasien(cls, pasien, **kwargs) -> FormPasien:
        return cls(
            initial={
                "nama": pasien.nama,
                "nik": pasien.nik or "",
                "nik_ibu": pasien.nik_ibu,
                "no_bpjs": pasien.no_bpjs or "",
                "tanggal_lahir": pasien.tanggal_lahir,
                "jenis_kelamin": pasien.jenis_kelamin,
                "alamat": pasien.alamat,
                "no_hp": pasien.no_hp,
            },
            **kwargs,
        )


PILIHAN_LAYANAN = [("", "— tidak ada, ikuti saran —")] + [
    (kode, Layanan(kode).label) for kode in LAYANAN_DIMINTA
]


class UnitChoiceField(forms.ModelChoiceField):
    """Renders from its queryset; a submitted id is looked up in the Puskesmas' active units
    from the reference cache (`puskesmas_id` set), so saving a visit reads no unit row."""

    puskesmas_id: int | None = None

    def label_from_instance(self, obj: UnitLayanan) -> str:
        return f"{obj.nama} ({obj.prefix})"

    def to_python(self, value):
        if self.puskesmas_id is None or value in self.empty_values:
            return super().to_python(value)
        nilai = str(value).strip()
        ok = nilai.isascii() and nilai.isdigit()
        unit = rujukan.unit(self.puskesmas_id, int(nilai)) if ok else None
        if unit is None or not unit.aktif or str(unit.pk) != nilai:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return unit


class FormKunjungan(GalatMixin, forms.Form):
    """Today's visit for one patient. `client_uuid` is minted when the form is first rendered
    and travels back with every submit of that form: a double click, or a retry after the
    network dropped, registers the patient once (the service is idempotent on it)."""

    client_uuid = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Formulir tidak lengkap; muat ulang halaman.",
            "invalid": "Formulir tidak lengkap; muat ulang halaman.",
        },
    )
    penjamin = forms.ChoiceField(
        label="Penjamin",
        choices=Penjamin.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Penjamin wajib dipilih: BPJS atau umum.",
            "invalid_choice": "Penjamin wajib dipilih: BPJS atau umum.",
        },
    )
    keluhan = forms.CharField(
        label="Keluhan utama",
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "mis. demam 3 hari", "autofocus": True}
        ),
        error_messages={"max_length": "Keluhan terlalu panjang (maksimal 500 karakter)."},
    )
    hamil = forms.BooleanField(label="Sedang hamil", required=False)
    suspek_menular = forms.BooleanField(label="Dugaan penyakit menular (TB, dll.)", required=False)
    disabilitas = forms.BooleanField(label="Penyandang disabilitas", required=False)
    darurat = forms.BooleanField(label="Gawat darurat", required=False)
    gagal_daftar_online = forms.BooleanField(
        label="Gagal daftar online (prioritas)", required=False
    )
    layanan_diminta = forms.ChoiceField(
        label="Layanan diminta", choices=PILIHAN_LAYANAN, required=False
    )
    unit = UnitChoiceField(
        label="Unit tujuan",
        queryset=UnitLayanan.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Unit tujuan wajib dipilih.",
            "invalid_choice": "Unit tujuan tidak tersedia; pilih unit lain.",
        },
    )

    def __init__(self, *args, puskesmas: Puskesmas, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = UnitLayanan.objects.filter(
            puskesmas=puskesmas, aktif=True
        ).select_related("klaster")
        self.fields["unit"].puskesmas_id = puskesmas.pk

    def data_kunjungan(self) -> DataKunjungan:
        c = self.cleaned_data
        return DataKunjungan(
            penjamin=c.get("penjamin") or "",
            keluhan=c.get("keluhan") or "",
            hamil=bool(c.get("hamil")),
            suspek_menular=bool(c.get("suspek_menular")),
            disabilitas=bool(c.get("disabilitas")),
            darurat=bool(c.get("darurat")),
            gagal_daftar_online=bool(c.get("gagal_daftar_online")),
            layanan_diminta=c.get("layanan_diminta") or "",
        )


def data_kunjungan_longgar(data) -> DataKunjungan:
    """The routing-relevant part of a half-filled visit form, for recomputing the suggestion
    while the officer ticks boxes; nothing here is validated or saved."""
    layanan = data.get("layanan_diminta") or ""
    return DataKunjungan(
        penjamin=data.get("penjamin") or "",
        hamil=bool(data.get("hamil")),
        suspek_menular=bool(data.get("suspek_menular")),
        disabilitas=bool(data.get("disabilitas")),
        darurat=bool(data.get("darurat")),
        gagal_daftar_online=bool(data.get("gagal_daftar_online")),
        layanan_diminta=layanan if layanan in LAYANAN_DIMINTA else "",
    )


class FormBatal(GalatMixin, forms.Form):
    alasan = forms.CharField(
        label="Alasan pembatalan",
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "mis. salah pilih unit, pasien pulang"}
        ),
        error_messages={
            "required": "Alasan pembatalan wajib diisi.",
            "max_length": "Alasan terlalu panjang (maksimal 200 karakter).",
        },
    )


class FormPilihLoket(forms.Form):
    loket = forms.ModelChoiceField(
        label="Loket",
        queryset=Loket.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Loket wajib dipilih.",
            "invalid_choice": "Loket tidak tersedia; pilih loket lain.",
        },
    )

    def __init__(self, *args, puskesmas: Puskesmas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loket"].queryset = Loket.objects.filter(puskesmas=puskesmas, aktif=True)
