"""A tiny SMTP relay for the integration tests: stores every message it accepts.

Usage: smtp_sink.py DIR PORT [--reject]

Each accepted message becomes DIR/<n>.eml: an `X-Sink-Envelope-From` and an
`X-Sink-Envelope-To` line (the SMTP envelope), then the message as received. With
`--reject`, every recipient is refused with a permanent `550`. Runs until killed.
"""

import time
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, reject):
        self.directory = directory
        self.reject = reject
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return "550 5.1.1 sink says: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.directory, f"{self.count}.eml")
        head = (
            f"X-Sink-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Sink-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(head + envelope.original_content)
        os.rename(tmp, name)
        return "250 Message accepted for delivery"


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    reject = "--reject" in sys.argv[3:]
    controller = Controller(Sink(directory, reject), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
