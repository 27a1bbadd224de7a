"""The roles a principal has: five kinds of account, and a hall's join token."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, accounts included
    OFFICE = "office"  # every session and report; approves bookings
    ORGANISER = "organiser"  # books sessions, owns their roster and notices
    OPERATOR = "operator"  # operates the sessions it is assigned to
    OBSERVER = "observer"  # a read-only console of the sessions it is assigned to
    SITE = "site"  # a hall's join token: its own media, hand and leaving
