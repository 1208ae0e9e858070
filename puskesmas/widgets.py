"""Form widgets shared by the apps' forms."""

from __future__ import annotations

from django import forms

# Accepted everywhere a person types a date: the KTP order first, ISO for the API and pasted
# values. Eight bare digits ("17081985") are read by TanggalField; "%d%m%Y" itself would also
# take seven digits and guess where the day ends.
FORMAT_TANGGAL = ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"]


class TanggalInput(forms.DateInput):
    """A date typed as on a KTP (dd-mm-yyyy), whatever the browser's language: <input
    type=date> shows mm/dd/yyyy in an English browser. static/js/tanggal.js adds the dashes and
    the age as it is typed."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None, *, lahir: bool = False):
        dasar = {
            "data-tanggal": "lahir" if lahir else "",  # a birth date shows the age as typed
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": "HH-BB-TTTT",
            "maxlength": "10",
        }
        super().__init__(attrs={**dasar, **(attrs or {})}, format="%d-%m-%Y")


class TanggalField(forms.DateField):
    """A DateField that reads dd-mm-yyyy, 8 bare KTP digits and ISO, with the TanggalInput."""

    widget = TanggalInput
    input_formats = FORMAT_TANGGAL

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) == 8 and value.strip().isdigit():
            v = value.strip()
            value = f"{v[:2]}-{v[2:4]}-{v[4:]}"
        return super().to_python(value)
