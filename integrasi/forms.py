from __future__ import annotations

from django import forms

from .models import Lingkungan

_RAHASIA = {"render_value": False, "attrs": {"autocomplete": "new-password"}}


class PengaturanForm(forms.Form):
    """Secrets are password inputs that never render their value: blank keeps what is saved."""

    bpjs_aktif = forms.BooleanField(label="Pakai kredensial BPJS sendiri", required=False)
    bpjs_cons_id = forms.CharField(label="Cons-id", max_length=20, required=False)
    bpjs_secret_key = forms.CharField(
        label="Secret key", required=False, widget=forms.PasswordInput(**_RAHASIA)
    )
    bpjs_user_key = forms.CharField(
        label="User key PCare", required=False, widget=forms.PasswordInput(**_RAHASIA)
    )
    bpjs_antrean_user_key = forms.CharField(
        label="User key Antrean FKTP", required=False, widget=forms.PasswordInput(**_RAHASIA)
    )
    pcare_username = forms.CharField(label="Username PCare", max_length=60, required=False)
    pcare_password = forms.CharField(
        label="Password PCare", required=False, widget=forms.PasswordInput(**_RAHASIA)
    )
    bpjs_app_code = forms.CharField(label="Kode aplikasi", max_length=10, required=False)
    pcare_base_url = forms.URLField(label="URL PCare", required=False, assume_scheme="https")
    antrean_base_url = forms.URLField(
        label="URL Antrean FKTP", required=False, assume_scheme="https"
    )
    jkn_aktif = forms.BooleanField(label="Pakai login Mobile JKN sendiri", required=False)
    jkn_username = forms.CharField(label="Username web service", max_length=60, required=False)
    jkn_password = forms.CharField(
        label="Password web service", required=False, widget=forms.PasswordInput(**_RAHASIA)
    )
    ss_aktif = forms.BooleanField(label="Kirim kunjungan ke SATUSEHAT", required=False)
    ss_client_id = forms.CharField(label="Client id", max_length=100, required=False)
    ss_client_secret = forms.CharField(
        label="Client secret", required=False, widget=forms.PasswordInput(**_RAHASIA)
    )
    ss_organization_id = forms.CharField(label="Organization id", max_length=64, required=False)
    ss_lingkungan = forms.ChoiceField(label="Lingkungan", choices=Lingkungan.choices)
    ss_base_url = forms.URLField(
        label="URL dasar (ganti)",
        required=False,
        help_text="Kosong: URL resmi lingkungan.",
        assume_scheme="https",
    )

    def __init__(self, *args, pengaturan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pengaturan = pengaturan

    def clean(self):
        data = super().clean()
        p = self.pengaturan

        def ada(nama: str) -> bool:
            return bool(data.get(nama)) or bool(p is not None and p.rahasia_terisi(nama))

        if data.get("ss_aktif"):
            for nama, label in (
                ("ss_client_id", "Client id"),
                ("ss_organization_id", "Organization id"),
            ):
                if not data.get(nama):
                    self.add_error(nama, f"{label} wajib diisi bila SATUSEHAT aktif.")
            if not ada("ss_client_secret"):
                self.add_error(
                    "ss_client_secret", "Client secret wajib diisi bila SATUSEHAT aktif."
                )
        if data.get("bpjs_aktif"):
            if not data.get("bpjs_cons_id"):
                self.add_error("bpjs_cons_id", "Cons-id wajib diisi bila kredensial BPJS sendiri.")
            if not ada("bpjs_secret_key"):
                self.add_error("bpjs_secret_key", "Secret key wajib diisi.")
        if data.get("jkn_aktif"):
            if not data.get("jkn_username"):
                self.add_error(
                    "jkn_username", "Username wajib diisi bila login Mobile JKN sendiri."
                )
            if not ada("jkn_password"):
                self.add_error("jkn_password", "Password wajib diisi.")
        return data


class PemetaanForm(forms.Form):
    location_id = forms.CharField(label="Location id", max_length=64)
    praktisi_nik = forms.CharField(label="NIK praktisi bertugas", max_length=16)
