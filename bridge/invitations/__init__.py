"""A roster site's invitation to a session (giấy mời): the printable page in Vietnamese
administrative style and the ``.ics`` calendar file, both made from one ``Invitation``.

Pure: an ``Invitation`` in, text out. Which link it carries (a fresh one, issued and
audited) and what the store says of the session is the HTTP shell's to gather
(``bridge/signaling/invitation_api.py``).
"""

from bridge.invitations.document import Invitation, NoticeLine
from bridge.invitations.html import render_html
from bridge.invitations.ics import render_ics

__all__ = ["Invitation", "NoticeLine", "render_html", "render_ics"]
