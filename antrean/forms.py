from __future__ import annotations

from django import forms

from puskesmas.widgets import TanggalField

from .models import StatusTiket, Tiket, UnitLayanan


class FormAksi(forms.Form):
    """One form for every button on the poli page. Tickets and target units are limited to the
    officer's Puskesmas (and the ticket to the unit on screen) so a tampered id is simply
    "not found", never another Puskesmas' patient."""

    tiket = forms.ModelChoiceField(
        queryset=Tiket.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Tiket tidak ditemukan di unit ini."},
    )
    unit_tujuan = forms.ModelChoiceField(
        queryset=UnitLayanan.objects.none(),
        required=False,
        label="unit tujuan",
        error_messages={"invalid_choice": "Unit tujuan tidak tersedia."},
    )
    alasan = forms.CharField(required=False, max_length=200, label="alasan")

    def __init__(self, *args, unit: UnitLayanan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiket"].queryset = Tiket.objects.filter(unit=unit).exclude(
            status__in=(StatusTiket.SELESAI,)
        )
        self.fields["unit_tujuan"].queryset = UnitLayanan.objects.filter(
            puskesmas_id=unit.puskesmas_id, aktif=True
        ).exclude(pk=unit.pk)


class FormTanggal(forms.Form):
    tanggal = TanggalField(
        required=False,
        label="tanggal",
        error_messages={"invalid": "Tanggal tidak valid (format HH-BB-TTTT, mis. 01-12-2026)."},
    )
