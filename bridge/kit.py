"""The hall PC kit: the bridge's local CA certificate and how to install it (vi, en).

Installed once on a hall's PC, the CA makes every page the bridge serves trusted: the
browser then gives the page its microphone and camera. ``bridge kit --out DIR`` writes it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bridge import tls

CA_FILE = "ca.crt"  # PEM; Windows opens .crt by double-click, update-ca-certificates wants .crt

HUONG_DAN = """\
BỘ CÀI CHO MÁY HỘI TRƯỜNG — chứng chỉ gốc (CA) của cầu truyền hình

Trình duyệt chỉ cho trang dùng micrô và camera khi trang được mở qua HTTPS với chứng chỉ
tin cậy. Cầu truyền hình tự cấp chứng chỉ từ CA nội bộ của mình; cài tệp ca.crt này MỘT LẦN
trên mỗi máy hội trường, rồi mở đường dẫn tham gia bắt đầu bằng https://.

Trước khi cài, kiểm tra dấu vân tay SHA-256 của chứng chỉ khớp với dòng cầu in khi khởi động:
  {fingerprint}

WINDOWS (Chrome, Edge)
  Cách 1: nhấp đúp ca.crt > Install Certificate > Local Machine >
          "Place all certificates in the following store" > Trusted Root Certification
          Authorities > Finish.
  Cách 2: mở Command Prompt bằng quyền quản trị (Run as administrator) và chạy:
          certutil -addstore -f Root ca.crt
  Khởi động lại trình duyệt.

DEBIAN / UBUNTU
  Hệ thống (curl, bridge agent…):
    sudo cp ca.crt /usr/local/share/ca-certificates/bridge-ca.crt
    sudo update-ca-certificates
  Chromium / Chrome (dùng kho NSS riêng của người dùng; gói libnss3-tools):
    sudo apt-get install libnss3-tools
    mkdir -p ~/.pki/nssdb
    certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "Bridge local CA" -i ca.crt
  Firefox: Cài đặt > Quyền riêng tư & Bảo mật > Xem chứng chỉ > Nhà cung cấp > Nhập…,
    chọn ca.crt, đánh dấu "Tin cậy CA này để nhận dạng trang web".
  Khởi động lại trình duyệt.

Nếu trang vẫn báo không dùng được micrô: kiểm tra đường dẫn bắt đầu bằng https:// (không
phải http://), và hỏi cán bộ kỹ thuật của cầu.
"""

INSTRUCTIONS = """\
HALL PC KIT — the bridge's certificate authority (CA)

Browsers give a page the microphone and camera only when it is opened over HTTPS with a
trusted certificate. The bridge issues its certificate from its own local CA; install this
ca.crt ONCE on every hall PC, then open the join link that starts with https://.

Before installing, check that the certificate's SHA-256 fingerprint matches the one the
bridge printed at start:
  {fingerprint}

WINDOWS (Chrome, Edge)
  Either: double-click ca.crt > Install Certificate > Local Machine >
          "Place all certificates in the following store" > Trusted Root Certification
          Authorities > Finish.
  Or:     in a Command Prompt run as administrator:
          certutil -addstore -f Root ca.crt
  Restart the browser.

DEBIAN / UBUNTU
  System-wide (curl, bridge agent…):
    sudo cp ca.crt /usr/local/share/ca-certificates/bridge-ca.crt
    sudo update-ca-certificates
  Chromium / Chrome (they use the user's own NSS store; package libnss3-tools):
    sudo apt-get install libnss3-tools
    mkdir -p ~/.pki/nssdb
    certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "Bridge local CA" -i ca.crt
  Firefox: Settings > Privacy & Security > View Certificates > Authorities > Import…,
    choose ca.crt, tick "Trust this CA to identify websites".
  Restart the browser.

If the page still says it cannot use the microphone: check that the link starts with
https:// (not http://), and ask the bridge's technical staff.
"""

TEXTS = {"HUONG-DAN.txt": HUONG_DAN, "INSTRUCTIONS.txt": INSTRUCTIONS}


def write_kit(ca_path: Path, out: Path) -> list[Path]:
    """``ca.crt`` and the two instruction files (the CA's fingerprint filled in, so a
    hall can check it is the right one); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / CA_FILE
    shutil.copyfile(ca_path, target)
    os.chmod(target, 0o644)
    fingerprint = tls.fingerprint(tls.load_cert(ca_path))
    written = [target]
    for name, body in TEXTS.items():
        path = out / name
        path.write_text(body.replace("{fingerprint}", fingerprint), encoding="utf-8")
        written.append(path)
    return written
