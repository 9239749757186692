"""Log filters for records that come from the client's mistakes, not ours."""

import logging

from common.clipping import clip

# Longer messages are cut here: a client chooses what goes into them.
MAX_MESSAGE_LENGTH = 500


class ClientMistake(logging.Filter):
    """Turn an ERROR with a traceback into one short WARNING line.

    Django logs a request with a Host header outside ALLOWED_HOSTS at ERROR,
    traceback attached, with the header's value in the message. Anyone can
    send one, so it is neither an error of the service nor worth an error
    report. Attach it to the logger, not a handler: error reporters hook in
    between the two, and must see the warning.
    """

    def filter(self, record):
        record.msg, record.args = clip(record.getMessage(), MAX_MESSAGE_LENGTH), ()
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = record.stack_info = None
        return True
