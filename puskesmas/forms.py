from django import forms
from django.contrib.auth.forms import AuthenticationForm


class FormMasuk(AuthenticationForm):
    error_messages = {
        "invalid_login": "Nama pengguna atau kata sandi salah. Periksa huruf besar/kecil.",
        "inactive": "Akun ini dinonaktifkan. Hubungi admin Puskesmas.",
    }

    username = forms.CharField(
        label="Nama pengguna",
        error_messages={"required": "Nama pengguna wajib diisi."},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Kata sandi",
        strip=False,
        error_messages={"required": "Kata sandi wajib diisi."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
