"""A local SMTP server for the email tests (aiosmtpd): keeps each message it
accepts in DIR as NNNN.eml; the BLOCK_AT-th message (0: none) is held, with
DIR/blocked written, until DIR/release exists, then refused (451).

    python3 tests/smtp_sink.py DIR PORT [BLOCK_AT]
"""
import asyncio
import pathlib
import sys
import time

from aiosmtpd.controller import Controller

out = pathlib.Path(sys.argv[1])
port = int(sys.argv[2])
block_at = int(sys.argv[3]) if len(sys.argv) > 3 else 0
out.mkdir(parents=True, exist_ok=True)


class Keep:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        if self.n == block_at:
            (out / "blocked").write_text(str(self.n))
            while not (out / "release").exists():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        (out / f"{self.n:04}.eml").write_bytes(envelope.content)
        return "250 OK"


controller = Controller(Keep(), hostname="127.0.0.1", port=port)
controller.start()
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
