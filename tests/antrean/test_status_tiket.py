from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from pendaftaran import services
from pendaftaran.validasi import DataKunjungan

pytestmark = pytest.mark.django_db


def test_the_qr_status_page_shows_position_and_no_personal_data(
    client, puskesmas, pasien_umum, pasien_bpjs, unit
):
    for p in (pasien_bpjs, pasien_umum):
        hasil = services.kunjungan_daftar(
            puskesmas=puskesmas,
            pasien=p,
            unit=unit,
            data=DataKunjungan(penjamin="umum"),
            client_uuid=uuid.uuid4(),
        )
    tiket = hasil.kunjungan.tiket.get()
    r = client.get(reverse("antrean:status_tiket", args=[tiket.token_publik]))
    body = r.content.decode()
    assert r.status_code == 200 and "A-002" in body and "<strong>1</strong> pasien" in body
    assert pasien_umum.nama not in body and pasien_umum.nik not in body
    # The patient is not signed in: the page still names the Puskesmas, top bar and title.
    assert body.count(puskesmas.nama) >= 3 and "· Puskesmas</title>" not in body


def test_an_unknown_token_is_a_plain_404(client, db):
    assert client.get(reverse("antrean:status_tiket", args=["tidak-ada"])).status_code == 404
