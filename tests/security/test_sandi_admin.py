"""Admins need passwords of at least 12 characters; other officers Django's usual 8."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def test_an_admin_password_under_twelve_characters_is_refused(admin_puskesmas):
    with pytest.raises(ValidationError) as e:
        validate_password("Pkm-sehat-26", user=admin_puskesmas.user)  # 12: fine
        validate_password("Pkm-sehat26", user=admin_puskesmas.user)  # 11: refused
    assert "minimal 12 karakter" in str(e.value)


def test_a_head_of_puskesmas_counts_as_admin(puskesmas):
    from puskesmas.models import Petugas

    kepala = Petugas.objects.get(user__username="kepala").user
    with pytest.raises(ValidationError):
        validate_password("Kepala-2026", user=kepala)


def test_a_loket_officer_may_use_ten_characters(petugas_loket):
    validate_password("Loket-2026", user=petugas_loket.user)


def test_the_admin_password_change_form_applies_the_rule(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": "sehat-2026",
            "new_password1": "Pendek-2026",
            "new_password2": "Pendek-2026",
        },
    )
    assert response.status_code == 200
    assert "minimal 12 karakter" in response.content.decode()
